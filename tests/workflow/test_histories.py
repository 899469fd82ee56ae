"""Home visits, volunteer applications, vacancies, report runs and placements keep a history: every
step writes one row (who, from, to, why), and an object's status is always its last row's target. The
migrations that brought the histories give each older object one row, from nothing to its stage.
"""

import importlib
from datetime import timedelta
from unittest import mock

import pytest
from django.apps import apps
from django.conf import settings
from django.test import Client
from django.utils import timezone

from housing.actions import decline_offer
from housing.models import Vacancy, VacancyTransition
from matching.actions import approve_match, propose_match, record_move_in
from reports import actions as reporting
from reports.models import ReportRun, ReportRunTransition
from tests.factories import (
    NewcomerCaseFactory,
    OrganisationFactory,
    PartnershipFactory,
    VolunteerApplicationFactory,
    offered_flat,
    offered_placement,
    proposed_placement,
    record_vacancies,
    said_yes,
    staff_user,
    started_visit,
    visit_booked_home,
    work_place,
)
from volunteers import actions as volunteering
from volunteers.models import (
    ApplicationTransition,
    HomeVisit,
    HomeVisitTransition,
    VolunteerApplication,
)
from work import actions as work
from workflow.errors import Conflict, Invalid

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_password_hashing")]


def steps(obj):
    """The object's history as (from, to, made by) rows, oldest first."""
    return [(t.from_state, t.to_state, t.actor_kind) for t in obj.transitions.all()]


def assert_status_is_last_row(obj):
    obj.refresh_from_db()
    assert obj.transitions.last().to_state == obj.status


# Home visits -------------------------------------------------------------------------------


def test_a_visit_booked_moved_and_cancelled_has_a_row_for_each(volunteer):
    visit = visit_booked_home([volunteer])
    assert steps(visit) == [("", "booked", "user")]
    assert visit.transitions.get().actor == volunteer

    volunteering.move_visit(
        visit=visit, starts_at=visit.starts_at + timedelta(hours=2), user=volunteer
    )
    volunteering.cancel_visit(visit=visit, user=volunteer, reason="Värden har fått förhinder.")

    assert steps(visit) == [
        ("", "booked", "user"),
        ("booked", "booked", "user"),
        ("booked", "cancelled", "user"),
    ]
    assert visit.transitions.last().reason == "Värden har fått förhinder."
    assert_status_is_last_row(visit)


def test_a_reported_visit_has_two_rows(volunteer):
    visit = started_visit([volunteer])
    volunteering.report_visit(
        visit=visit, user=volunteer, verdict="suitable", checklist={}, report="Fint rum."
    )
    assert steps(visit) == [("", "booked", "user"), ("booked", "reported", "user")]
    # The report's text stays on the visit, where retention removes it; not in the history.
    assert visit.transitions.last().reason == ""
    assert_status_is_last_row(visit)


def test_a_refused_step_writes_no_row(volunteer):
    visit = visit_booked_home([volunteer])  # starts in two days: cannot be reported yet
    with pytest.raises(Conflict):
        volunteering.report_visit(visit=visit, user=volunteer, verdict="suitable", checklist={})
    assert steps(visit) == [("", "booked", "user")]


# Volunteer applications --------------------------------------------------------------------


def test_an_application_has_a_row_when_sent_and_one_when_decided(volunteer_coordinator):
    approved, declined = VolunteerApplicationFactory(), VolunteerApplicationFactory()
    assert steps(approved) == [("", "pending", "system")]

    volunteering.approve_application(application=approved, user=volunteer_coordinator)
    volunteering.decline_application(
        application=declined, user=volunteer_coordinator, reason="Bor för långt bort."
    )

    assert steps(approved) == [("", "pending", "system"), ("pending", "approved", "user")]
    assert steps(declined) == [("", "pending", "system"), ("pending", "declined", "user")]
    assert declined.transitions.last().actor == volunteer_coordinator
    # The applicant's reason stays on the application (retention removes it there).
    assert declined.transitions.last().reason == ""
    for application in (approved, declined):
        assert_status_is_last_row(application)


# Vacancies ---------------------------------------------------------------------------------


def test_each_vacancy_has_a_row_when_recorded(quota, company_staff):
    from tests.factories import UnitFactory

    vacancies = record_vacancies(5, unit=UnitFactory(company=quota.company), user=company_staff)
    assert [steps(v) for v in vacancies] == [[("", "let_normally", "user")]] * 4 + [
        [("", "offered", "user")]
    ]
    for vacancy in vacancies:
        assert_status_is_last_row(vacancy)


def test_an_offer_declined_or_accepted_has_a_row_for_it(
    quota, company_staff, coordinator, organisations
):
    declined = offered_flat(quota, user=company_staff)
    decline_offer(vacancy=declined, user=coordinator, reason="För dyr för hushållen vi har.")
    assert steps(declined) == [("", "offered", "user"), ("offered", "declined", "user")]
    assert declined.transitions.last().reason == "För dyr för hushållen vi har."

    accepted = offered_flat(quota, user=company_staff)
    case = NewcomerCaseFactory(partner=organisations["partner"])
    match = propose_match(home=accepted.home, case=case, user=coordinator)
    approve_match(match=said_yes(match, coordinator), user=coordinator)
    record_move_in(
        match=match, user=coordinator, move_in_date=timezone.localdate() - timedelta(days=1)
    )
    assert steps(accepted) == [("", "offered", "user"), ("offered", "accepted", "system")]
    for vacancy in (declined, accepted):
        assert_status_is_last_row(vacancy)


# Report runs -------------------------------------------------------------------------------


@pytest.fixture
def stand_in_documents():
    """The documents themselves are tested elsewhere; here they are quick stand-ins."""
    with (
        mock.patch("reports.documents.render_pdf", return_value=b"%PDF-1.4 test"),
        mock.patch("reports.documents.render_xlsx", return_value=b"PK test"),
    ):
        yield


def test_a_report_run_that_fails_and_is_retried_has_a_row_for_each_step(stand_in_documents):
    partnership = PartnershipFactory()
    manager = staff_user("manager", partnership.partner)
    run = reporting.request_report(partnership=partnership, user=manager)
    assert steps(run) == [("", "queued", "user")]

    with (
        mock.patch("reports.metrics.compute_figures", side_effect=RuntimeError("no figures")),
        pytest.raises(RuntimeError),
    ):
        reporting.produce_report(run_id=run.pk)
    reporting.mark_failed(run_id=run.pk, reason="RuntimeError: no figures")
    reporting.mark_failed(run_id=run.pk, reason="RuntimeError: no figures")  # told twice: once
    run.refresh_from_db()
    assert run.status == ReportRun.Status.FAILED and run.error == "RuntimeError: no figures"

    reporting.produce_report(run_id=run.pk)  # the task's retry
    reporting.produce_report(run_id=run.pk)  # delivered again once done: nothing changes

    assert steps(run) == [
        ("", "queued", "user"),
        ("queued", "running", "system"),
        ("running", "failed", "system"),
        ("failed", "running", "system"),
        ("running", "done", "system"),
    ]
    assert run.transitions.filter(to_state="failed").get().reason == "RuntimeError: no figures"
    run.refresh_from_db()
    assert run.pdf.name and run.xlsx.name and run.progress == 100
    assert_status_is_last_row(run)


def test_a_year_end_report_asked_for_again_is_queued_again(stand_in_documents):
    last_year = timezone.localdate().replace(month=1, day=1) - timedelta(days=1)
    partnership = PartnershipFactory(
        period_start=last_year.replace(month=1, day=1), period_end=last_year.replace(day=1)
    )
    manager = staff_user("manager", partnership.partner)
    run = reporting.request_report(partnership=partnership, user=manager, kind="year_end")
    reporting.produce_report(run_id=run.pk)

    again = reporting.request_report(partnership=partnership, user=manager, kind="year_end")

    assert again.pk == run.pk
    assert steps(run)[-1] == ("done", "queued", "user")
    assert len(steps(run)) == 4
    assert_status_is_last_row(run)


# Placements ------------------------------------------------------------------------------------


@pytest.mark.usefixtures("role_groups")
def test_a_placement_has_a_row_for_each_step_and_keeps_the_reasons():
    place = work_place()
    placement = proposed_placement(place)
    work.decline_proposal(
        placement=placement, user=place.supervisor, reason="Ingen handledare i januari."
    )
    case = NewcomerCaseFactory(partner=place.unit)
    work.propose_newcomer(
        placement=placement,
        case=case,
        adult_number=2,
        employment_service_reference="AF-2026-77",
        consent_given_on=timezone.localdate(),
        consent_given="in_person",
        user=place.coordinator,
    )
    work.start_placement(
        placement=placement, started_on=timezone.localdate(), user=place.supervisor
    )
    work.end_placement_early(
        placement=placement,
        ended_on=timezone.localdate(),
        end_reason="found_work",
        reason="Fick jobb på ett lager.",
        user=place.coordinator,
    )

    assert steps(placement) == [
        ("", "offered", "user"),
        ("offered", "proposed", "user"),
        ("proposed", "offered", "user"),
        ("offered", "proposed", "user"),
        ("proposed", "started", "user"),
        ("started", "ended_early", "user"),
    ]
    reasons = [t.reason for t in placement.transitions.all()]
    assert reasons == ["", "", "Ingen handledare i januari.", "", "", "Fick jobb på ett lager."]
    actors = [t.actor for t in placement.transitions.all()]
    assert actors == [place.supervisor, place.coordinator, place.supervisor] + [
        place.coordinator,
        place.supervisor,
        place.coordinator,
    ]
    assert_status_is_last_row(placement)


@pytest.mark.usefixtures("role_groups")
def test_a_refused_placement_step_writes_no_row():
    place = work_place()
    placement = offered_placement(place)
    with pytest.raises(Invalid):
        work.withdraw_offer(placement=placement, user=place.supervisor, reason="  ")
    with pytest.raises(Conflict):
        work.start_placement(
            placement=placement, started_on=timezone.localdate(), user=place.supervisor
        )
    assert steps(placement) == [("", "offered", "user")]


# The migrations' back-fill -------------------------------------------------------------------


def test_the_back_fill_gives_each_older_object_one_row_with_its_current_stage(
    volunteer, quota, company_staff, stand_in_documents
):
    reported = started_visit([volunteer])
    volunteering.report_visit(visit=reported, user=volunteer, verdict="suitable", checklist={})
    booked = visit_booked_home([volunteer])
    application = VolunteerApplicationFactory(status="declined")
    vacancy = offered_flat(quota, user=company_staff)
    run = reporting.request_report(partnership=PartnershipFactory(), user=None)
    reporting.produce_report(run_id=run.pk)
    # As before the histories existed (a queryset delete: the rows' own delete() refuses).
    for log in (HomeVisitTransition, ApplicationTransition, VacancyTransition, ReportRunTransition):
        log.objects.all()._raw_delete(log.objects.db)

    for module in (
        "volunteers.migrations.0005_visit_and_application_history",
        "housing.migrations.0003_vacancy_history",
        "reports.migrations.0003_report_run_history",
    ):
        importlib.import_module(module).backfill_history(apps, None)

    reported.refresh_from_db()
    assert [(t.from_state, t.to_state) for t in reported.transitions.all()] == [("", "reported")]
    assert reported.transitions.get().created_at == reported.reported_at
    assert [(t.from_state, t.to_state) for t in booked.transitions.all()] == [("", "booked")]
    assert [(t.from_state, t.to_state) for t in application.transitions.all()] == [("", "declined")]
    assert [(t.from_state, t.to_state) for t in vacancy.transitions.all()] == [("", "offered")]
    assert [(t.from_state, t.to_state) for t in run.transitions.all()] == [("", "done")]
    for model in (HomeVisit, VolunteerApplication, Vacancy, ReportRun):
        for obj in model.objects.all():
            assert obj.transitions.count() == 1
            assert_status_is_last_row(obj)


def test_the_histories_are_append_only(volunteer):
    row = visit_booked_home([volunteer]).transitions.get()
    row.reason = "ändrad"
    with pytest.raises(ValueError):
        row.save()
    with pytest.raises(ValueError):
        row.delete()


def test_those_who_read_the_objects_read_their_histories():
    """The histories are read by the roles that read the objects (accounts.roles)."""
    coordinator = staff_user(
        "volunteer_coordinator", OrganisationFactory(kind="volunteer_organisation")
    )
    assert coordinator.has_perm("volunteers.view_homevisittransition")
    assert coordinator.has_perm("volunteers.view_applicationtransition")
    manager = staff_user("manager", OrganisationFactory())
    assert manager.has_perm("reports.view_reportruntransition")
    assert manager.has_perm("housing.view_vacancytransition")
    volunteer = staff_user("volunteer", OrganisationFactory(kind="volunteer_organisation"))
    assert not volunteer.has_perm("volunteers.view_homevisittransition")
    # A placement's history: both sides, and the managers and the data protection officer.
    for role in (
        "placement_supervisor",
        "housing_company_staff",
        "partner_coordinator",
        "manager",
        "data_protection_officer",
    ):
        assert staff_user(role, OrganisationFactory()).has_perm("work.view_placementtransition")
    assert not volunteer.has_perm("work.view_placementtransition")


# The history in the admin, read-only ---------------------------------------------------------


def admin_page(user, path) -> str:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(user)
    response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    return response.content.decode()


def test_the_admin_shows_each_history_read_only(
    volunteer, volunteer_coordinator, quota, company_staff, stand_in_documents
):
    visit = visit_booked_home([volunteer])
    volunteering.move_visit(
        visit=visit, starts_at=visit.starts_at + timedelta(hours=1), user=volunteer
    )
    application = VolunteerApplicationFactory()
    vacancy = offered_flat(quota, user=company_staff)
    partnership = PartnershipFactory(partner=quota.integration_unit)
    manager = staff_user("manager", partnership.partner)
    run = reporting.request_report(partnership=partnership, user=manager)
    reporting.produce_report(run_id=run.pk)

    for user, path, rows in [
        (volunteer_coordinator, f"/admin/volunteers/homevisit/{visit.pk}/change/", 2),
        (
            volunteer_coordinator,
            f"/admin/volunteers/volunteerapplication/{application.pk}/change/",
            1,
        ),
        (company_staff, f"/admin/housing/vacancy/{vacancy.pk}/change/", 1),
        (manager, f"/admin/reports/reportrun/{run.pk}/change/", 3),
    ]:
        page = admin_page(user, path)
        assert 'id="transitions-group"' in page, path
        assert page.count('class="form-row has_original"') == rows, path
        assert "-TOTAL_FORMS" in page and 'name="transitions-0-reason"' not in page, path
