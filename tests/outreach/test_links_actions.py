"""Tagged links and "volunteers wanted" notices: the actions that make, retire, publish and take
them down, and who may."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts import roles
from outreach import actions, selectors
from outreach.models import InformationMeeting, Source, VolunteersWanted
from tests.factories import local_group, municipality, staff_user
from workflow.errors import Invalid, NotAllowed

pytestmark = pytest.mark.django_db

KROKOM = "2309"


@pytest.fixture
def groups(organisations):
    own = local_group(organisations["volunteers"], covers=["2380"])
    other = local_group(organisations["volunteers"], name="Krokomsgruppen", covers=[KROKOM])
    return own, other


@pytest.fixture
def group_coordinator(organisations, groups):
    return staff_user(
        roles.VOLUNTEER_COORDINATOR, organisations["volunteers"], local_group=groups[0]
    )


def meeting_of(group):
    start = timezone.now() + timedelta(days=7)
    return InformationMeeting.objects.create(
        local_group=group,
        municipality=municipality("2380"),
        title="Informationsmöte",
        topic=InformationMeeting.Topic.BOTH,
        starts_at=start,
        ends_at=start + timedelta(hours=2),
        place="Biblioteket",
        capacity=30,
    )


def test_a_coordinator_makes_a_link_for_their_group_with_a_short_code(groups, group_coordinator):
    source = actions.make_tagged_link(
        kind=Source.Kind.POSTER,
        target=Source.Target.HOST,
        label="  Affisch på biblioteket  ",
        local_group=groups[0],
        user=group_coordinator,
    )
    assert source.label == "Affisch på biblioteket"
    assert len(source.code) == 7 and set(source.code) <= set("abcdefghjkmnpqrstuvwxyz23456789")
    assert source.created_by == group_coordinator and source.retired_at is None
    assert list(selectors.links_for(group_coordinator)) == [source]


def test_another_groups_coordinator_may_not(groups, organisations):
    other = staff_user(
        roles.VOLUNTEER_COORDINATOR, organisations["volunteers"], local_group=groups[1]
    )
    with pytest.raises(NotAllowed):
        actions.make_tagged_link(
            kind="poster", target="host", label="x", local_group=groups[0], user=other
        )
    volunteer = staff_user(roles.VOLUNTEER, organisations["volunteers"], local_group=groups[0])
    with pytest.raises(NotAllowed):
        actions.make_tagged_link(
            kind="poster", target="host", label="x", local_group=groups[0], user=volunteer
        )


def test_a_partner_coordinator_makes_links_for_their_own_partner_only(coordinator, organisations):
    source = actions.make_tagged_link(
        kind="newspaper",
        target="volunteer",
        label="Annons i ÖP",
        partner=organisations["partner"],
        user=coordinator,
    )
    assert source.partner == organisations["partner"] and source.local_group is None
    with pytest.raises(NotAllowed):
        actions.make_tagged_link(
            kind="newspaper",
            target="host",
            label="x",
            partner=organisations["other_partner"],
            user=coordinator,
        )


def test_a_meeting_link_names_one_of_the_organisers_own_meetings(groups, group_coordinator):
    own, other = meeting_of(groups[0]), meeting_of(groups[1])
    with pytest.raises(Invalid):
        actions.make_tagged_link(
            kind="meeting", target="host", label="x", local_group=groups[0], user=group_coordinator
        )
    with pytest.raises(Invalid):
        actions.make_tagged_link(
            kind="meeting",
            target="host",
            label="x",
            meeting=other,
            local_group=groups[0],
            user=group_coordinator,
        )
    with pytest.raises(Invalid):
        actions.make_tagged_link(
            kind="poster",
            target="host",
            label="x",
            meeting=own,
            local_group=groups[0],
            user=group_coordinator,
        )
    source = actions.make_tagged_link(
        kind="meeting",
        target="host",
        label="Mötet i mars",
        meeting=own,
        local_group=groups[0],
        user=group_coordinator,
    )
    assert source.meeting == own


@pytest.mark.parametrize(
    "change",
    [{"kind": "billboard"}, {"target": "partner"}, {"label": "   "}, {"local_group": None}],
)
def test_bad_input_is_refused_with_a_message(groups, group_coordinator, change):
    arguments = {
        "kind": "poster",
        "target": "host",
        "label": "Affisch",
        "local_group": groups[0],
        "user": group_coordinator,
        **change,
    }
    with pytest.raises(Invalid):
        actions.make_tagged_link(**arguments)
    assert not Source.objects.exists()


def test_a_code_collision_draws_another_code(groups, group_coordinator, monkeypatch):
    first = actions.make_tagged_link(
        kind="poster", target="host", label="A", local_group=groups[0], user=group_coordinator
    )
    drawn = iter([first.code, first.code, "zzzzzzz"])
    monkeypatch.setattr("outreach.actions.links.new_code", lambda: next(drawn))
    second = actions.make_tagged_link(
        kind="poster", target="host", label="B", local_group=groups[0], user=group_coordinator
    )
    assert second.code == "zzzzzzz"
    assert Source.objects.count() == 2


def test_a_retired_link_is_no_longer_live_and_retiring_again_changes_nothing(
    groups, group_coordinator
):
    source = actions.make_tagged_link(
        kind="poster", target="host", label="A", local_group=groups[0], user=group_coordinator
    )
    assert selectors.live_source(source.code) == source
    assert selectors.live_source(source.code.upper()) == source
    assert selectors.live_source(source.code, target="volunteer") is None
    actions.retire_tagged_link(source=source, user=group_coordinator)
    retired_at = source.retired_at
    assert retired_at is not None
    assert selectors.live_source(source.code) is None
    actions.retire_tagged_link(source=source, user=group_coordinator)
    assert source.retired_at == retired_at


def test_another_group_cannot_retire_the_link(groups, group_coordinator, organisations):
    source = actions.make_tagged_link(
        kind="poster", target="host", label="A", local_group=groups[0], user=group_coordinator
    )
    other = staff_user(
        roles.VOLUNTEER_COORDINATOR, organisations["volunteers"], local_group=groups[1]
    )
    with pytest.raises(NotAllowed):
        actions.retire_tagged_link(source=source, user=other)
    assert selectors.links_for(other).count() == 0
    source.refresh_from_db()
    assert source.retired_at is None


def test_a_national_coordinator_organises_for_every_group_of_the_organisation(
    groups, organisations
):
    from django.contrib.auth.models import Group

    national = staff_user(roles.VOLUNTEER_COORDINATOR, organisations["volunteers"])
    national.groups.add(Group.objects.get(name=roles.NATIONAL_COORDINATOR))
    assert set(selectors.organiser_groups(national)) == set(groups)
    actions.make_tagged_link(
        kind="other", target="volunteer", label="A", local_group=groups[1], user=national
    )


# "Volunteers wanted" ------------------------------------------------------------------------


def test_a_published_notice_is_shown_on_the_groups_municipalities_until_taken_down(
    groups, group_coordinator
):
    notice = actions.publish_volunteers_wanted(
        local_group=groups[0],
        user=group_coordinator,
        needs=["calls", "languages"],
        languages=["ar", "ti"],
        message="  Vi behöver fler som ringer.  ",
    )
    assert notice.message == "Vi behöver fler som ringer."
    assert list(selectors.volunteers_wanted_in(municipality("2380"))) == [notice]
    assert not selectors.volunteers_wanted_in(municipality(KROKOM)).exists()
    actions.take_down_volunteers_wanted(notice=notice, user=group_coordinator)
    assert notice.shown_until == timezone.localdate() - timedelta(days=1)
    assert not selectors.volunteers_wanted_in(municipality("2380")).exists()
    assert not selectors.notices_for(group_coordinator).exists()


def test_publishing_again_replaces_the_groups_notice(groups, group_coordinator):
    first = actions.publish_volunteers_wanted(
        local_group=groups[0], user=group_coordinator, needs=["visits"]
    )
    second = actions.publish_volunteers_wanted(
        local_group=groups[0], user=group_coordinator, needs=["follow_ups"]
    )
    assert list(selectors.volunteers_wanted_in(municipality("2380"))) == [second]
    first.refresh_from_db()
    assert first.shown_until is not None
    assert VolunteersWanted.objects.count() == 2  # the old one stays, taken down


def test_languages_are_kept_only_when_languages_are_needed(groups, group_coordinator):
    notice = actions.publish_volunteers_wanted(
        local_group=groups[0], user=group_coordinator, needs=["calls"], languages=["ar"]
    )
    assert notice.languages == []


@pytest.mark.parametrize(
    "change",
    [
        {"needs": []},
        {"needs": ["cooking"]},
        {"needs": ["languages"], "languages": []},
        {"needs": ["languages"], "languages": ["xx"]},
        {"message": "x" * 1001},
        {"shown_from": timezone.localdate() - timedelta(days=1)},
        {"shown_until": timezone.localdate() - timedelta(days=1)},
    ],
)
def test_a_notice_with_bad_input_is_refused(groups, group_coordinator, change):
    with pytest.raises(Invalid):
        actions.publish_volunteers_wanted(
            local_group=groups[0], user=group_coordinator, **{"needs": ["calls"], **change}
        )
    assert not VolunteersWanted.objects.exists()


def test_another_group_may_not_publish_or_take_down(groups, group_coordinator, organisations):
    other = staff_user(
        roles.VOLUNTEER_COORDINATOR, organisations["volunteers"], local_group=groups[1]
    )
    with pytest.raises(NotAllowed):
        actions.publish_volunteers_wanted(local_group=groups[0], user=other, needs=["calls"])
    notice = actions.publish_volunteers_wanted(
        local_group=groups[0], user=group_coordinator, needs=["calls"]
    )
    with pytest.raises(NotAllowed):
        actions.take_down_volunteers_wanted(notice=notice, user=other)
    assert selectors.volunteers_wanted_in(municipality("2380")).exists()
