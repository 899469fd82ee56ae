"""The housing company's steps in the admin call its actions: a vacancy is recorded through the
quota and a refusal is shown on the form with what was typed; the steps that need input are no
bulk actions."""

from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.utils import timezone

from housing.actions import record_vacancy
from housing.models import Vacancy
from tests.factories import UnitFactory, offered_flat
from workflow.errors import DomainError

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def test_a_refused_vacancy_is_shown_on_the_form_with_the_dates_typed(english, quota, company_staff):
    unit = UnitFactory(company=quota.company)
    notice, free = TODAY, TODAY - timedelta(days=3)  # free before the notice: a typing mistake
    with pytest.raises(DomainError) as refused:
        record_vacancy(unit=unit, notice_given_on=notice, available_from=free, user=company_staff)
    english.force_login(company_staff)

    response = english.post(
        "/admin/housing/vacancy/add/",
        {
            "unit": unit.pk,
            "notice_given_on": notice.isoformat(),
            "available_from": free.isoformat(),
        },
    )

    assert response.status_code == refused.value.status
    errors = [str(e) for e in response.context["form"].non_field_errors()]
    assert errors == ["The flat cannot be free before the notice was given."]
    assert [str(m) for m in get_messages(response.wsgi_request)] == []
    html = response.content.decode()
    assert f'value="{notice.isoformat()}"' in html and f'value="{free.isoformat()}"' in html
    assert not Vacancy.objects.exists()


def test_declining_and_registering_are_no_bulk_actions(english, quota, coordinator, company_staff):
    offered_flat(quota, user=company_staff)
    for person, model in [(coordinator, "vacancy"), (company_staff, "contract")]:
        english.force_login(person)
        changelist = english.get(f"/admin/housing/{model}/")
        action_form = changelist.context["action_form"]  # None: no actions at all
        choices = dict(action_form.fields["action"].choices) if action_form else {}
        assert not [name for name in choices if name.startswith("step_")], model
