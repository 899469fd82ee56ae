"""The road to work in the admin, walked as its people walk it with the test client: the
supervisor offers a placement, the integration unit's coordinator proposes a newcomer, the
supervisor starts it, records a check-in and completes it, the coordinator records the
employment. Another employer's supervisor and another partner's coordinator find none of it (404
on every address of the placement); the employer never sees which case the person is of."""

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from accounts import roles
from accounts.models import Organisation
from newcomers.models import NewcomerCase
from privacy.models import AccessLog
from tests.factories import (
    NewcomerCaseFactory,
    OrganisationFactory,
    offered_placement,
    proposed_placement,
    staff_user,
    started_placement,
    work_place,
)
from work.admin import PlacementAdmin
from work.models import Employer, Placement, PlacementCheckIn, StaffFigures

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("role_groups")]

ADD = reverse("admin:work_placement_add")
LIST = reverse("admin:work_placement_changelist")
CHECK_IN_ADD = reverse("admin:work_placementcheckin_add")


def change_url(placement) -> str:
    return reverse("admin:work_placement_change", args=[placement.pk])


def step_url(placement, name) -> str:
    return reverse("admin:work_placement_step", args=[placement.pk, name])


def buttons(response) -> set[str]:
    return {step["name"] for step in response.context["workflow_steps"]}


@pytest.fixture
def place():
    return work_place()


@pytest.fixture
def case(place):
    return NewcomerCaseFactory(partner=place.unit, reference="BOS-RÖD-7", adults=2)


def as_(client, user):
    client.force_login(user)
    return client


def offer_data(place, **overrides):
    today = timezone.localdate()
    return {
        "employer": place.employer.pk,
        "integration_unit": place.unit.pk,
        "kind": "work_training",
        "title": "Fastighetsskötarens medhjälpare",
        "place": "Förrådet, Storgatan 1",
        "starts_on": today.isoformat(),
        "ends_on": (today + timedelta(days=60)).isoformat(),
        "hours_per_week": "20",
        "languages": "sv, EN  ar",
        "supervisor": place.supervisor.pk,
        **overrides,
    }


def test_the_road_to_work_walked_through_the_admin(client, place, case):
    today = timezone.localdate()
    # The supervisor offers a placement to the integration unit.
    as_(client, place.supervisor)
    page = client.get(ADD)
    assert page.status_code == 200
    assert list(page.context["form"].fields["employer"].queryset) == [place.employer]
    response = client.post(ADD, offer_data(place))
    assert response.status_code == 302, response.context["form"].errors
    placement = Placement.objects.get()
    assert response["Location"] == change_url(placement)
    assert placement.status == Placement.Status.OFFERED
    assert placement.languages == ["sv", "en", "ar"]
    assert placement.created_by == place.supervisor
    # ... corrects it while nobody is proposed (not a status change) ...
    page = client.get(change_url(placement))
    assert buttons(page) == {"change_offer", "withdraw"}
    details = client.get(step_url(placement, "change_offer"))
    assert 'value="sv, en, ar"' in details.content.decode()
    response = client.post(
        step_url(placement, "change_offer"),
        {
            "title": "Fastighetsskötare, praktik",
            "place": "Förrådet, Storgatan 1",
            "starts_on": today.isoformat(),
            "ends_on": (today + timedelta(days=90)).isoformat(),
            "hours_per_week": "25",
            "languages": "sv",
            "supervisor": place.supervisor.pk,
        },
    )
    assert response.status_code == 302
    placement.refresh_from_db()
    assert (placement.title, placement.hours_per_week, placement.languages) == (
        "Fastighetsskötare, praktik",
        25,
        ["sv"],
    )
    assert list(placement.transitions.values_list("to_state", flat=True)) == ["offered"]

    # The coordinator proposes an adult of one of the unit's cases, with consent.
    as_(client, place.coordinator)
    page = client.get(change_url(placement))
    assert buttons(page) == {"propose"}
    response = client.post(
        step_url(placement, "propose"),
        {
            "case": case.pk,
            "adult_number": "2",
            "employment_service_reference": "AF-2026-4471",
            "consent_given_on": today.isoformat(),
            "consent_given": "in_person",
        },
    )
    assert response.status_code == 302
    placement.refresh_from_db()
    assert placement.status == Placement.Status.PROPOSED
    assert (placement.case, placement.adult_number) == (case, 2)
    assert placement.consent_recorded_by == place.coordinator
    # The unit sees the case it proposed from.
    assert case.reference in client.get(change_url(placement)).content.decode()

    # The supervisor sees the adult's number and the reference, never the case.
    as_(client, place.supervisor)
    page = client.get(change_url(placement))
    text = page.content.decode()
    assert "AF-2026-4471" in text
    assert case.reference not in text
    assert reverse("admin:newcomers_newcomercase_change", args=[case.pk]) not in text
    assert case.reference not in client.get(LIST).content.decode()
    assert (
        case.reference
        not in client.get(
            reverse("admin:work_placement_history", args=[placement.pk])
        ).content.decode()
    )
    assert buttons(page) == {"decline", "start"}
    assert client.post(step_url(placement, "start"), {"started_on": today}).status_code == 302
    placement.refresh_from_db()
    assert placement.status == Placement.Status.STARTED

    # ... records a check-in on it ...
    form = client.get(CHECK_IN_ADD).context["form"]
    assert list(form.fields["placement"].queryset) == [placement]
    response = client.post(
        CHECK_IN_ADD,
        {
            "placement": placement.pk,
            "on": today.isoformat(),
            "days_expected": "5",
            "days_present": "4",
            "language": "swedish_with_support",
            "going": "well",
            "note": "Lär sig snabbt.",
        },
    )
    assert response.status_code == 302
    check_in = PlacementCheckIn.objects.get()
    assert (check_in.placement, check_in.days_present, check_in.recorded_by) == (
        placement,
        4,
        place.supervisor,
    )
    assert "Lär sig snabbt." in client.get(change_url(placement)).content.decode()
    check_in_page = reverse("admin:work_placementcheckin_change", args=[check_in.pk])
    assert client.get(check_in_page).status_code == 200
    assert AccessLog.objects.filter(
        user=place.supervisor, object_type="work.placementcheckin", object_id=str(check_in.pk)
    ).exists()
    # ... and completes it.
    assert client.post(step_url(placement, "complete"), {"ended_on": today}).status_code == 302
    placement.refresh_from_db()
    assert placement.status == Placement.Status.COMPLETED

    # The coordinator records that it led to employment.
    as_(client, place.coordinator)
    assert buttons(client.get(change_url(placement))) == {"employ"}
    assert client.post(step_url(placement, "employ"), {"employed_on": today}).status_code == 302
    placement.refresh_from_db()
    assert placement.status == Placement.Status.EMPLOYED
    assert placement.employed_on == today
    assert list(placement.transitions.order_by("pk").values_list("to_state", flat=True)) == [
        "offered",
        "proposed",
        "started",
        "completed",
        "employed",
    ]
    # Opening the placement is in the access log, as for the stays.
    assert AccessLog.objects.filter(
        user=place.supervisor, object_type="work.placement", object_id=str(placement.pk)
    ).exists()


def urls_of(placement, check_in) -> list[str]:
    """Every address of the placement (and its check-in) in the admin."""
    urls = [
        change_url(placement),
        reverse("admin:work_placement_history", args=[placement.pk]),
        reverse("admin:work_placement_delete", args=[placement.pk]),
        f"/admin/work/placement/{placement.pk}/",
        reverse("admin:work_placementcheckin_change", args=[check_in.pk]),
        reverse("admin:work_placementcheckin_history", args=[check_in.pk]),
    ]
    urls += [step_url(placement, name) for name in PlacementAdmin.steps]
    return urls


def test_another_employers_supervisor_and_another_partners_coordinator_find_nothing(client):
    place = work_place()
    placement = started_placement(place)
    check_in = PlacementCheckIn.objects.create(
        placement=placement,
        on=timezone.localdate(),
        days_expected=5,
        days_present=5,
        language="swedish",
        going="well",
        recorded_by=place.supervisor,
    )
    other = work_place()
    outsiders = [other.supervisor, other.coordinator]
    before = placement.transitions.count()
    for user in outsiders:
        as_(client, user)
        for url in urls_of(placement, check_in):
            for method in (client.get, client.post):
                response = method(url)
                # The admin's old address of a change page redirects to the change page (404).
                if response.status_code == 302:
                    response = client.get(response["Location"])
                assert response.status_code == 404, (user.username, method.__name__, url)
        listed = client.get(LIST)
        assert placement not in listed.context["cl"].queryset
        check_ins = client.get(reverse("admin:work_placementcheckin_changelist"))
        assert check_in not in check_ins.context["cl"].queryset
    placement.refresh_from_db()
    assert placement.status == Placement.Status.STARTED
    assert placement.transitions.count() == before
    # The placement's own people do open it.
    for user in (place.supervisor, place.coordinator):
        as_(client, user)
        assert client.get(change_url(placement)).status_code == 200


def test_the_steps_of_the_other_side_are_refused(client, place):
    placement = proposed_placement(place)
    as_(client, place.coordinator)
    response = client.post(step_url(placement, "start"), {"started_on": timezone.localdate()})
    assert response.status_code == 403
    assert "employer" in response.content.decode()
    as_(client, place.supervisor)
    response = client.post(step_url(placement, "withdraw_proposal"), {"reason": "Nej"})
    assert response.status_code == 403
    placement.refresh_from_db()
    assert placement.status == Placement.Status.PROPOSED


def test_a_refusal_is_shown_on_the_form_with_everything_typed_kept(client, place):
    as_(client, place.supervisor)
    too_long = (timezone.localdate() + timedelta(days=4 * 366)).isoformat()
    response = client.post(ADD, offer_data(place, ends_on=too_long, title="Vaktmästare i Ås"))
    assert response.status_code == 400
    text = response.content.decode()
    assert response.context["form"].non_field_errors()  # the action's own words
    assert 'value="Vaktmästare i Ås"' in text and too_long in text
    assert not Placement.objects.exists()
    # A start before the consent: the action refuses, the form shows the typed date again.
    placement = proposed_placement(place)
    early = (timezone.localdate() - timedelta(days=3)).isoformat()
    response = client.post(step_url(placement, "start"), {"started_on": early})
    assert response.status_code == 400
    assert early in response.content.decode()
    assert response.context["form"].non_field_errors()
    # A consent in the future is refused on the field; a personal identity number too.
    as_(client, place.coordinator)
    offered = offered_placement(place)
    case = NewcomerCaseFactory(partner=place.unit)
    response = client.post(
        step_url(offered, "propose"),
        {
            "case": case.pk,
            "adult_number": "1",
            "employment_service_reference": "19850101-1234",
            "consent_given_on": (timezone.localdate() + timedelta(days=1)).isoformat(),
            "consent_given": "in_writing",
        },
    )
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert {"employment_service_reference", "consent_given_on"} <= set(errors)
    offered.refresh_from_db()
    assert offered.status == Placement.Status.OFFERED and offered.case is None


def test_the_proposal_offers_only_the_units_own_open_cases(client, place):
    own = NewcomerCaseFactory(partner=place.unit, reference="BOS-EGEN")
    closed = NewcomerCaseFactory(partner=place.unit, status=NewcomerCase.Status.CLOSED)
    foreign = NewcomerCaseFactory(
        partner=OrganisationFactory(kind=Organisation.Kind.PARTNER), reference="BOS-ANNAN"
    )
    placement = offered_placement(place)
    as_(client, place.coordinator)
    form = client.get(step_url(placement, "propose")).context["form"]
    assert list(form.fields["case"].queryset) == [own]
    # The case is searched by its reference; the search answers with the unit's own cases.
    search = {"app_label": "work", "model_name": "placement", "field_name": "case", "term": "BOS"}
    found = client.get(reverse("admin:autocomplete"), search)
    assert found.status_code == 200
    assert str(foreign.pk) not in {result["id"] for result in found.json()["results"]}
    assert str(own.pk) in {result["id"] for result in found.json()["results"]}
    # The employer's staff do not search cases at all.
    as_(client, place.supervisor)
    assert client.get(reverse("admin:autocomplete"), search).status_code == 403
    as_(client, place.coordinator)
    for case in (closed, foreign):
        response = client.post(
            step_url(placement, "propose"),
            {
                "case": case.pk,
                "adult_number": "1",
                "employment_service_reference": "AF-1",
                "consent_given_on": timezone.localdate().isoformat(),
                "consent_given": "in_writing",
            },
        )
        assert response.status_code == 400
        assert "case" in response.context["form"].errors
    placement.refresh_from_db()
    assert placement.status == Placement.Status.OFFERED


def test_the_offer_form_offers_only_the_employers_own_choices(client, place):
    other = work_place()
    as_(client, place.supervisor)
    form = client.get(ADD).context["form"]
    assert list(form.fields["employer"].queryset) == [place.employer]
    assert list(form.fields["integration_unit"].queryset) == [place.unit]
    assert set(form.fields["supervisor"].queryset) == {place.supervisor}
    for field, value in [
        ("employer", other.employer.pk),
        ("integration_unit", other.unit.pk),
        ("supervisor", other.supervisor.pk),
    ]:
        response = client.post(ADD, offer_data(place, **{field: value}))
        assert response.status_code == 400 and field in response.context["form"].errors
    assert not Placement.objects.exists()


def test_hostile_input_is_refused_never_a_server_error(client, place):
    placement = offered_placement(place)
    as_(client, place.supervisor)
    odd_values = ["abc", "-1", "99999999999999999999", "1e5", "\x00", "'; drop table", ""]
    for value in odd_values:
        for field in ("employer", "integration_unit", "supervisor", "hours_per_week", "starts_on"):
            if field == "supervisor" and value == "":
                continue  # a placement may have no supervisor named yet
            response = client.post(ADD, offer_data(place, **{field: value}))
            assert response.status_code == 400, (field, value)
        response = client.post(ADD, offer_data(place, languages=f"sv {value}x" * 30))
        assert response.status_code in (302, 400), value
    for path in ("abc", "0", "99999999999999999999", "1%00"):
        # (a NUL in the address is refused by the portal's middleware: 400)
        assert client.get(f"/admin/work/placement/{path}/change/").status_code in (302, 400, 404)
        assert client.get(f"/admin/work/placement/{path}/step/start/").status_code in (400, 404)
    assert client.get(step_url(placement, "no_such_step")).status_code == 404
    assert client.post(
        step_url(placement, "change_offer"), {"hours_per_week": "x"}
    ).status_code == (400)


def test_the_list_takes_a_fixed_number_of_queries(client, place):
    offered_placement(place)
    as_(client, place.supervisor)
    client.get(LIST)  # warm up (sessions, content types)
    with CaptureQueriesContext(connection) as one:
        assert client.get(LIST).status_code == 200
    for _ in range(5):
        started_placement(place, case=NewcomerCaseFactory(partner=place.unit))
    with CaptureQueriesContext(connection) as six:
        response = client.get(LIST)
    assert len(response.context["cl"].result_list) == 6
    assert len(six) == len(one), [query["sql"] for query in six.captured_queries]


def test_a_partner_coordinator_adds_an_employer_and_the_figures_are_the_employers(client, place):
    as_(client, place.coordinator)
    url = reverse("admin:work_employer_add")
    response = client.post(url, {"name": "  Krokoms  Bygg AB ", "contact_email": "a@bygg.se"})
    assert response.status_code == 302
    employer = Employer.objects.get(organisation__name="Krokoms Bygg AB")
    assert employer.organisation.kind == Organisation.Kind.EMPLOYER
    assert list(employer.integration_units.all()) == [place.unit]
    # The same name again: refused with the action's words, the name kept.
    response = client.post(url, {"name": "krokoms bygg ab", "contact_email": ""})
    assert response.status_code == 409
    assert 'value="krokoms bygg ab"' in response.content.decode()
    # A supervisor does not add employers; they record their own employer's figures.
    as_(client, place.supervisor)
    assert client.get(url).status_code == 403
    figures_add = reverse("admin:work_stafffigures_add")
    form = client.get(figures_add).context["form"]
    assert list(form.fields["employer"].queryset) == [place.employer]
    data = {"recorded_on": timezone.localdate(), "employees": "38", "came_as_newcomers": "3"}
    response = client.post(figures_add, {"employer": employer.pk, **data})
    assert response.status_code == 400 and "employer" in response.context["form"].errors
    response = client.post(figures_add, {"employer": place.employer.pk, **data})
    assert response.status_code == 302
    assert StaffFigures.objects.get().came_as_newcomers == 3
    # More newcomers than staff: the action's refusal, on the form.
    response = client.post(
        figures_add, {"employer": place.employer.pk, **data, "came_as_newcomers": "39"}
    )
    assert response.status_code == 400
    assert StaffFigures.objects.get().came_as_newcomers == 3
    # The employers' list shows the supervisor their own employer only.
    listed = client.get(reverse("admin:work_employer_changelist")).context["cl"].result_list
    assert list(listed) == [place.employer]


def test_the_housing_companys_staff_offer_and_follow_their_own_placements(client):
    company = OrganisationFactory(kind=Organisation.Kind.HOUSING_COMPANY)
    place = work_place(employer_organisation=company, supervisor_role=roles.HOUSING_COMPANY_STAFF)
    as_(client, place.supervisor)
    response = client.post(ADD, offer_data(place, kind="language_practice", languages=""))
    assert response.status_code == 302
    placement = Placement.objects.get()
    assert placement.employer.organisation == company and placement.languages == []
    # A check-in on a placement not under way is not offered.
    form = client.get(CHECK_IN_ADD).context["form"]
    assert not form.fields["placement"].queryset.exists()
    response = client.post(
        CHECK_IN_ADD,
        {
            "placement": placement.pk,
            "on": timezone.localdate(),
            "days_expected": "1",
            "days_present": "1",
            "language": "swedish",
            "going": "well",
        },
    )
    assert response.status_code == 400 and "placement" in response.context["form"].errors
    # Nobody deletes a placement.
    assert (
        client.post(reverse("admin:work_placement_delete", args=[placement.pk])).status_code == 403
    )


def test_a_difficult_check_in_tells_the_unit(client, place, mailoutbox):
    placement = started_placement(place)
    place.coordinator.email = "samordnare@example.org"
    place.coordinator.save()
    as_(client, place.supervisor)
    response = client.post(
        CHECK_IN_ADD,
        {
            "placement": placement.pk,
            "on": timezone.localdate(),
            "days_expected": "5",
            "days_present": "2",
            "language": "other_language",
            "going": "difficult",
            "note": "Kommer sent.",
        },
        follow=True,
    )
    assert response.status_code == 200
    assert PlacementCheckIn.objects.filter(placement=placement, going="difficult").exists()
    # More days present than expected: refused on the field.
    response = client.post(
        CHECK_IN_ADD,
        {
            "placement": placement.pk,
            "on": timezone.localdate(),
            "days_expected": "2",
            "days_present": "5",
            "language": "swedish",
            "going": "well",
        },
    )
    assert response.status_code == 400 and "days_present" in response.context["form"].errors


def test_the_data_protection_officer_reads_but_takes_no_step(client, place):
    placement = proposed_placement(place)
    officer = staff_user(roles.DATA_PROTECTION_OFFICER, OrganisationFactory())
    as_(client, officer)
    page = client.get(change_url(placement))
    assert page.status_code == 200
    assert placement.case.reference in page.content.decode()
    assert buttons(page) == set()
    assert client.get(ADD).status_code == 403


@pytest.mark.parametrize(
    "odd", ["abc", "-1", "99999999999999999999", "1e5", "\x00", "\u202e", "x" * 3000, ""]
)
def test_every_form_of_the_road_to_work_refuses_odd_input_with_a_message(client, place, odd):
    """Every field of every add page and step, sent an odd value: the form is shown again
    (400, or the action's refusal), never a server error, and nothing is made."""
    started = started_placement(place)
    offered = offered_placement(place)
    pages = {
        reverse("admin:work_employer_add"): (place.coordinator, {"name": "B", "contact_email": ""}),
        reverse("admin:work_stafffigures_add"): (
            place.supervisor,
            {"employer": place.employer.pk, "recorded_on": "2026-01-01", "employees": "3"},
        ),
        CHECK_IN_ADD: (
            place.supervisor,
            {"placement": started.pk, "on": "2026-01-01", "days_expected": "1"},
        ),
        step_url(offered, "propose"): (place.coordinator, {"adult_number": "1"}),
        step_url(started, "end_early"): (place.supervisor, {"ended_on": "2026-01-01"}),
        step_url(offered, "change_offer"): (place.supervisor, {"title": "T", "place": "P"}),
    }
    fields = {
        CHECK_IN_ADD: ["placement", "on", "days_present", "language", "going", "note"],
        step_url(offered, "propose"): [
            "case",
            "adult_number",
            "employment_service_reference",
            "consent_given_on",
            "consent_given",
        ],
        step_url(started, "end_early"): ["ended_on", "end_reason", "reason"],
        step_url(offered, "change_offer"): ["starts_on", "hours_per_week", "languages"],
        reverse("admin:work_stafffigures_add"): ["employer", "came_as_newcomers"],
        # (any words are a name; an empty e-mail address is allowed)
        reverse("admin:work_employer_add"): ["contact_email"] if odd else [],
    }
    before = (Placement.objects.count(), PlacementCheckIn.objects.count(), Employer.objects.count())
    for path, (user, base) in pages.items():
        as_(client, user)
        for field in fields[path]:
            response = client.post(path, {**base, field: odd})
            assert response.status_code in (400, 403, 409), (path, field, response.status_code)
    after = (Placement.objects.count(), PlacementCheckIn.objects.count(), Employer.objects.count())
    assert after == before
    started.refresh_from_db()
    offered.refresh_from_db()
    assert (started.status, offered.status, offered.title) == (
        Placement.Status.STARTED,
        Placement.Status.OFFERED,
        "Caretaker's assistant",
    )


def test_what_a_person_sees_on_the_pages_of_a_placement(client, place, case, settings):
    """Found in Chromium: the proposal's case search had no script (a bare, empty list), the
    period was in another date format than the page's other dates, a check-in was named by the
    placement's id, and a supervisor had no way from a placement under way to its check-in."""
    started = started_placement(place, case=case, started_on=date(2026, 3, 2))
    Placement.objects.filter(pk=started.pk).update(
        starts_on=date(2026, 3, 2), ends_on=date(2026, 5, 29)
    )
    offered = offered_placement(place)
    coordinator = as_(client, place.coordinator)
    page = coordinator.get(step_url(offered, "propose"), HTTP_ACCEPT_LANGUAGE="sv")
    assert page.status_code == 200
    assert "admin/js/autocomplete.js" in page.content.decode()
    assert "select2" in page.content.decode()

    page = coordinator.get(change_url(started), HTTP_ACCEPT_LANGUAGE="sv")
    text = page.content.decode()
    assert "2 mars 2026 – 29 maj 2026" in text and "2026-03-02 –" not in text
    assert page.context["adminform"].form.instance.languages == ["sv"]
    assert '<div class="readonly">Svenska</div>' in text  # the language by name, not "sv"
    assert "check_in_url" not in page.context  # the employer's staff record check-ins

    supervisor = as_(client, place.supervisor)
    page = supervisor.get(change_url(started), HTTP_ACCEPT_LANGUAGE="sv")
    link = f"{CHECK_IN_ADD}?placement={started.pk}"
    assert page.context["check_in_url"] == link and link in page.content.decode()
    labels = {step["name"]: str(step["label"]) for step in page.context["workflow_steps"]}
    assert labels["complete"] == "Registrera placeringen som genomförd"  # not "Genomförd"
    assert labels["end_early"] == "Avsluta placeringen i förtid"
    assert labels["employ"] == "Registrera anställning"
    assert "check_in_url" not in supervisor.get(change_url(offered)).context
    form = supervisor.get(link).context["form"]
    assert form["placement"].value() == started.pk

    check_in = PlacementCheckIn.objects.create(
        placement=started,
        on=date(2026, 3, 9),
        days_expected=5,
        days_present=5,
        language="swedish",
        going="well",
        recorded_by=place.supervisor,
    )
    with translation.override("sv"):
        assert str(check_in) == "Avstämning den 9\xa0mars 2026"  # no break inside the date
