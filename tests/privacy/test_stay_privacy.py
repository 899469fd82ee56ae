"""The stay's personal data under the portal's privacy rules (issue 16).

- Erasing a host empties what the host wrote during their homes' stays (the concerns they raised,
  the free text of their own evaluations, the reasons in those histories); what the household
  wrote stays with the household's case.
- When a closed case's retention passes, every text of its stays goes, with the household's
  links, its e-mail address and the e-mails sent to it; the rows stay for the figures.
- Closing a case stops its household's links.
- The data protection officer reads the stay's tables in the admin and changes none; opening a
  concern or an evaluation in the admin is in the access log.
"""

from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib import admin
from django.test import Client
from django.utils import timezone

from hosts.actions import erase_host
from hosts.models import ErasureRecord
from matching.actions import CaseNext, end_match
from newcomers.actions import close_case, revoke_household_links
from newcomers.models import HouseholdLink, NewcomerCase
from notifications.models import OutboundEmail
from privacy import actions
from privacy.admin_mixins import AccessLoggedAdminMixin
from privacy.models import AccessLog
from stays.actions import raise_concern
from stays.models import (
    CheckIn,
    CheckInTransition,
    Concern,
    ConcernTransition,
    Evaluation,
    EvaluationAnswer,
    EvaluationTransition,
    Mediation,
    MediationTransition,
)
from tests.factories import moved_in_match, staff_user

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_password_hashing")]

DAYS = settings.RETENTION_DAYS["closed_cases"]
HOST_WORDS = "Vi behöver prata om städningen, Karin."
HOUSEHOLD_WORDS = "Värmen fungerar inte i vårt rum."
HOST_ANSWER = "Det har gått bättre än vi trodde."
HOUSEHOLD_ANSWER = "Vi trivs men bussen går sällan."
HOUSEHOLD_EMAIL = "familjen@example.org"


def stay_with_words(coordinator, *, email=HOUSEHOLD_EMAIL):
    """A stay in which both sides and the staff wrote something: a concern from each side (one
    taken to mediation), each side's evaluation with a free-text answer, a check-in with a note,
    reasons in every history, a working link and the household's e-mail address."""
    now = timezone.now()
    match = moved_in_match(coordinator.organisation, coordinator=coordinator)
    case = match.case
    NewcomerCase.objects.filter(pk=case.pk).update(email=email)
    OutboundEmail.objects.create(to=email, subject="Er länk", body="Hej!")
    host_concern = raise_concern(match=match, raised_by="host", text=HOST_WORDS)
    household_concern = raise_concern(match=match, raised_by="household", text=HOUSEHOLD_WORDS)
    for concern in (host_concern, household_concern):
        ConcernTransition.objects.create(
            concern=concern,
            from_state="opened",
            to_state="acknowledged",
            actor=coordinator,
            actor_kind="user",
            reason="Värden är sjuk.",
        )
    Concern.objects.filter(pk=host_concern.pk).update(resolution="De kom överens.")
    mediation = Mediation.objects.create(
        concern=host_concern,
        starts_at=now,
        place="Hemma hos värden, Storgatan 3",
        mediator=coordinator,
        booked_by=coordinator,
        outcome="Värden städar köket på söndagar.",
    )
    MediationTransition.objects.create(
        mediation=mediation,
        from_state="booked",
        to_state="held",
        actor=coordinator,
        actor_kind="user",
        reason="Flyttad: familjen var sjuk.",
    )
    check_in = CheckIn.objects.filter(match=match).first() or CheckIn.objects.create(
        match=match, after_days=7, due_on=now.date(), responsible="partner"
    )
    CheckIn.objects.filter(pk=check_in.pk).update(note="Familjen verkar trött.")
    CheckInTransition.objects.create(
        check_in=check_in,
        from_state="planned",
        to_state="done",
        actor=coordinator,
        actor_kind="user",
        reason="Ringde pappan.",
    )
    evaluations = {}
    for respondent, text in [("host", HOST_ANSWER), ("household", HOUSEHOLD_ANSWER)]:
        evaluation, _created = Evaluation.objects.get_or_create(
            match=match,
            respondent=respondent,
            point="month_1",
            defaults={"survey": "month_1", "opens_on": now.date()},
        )
        EvaluationAnswer.objects.create(evaluation=evaluation, question="q_score", score=2)
        EvaluationAnswer.objects.create(evaluation=evaluation, question="q_words", text=text)
        EvaluationTransition.objects.create(
            evaluation=evaluation,
            from_state="open",
            to_state="answered",
            actor_kind=respondent,
            reason=text,
        )
        evaluations[respondent] = evaluation
    link = HouseholdLink.objects.create(
        case=case, created_by=coordinator, expires_at=now + timedelta(days=30)
    )
    return {
        "match": match,
        "case": case,
        "host": match.home.host,
        "host_concern": host_concern,
        "household_concern": household_concern,
        "mediation": mediation,
        "check_in": check_in,
        "evaluations": evaluations,
        "link": link,
    }


def texts_of(evaluation) -> list[str]:
    return list(evaluation.answers.order_by("question").values_list("text", flat=True))


def reasons(model, **filters) -> set[str]:
    return set(model.objects.filter(**filters).values_list("reason", flat=True))


# Erasing a host -------------------------------------------------------------------------------


def test_erasing_the_host_empties_what_the_host_wrote_and_keeps_the_rows(coordinator):
    stay = stay_with_words(coordinator)
    host_evaluation, household_evaluation = stay["evaluations"].values()

    erase_host(host=stay["host"], channel=ErasureRecord.Channel.STAFF)

    host_concern = Concern.objects.get(pk=stay["host_concern"].pk)
    assert host_concern.text == ""
    assert reasons(ConcernTransition, concern=host_concern) == {""}
    assert texts_of(host_evaluation) == ["", ""]
    assert reasons(EvaluationTransition, evaluation=host_evaluation) == {""}
    assert Mediation.objects.get(pk=stay["mediation"].pk).place == ""  # at the host's home
    # The rows stay for the figures: kind, urgency, steps, scores.
    assert host_concern.raised_by == "host" and host_concern.urgency == "normal"
    assert host_evaluation.answers.get(question="q_score").score == 2
    # What the household wrote is the household's: it stays until its case's retention.
    assert Concern.objects.get(pk=stay["household_concern"].pk).text == HOUSEHOLD_WORDS
    assert texts_of(household_evaluation) == ["", HOUSEHOLD_ANSWER]
    assert reasons(EvaluationTransition, evaluation=household_evaluation) == {HOUSEHOLD_ANSWER}


def test_erasing_a_host_leaves_other_hosts_words(coordinator):
    stay = stay_with_words(coordinator)
    other = stay_with_words(coordinator, email="annan@example.org")

    erase_host(host=stay["host"], channel=ErasureRecord.Channel.STAFF)

    assert Concern.objects.get(pk=other["host_concern"].pk).text == HOST_WORDS
    assert texts_of(other["evaluations"]["host"]) == ["", HOST_ANSWER]


def test_the_officers_erasure_of_a_host_empties_their_words_too(coordinator, organisations):
    stay = stay_with_words(coordinator)
    officer = staff_user("data_protection_officer", organisations["volunteers"])

    actions.erase_person(email=stay["host"].email, handled_by=officer)

    assert Concern.objects.get(pk=stay["host_concern"].pk).text == ""
    assert texts_of(stay["evaluations"]["host"]) == ["", ""]


# Retention of a closed case's stays -------------------------------------------------------------


def close(stay, coordinator, *, when):
    end_match(
        match=stay["match"], user=coordinator, note="Egen lägenhet.", case_next=CaseNext.CLOSED
    )
    NewcomerCase.objects.filter(pk=stay["case"].pk).update(status_changed_at=when)


def test_a_closed_cases_stay_texts_links_and_address_go_when_its_retention_passes(coordinator):
    now = timezone.now()
    stay = stay_with_words(coordinator)
    still_open = stay_with_words(coordinator, email="oppen@example.org")
    close(stay, coordinator, when=now)

    before = actions.apply_retention(now=now + timedelta(days=DAYS - 1))
    assert before["concern_texts"] == before["evaluation_texts"] == 0
    assert before["household_links"] == before["household_emails"] == 0
    assert Concern.objects.get(pk=stay["household_concern"].pk).text == HOUSEHOLD_WORDS

    counts = actions.apply_retention(now=now + timedelta(days=DAYS + 1))

    assert counts["concern_texts"] == 2
    assert counts["evaluation_texts"] == 2
    assert counts["mediation_texts"] == 1
    assert counts["check_in_notes"] == 1
    assert counts["household_links"] == 1
    assert counts["household_emails"] == 1
    match = stay["match"]
    for concern in Concern.objects.filter(match=match):
        assert (concern.text, concern.resolution) == ("", "")
    mediation = Mediation.objects.get(pk=stay["mediation"].pk)
    assert (mediation.outcome, mediation.place) == ("", "")
    assert CheckIn.objects.get(pk=stay["check_in"].pk).note == ""
    for evaluation in stay["evaluations"].values():
        assert texts_of(evaluation) == ["", ""]
    assert reasons(ConcernTransition, concern__match=match) <= {""}
    assert reasons(MediationTransition, mediation__concern__match=match) <= {""}
    assert reasons(CheckInTransition, check_in__match=match) <= {""}
    assert reasons(EvaluationTransition, evaluation__match=match) <= {""}
    assert not HouseholdLink.objects.filter(case=stay["case"]).exists()
    assert NewcomerCase.objects.get(pk=stay["case"].pk).email == ""
    assert not OutboundEmail.objects.filter(to=HOUSEHOLD_EMAIL).exists()

    # The rows stay for the figures.
    assert Concern.objects.filter(match=match).count() == 2
    assert Mediation.objects.filter(pk=stay["mediation"].pk).exists()
    assert EvaluationAnswer.objects.filter(evaluation__match=match, score=2).count() == 2
    # A case that is still open keeps everything.
    assert Concern.objects.get(pk=still_open["household_concern"].pk).text == HOUSEHOLD_WORDS
    assert texts_of(still_open["evaluations"]["host"]) == ["", HOST_ANSWER]
    assert HouseholdLink.objects.filter(case=still_open["case"]).exists()
    assert NewcomerCase.objects.get(pk=still_open["case"].pk).email == "oppen@example.org"
    assert OutboundEmail.objects.filter(to="oppen@example.org").exists()

    # Running again changes nothing.
    again = actions.apply_retention(now=now + timedelta(days=DAYS + 2))
    for key in [
        "concern_texts",
        "mediation_texts",
        "check_in_notes",
        "evaluation_texts",
        "household_links",
        "household_emails",
    ]:
        assert again[key] == 0, key


def test_an_address_another_case_still_uses_keeps_its_emails(coordinator):
    now = timezone.now()
    stay = stay_with_words(coordinator)
    stay_with_words(coordinator)  # the same household's address on an open case
    close(stay, coordinator, when=now)

    actions.apply_retention(now=now + timedelta(days=DAYS + 1))

    assert NewcomerCase.objects.get(pk=stay["case"].pk).email == ""
    assert OutboundEmail.objects.filter(to=HOUSEHOLD_EMAIL).exists()


# Closing a case stops its links ---------------------------------------------------------------


def test_ending_a_stay_with_the_case_closed_stops_the_households_link(coordinator):
    stay = stay_with_words(coordinator)
    other = stay_with_words(coordinator, email="annan@example.org")

    end_match(match=stay["match"], user=coordinator, note="Klart.", case_next=CaseNext.CLOSED)

    link = HouseholdLink.objects.get(pk=stay["link"].pk)
    assert link.revoked_at is not None and link.revoked_by is None  # the portal stopped it
    assert not HouseholdLink.objects.filter(case=stay["case"]).usable().exists()
    assert HouseholdLink.objects.filter(case=other["case"]).usable().exists()


def test_ending_a_stay_with_the_household_waiting_keeps_its_link(coordinator):
    stay = stay_with_words(coordinator)

    end_match(match=stay["match"], user=coordinator, note="Flyttar.", case_next=CaseNext.WAITING)

    assert HouseholdLink.objects.get(pk=stay["link"].pk).revoked_at is None


def test_the_coordinator_closing_a_case_stops_its_link_in_their_name(coordinator):
    stay = stay_with_words(coordinator)
    end_match(match=stay["match"], user=coordinator, note="Flyttar.", case_next=CaseNext.WAITING)

    close_case(case=NewcomerCase.objects.get(pk=stay["case"].pk), user=coordinator, reason="Klar.")

    link = HouseholdLink.objects.get(pk=stay["link"].pk)
    assert link.revoked_at is not None and link.revoked_by == coordinator


def test_revoking_leaves_links_already_stopped_or_expired_as_they_were(coordinator):
    stay = stay_with_words(coordinator)
    long_ago = timezone.now() - timedelta(days=60)
    expired = HouseholdLink.objects.create(
        case=stay["case"], created_at=long_ago, expires_at=long_ago + timedelta(days=30)
    )
    stopped = HouseholdLink.objects.create(
        case=stay["case"], expires_at=timezone.now() + timedelta(days=9), revoked_at=long_ago
    )

    assert revoke_household_links(case=stay["case"], user=coordinator) == 1

    assert HouseholdLink.objects.get(pk=expired.pk).revoked_at is None
    assert HouseholdLink.objects.get(pk=stopped.pk).revoked_at == long_ago


# Finding a household by the address it gave ---------------------------------------------------


def test_the_officer_finds_a_household_by_the_address_for_its_link(coordinator):
    stay = stay_with_words(coordinator)

    found = actions.find_people(email=HOUSEHOLD_EMAIL.upper())

    assert found["cases"] == [stay["case"]]
    assert actions.find_people(email="nobody@example.org")["cases"] == []


# The admin: the officer reads, changes nothing; openings are logged --------------------------

STAY_TABLES = [
    CheckIn,
    CheckInTransition,
    Concern,
    ConcernTransition,
    Mediation,
    MediationTransition,
    Evaluation,
    EvaluationAnswer,
    EvaluationTransition,
    HouseholdLink,
]


@pytest.mark.parametrize("model", STAY_TABLES, ids=lambda m: m._meta.label_lower)
def test_the_officer_may_read_the_stays_tables_and_change_none(data_protection_officer, model):
    opts = model._meta
    officer = type(data_protection_officer).objects.get(pk=data_protection_officer.pk)
    assert officer.has_perm(f"{opts.app_label}.view_{opts.model_name}")
    for action in ("add", "change", "delete"):
        assert not officer.has_perm(f"{opts.app_label}.{action}_{opts.model_name}")


def officer_client(officer):
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(officer)
    return client


@pytest.mark.parametrize("model", [CheckIn, Concern, Mediation, Evaluation], ids=str)
def test_the_officer_opens_the_stays_records_in_the_admin_read_only(
    data_protection_officer, coordinator, model
):
    assert model in admin.site._registry, f"{model._meta.label} has no admin page"
    stay_with_words(coordinator)
    opts = model._meta
    obj = model.objects.order_by("pk").first()
    client = officer_client(data_protection_officer)
    base = f"/admin/{opts.app_label}/{opts.model_name}/"

    assert client.get(base).status_code == 200
    page = client.get(f"{base}{obj.pk}/change/")
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()
    assert client.post(f"{base}{obj.pk}/change/", {}).status_code == 403
    assert client.post(f"{base}{obj.pk}/delete/", {"post": "yes"}).status_code == 403
    assert model.objects.filter(pk=obj.pk).exists()


@pytest.mark.parametrize("model", [Concern, Evaluation], ids=str)
def test_opening_a_concern_or_an_evaluation_in_the_admin_is_in_the_access_log(
    data_protection_officer, coordinator, model
):
    """They hold what a host or a household wrote in their own words."""
    assert model in admin.site._registry, f"{model._meta.label} has no admin page"
    assert isinstance(admin.site._registry[model], AccessLoggedAdminMixin)
    stay_with_words(coordinator)
    obj = model.objects.order_by("pk").first()
    opts = model._meta

    page = officer_client(data_protection_officer).get(
        f"/admin/{opts.app_label}/{opts.model_name}/{obj.pk}/change/"
    )

    assert page.status_code == 200
    assert AccessLog.objects.filter(
        user=data_protection_officer,
        action=AccessLog.Action.VIEW,
        object_type=opts.label_lower,
        object_id=str(obj.pk),
        where="admin",
    ).exists()


# The household's e-mail address: for its coordinators only -----------------------------------


def test_the_households_address_is_shown_to_its_coordinators_only(
    coordinator, data_protection_officer, organisations, rf
):
    from newcomers.admin import NewcomerCaseForm

    case = stay_with_words(coordinator)["case"]
    case_admin = admin.site._registry[NewcomerCase]
    manager = staff_user("manager", organisations["partner"])
    url = f"/admin/newcomers/newcomercase/{case.pk}/change/"

    for reader in (data_protection_officer, manager):
        request = rf.get(url)
        request.user = reader
        assert "email" not in case_admin.get_fields(request, case)
        page = officer_client(reader).get(url)
        assert page.status_code == 200
        assert HOUSEHOLD_EMAIL not in page.content.decode()

    # The partner's coordinators keep it where the case's form has it (the household's links).
    request = rf.get(url)
    request.user = coordinator
    shown = "email" in NewcomerCaseForm.Meta.fields
    assert ("email" in case_admin.get_fields(request, case)) == shown
    assert (HOUSEHOLD_EMAIL in officer_client(coordinator).get(url).content.decode()) == shown
