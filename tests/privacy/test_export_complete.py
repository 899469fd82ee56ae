"""The answer to a request for access (GDPR art. 15) is complete: every table the record of
processing lists is in the export, and every table that points at a host, a home or a user is in
the record of processing. A person with a row of every kind gets every kind back, from the host's
own download and from the data protection officer's export alike."""

import json
from datetime import timedelta

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.test import Client
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from accessibility.models import AccessibilityReport
from accounts.models import Organisation
from hosts.models import Home, HomeTransition, Host
from housing.models import Contract, ContractTransition, Vacancy
from matching.models import Match, MatchTransition
from newcomers.models import CaseTransition, HouseholdLink, NewcomerCase
from notifications.models import OutboundEmail
from outreach.models import InformationMeeting, MeetingSignup, Source, VolunteersWanted
from privacy import exports
from privacy.models import AccessLog, DataRequest
from privacy.processing import records
from reports.models import ReportDownload, ReportRun
from stays.models import (
    CheckIn,
    CheckInTransition,
    Concern,
    ConcernTransition,
    Evaluation,
    EvaluationAnswer,
    EvaluationTransition,
    Mediation,
)
from tests.factories import (
    HomeFactory,
    NewcomerCaseFactory,
    OrganisationFactory,
    PartnershipFactory,
    QuotaAgreementFactory,
    UnitFactory,
    local_group,
    staff_user,
)
from volunteers.models import (
    CallAttempt,
    Campaign,
    HandOver,
    HomeVisit,
    HostNote,
    QueueEntry,
    VolunteerApplication,
    VolunteerProfile,
)
from work.models import (
    Employer,
    Placement,
    PlacementCheckIn,
    PlacementTransition,
    StaffFigures,
)
from workflow.models import TransitionLog

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_password_hashing")]

DATA_REQUESTS = "/privacy-officer/requests/"
HOUSEHOLD_REFERENCE = "BOS-77231"
VOLUNTEER_EMAIL = "ingegerd.volontarsson@example.org"
VOLUNTEER_NAME = "Ingegerd Volontärsson"
HOUSEHOLD_EMAIL = "familjen.bos77231@example.org"
# Each side's own words during the stay, and what staff wrote about it.
HOST_CONCERN = "Vi behöver prata om städningen."
HOUSEHOLD_CONCERN = "Värmen fungerar inte i vårt rum."
HOST_ANSWER = "Det har gått bättre än vi trodde."
HOUSEHOLD_ANSWER = "Vi trivs men bussen går sällan."
CHECK_IN_NOTE = "Familjen verkar trött, värden stressad."
MEDIATION_OUTCOME = "Värden städar köket på söndagar."
STAFF_CONCERN = "Grannen har hört bråk."
# The road to work: the Public Employment Service's reference and a supervisor's note.
AF_REFERENCE = "AF-2026-55501"
PLACEMENT_NOTE = "Lär sig snabbt, behöver stöd med truckkortet."
PLACEMENT_REASON = "Fick fast jobb på lagret."


def rows_at(export: dict, path: str) -> list:
    """What is at ``path`` ("homes.*.history": the history of every home) in an export."""
    items = [export]
    for key in path.split("."):
        if key == "*":
            items = [row for item in items for row in item]
        else:
            assert all(key in item for item in items), f"{path}: no {key!r} in the export"
            items = [item[key] for item in items]
    return [row for item in items for row in (item if isinstance(item, list) else [item]) if row]


def listed_in_the_record() -> set[str]:
    return {label for record in records() for label in record["models"]}


def exported_kinds() -> set[str]:
    return (
        set(exports.host_sections())
        | set(exports.CASE_SECTIONS)
        | set(exports.person_sections())
        | {label for label, _field in exports.account_sections()}
    )


def relations_to_people():
    """(model, field) for every field of every installed model that points at a host, a home
    or a user."""
    people = (Host, Home, get_user_model())
    for model in apps.get_models():
        for field in model._meta.get_fields():
            if field.is_relation and not field.auto_created and field.related_model in people:
                yield model, field


# The record and the export agree -----------------------------------------------------------------


def test_every_entry_of_the_record_names_its_tables_and_each_is_exported():
    for record in records():
        assert record["models"], f"{record['data']}: no tables named"
        for label in record["models"]:
            apps.get_model(label)  # a table that exists
            assert label in exported_kinds() | set(exports.NOT_EXPORTED), (
                f"{label} is in the record of processing ({record['data']}) but in no export"
            )


def test_every_kind_the_export_hands_over_is_in_the_record():
    assert exported_kinds() <= listed_in_the_record()
    assert set(exports.NOT_EXPORTED) <= listed_in_the_record()


def test_every_table_that_points_at_a_host_a_home_or_a_user_is_in_the_record():
    """A table added later that holds rows about a person fails here until the record of
    processing lists it (and then the test above until the export hands it over)."""
    missing = {
        f"{model._meta.label_lower}.{field.name}"
        for model, field in relations_to_people()
        if model._meta.label_lower not in listed_in_the_record()
    }
    assert not missing, f"not in the record of processing: {sorted(missing)}"


def test_every_field_that_points_at_a_person_is_followed_by_the_export():
    sections = exports.account_sections()
    # find_people finds an account's volunteer application through this field.
    found_through_the_account = {("volunteers.volunteerapplication", "user")}
    missing = set()
    for model, field in relations_to_people():
        label = model._meta.label_lower
        if field.related_model is get_user_model():
            if (label, field.name) not in sections.keys() | found_through_the_account:
                missing.add(f"{label}.{field.name}")
        elif label not in exports.host_sections() and label not in exports.NOT_ABOUT_A_HOST:
            missing.add(f"{label}.{field.name}")
    assert not missing, f"no export follows: {sorted(missing)}"


# One of every kind ---------------------------------------------------------------------------


@pytest.fixture
def officer_client(organisations):
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(
        staff_user("data_protection_officer", organisations["volunteers"], username="dpo")
    )
    return client


@pytest.fixture
def world(organisations, host_session):
    """A host (the self-service one) with a row of every kind about them; a volunteer who
    worked on their home with a row of every kind naming them; the household the home was
    matched with, with a company flat's contract of its own."""
    now = timezone.now()
    partner = organisations["partner"]
    host, home = host_session.host, host_session.home
    # A name of its own: the factory's random names include the volunteer's first name.
    host.name = "Alma Värdsdotter"
    host.save(update_fields=["name"])
    volunteer = staff_user(
        "volunteer_coordinator",
        organisations["volunteers"],
        username="ingegerd",
        first_name="Ingegerd",
        last_name="Volontärsson",
        email=VOLUNTEER_EMAIL,
    )
    Home.objects.filter(pk=home.pk).update(partner=partner)
    HomeTransition.objects.create(
        home=home, from_state="registered", to_state="contacted", actor=volunteer, actor_kind="user"
    )

    # About the host.
    campaign = Campaign.objects.create(
        name="Statuskoll", organisation=organisations["volunteers"], created_by=volunteer
    )
    campaign.homes.add(home)
    CallAttempt.objects.create(
        home=home, volunteer=volunteer, outcome="interested", note="Vill ha besök på lördag."
    )
    HostNote.objects.create(home=home, author=volunteer, text="Ring efter fem.")
    visit = HomeVisit.objects.create(
        home=home,
        starts_at=now - timedelta(days=1),
        booked_by=volunteer,
        reported_by=volunteer,
        reported_at=now,
        status="reported",
        room_checked=True,
        rent_agreed=True,
        report="Ljust rum med eget lås.",
        verdict="suitable",
    )
    visit.volunteers.add(volunteer)
    QueueEntry.objects.update_or_create(
        home=home,
        defaults={
            "registered_at": home.created_at,
            "needs_call": False,
            "campaign": campaign,
            "claimed_by": volunteer,
            "lease_until": now,
            "handed_back_by": volunteer,
            "handed_back_at": now,
        },
    )
    # The home was handed over between two local groups.
    HandOver.objects.create(
        home=home,
        kind=HandOver.Kind.HANDED_OVER,
        from_group=local_group(organisations["volunteers"], name="Gamla gruppen"),
        to_group=local_group(organisations["volunteers"], name="Nya gruppen"),
        by=volunteer,
        reason="Flyttar.",
    )
    case = NewcomerCaseFactory(partner=partner, reference=HOUSEHOLD_REFERENCE)
    CaseTransition.objects.create(
        case=case, from_state="waiting", to_state="matched", actor=volunteer, actor_kind="user"
    )
    # The household lived with the host, then moved on to a company flat (below).
    match = Match.objects.create(
        home=home, case=case, status="ended", move_in_date=now.date(), ended_on=now.date()
    )
    stages = ["", "proposed", "approved", "moved_in", "ended"]
    for from_state, to_state in zip(stages, stages[1:], strict=False):
        MatchTransition.objects.create(
            match=match,
            from_state=from_state,
            to_state=to_state,
            actor=volunteer,
            actor_kind="user",
            reason="Familjen fick en egen lägenhet." if to_state == "ended" else "",
        )
    check_in = CheckIn.objects.create(
        match=match,
        after_days=7,
        due_on=now.date(),
        responsible="volunteers",
        status="done",
        outcome="all_well",
        done_at=now,
        done_by=volunteer,
        note="Det går bra.",
    )
    # The stay: its check-in, the concerns each side raised, a mediation, each side's evaluation.
    Match.objects.filter(pk=match.pk).update(
        household_answer="yes",
        household_answered_at=now,
        household_answer_via="phone",
        household_answer_recorded_by=volunteer,
    )
    check_in = CheckIn.objects.create(
        match=match,
        after_days=30,
        due_on=now.date(),
        responsible="volunteers",
        status="done",
        outcome="concern",
        done_at=now,
        done_by=volunteer,
        note=CHECK_IN_NOTE,
    )
    CheckInTransition.objects.create(
        check_in=check_in,
        from_state="planned",
        to_state="done",
        actor=volunteer,
        actor_kind="user",
        reason="Ringde båda.",
    )
    host_concern = Concern.objects.create(
        match=match,
        raised_by="host",
        urgency="normal",
        text=HOST_CONCERN,
        language="sv",
        status="in_mediation",
        first_response_at=now,
        first_response_by=volunteer,
        resolution="Medling bokad.",
    )
    household_concern = Concern.objects.create(
        match=match, raised_by="household", urgency="urgent", text=HOUSEHOLD_CONCERN, language="ar"
    )
    ConcernTransition.objects.create(
        concern=household_concern, from_state="", to_state="opened", actor_kind="household"
    )
    Concern.objects.create(
        match=match, raised_by="staff", raised_by_user=volunteer, text=STAFF_CONCERN
    )
    mediation = Mediation.objects.create(
        concern=host_concern,
        starts_at=now,
        place="Kommunhuset",
        mediator=volunteer,
        booked_by=volunteer,
        status="held",
        outcome=MEDIATION_OUTCOME,
    )
    evaluations = {}
    for respondent, text in [("host", HOST_ANSWER), ("household", HOUSEHOLD_ANSWER)]:
        evaluation = Evaluation.objects.create(
            match=match,
            respondent=respondent,
            point="month_1",
            survey="month_1",
            status="answered",
            opens_on=now.date(),
            answered_at=now,
        )
        EvaluationAnswer.objects.create(evaluation=evaluation, question="comfort", score=4)
        EvaluationAnswer.objects.create(evaluation=evaluation, question="words", text=text)
        EvaluationTransition.objects.create(
            evaluation=evaluation, from_state="open", to_state="answered", actor_kind=respondent
        )
        evaluations[respondent] = evaluation
    OutboundEmail.objects.create(to=host.email, subject="Tack för din anmälan", body="Hej!")
    AccessLog.objects.create(
        user=volunteer, action="view", object_type="hosts.host", object_id=str(host.pk), where="x"
    )
    LogEntry.objects.create(
        user=volunteer,
        content_type=ContentType.objects.get_for_model(Home),
        object_id=str(home.pk),
        object_repr=str(home),
        action_flag=CHANGE,
        change_message='[{"changed": {"fields": ["beds"]}}]',
    )

    # The household's company flat: another match, with a contract.
    company = OrganisationFactory(name="Bostadsbolaget", kind=Organisation.Kind.HOUSING_COMPANY)
    unit = UnitFactory(company=company)
    flat = HomeFactory(host=None, unit=unit)
    flat_match = Match.objects.create(home=flat, case=case, status="moved_in")
    contract = Contract.objects.create(
        match=flat_match, company=company, unit=unit, starts_on=now.date()
    )
    ContractTransition.objects.create(
        contract=contract, from_state="", to_state="sublet", actor=volunteer, actor_kind="user"
    )
    # The household's road to work: a placement of its first adult, supervised by the volunteer
    # (in this world one person does every kind of work), with its history and a check-in.
    employer = Employer.objects.create(
        organisation=OrganisationFactory(name="Lagret AB", kind=Organisation.Kind.EMPLOYER),
        added_by=volunteer,
    )
    employer.integration_units.add(partner)
    StaffFigures.objects.create(
        employer=employer,
        recorded_on=now.date(),
        employees=12,
        came_as_newcomers=2,
        recorded_by=volunteer,
    )
    placement = Placement.objects.create(
        employer=employer,
        integration_unit=partner,
        kind=Placement.Kind.WORK_TRAINING,
        title="Lagerarbete",
        place="Industrigatan 3",
        supervisor=volunteer,
        starts_on=now.date() - timedelta(days=60),
        ends_on=now.date() + timedelta(days=30),
        hours_per_week=30,
        status=Placement.Status.ENDED_EARLY,
        case=case,
        adult_number=1,
        employment_service_reference=AF_REFERENCE,
        consent_given_on=now.date() - timedelta(days=61),
        consent_given=Placement.ConsentGiven.IN_WRITING,
        consent_recorded_by=volunteer,
        started_on=now.date() - timedelta(days=60),
        ended_on=now.date(),
        end_reason=Placement.EndReason.FOUND_WORK,
        created_by=volunteer,
    )
    PlacementTransition.objects.create(
        placement=placement,
        from_state="started",
        to_state="ended_early",
        actor=volunteer,
        actor_kind="user",
        reason=PLACEMENT_REASON,
    )
    PlacementCheckIn.objects.create(
        placement=placement,
        on=now.date() - timedelta(days=10),
        days_expected=10,
        days_present=9,
        language=PlacementCheckIn.Language.SWEDISH_WITH_SUPPORT,
        going=PlacementCheckIn.Going.WELL,
        note=PLACEMENT_NOTE,
        recorded_by=volunteer,
    )
    vacancy = Vacancy.objects.create(
        agreement=QuotaAgreementFactory(company=company, integration_unit=partner),
        company=company,
        unit=unit,
        notice_given_on=now.date(),
        available_from=now.date(),
        sequence=1,
        status="offered",
        offered=True,
        recorded_by=volunteer,
    )
    AccessLog.objects.create(
        user=volunteer,
        action="view",
        object_type="newcomers.newcomercase",
        object_id=str(case.pk),
        where="admin",
    )
    LogEntry.objects.create(
        user=volunteer,
        content_type=ContentType.objects.get_for_model(NewcomerCase),
        object_id=str(case.pk),
        object_repr=str(case),
        action_flag=CHANGE,
        change_message="",
    )

    # The household's own link, made by the volunteer, then stopped by them; and its e-mail.
    NewcomerCase.objects.filter(pk=case.pk).update(email=HOUSEHOLD_EMAIL, language="ar")
    case.refresh_from_db()
    HouseholdLink.objects.create(
        case=case,
        delivery="email",
        created_by=volunteer,
        expires_at=now + timedelta(days=30),
        revoked_at=now,
        revoked_by=volunteer,
    )
    OutboundEmail.objects.create(to=HOUSEHOLD_EMAIL, subject="Er länk", body="Hej!")

    # Naming the volunteer.
    VolunteerProfile.objects.create(user=volunteer, phone="+46702223344", area="Frösön")
    VolunteerProfile.objects.create(user=staff_user("volunteer"), met_on=now, met_by=volunteer)
    TOTPDevice.objects.create(user=volunteer, name="Telefonen", confirmed=True)
    application = VolunteerApplication.objects.create(
        name=VOLUNTEER_NAME,
        email=VOLUNTEER_EMAIL,
        phone="+46702223344",
        area="Frösön",
        availability="Kvällar",
        consent_notice_version="2026-11-01",
        consent_given_at=now,
        status="approved",
        user=volunteer,
    )
    VolunteerApplication.objects.create(
        name="Någon Annan",
        email="annan@example.org",
        phone="+46705556677",
        area="Brunflo",
        availability="Helger",
        consent_notice_version="2026-11-01",
        consent_given_at=now,
        status="declined",
        reviewed_by=volunteer,
        reviewed_at=now,
    )
    OutboundEmail.objects.create(to=VOLUNTEER_EMAIL, subject="Välkommen som volontär", body="Hej!")
    AccessibilityReport.objects.create(
        text="Knappen syns inte.", email=VOLUNTEER_EMAIL, language="sv"
    )
    run = ReportRun.objects.create(
        partnership=PartnershipFactory(), as_of=now.date(), requested_by=volunteer
    )
    ReportDownload.objects.create(run=run, user=volunteer, file_kind="pdf")
    for subject in [f"host #{host.pk}", f"user #{volunteer.pk}", f"case #{case.pk}"]:
        DataRequest.objects.create(kind="access", subject=subject, handled_by=volunteer)

    # An information meeting the volunteer planned, and their own sign-up to it.
    meeting = InformationMeeting.objects.create(
        local_group=volunteer.local_group,
        municipality_id="2380",
        title="Bli värd",
        topic="hosting",
        starts_at=now + timedelta(days=7),
        ends_at=now + timedelta(days=7, hours=1),
        place="Biblioteket",
        capacity=10,
        created_by=volunteer,
    )
    signup = MeetingSignup.objects.create(
        meeting=meeting,
        name=VOLUNTEER_NAME,
        email=VOLUNTEER_EMAIL,
        consent_notice_version="2026-11-01",
        consent_given_at=now,
    )

    # A tagged link and a "volunteers wanted" notice the volunteer made (as rows: the records
    # that name a person are what is checked here, not who may make them).
    Source.objects.create(
        local_group=volunteer.local_group,
        kind="poster",
        target="host",
        label="Affisch på biblioteket",
        created_by=volunteer,
    )
    VolunteersWanted.objects.create(
        local_group=volunteer.local_group, needs=["calls"], created_by=volunteer
    )

    # Every workflow's history names the volunteer once, whatever workflows there are.
    parents = {
        InformationMeeting: meeting,
        MeetingSignup: signup,
        Home: home,
        NewcomerCase: case,
        Match: match,
        Contract: contract,
        Vacancy: vacancy,
        ReportRun: run,
        VolunteerApplication: application,
        HomeVisit: visit,
        CheckIn: check_in,
        Concern: host_concern,
        Mediation: mediation,
        Evaluation: evaluations["host"],
        Placement: placement,
    }
    for model in apps.get_models():
        if not issubclass(model, TransitionLog) or model.objects.filter(actor=volunteer).exists():
            continue
        (parent,) = [
            f for f in model._meta.concrete_fields if f.is_relation and f.related_model in parents
        ]
        model.objects.create(
            **{parent.name: parents[parent.related_model]},
            to_state="x",
            actor=volunteer,
            actor_kind="user",
        )
    return {
        "host": host,
        "home": home,
        "volunteer": volunteer,
        "case": case,
        "client": host_session.client,
    }


def test_the_host_gets_every_kind_of_row_about_them(world, officer_client):
    own = json.loads(world["client"].get("/my-offer/data/").content)

    for label, path in exports.host_sections().items():
        assert rows_at(own, path), f"{label}: nothing at {path}"
    assert set(own) - {"exported_at"} == {
        path.split(".")[0] for path in exports.host_sections().values()
    }
    assert own["host"]["consent"]["privacy_notice_version"] == "2026-11-01"
    assert own["call_attempts"][0]["note"] == "Vill ha besök på lördag."
    (visit,) = own["home_visits"]
    assert visit["checklist"]["room_checked"] and not visit["checklist"]["house_rules"]
    assert (visit["report"], visit["verdict"]) == ("Ljust rum med eget lås.", "suitable")
    history = own["matches"][0]["history"]
    assert [stage["to"] for stage in history] == ["proposed", "approved", "moved_in", "ended"]
    assert "Familjen" not in json.dumps(own)  # the partner's reasons stay out
    assert own["homes"][0]["referred_to"] == "Mottagningsenheten"
    # The household, and the volunteer who called and visited, are not named.
    text = json.dumps(own, ensure_ascii=False)
    for someone_else in [HOUSEHOLD_REFERENCE, "Ingegerd", "Volontärsson", VOLUNTEER_EMAIL]:
        assert someone_else not in text
    # The stay: the host's own words in full; of the rest, dates and outcomes only.
    assert [c["in_your_own_words"] for c in own["concerns_you_raised"]] == [HOST_CONCERN]
    assert [a["text"] for a in own["evaluations"][0]["answers"]] == ["", HOST_ANSWER]
    assert "concern" in {check_in["outcome"] for check_in in own["check_ins"]}
    assert own["mediations"][0]["status"] == "held"
    for not_theirs in [
        HOUSEHOLD_CONCERN,
        HOUSEHOLD_ANSWER,
        CHECK_IN_NOTE,
        MEDIATION_OUTCOME,
        STAFF_CONCERN,
        HOUSEHOLD_EMAIL,
        "Medling bokad.",
        "Ringde båda.",
        AF_REFERENCE,
        PLACEMENT_NOTE,
        "Lagret AB",
    ]:
        assert not_theirs not in text

    # The data protection officer's export of the host is the same export.
    response = officer_client.post(
        DATA_REQUESTS, {"email": world["host"].email, "action": "export"}
    )
    (as_exported,) = json.loads(response.content)["hosts"]
    assert {**as_exported, "exported_at": None} == {**own, "exported_at": None}


def test_the_volunteer_gets_their_account_their_work_and_every_record_that_names_them(
    world, officer_client
):
    response = officer_client.post(DATA_REQUESTS, {"email": VOLUNTEER_EMAIL, "action": "export"})
    data = json.loads(response.content)

    (account,) = data["accounts"]
    for (label, field), path in exports.account_sections().items():
        assert rows_at(account, path), f"{label}.{field}: nothing at {path}"
        if path == "other_records":
            verbose_name = str(apps.get_model(label)._meta.get_field(field).verbose_name)
            assert any(
                row["record"].startswith(f"{label} #") and row["as"] == verbose_name
                for row in account["other_records"]
            ), f"{label}.{field} is not among the other records"
    for label, path in exports.person_sections().items():
        assert rows_at(data, path), f"{label}: nothing at {path}"
    assert account["account"]["name"] == VOLUNTEER_NAME
    assert account["calls_made"][0]["note"] == "Vill ha besök på lördag."
    assert "key" not in account["two_factor_devices"][0]
    assert [a["name"] for a in data["volunteer_applications"]] == [VOLUNTEER_NAME]
    # Their own work during the stay in full; the concerns they answered and the links they made
    # by number.
    assert CHECK_IN_NOTE in [check_in["note"] for check_in in account["check_ins_done"]]
    assert [c["in_your_own_words"] for c in account["concerns_raised"]] == [STAFF_CONCERN]
    (mediation,) = account["mediations"]  # led and booked: once
    assert mediation["what_was_agreed"] == MEDIATION_OUTCOME
    kinds = {(row["record"].split(" #")[0], row["as"]) for row in account["other_records"]}
    assert {
        ("stays.concern", "first response by"),
        ("newcomers.householdlink", "made by"),
        ("newcomers.householdlink", "revoked by"),
        ("matching.match", "answer recorded by"),
        ("work.placement", "offered by"),
        ("work.placement", "consent recorded by"),
        ("work.employer", "added by"),
        ("work.stafffigures", "recorded by"),
    } <= kinds
    # The placements they supervise, without the person in them; the check-ins they wrote, in
    # full.
    (supervised,) = account["placements_supervised"]
    assert supervised["employer"] == "Lagret AB"
    assert "employment_service_reference" not in supervised and "adult_of_the_household" not in (
        supervised
    )
    assert [c["note"] for c in account["placement_check_ins_written"]] == [PLACEMENT_NOTE]
    assert AF_REFERENCE not in json.dumps(account["placements_supervised"])
    # The applicant they reviewed, the host and the household are named by number only.
    text = json.dumps(data, ensure_ascii=False)
    for someone_else in ["Någon Annan", world["host"].name, world["host"].email]:
        assert someone_else not in text


def test_a_newcomer_case_is_exported_by_its_reference(world, officer_client):
    found = officer_client.post(
        DATA_REQUESTS, {"case_reference": HOUSEHOLD_REFERENCE.lower(), "action": "find"}
    )
    assert found.context["found"]["cases"] == [world["case"]]
    assert 'value="erase"' not in found.content.decode()  # cases are not erased here

    response = officer_client.post(
        DATA_REQUESTS, {"case_reference": HOUSEHOLD_REFERENCE, "action": "export"}
    )
    data = json.loads(response.content)
    assert data["hosts"] == data["accounts"] == data["volunteer_applications"] == []
    (case,) = data["newcomer_cases"]
    for label, path in exports.CASE_SECTIONS.items():
        assert rows_at(case, path), f"{label}: nothing at {path}"
    assert case["case"]["reference"] == HOUSEHOLD_REFERENCE
    assert case["contracts"][0]["housing_company"] == "Bostadsbolaget"
    text = json.dumps(data, ensure_ascii=False)
    for someone_else in [world["host"].name, world["host"].email, "Ingegerd"]:
        assert someone_else not in text
    # The stay: the household's own words in full; of the rest, dates and outcomes only.
    assert case["case"]["email_for_the_link"] == HOUSEHOLD_EMAIL
    assert case["case"]["language"] == "ar"
    own_words = [c.get("in_your_own_words") for c in case["concerns"]]
    assert sorted(own_words, key=str) == sorted([HOUSEHOLD_CONCERN, None, None], key=str)
    assert {c["raised_by"] for c in case["concerns"]} == {"host", "household", "staff"}
    (evaluation,) = case["evaluations"]
    assert [a["text"] for a in evaluation["answers"]] == ["", HOUSEHOLD_ANSWER]
    assert case["matches"][0]["your_answer"] == {
        "answer": "yes",
        "when": case["matches"][0]["your_answer"]["when"],
        "given": "phone",
    }
    (link,) = case["links"]
    assert link["revoked"] and set(link) == {
        "handed_over_as",
        "made",
        "expires",
        "revoked",
        "last_used",
    }
    assert [e["to"] for e in case["emails_sent_to_the_household"]] == [HOUSEHOLD_EMAIL]
    for not_theirs in [
        HOST_CONCERN,
        HOST_ANSWER,
        CHECK_IN_NOTE,
        MEDIATION_OUTCOME,
        STAFF_CONCERN,
        "Medling bokad.",
        "Ringde båda.",
    ]:
        assert not_theirs not in text
    # The road to work: each placement of the household's adults in full, nobody at the employer
    # named (the volunteer is the supervisor here).
    (placement,) = case["placements"]
    assert (placement["kind"], placement["employer"], placement["status"]) == (
        "work_training",
        "Lagret AB",
        "ended_early",
    )
    assert placement["adult_of_the_household"] == 1
    assert placement["employment_service_reference"] == AF_REFERENCE
    assert placement["consent"]["given"] == "in_writing"
    assert placement["why_it_ended_early"] == "found_work"
    assert [step["reason"] for step in placement["history"]] == [PLACEMENT_REASON]
    (check_in,) = placement["check_ins"]
    assert (check_in["days_expected"], check_in["days_present"], check_in["note"]) == (
        10,
        9,
        PLACEMENT_NOTE,
    )
    assert "recorded_by" not in check_in and "supervisor" not in placement
    for someone_else in ["Ingegerd", "Volontärsson", VOLUNTEER_EMAIL, "ingegerd"]:
        assert someone_else not in json.dumps(case["placements"], ensure_ascii=False)
    request = DataRequest.objects.latest("handled_at")
    assert request.subject == f"case #{world['case'].pk}"
    assert AccessLog.objects.filter(
        action="export", object_type="newcomers.newcomercase", object_id=str(world["case"].pk)
    ).exists()
