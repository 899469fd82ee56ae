"""The demo has tagged links and "volunteers wanted" notices in both stories, and the notices
show on the municipality pages' partial."""

import pytest
from django.template.loader import render_to_string
from django.utils import translation

from accounts.demo_malmo import MALMO_GROUP, MALMO_PARTNER
from accounts.demo_work import JAMTLAND_GROUP
from municipalities.models import Municipality
from outreach import selectors
from outreach.models import Source

pytestmark = pytest.mark.django_db


def test_each_story_has_tagged_links_and_a_notice(demo):
    for group in (JAMTLAND_GROUP, MALMO_GROUP):
        links = Source.objects.filter(local_group__name=group, retired_at__isnull=True)
        assert set(links.values_list("target", flat=True)) == {"host", "volunteer"}
    assert Source.objects.filter(partner__name=MALMO_PARTNER, kind="newspaper").exists()
    for code, group in (("2309", JAMTLAND_GROUP), ("1280", MALMO_GROUP)):
        notices = selectors.volunteers_wanted_in(Municipality.objects.get(code=code))
        assert [notice.local_group.name for notice in notices] == [group]
    with translation.override("sv"):
        html = render_to_string(
            "outreach/_volunteers_wanted.html",
            {"notices": selectors.volunteers_wanted_in(Municipality.objects.get(code="1280"))},
        )
    assert "Tala ett språk" in html and "arabiska" in html.lower()
    assert "Ansök om att bli volontär" in html
