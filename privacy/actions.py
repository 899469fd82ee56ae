"""Privacy by design: the access log, security events, retention and data requests."""

import logging
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from .models import AccessLog, DataRequest, RetentionRun, SecurityEvent

logger = logging.getLogger(__name__)


def log_access(*, user, action: str, obj, where: str) -> None:
    """One row: this person opened (or exported, downloaded) this record, now."""
    if user is None or not user.is_authenticated:
        return
    AccessLog.objects.create(
        user=user,
        action=action,
        object_type=obj._meta.label_lower if hasattr(obj, "_meta") else str(type(obj).__name__),
        object_id=str(getattr(obj, "pk", obj)),
        where=where[:40],
    )


def log_hosts_shown(*, user, hosts, page: str) -> int:
    """One row per host whose personal data (name, phone, e-mail, address) a page of the web app
    showed this person: who, which host, which page (its URL name). Every such page calls this,
    once per request, with every host it shows; a host shown twice is logged once, a housing
    company's flat (no host) and an erased host (nothing left to show) not at all."""
    if user is None or not user.is_authenticated:
        return 0
    seen: dict[int, object] = {}
    for host in hosts:
        if host is not None and host.pk is not None and host.erased_at is None:
            seen.setdefault(host.pk, host)
    if not seen:
        return 0
    rows = [
        AccessLog(
            user=user,
            action=AccessLog.Action.VIEW,
            object_type="hosts.host",
            object_id=str(pk),
            where=page[:40],
        )
        for pk in seen
    ]
    if len(rows) == 1:
        # One row (a call page, most often): a plain INSERT, where bulk_create would wrap it in
        # a transaction of its own (two more round trips).
        rows[0].save(force_insert=True)
    else:
        AccessLog.objects.bulk_create(rows)
    return len(rows)


def security_event(*, kind: str, path: str = "") -> None:
    """A security event, without anything that identifies a person."""
    try:
        SecurityEvent.objects.create(kind=kind, path=(path or "")[:200])
    except Exception:  # the log must never turn a refusal into an error page
        logger.warning("Could not record a security event (%s).", kind)


# Retention ----------------------------------------------------------------------------------


def retention_days(name: str) -> int:
    return settings.RETENTION_DAYS[name]


def _withdrawn_or_unreachable_hosts(cutoff):
    from hosts.models import Home, Host

    stale_homes = Home.objects.filter(status__in=Home.LEFT_STAGES, status_changed_at__lt=cutoff)
    active_homes = Home.objects.exclude(status__in=Home.LEFT_STAGES)
    return (
        Host.objects.filter(erased_at__isnull=True, homes__in=stale_homes)
        .exclude(homes__in=active_homes)
        .distinct()
    )


def apply_retention(*, now=None) -> dict[str, int]:
    """Anonymise what has been kept long enough (periods in settings.RETENTION_DAYS).

    - hosts whose offers were withdrawn, unreachable or rejected: erased as on request;
    - declined volunteer applications: name, contact details and every free text removed;
    - closed newcomer cases: notes, case reference, preferred areas and the reasons written in
      their history removed; with them the texts of their stays (``erase_stay_texts``: concerns,
      mediations, check-in notes, evaluation free text, the reasons in those histories), the
      household's links and its e-mail address (and the e-mails to it), and of their placements
      (``erase_placement_texts``: the Public Employment Service's reference, the supervisors'
      check-in notes, the reasons in the placements' histories);
    - call notes, notes on hosts and visit reports: their text removed;
    - log-in attempts kept for the lock-out: deleted after the cool-off;
    - reports of accessibility problems: deleted;
    - sign-ups to information meetings: the name and the e-mail address erased once the meeting
      ended long enough ago (``outreach.actions.erase_expired_signups``).
    The anonymous rows stay, so the reports keep working.
    """
    from axes.models import AccessAttempt

    from accessibility.models import AccessibilityReport
    from hosts.actions import erase_host
    from hosts.models import ErasureRecord
    from newcomers.models import CaseTransition, NewcomerCase
    from volunteers.models import (
        CallAttempt,
        HomeVisit,
        HomeVisitTransition,
        HostNote,
        VolunteerApplication,
    )

    now = now or timezone.now()

    def before(name):
        return now - timedelta(days=retention_days(name))

    counts: dict[str, int] = {}
    hosts = list(_withdrawn_or_unreachable_hosts(before("hosts_after_withdrawal")))
    for host in hosts:
        erase_host(host=host, channel=ErasureRecord.Channel.RETENTION)
    counts["hosts"] = len(hosts)
    from outreach.actions import erase_expired_signups

    counts["meeting_signups"] = erase_expired_signups(now=now)
    with transaction.atomic():
        counts["volunteer_applications"] = (
            VolunteerApplication.objects.filter(
                status=VolunteerApplication.Status.DECLINED,
                reviewed_at__lt=before("declined_volunteers"),
            )
            .exclude(name="")
            .update(
                name="",
                email="",
                phone="",
                motivation="",
                area="",
                availability="",
                decline_reason="",
            )
        )
        closed = NewcomerCase.objects.filter(
            status=NewcomerCase.Status.CLOSED,
            status_changed_at__lt=before("closed_cases"),
        ).exclude(notes="", reference__startswith="anon-")
        counts["closed_cases"] = 0
        for case_id in closed.values_list("pk", flat=True):
            counts["closed_cases"] += NewcomerCase.objects.filter(pk=case_id).update(
                notes="", reference=f"anon-{case_id}", preferred_areas=[]
            )
            NewcomerCase.preferred_places.through.objects.filter(newcomercase_id=case_id).delete()
            CaseTransition.objects.filter(case_id=case_id).exclude(reason="").update(reason="")
        # Cases closed long enough, also those anonymised above on an earlier night: each rule
        # finds only what is left, so running again changes nothing.
        expired = NewcomerCase.objects.filter(
            status=NewcomerCase.Status.CLOSED, status_changed_at__lt=before("closed_cases")
        )
        counts.update(erase_stay_texts(cases=expired))
        counts.update(erase_placement_texts(cases=expired, written_before=before("closed_cases")))
        counts["call_notes"] = (
            CallAttempt.objects.filter(created_at__lt=before("call_notes"))
            .exclude(note="")
            .update(note="")
        )
        counts["host_notes"] = HostNote.objects.filter(
            created_at__lt=before("call_notes")
        ).delete()[0]
        counts["visit_reports"] = (
            HomeVisit.objects.filter(starts_at__lt=before("visit_reports"))
            .exclude(Q(report="") & Q(reject_reason=""))
            .update(report="", reject_reason="")
        )
        # The reasons written in the visits' histories (why one was moved or cancelled) too.
        HomeVisitTransition.objects.filter(visit__starts_at__lt=before("visit_reports")).exclude(
            reason=""
        ).update(reason="")
        counts["login_attempts"] = AccessAttempt.objects.filter(
            attempt_time__lt=now - timedelta(hours=settings.AXES_COOLOFF_TIME_HOURS)
        ).delete()[0]
        counts["accessibility_reports"] = AccessibilityReport.objects.filter(
            created_at__lt=before("accessibility_reports")
        ).delete()[0]
        RetentionRun.objects.create(ran_at=now, counts=counts)
    return counts


def erase_stay_texts(*, cases) -> dict[str, int]:
    """Empty every text written during the stays of ``cases`` (a queryset of newcomer cases whose
    retention has passed), delete the household's links, its e-mail address and the e-mails sent
    to it. The concerns, mediations, check-ins and evaluations stay with their kind, urgency,
    steps, dates and scores, so the reports keep their figures. Returns how many rows of each
    kind lost something."""
    from newcomers.models import HouseholdLink, NewcomerCase
    from notifications.models import OutboundEmail
    from stays.models import (
        CheckIn,
        CheckInTransition,
        Concern,
        ConcernTransition,
        EvaluationAnswer,
        EvaluationTransition,
        Mediation,
        MediationTransition,
    )

    stays = {"match__case__in": cases}
    counts = {
        "concern_texts": Concern.objects.filter(**stays)
        .exclude(text="", resolution="")
        .update(text="", resolution=""),
        "mediation_texts": Mediation.objects.filter(concern__match__case__in=cases)
        .exclude(outcome="", place="")
        .update(outcome="", place=""),
        "check_in_notes": CheckIn.objects.filter(**stays).exclude(note="").update(note=""),
        "evaluation_texts": EvaluationAnswer.objects.filter(evaluation__match__case__in=cases)
        .exclude(text="")
        .update(text=""),
    }
    # The reasons written in those histories ("the host is ill") too.
    for log, path in [
        (ConcernTransition, "concern__match__case__in"),
        (MediationTransition, "mediation__concern__match__case__in"),
        (CheckInTransition, "check_in__match__case__in"),
        (EvaluationTransition, "evaluation__match__case__in"),
    ]:
        log.objects.filter(**{path: cases}).exclude(reason="").update(reason="")
    counts["household_links"] = HouseholdLink.objects.filter(case__in=cases).delete()[0]
    addresses = set(cases.exclude(email="").values_list("email", flat=True))
    # An address another case still uses keeps its e-mails (a household with two cases).
    addresses -= set(
        NewcomerCase.objects.exclude(pk__in=cases.values("pk"))
        .filter(email__in=addresses)
        .values_list("email", flat=True)
    )
    if addresses:
        OutboundEmail.objects.filter(to__in=addresses).delete()
    counts["household_emails"] = NewcomerCase.objects.filter(
        pk__in=cases.exclude(email="").values("pk")
    ).update(email="")
    return counts


def erase_placement_texts(*, cases, written_before) -> dict[str, int]:
    """Empty what was written about a person on the road to work: for the placements of ``cases``
    (newcomer cases whose retention has passed) the Public Employment Service's reference for the
    person's plan, the supervisors' check-in notes and the reasons in the placements' histories.
    A declined or withdrawn proposal forgets its case at once but keeps the reason given in its
    history row: that reason is emptied once ``written_before`` has passed it, as a closed case's
    texts are. The placements, their stages, dates, kinds, end reasons (from the list) and
    attendance stay for the reports. Returns how many rows of each kind lost something."""
    from work.models import Placement, PlacementCheckIn, PlacementTransition

    of_the_cases = Placement.objects.filter(case__in=cases)
    counts = {
        "placement_references": of_the_cases.exclude(employment_service_reference="").update(
            employment_service_reference=""
        ),
        "placement_check_in_notes": PlacementCheckIn.objects.filter(placement__case__in=cases)
        .exclude(note="")
        .update(note=""),
    }
    proposals_turned_down = PlacementTransition.objects.filter(
        from_state=Placement.Status.PROPOSED,
        to_state=Placement.Status.OFFERED,
        created_at__lt=written_before,
    )
    counts["placement_reasons"] = (
        PlacementTransition.objects.filter(
            Q(placement__case__in=cases) | Q(pk__in=proposals_turned_down.values("pk"))
        )
        .exclude(reason="")
        .update(reason="")
    )
    return counts


# Data requests ------------------------------------------------------------------------------


def find_people(*, email: str = "", phone: str = "", case_reference: str = "") -> dict[str, list]:
    """Everyone the portal holds under an e-mail address or a phone number, and the newcomer
    cases under a partner's case reference (the partner finds it in its own records) or under the
    address a household gave for its link. An address is compared in its canonical
    form, exactly (``accounts.emails``); one the canonical form refuses (kept from before the
    rule) is compared exactly as typed, so it finds only itself."""
    from accounts.emails import canonical_email_or_none
    from accounts.models import User
    from hosts.models import Host
    from newcomers.models import NewcomerCase
    from volunteers.models import VolunteerApplication

    email = (email or "").strip()
    email = canonical_email_or_none(email) or email
    phone = (phone or "").strip()
    reference = (case_reference or "").strip()
    # A household is found by its case reference, or by the address it gave for its link.
    case_condition = Q(pk__in=[])
    if reference:
        case_condition |= Q(reference__iexact=reference)
    if email:
        case_condition |= Q(email__iexact=email)
    cases = list(NewcomerCase.objects.filter(case_condition).select_related("partner"))
    if not email and not phone:
        return {"hosts": [], "applications": [], "users": [], "cases": cases}

    def match(email_field, phone_field=None):
        condition = Q()
        if email:
            condition |= Q(**{email_field: email})
        if phone and phone_field:
            condition |= Q(**{phone_field: phone})
        return condition

    users = list(
        User.objects.filter(match("email", "volunteer_profile__phone"))
        .select_related("organisation", "volunteer_profile")
        .distinct()
    )
    return {
        "hosts": list(Host.objects.filter(match("email", "phone"), erased_at__isnull=True)),
        "applications": list(
            VolunteerApplication.objects.filter(
                match("email", "phone") | Q(user__in=[u.pk for u in users])
            ).distinct()
        ),
        "users": users,
        "cases": cases,
    }


def find_accessibility_reports(*, email: str = "", phone: str = "") -> list:
    """The reports of accessibility problems that left this address or number to answer."""
    from accessibility.models import AccessibilityReport
    from accounts.emails import canonical_email_or_none

    email = (email or "").strip()
    email = canonical_email_or_none(email) or email
    phone = (phone or "").strip()
    condition = Q(pk__in=[])
    if email:
        condition |= Q(email=email)
    if phone:
        condition |= Q(phone=phone)
    return list(AccessibilityReport.objects.filter(condition).select_related("municipality"))


def find_meeting_signups(*, email: str = "") -> list:
    """The sign-ups to information meetings under this address (not yet erased)."""
    from accounts.emails import canonical_email_or_none
    from outreach.models import MeetingSignup

    email = (email or "").strip()
    email = canonical_email_or_none(email) or email
    if not email:
        return []
    return list(
        MeetingSignup.objects.filter(email=email, erased_at__isnull=True).select_related("meeting")
    )


def export_person(
    *, email: str = "", phone: str = "", case_reference: str = "", handled_by, note: str = ""
) -> dict[str, Any]:
    """One file with all data about the person (``privacy.exports.person_export``), the request
    recorded, and each record handed over in the access log."""
    from .exports import person_export

    people = find_people(email=email, phone=phone, case_reference=case_reference)
    people["reports"] = find_accessibility_reports(email=email, phone=phone)
    people["meeting_signups"] = find_meeting_signups(email=email)
    data = person_export(people=people)
    subjects = _subjects(people)
    DataRequest.objects.create(
        kind=DataRequest.Kind.ACCESS, subject=subjects[:40], handled_by=handled_by, note=note[:300]
    )
    for obj in [
        *people["hosts"],
        *people["applications"],
        *people["users"],
        *people["cases"],
        *people.get("reports", []),
        *people.get("meeting_signups", []),
    ]:
        log_access(user=handled_by, action=AccessLog.Action.EXPORT, obj=obj, where="data request")
    return data


def erase_person(*, email: str = "", phone: str = "", handled_by, note: str = "") -> dict[str, int]:
    """Erase or anonymise everyone found under the address or number, and record the request.
    Accounts are deactivated and stripped of their names, user name, e-mail address and volunteer
    profile (their history keeps its figures); e-mails waiting for them are deleted. Sign-ups to
    information meetings under the address lose the name and the address (a place at a meeting
    to come is freed)."""
    from django.contrib.auth.hashers import make_password

    from hosts.actions import erase_host
    from hosts.models import ErasureRecord
    from notifications.models import OutboundEmail
    from outreach.actions import erase_signup
    from volunteers.models import VolunteerProfile

    people = find_people(email=email, phone=phone)
    people["reports"] = find_accessibility_reports(email=email, phone=phone)
    people["meeting_signups"] = find_meeting_signups(email=email)
    subjects = _subjects(people)
    with transaction.atomic():
        for signup in people["meeting_signups"]:
            erase_signup(signup=signup)
        for host in people["hosts"]:
            erase_host(host=host, channel=ErasureRecord.Channel.STAFF)
        for report in people.get("reports", []):
            report.delete()
        for application in people["applications"]:
            type(application).objects.filter(pk=application.pk).update(
                name="",
                email="",
                phone="",
                motivation="",
                area="",
                availability="",
                decline_reason="",
            )
        addresses = [a.email for a in people["applications"]] + [u.email for u in people["users"]]
        # The stored addresses are canonical: compared exactly, never case-insensitively.
        OutboundEmail.objects.filter(to__in={a for a in addresses if a}).delete()
        for user in people["users"]:
            # The user name was made from the e-mail address; the account stays (without a
            # usable password) so that the history it is part of keeps its figures.
            type(user).objects.filter(pk=user.pk).update(
                username=f"erased-{user.pk}",
                first_name="",
                last_name="",
                email="",
                password=make_password(None),
                is_active=False,
            )
            VolunteerProfile.objects.filter(user_id=user.pk).update(
                phone="", languages=[], area="", availability=""
            )
        DataRequest.objects.create(
            kind=DataRequest.Kind.ERASURE,
            subject=subjects[:40],
            handled_by=handled_by,
            note=note[:300],
        )
    return {key: len(people[key]) for key in ("hosts", "applications", "users", "meeting_signups")}


def _subjects(people) -> str:
    parts = [f"host #{h.pk}" for h in people["hosts"]]
    parts += [f"applicant #{a.pk}" for a in people["applications"]]
    parts += [f"user #{u.pk}" for u in people["users"]]
    parts += [f"case #{c.pk}" for c in people.get("cases", [])]
    parts += [f"accessibility report #{r.pk}" for r in people.get("reports", [])]
    parts += [f"meeting sign-up #{s.pk}" for s in people.get("meeting_signups", [])]
    return ", ".join(parts) or "nobody found"
