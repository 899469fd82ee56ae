"""The answer to a request for access (GDPR art. 15): every kind of row the record of processing
(``privacy.processing``) lists, about the person who asks.

One function per kind of row says what of that row is handed over (``*_row`` below); the exports
are put together from them and nothing else: a host's (their own download in self-service, and the
data protection officer's export of a host), a volunteer's or staff member's account, and a
newcomer case. ``host_sections()``, ``account_sections()``, ``person_sections()`` and
``CASE_SECTIONS`` say where each kind lands; ``tests/privacy/test_export_complete.py`` walks the
record of processing against them, so a kind the record lists cannot be left out of the export.

Other people's data stays out (art. 15.4): a host learns that a household was proposed, approved,
moved in and left, with the dates, not which household; nobody who called or visited is named. A
volunteer's or staff member's export holds their own work in full (the calls, notes, visits and
check-ins they made, what they opened) and names every other record they acted on by its number
only.

The stay (``stays``) follows the same rule: each side gets what it wrote in its own words in full
(the concerns it raised, its own evaluation with every answer) and, of the rest of its stays, the
dates, stages and outcomes (check-ins, mediation meetings, the other side's concerns as "raised
by the host/household"); the notes staff wrote about a stay, how a concern was resolved and what
was agreed at a mediation go to nobody but the staff member who wrote them. Neither side ever
gets the other's evaluation.

The road to work (``work``): a newcomer case's export holds its placements in full as far as they
are about the person: the kind, the employer (the organisation), what the work is and where, the
period, each stage with its date and reason, the consent (when and how), the Public Employment
Service's reference, and every check-in with its attendance, language, how it goes and the
supervisor's note. The note is about the person's work and nobody else's, so it is theirs to read
(unlike a stay's notes, which are about the host and the household at once). Who supervises, who
wrote a check-in, who recorded the consent and who took a step are left out: they are other
people (art. 15.4), and the employer is named. A supervisor's own export holds the placements
they supervise (without the person) and the check-ins they wrote, with their notes.
"""

import re
from typing import Any

from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db.models import Q
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from hosts.models import Home, Host
from housing.models import Contract
from matching.models import Match
from newcomers.models import NewcomerCase
from notifications.models import OutboundEmail
from stays.models import CheckIn, Concern, Evaluation, Mediation
from volunteers.models import (
    CallAttempt,
    Campaign,
    HandOver,
    HomeVisit,
    HostNote,
    QueueEntry,
    VolunteerApplication,
)
from work.models import Placement, PlacementCheckIn
from workflow.models import TransitionLog

from .models import AccessLog, DataRequest

# Where each kind of row lands in a host's export: model label → path ("*" is every item of a
# list). Each path holds at least one row when the host has a row of that kind.
HOST_SECTIONS = {
    "hosts.host": "host",
    "hosts.home": "homes",
    "hosts.hometransition": "homes.*.history",
    "volunteers.callattempt": "call_attempts",
    "volunteers.hostnote": "notes",
    "volunteers.homevisit": "home_visits",
    "volunteers.queueentry": "call_queue",
    "volunteers.campaign": "campaigns",
    "volunteers.handover": "local_groups",
    "matching.match": "matches",
    "matching.matchtransition": "matches.*.history",
    "notifications.outboundemail": "emails_sent_to_you",
    "privacy.accesslog": "access_log",
    "admin.logentry": "admin_log",
    "privacy.datarequest": "data_requests",
    # The stay (``stays``): what the host wrote and answered in full; of the stay itself, the
    # dates and outcomes only (the notes staff wrote about the household stay out).
    "stays.checkin": "check_ins",
    "stays.checkintransition": "check_ins.*.history",
    "stays.concern": "concerns_you_raised",
    "stays.concerntransition": "concerns_you_raised.*.history",
    "stays.mediation": "mediations",
    "stays.mediationtransition": "mediations.*.history",
    "stays.evaluation": "evaluations",
    "stays.evaluationanswer": "evaluations.*.answers",
    "stays.evaluationtransition": "evaluations.*.history",
}


def host_sections() -> dict[str, str]:
    """``HOST_SECTIONS``, and the history of the home visits if their workflow keeps one."""
    from .processing import transition_logs

    visit_history = transition_logs(of="volunteers.homevisit")
    return {**HOST_SECTIONS, **dict.fromkeys(visit_history, "home_visits.*.history")}


# Where each kind lands in a newcomer case's export.
CASE_SECTIONS = {
    "newcomers.newcomercase": "case",
    "newcomers.casetransition": "case.history",
    "matching.match": "matches",
    "matching.matchtransition": "matches.*.history",
    "housing.contract": "contracts",
    "housing.contracttransition": "contracts.*.history",
    "privacy.accesslog": "access_log",
    "admin.logentry": "admin_log",
    "privacy.datarequest": "data_requests",
    # The household's own link and address, its stays' check-ins and mediations (dates and
    # outcomes), the concerns about its stays (its own words in full, others' words left out),
    # its own evaluations with their answers, and the e-mails sent to it.
    "newcomers.householdlink": "links",
    "stays.checkin": "check_ins",
    "stays.checkintransition": "check_ins.*.history",
    "stays.concern": "concerns",
    "stays.concerntransition": "concerns.*.history",
    "stays.mediation": "mediations",
    "stays.mediationtransition": "mediations.*.history",
    "stays.evaluation": "evaluations",
    "stays.evaluationanswer": "evaluations.*.answers",
    "stays.evaluationtransition": "evaluations.*.history",
    "notifications.outboundemail": "emails_sent_to_the_household",
    # The road to work: each placement of an adult of the household, its history and check-ins.
    "work.placement": "placements",
    "work.placementtransition": "placements.*.history",
    "work.placementcheckin": "placements.*.check_ins",
}

# Rows that name a volunteer or a member of staff as the one who did something, besides their own
# work exported in full: (model label, the field that names them, the field that dates it). Every
# workflow's history names its ``actor`` too (``activity_links``).
OTHER_ACTIVITY = [
    ("volunteers.volunteerapplication", "reviewed_by", "reviewed_at"),
    ("volunteers.volunteerprofile", "met_by", "met_on"),
    ("volunteers.campaign", "created_by", "started_at"),
    ("volunteers.queueentry", "claimed_by", "lease_until"),
    ("volunteers.queueentry", "handed_back_by", "handed_back_at"),
    ("volunteers.handover", "by", "created_at"),
    ("housing.vacancy", "recorded_by", "created_at"),
    ("privacy.datarequest", "handled_by", "handled_at"),
    ("reports.reportrun", "requested_by", "created_at"),
    ("reports.reportdownload", "user", "downloaded_at"),
    ("matching.match", "household_answer_recorded_by", "household_answered_at"),
    ("stays.concern", "first_response_by", "first_response_at"),
    ("newcomers.householdlink", "created_by", "created_at"),
    ("newcomers.householdlink", "revoked_by", "revoked_at"),
    ("work.employer", "added_by", "created_at"),
    ("work.stafffigures", "recorded_by", "created_at"),
    ("work.placement", "created_by", "created_at"),
    ("work.placement", "consent_recorded_by", "consent_given_on"),
    ("outreach.informationmeeting", "created_by", "created_at"),
    ("outreach.source", "created_by", "created_at"),
    ("outreach.volunteerswanted", "created_by", "created_at"),
]

# Where each kind lands in an account's export, by (model label, the field that names the person).
OWN_WORK_SECTIONS = {
    ("accounts.user", None): "account",
    ("volunteers.volunteerprofile", "user"): "volunteer_profile",
    ("otp_totp.totpdevice", "user"): "two_factor_devices",
    ("volunteers.callattempt", "volunteer"): "calls_made",
    ("volunteers.hostnote", "author"): "notes_written",
    ("volunteers.homevisit", "volunteers"): "home_visits",
    ("volunteers.homevisit", "booked_by"): "home_visits",
    ("volunteers.homevisit", "reported_by"): "home_visits",
    ("privacy.accesslog", "user"): "access_log",
    ("admin.logentry", "user"): "admin_log",
    ("privacy.datarequest", None): "data_requests",  # the requests about the account
    ("stays.checkin", "done_by"): "check_ins_done",
    ("stays.concern", "raised_by_user"): "concerns_raised",
    ("stays.mediation", "mediator"): "mediations",
    ("stays.mediation", "booked_by"): "mediations",
    ("work.placement", "supervisor"): "placements_supervised",
    ("work.placementcheckin", "recorded_by"): "placement_check_ins_written",
}


def activity_links() -> list[tuple[str, str, str]]:
    from .processing import transition_logs

    return [(label, "actor", "created_at") for label in transition_logs()] + OTHER_ACTIVITY


def account_sections() -> dict[tuple[str, str | None], str]:
    return {
        **OWN_WORK_SECTIONS,
        **{(label, field): "other_records" for label, field, _when in activity_links()},
    }


# The data protection officer's export of a person, beside the hosts, accounts and cases in it.
PERSON_SECTIONS = {
    "volunteers.volunteerapplication": "volunteer_applications",
    "notifications.outboundemail": "emails_sent",
    "accessibility.accessibilityreport": "accessibility_reports",
    "outreach.meetingsignup": "meeting_signups",
}


def person_sections() -> dict[str, str]:
    """``PERSON_SECTIONS``, and the history of the applications and of the meeting sign-ups
    if their workflows keep one."""
    from .processing import transition_logs

    history = transition_logs(of="volunteers.volunteerapplication")
    signup_history = transition_logs(of="outreach.meetingsignup")
    return {
        **PERSON_SECTIONS,
        **dict.fromkeys(history, "volunteer_applications.*.history"),
        **dict.fromkeys(signup_history, "meeting_signups.*.history"),
    }


# Tables that point at a home but are never about a host, and why.
NOT_ABOUT_A_HOST = {
    "housing.vacancy": "a vacancy is a company's flat, which has no host",
}

# Kinds the record of processing lists that no export hands over, and why.
NOT_EXPORTED = {
    "privacy.securityevent": "holds no personal data: no names, no addresses, no user ids",
    "hosts.erasurerecord": "says only that an erasure took place and when, not whose",
}


def iso(value) -> str | None:
    return value.isoformat() if value else None


def _phone(value) -> str:
    return str(value) if value else ""


# One row of each kind ------------------------------------------------------------------------


def host_row(host: Host) -> dict[str, Any]:
    return {
        "name": host.name,
        "email": host.email,
        "phone": _phone(host.phone),
        "language": host.language,
        "registered": iso(host.created_at),
        "email_confirmed": iso(host.confirmed_at),
        "consent": {
            "privacy_notice_version": host.consent_notice_version,
            "given_at": iso(host.consent_given_at),
            "language_shown": host.consent_language,
        },
    }


def home_row(home: Home) -> dict[str, Any]:
    """The offer as the host made it, its stage, whom it was referred to, and its history."""
    from hosts.actions import OFFER_FIELDS

    offer = {name: getattr(home, name) for name in OFFER_FIELDS}
    offer["available_from"] = iso(home.available_from)
    return {
        "id": home.pk,
        **offer,
        "came_through": source_row(home.source) if home.source_id else None,
        "stage": home.status,
        "referred_to": home.partner.name if home.partner_id else None,
        "registered": iso(home.created_at),
        "updated": iso(home.updated_at),
        "history": [home_transition_row(t) for t in home.transitions.all()],
    }


def source_row(source) -> dict[str, Any]:
    """The tagged link a registration or an application came through (``outreach.Source``):
    what kind of link, the name its organiser gave it (the coordinators' form says that the
    people who come through it see that name here) and, for a meeting's link, the meeting. Not
    its code: that is only the key of the address."""
    meeting = source.meeting
    return {
        "kind": source.kind,
        "name": source.label,
        "organiser": str(source.organiser),
        "meeting": (
            {"title": meeting.title, "starts": iso(meeting.starts_at)} if meeting else None
        ),
    }


def history_of(obj) -> list[dict[str, Any]]:
    """The steps of ``obj`` through its workflow (from, to, when, why), for a kind whose history
    is a ``TransitionLog`` of its own: a home visit, a volunteer application."""
    from django.apps import apps

    from .processing import transition_logs

    rows = []
    for label in transition_logs(of=obj._meta.label_lower):
        model = apps.get_model(label)
        (field,) = [
            f.name
            for f in model._meta.concrete_fields
            if f.is_relation and f.related_model is type(obj)
        ]
        rows += [
            {**stage_row(t), "reason": t.reason}
            for t in model.objects.filter(**{field: obj}).order_by("created_at", "pk")
        ]
    return rows


def home_transition_row(transition) -> dict[str, Any]:
    return {
        "from": transition.from_state or None,
        "to": transition.to_state,
        "when": iso(transition.created_at),
        "made_by": transition.actor_kind,
        "reason": transition.reason,
    }


def call_attempt_row(call: CallAttempt) -> dict[str, Any]:
    return {
        "home": call.home_id,
        "when": iso(call.created_at),
        "outcome": call.outcome,
        "note": call.note,
        "call_back_at": iso(call.callback_at),
        "campaign": call.campaign.name if call.campaign_id else None,
    }


def host_note_row(note: HostNote) -> dict[str, Any]:
    return {"home": note.home_id, "written": iso(note.created_at), "text": note.text}


def home_visit_row(visit: HomeVisit) -> dict[str, Any]:
    """The visit (hembesök), its checklist, the report and the verdict."""
    return {
        "home": visit.home_id,
        "starts_at": iso(visit.starts_at),
        "minutes": visit.duration_minutes,
        "status": visit.status,
        "checklist": {item: getattr(visit, item) for item in HomeVisit.CHECKLIST},
        "report": visit.report,
        "verdict": visit.verdict or None,
        "why_not_suitable": visit.reject_reason,
        "booked": iso(visit.created_at),
        "reported": iso(visit.reported_at),
        "history": history_of(visit),
    }


def queue_entry_row(entry: QueueEntry) -> dict[str, Any]:
    return {
        "home": entry.home_id,
        "needs_call": entry.needs_call,
        "priority": QueueEntry.Rank(entry.rank).name.lower(),
        "call_from": iso(entry.next_call_at),
        "unanswered_calls": entry.unanswered,
        "campaign": entry.campaign.name if entry.campaign_id else None,
    }


def hand_over_row(move: HandOver) -> dict[str, Any]:
    """Which local group had the home, from when, and why it moved."""
    return {
        "home": move.home_id,
        "when": iso(move.created_at),
        "kind": move.kind,
        "from_group": move.from_group.name if move.from_group_id else None,
        "to_group": move.to_group.name if move.to_group_id else None,
        "reason": move.reason,
    }


def campaign_row(campaign: Campaign) -> dict[str, Any]:
    return {
        "name": campaign.name,
        "started": iso(campaign.started_at),
        "ended": iso(campaign.ended_at),
    }


def match_row(match: Match) -> dict[str, Any]:
    """That a home and a household were matched, and the stages with their dates: neither the
    household (for the host) nor the host (for the household), only the other record's number.
    The partner's reasons stay out: they may be about the other party."""
    return {
        "id": match.pk,
        "home": match.home_id,
        "status": match.status,
        "proposed": iso(match.created_at),
        "move_in_date": iso(match.move_in_date),
        "ended_on": iso(match.ended_on),
        "history": [stage_row(t) for t in match.transitions.all()],
    }


def stage_row(transition) -> dict[str, Any]:
    """A step of a workflow: from, to, when (without who took it, or why)."""
    return {
        "from": transition.from_state or None,
        "to": transition.to_state,
        "when": iso(transition.created_at),
    }


# The stay -----------------------------------------------------------------------------------


def check_in_row(check_in: CheckIn) -> dict[str, Any]:
    """A check-in of a stay, for the host and the household: when it was due and how it went
    (all well, a concern, urgent), without the note written about the stay or who made it."""
    return {
        "match": check_in.match_id,
        "after_days": check_in.after_days,
        "due_on": iso(check_in.due_on),
        "status": check_in.status,
        "outcome": check_in.outcome or None,
        "done": iso(check_in.done_at),
        "history": [stage_row(t) for t in check_in.transitions.all()],
    }


def check_in_done_row(check_in: CheckIn) -> dict[str, Any]:
    """A check-in the person made: their own work, with the note they wrote."""
    return {
        "match": check_in.match_id,
        "after_days": check_in.after_days,
        "due_on": iso(check_in.due_on),
        "status": check_in.status,
        "outcome": check_in.outcome or None,
        "done": iso(check_in.done_at),
        "note": check_in.note,
    }


def concern_row(concern: Concern, *, own_words: bool) -> dict[str, Any]:
    """A concern about a stay: who raised it (as a kind: the host, the household, a check-in),
    how urgent, its stages and dates. The text is handed over only to whoever wrote it
    (``own_words``): the other side's words, and how staff resolved it, stay out."""
    row = {
        "id": concern.pk,
        "match": concern.match_id,
        "raised": iso(concern.created_at),
        "raised_by": concern.raised_by,
        "urgency": concern.urgency,
        "status": concern.status,
        "first_response": iso(concern.first_response_at),
        "history": [stage_row(t) for t in concern.transitions.all()],
    }
    if own_words:
        row["in_your_own_words"] = concern.text
        row["written_in"] = concern.language
    return row


def mediation_row(mediation: Mediation, *, led_or_booked: bool = False) -> dict[str, Any]:
    """A mediation meeting about a concern: when, where, whether it was held. What was agreed is
    handed over to the mediator and the person who booked it (their own work), not to either
    side in an automatic export (it is about both)."""
    row = {
        "concern": mediation.concern_id,
        "starts_at": iso(mediation.starts_at),
        "minutes": mediation.duration_minutes,
        "place": mediation.place,
        "status": mediation.status,
        "booked": iso(mediation.created_at),
        "history": [stage_row(t) for t in mediation.transitions.all()],
    }
    if led_or_booked:
        row["what_was_agreed"] = mediation.outcome
    return row


def evaluation_row(evaluation: Evaluation) -> dict[str, Any]:
    """One side's own evaluation, with every answer (scores and the text in their own words).
    Only ever handed over to the side that answered it."""
    return {
        "match": evaluation.match_id,
        "answered_by": evaluation.respondent,
        "point": evaluation.point,
        "survey": evaluation.survey,
        "status": evaluation.status,
        "opens_on": iso(evaluation.opens_on),
        "answered": iso(evaluation.answered_at),
        "language": evaluation.language,
        "answers": [
            {"question": answer.question, "score": answer.score, "text": answer.text}
            for answer in evaluation.answers.all()
        ],
        "history": [stage_row(t) for t in evaluation.transitions.all()],
    }


def household_link_row(link) -> dict[str, Any]:
    """The household's own link: dates only (never the token, never who made it)."""
    return {
        "handed_over_as": link.delivery,
        "made": iso(link.created_at),
        "expires": iso(link.expires_at),
        "revoked": iso(link.revoked_at),
        "last_used": iso(link.last_used_at),
    }


def household_answer_row(match: Match) -> dict[str, Any] | None:
    """The household's yes or no to a proposed home, when and how it was given."""
    if not match.household_answer:
        return None
    return {
        "answer": match.household_answer,
        "when": iso(match.household_answered_at),
        "given": match.household_answer_via or None,
    }


# The road to work ---------------------------------------------------------------------------


def placement_row(placement: Placement) -> dict[str, Any]:
    """A placement as the supervisor's own work: the place, not the person in it."""
    return {
        "id": placement.pk,
        "kind": placement.kind,
        "employer": placement.employer.organisation.name,
        "what_the_work_is": placement.title,
        "workplace": placement.place,
        "from": iso(placement.starts_on),
        "until": iso(placement.ends_on),
        "hours_per_week": placement.hours_per_week,
        "languages": placement.languages,
        "status": placement.status,
    }


def placement_of_the_case_row(placement: Placement) -> dict[str, Any]:
    """A placement of an adult of the household: the placement, the proposal (which adult, the
    consent, the Public Employment Service's reference), how it went, every step with its reason
    and every check-in with the supervisor's note; nobody at the employer is named."""
    return {
        **placement_row(placement),
        "adult_of_the_household": placement.adult_number,
        "employment_service_reference": placement.employment_service_reference,
        "consent": {
            "given_on": iso(placement.consent_given_on),
            "given": placement.consent_given,
        },
        "started_on": iso(placement.started_on),
        "ended_on": iso(placement.ended_on),
        "why_it_ended_early": placement.end_reason or None,
        "employed_from": iso(placement.employed_on),
        "history": [
            {**stage_row(t), "reason": t.reason}
            for t in placement.transitions.order_by("created_at", "pk")
        ],
        "check_ins": [
            placement_check_in_row(check_in)
            for check_in in placement.check_ins.order_by("on", "pk")
        ],
    }


def placement_check_in_row(check_in: PlacementCheckIn) -> dict[str, Any]:
    """A supervisor's check-in: attendance, language, how it goes and the note about the work;
    not who wrote it."""
    return {
        "placement": check_in.placement_id,
        "on": iso(check_in.on),
        "days_expected": check_in.days_expected,
        "days_present": check_in.days_present,
        "language": check_in.language,
        "how_it_goes": check_in.going,
        "note": check_in.note,
        "recorded": iso(check_in.created_at),
    }


def contract_row(contract: Contract) -> dict[str, Any]:
    """The household's contract for a company flat (andrahands-, then förstahandskontrakt)."""
    return {
        "match": contract.match_id,
        "kind": contract.kind,
        "housing_company": contract.company.name,
        "starts_on": iso(contract.starts_on),
        "registered_with_employment_service_on": iso(
            contract.match.case.registered_with_employment_service_on
        ),
        "first_hand_since": iso(contract.converted_at),
        "history": [stage_row(t) for t in contract.transitions.all()],
    }


def case_row(case: NewcomerCase) -> dict[str, Any]:
    return {
        "id": case.pk,
        "partner": case.partner.name,
        "reference": case.reference,
        "adults": case.adults,
        "children_ages": case.children_ages,
        "languages": case.languages,
        "needs_step_free_access": case.needs_step_free_access,
        "pet_allergy": case.pet_allergy,
        "needs_non_smoking": case.needs_non_smoking,
        "preferred_areas": case.preferred_areas,
        "needs_months": case.needs_months,
        "rent_budget": case.rent_budget,
        "assigned_on": iso(case.assigned_on),
        "housing_needed_by": iso(case.housing_needed_by),
        "status": case.status,
        "establishment_ends_on": iso(case.establishment_ends_on),
        "outcome": case.outcome or None,
        "still_in_the_municipality": case.still_in_municipality,
        "still_in_the_matched_home": case.still_in_matched_home,
        "asylum_housing": case.asylum_allotment_id,
        "registered_with_employment_service_on": iso(case.registered_with_employment_service_on),
        "notes": case.notes,
        "language": case.language,
        "email_for_the_link": case.email,
        "waiting_with_priority_since": iso(case.priority_since),
        "created": iso(case.created_at),
        "history": [case_transition_row(t) for t in case.transitions.all()],
    }


def case_transition_row(transition) -> dict[str, Any]:
    return {**stage_row(transition), "reason": transition.reason}


def email_row(email: OutboundEmail) -> dict[str, Any]:
    return {
        "to": email.to,
        "subject": email.subject,
        "created": iso(email.created_at),
        "sent": iso(email.sent_at),
    }


def access_log_row(entry: AccessLog) -> dict[str, Any]:
    return {
        "when": iso(entry.created_at),
        "what": entry.action,
        "record": f"{entry.object_type} #{entry.object_id}",
        "where": entry.where,
    }


def admin_log_row(entry: LogEntry) -> dict[str, Any]:
    """A change made in the admin. The record's name at the time is left out: it may be
    someone else's."""
    flags = {1: "added", 2: "changed", 3: "deleted"}
    return {
        "when": iso(entry.action_time),
        "what": flags.get(entry.action_flag, str(entry.action_flag)),
        "record": f"{entry.content_type.app_label}.{entry.content_type.model} #{entry.object_id}",
        "change": entry.get_change_message(),
    }


def data_request_row(request: DataRequest) -> dict[str, Any]:
    return {
        "request": request.kind,
        "whose": request.subject,
        "received_on": iso(request.received_on),
        "handled": iso(request.handled_at),
        "note": request.note,
    }


def application_row(application: VolunteerApplication) -> dict[str, Any]:
    return {
        "name": application.name,
        "email": application.email,
        "phone": _phone(application.phone),
        "languages": application.languages,
        "area": application.area,
        "availability": application.availability,
        "motivation": application.motivation,
        "language": application.language,
        "consent": {
            "privacy_notice_version": application.consent_notice_version,
            "given_at": iso(application.consent_given_at),
        },
        "came_through": source_row(application.source) if application.source_id else None,
        "status": application.status,
        "decline_reason": application.decline_reason,
        "applied": iso(application.created_at),
        "reviewed": iso(application.reviewed_at),
        "history": history_of(application),
    }


def meeting_signup_row(signup) -> dict[str, Any]:
    """A sign-up to an information meeting: the person's own data, the meeting as it was
    published, and the sign-up's steps (the organiser who took one is not named)."""
    meeting = signup.meeting
    return {
        "meeting": {
            "title": meeting.title,
            "municipality": meeting.municipality_id,
            "starts": iso(meeting.starts_at),
            "ends": iso(meeting.ends_at),
            "place": meeting.place,
            "online_link": meeting.online_url,
            "status": meeting.status,
        },
        "name": signup.name,
        "email": signup.email,
        "language": signup.language,
        "consent": {
            "privacy_notice_version": signup.consent_notice_version,
            "given_at": iso(signup.consent_given_at),
        },
        "status": signup.status,
        "signed_up": iso(signup.created_at),
        "confirmed": iso(signup.confirmed_at),
        "reminded": iso(signup.reminded_at),
        "came": signup.attended,
        "history": history_of(signup),
    }


def account_row(user) -> dict[str, Any]:
    return {
        "username": user.username,
        "name": user.get_full_name(),
        "email": user.email,
        "organisation": str(user.organisation) if user.organisation_id else "",
        "roles": sorted(group.name for group in user.groups.all()),
        "language": user.language,
        "active": user.is_active,
        "joined": iso(user.date_joined),
        "last_login": iso(user.last_login),
    }


def profile_row(profile) -> dict[str, Any]:
    return {
        "phone": _phone(profile.phone),
        "languages": profile.languages,
        "area": profile.area,
        "availability": profile.availability,
        "met_on": iso(profile.met_on),
    }


def two_factor_device_row(device: TOTPDevice) -> dict[str, Any]:
    """The authenticator app a person confirms log-ins with; never its key."""
    return {
        "name": device.name,
        "confirmed": device.confirmed,
        "created": iso(device.created_at),
        "last_used": iso(device.last_used_at),
    }


def activity_row(obj, *, field: str, when: str) -> dict[str, Any]:
    """A row that names the person as the one who did something: which record, as what, when
    (and for a step, from which stage to which). Nothing else of the row: it is about someone
    else (a host, a household, an applicant)."""
    row = {
        "record": f"{obj._meta.label_lower} #{obj.pk}",
        "as": str(obj._meta.get_field(field).verbose_name),
        "when": iso(getattr(obj, when)),
    }
    if isinstance(obj, TransitionLog):
        row["step"] = {"from": obj.from_state or None, "to": obj.to_state}
    return row


# The exports ---------------------------------------------------------------------------------


def _access_log_about(records: dict[str, list[int]]):
    condition = Q(pk__in=[])
    for object_type, ids in records.items():
        if ids:
            condition |= Q(object_type=object_type, object_id__in=[str(pk) for pk in ids])
    return AccessLog.objects.filter(condition).order_by("created_at", "pk")


def _admin_log_about(records: dict[type, list[int]]):
    condition = Q(pk__in=[])
    for model, ids in records.items():
        if ids:
            condition |= Q(
                content_type=ContentType.objects.get_for_model(model),
                object_id__in=[str(pk) for pk in ids],
            )
    return (
        LogEntry.objects.filter(condition)
        .select_related("content_type")
        .order_by("action_time", "pk")
    )


def _data_requests_about(subject: str) -> list[DataRequest]:
    """The requests recorded for ``subject`` ("host #12"): ``DataRequest.subject`` lists the
    records it was about, separated by commas."""
    return [
        request
        for request in DataRequest.objects.filter(subject__contains=subject).order_by(
            "handled_at", "pk"
        )
        if subject in re.split(r",\s*", request.subject)
    ]


def host_export(*, host: Host) -> dict[str, Any]:
    """Everything held about a host (the right of access): their details and consent, their
    homes with their history, the calls, notes, visits, queue entry and campaigns about them,
    the matches of their homes as far as the host is concerned, the e-mails sent to them, and
    who opened, changed, exported or asked for their data. Of their homes' stays: the concerns
    the host raised and the host's own evaluations in full, the check-ins and mediation meetings
    by date and outcome."""
    homes = list(host.homes.select_related("partner").prefetch_related("transitions"))
    home_ids = [home.pk for home in homes]
    matches = list(
        Match.objects.filter(home__host=host)
        .prefetch_related("transitions")
        .order_by("created_at", "pk")
    )
    match_ids = [match.pk for match in matches]
    emails = (
        OutboundEmail.objects.filter(to=host.email).order_by("created_at", "pk")
        if host.email
        else []
    )
    on_home = {"home__host": host}
    concerns = list(
        Concern.objects.filter(match__home__host=host, raised_by=Concern.RaisedBy.HOST)
        .prefetch_related("transitions")
        .order_by("created_at", "pk")
    )
    evaluations = list(
        Evaluation.objects.filter(match__home__host=host, respondent=Evaluation.Respondent.HOST)
        .prefetch_related("answers", "transitions")
        .order_by("opens_on", "pk")
    )
    # Who opened what the host wrote during a stay is about the host too.
    stay_records = {
        "stays.concern": [concern.pk for concern in concerns],
        "stays.evaluation": [evaluation.pk for evaluation in evaluations],
    }
    return {
        "exported_at": timezone.now().isoformat(),
        "host": host_row(host),
        "homes": [home_row(home) for home in homes],
        "call_attempts": [
            call_attempt_row(call)
            for call in CallAttempt.objects.filter(**on_home)
            .select_related("campaign")
            .order_by("created_at", "pk")
        ],
        "notes": [
            host_note_row(note)
            for note in HostNote.objects.filter(**on_home).order_by("created_at", "pk")
        ],
        "home_visits": [
            home_visit_row(visit)
            for visit in HomeVisit.objects.filter(**on_home).order_by("starts_at", "pk")
        ],
        "call_queue": [
            queue_entry_row(entry)
            for entry in QueueEntry.objects.filter(**on_home).select_related("campaign")
        ],
        "local_groups": [
            hand_over_row(move)
            for move in HandOver.objects.filter(**on_home)
            .select_related("from_group", "to_group")
            .order_by("created_at", "pk")
        ],
        "campaigns": [
            campaign_row(campaign)
            for campaign in Campaign.objects.filter(homes__host=host)
            .distinct()
            .order_by("started_at", "pk")
        ],
        "matches": [match_row(match) for match in matches],
        "emails_sent_to_you": [email_row(email) for email in emails],
        "access_log": [
            access_log_row(entry)
            for entry in _access_log_about(
                {
                    "hosts.host": [host.pk],
                    "hosts.home": home_ids,
                    "matching.match": match_ids,
                    **stay_records,
                }
            )
        ],
        "admin_log": [
            admin_log_row(entry)
            for entry in _admin_log_about({Host: [host.pk], Home: home_ids, Match: match_ids})
        ],
        "data_requests": [
            data_request_row(request) for request in _data_requests_about(f"host #{host.pk}")
        ],
        "check_ins": [
            check_in_row(check_in)
            for check_in in CheckIn.objects.filter(match__home__host=host)
            .prefetch_related("transitions")
            .order_by("due_on", "pk")
        ],
        "concerns_you_raised": [concern_row(concern, own_words=True) for concern in concerns],
        "mediations": [
            mediation_row(mediation)
            for mediation in Mediation.objects.filter(concern__match__home__host=host)
            .prefetch_related("transitions")
            .order_by("starts_at", "pk")
        ],
        "evaluations": [evaluation_row(evaluation) for evaluation in evaluations],
    }


def account_export(*, user) -> dict[str, Any]:
    """Everything held about a volunteer or a member of staff: the account, the volunteer
    profile, the two-factor devices, their own work in full (calls, notes, visits, check-ins, the concerns they raised, the mediation meetings they led or booked), what they
    opened and changed in the admin, and every other record that names them (the concerns they
    answered first, the household links they made or stopped, the answers they recorded) by
    number."""
    from django.apps import apps

    profile = getattr(user, "volunteer_profile", None)
    visits = HomeVisit.objects.filter(
        Q(volunteers=user) | Q(booked_by=user) | Q(reported_by=user)
    ).distinct()
    activity = []
    for label, field, when in activity_links():
        model = apps.get_model(label)
        activity += [
            activity_row(obj, field=field, when=when)
            for obj in model.objects.filter(**{field: user}).order_by("pk")
        ]
    activity.sort(key=lambda row: row["when"] or "")
    return {
        "account": account_row(user),
        "volunteer_profile": profile_row(profile) if profile else None,
        "two_factor_devices": [
            two_factor_device_row(device)
            for device in TOTPDevice.objects.filter(user=user).order_by("pk")
        ],
        "calls_made": [
            call_attempt_row(call)
            for call in CallAttempt.objects.filter(volunteer=user)
            .select_related("campaign")
            .order_by("created_at", "pk")
        ],
        "notes_written": [
            host_note_row(note)
            for note in HostNote.objects.filter(author=user).order_by("created_at", "pk")
        ],
        "home_visits": [home_visit_row(visit) for visit in visits.order_by("starts_at", "pk")],
        "access_log": [
            access_log_row(entry)
            for entry in AccessLog.objects.filter(user=user).order_by("created_at", "pk")
        ],
        "admin_log": [
            admin_log_row(entry)
            for entry in LogEntry.objects.filter(user=user)
            .select_related("content_type")
            .order_by("action_time", "pk")
        ],
        "other_records": activity,
        "data_requests": [
            data_request_row(request) for request in _data_requests_about(f"user #{user.pk}")
        ],
        "check_ins_done": [
            check_in_done_row(check_in)
            for check_in in CheckIn.objects.filter(done_by=user).order_by("done_at", "pk")
        ],
        "concerns_raised": [
            concern_row(concern, own_words=True)
            for concern in Concern.objects.filter(raised_by_user=user)
            .prefetch_related("transitions")
            .order_by("created_at", "pk")
        ],
        "mediations": [
            mediation_row(mediation, led_or_booked=True)
            for mediation in Mediation.objects.filter(Q(mediator=user) | Q(booked_by=user))
            .prefetch_related("transitions")
            .order_by("starts_at", "pk")
        ],
        "placements_supervised": [
            placement_row(placement)
            for placement in Placement.objects.filter(supervisor=user)
            .select_related("employer__organisation")
            .order_by("starts_on", "pk")
        ],
        "placement_check_ins_written": [
            placement_check_in_row(check_in)
            for check_in in PlacementCheckIn.objects.filter(recorded_by=user).order_by("on", "pk")
        ],
    }


def case_export(*, case: NewcomerCase) -> dict[str, Any]:
    """Everything held about a newcomer household's case, as the record of processing describes
    it: the case and its history, its matches (the home by number only), the contract for a
    company flat, and who opened, changed or asked for it.
    Of its stays: its answers to proposed homes, its links (dates only), the concerns about its
    stays (its own words in full, the others' without their text), its own evaluations in full,
    the check-ins and mediation meetings by date and outcome, and the e-mails sent to it.
    Of the road to work: each placement of an adult of the household in full, with its history
    and the supervisors' check-ins, without naming anyone at the employer."""
    matches = list(case.matches.prefetch_related("transitions").order_by("created_at", "pk"))
    match_ids = [match.pk for match in matches]
    on_its_stays = {"match__case": case}
    concerns = list(
        Concern.objects.filter(**on_its_stays)
        .prefetch_related("transitions")
        .order_by("created_at", "pk")
    )
    evaluations = list(
        Evaluation.objects.filter(respondent=Evaluation.Respondent.HOUSEHOLD, **on_its_stays)
        .prefetch_related("answers", "transitions")
        .order_by("opens_on", "pk")
    )
    stay_records = {
        "stays.concern": [concern.pk for concern in concerns],
        "stays.evaluation": [evaluation.pk for evaluation in evaluations],
    }
    placements = list(
        Placement.objects.filter(case=case)
        .select_related("employer__organisation")
        .order_by("starts_on", "pk")
    )
    stay_records["work.placement"] = [placement.pk for placement in placements]
    return {
        "case": case_row(case),
        "matches": [
            {**match_row(match), "your_answer": household_answer_row(match)} for match in matches
        ],
        "contracts": [
            contract_row(contract)
            for contract in Contract.objects.filter(match__case=case)
            .select_related("company")
            .prefetch_related("transitions")
            .order_by("starts_on", "pk")
        ],
        "access_log": [
            access_log_row(entry)
            for entry in _access_log_about(
                {"newcomers.newcomercase": [case.pk], "matching.match": match_ids, **stay_records}
            )
        ],
        "admin_log": [
            admin_log_row(entry)
            for entry in _admin_log_about(
                {
                    NewcomerCase: [case.pk],
                    Match: match_ids,
                    Placement: stay_records["work.placement"],
                }
            )
        ],
        "data_requests": [
            data_request_row(request) for request in _data_requests_about(f"case #{case.pk}")
        ],
        "links": [household_link_row(link) for link in case.links.order_by("created_at", "pk")],
        "check_ins": [
            check_in_row(check_in)
            for check_in in CheckIn.objects.filter(**on_its_stays)
            .prefetch_related("transitions")
            .order_by("due_on", "pk")
        ],
        "concerns": [
            concern_row(concern, own_words=concern.raised_by == Concern.RaisedBy.HOUSEHOLD)
            for concern in concerns
        ],
        "mediations": [
            mediation_row(mediation)
            for mediation in Mediation.objects.filter(concern__match__case=case)
            .prefetch_related("transitions")
            .order_by("starts_at", "pk")
        ],
        "evaluations": [evaluation_row(evaluation) for evaluation in evaluations],
        "placements": [placement_of_the_case_row(placement) for placement in placements],
        "emails_sent_to_the_household": [
            email_row(email)
            for email in (
                OutboundEmail.objects.filter(to=case.email).order_by("created_at", "pk")
                if case.email
                else []
            )
        ],
    }


def person_export(*, people: dict[str, list]) -> dict[str, Any]:
    """The data protection officer's export of everyone found under an address, a number or a
    case reference (``privacy.actions.find_people``): each host as the host's own download, each
    account, each application, each case, and the e-mails sent to the applicants and accounts
    (those to a host's address are in the host's part), and the sign-ups to information
    meetings."""
    from hosts.actions import export_host_data

    # The stored addresses are canonical (``accounts.emails``): compared exactly.
    host_addresses = {host.email for host in people["hosts"] if host.email}
    addresses = {
        address
        for address in [a.email for a in people["applications"]]
        + [u.email for u in people["users"]]
        + [s.email for s in people.get("meeting_signups", [])]
        if address and address not in host_addresses
    }
    emails = OutboundEmail.objects.none()
    if addresses:
        emails = OutboundEmail.objects.filter(to__in=addresses).order_by("created_at", "pk")
    return {
        "exported_at": timezone.now().isoformat(),
        "hosts": [export_host_data(host=host) for host in people["hosts"]],
        "volunteer_applications": [application_row(a) for a in people["applications"]],
        "accounts": [account_export(user=user) for user in people["users"]],
        "newcomer_cases": [case_export(case=case) for case in people.get("cases", [])],
        "emails_sent": [email_row(email) for email in emails],
        "accessibility_reports": [
            accessibility_report_row(report) for report in people.get("reports", [])
        ],
        "meeting_signups": [
            meeting_signup_row(signup) for signup in people.get("meeting_signups", [])
        ],
    }


def accessibility_report_row(report) -> dict[str, Any]:
    return {
        "received": iso(report.created_at),
        "page": report.page,
        "the_problem": report.text,
        "municipality": report.municipality.short_name if report.municipality else "",
        "name": report.name,
        "email": report.email,
        "phone": _phone(report.phone),
    }
