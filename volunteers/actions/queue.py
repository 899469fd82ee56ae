"""Each local group's call queue: claiming the next host, call outcomes, duplicates."""

import logging
from contextlib import nullcontext
from datetime import UTC, datetime, timedelta
from functools import partial

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts import roles
from accounts.models import User
from hosts.actions import mark_home_unreachable, transition_home, withdraw_home
from hosts.models import Home
from hosts.workflow import HOME_WORKFLOW
from workflow.errors import Conflict, Invalid, NotAllowed

from ..models import (
    CallAttempt,
    HostNote,
    QueueEntry,
)
from ..selectors import awaiting_introduction, held_entry

logger = logging.getLogger(__name__)


S = Home.Status
# After an unanswered call, wait this long before the next try: hours first, then days.
NO_ANSWER_BACKOFF = [
    timedelta(hours=2),
    timedelta(hours=6),
    timedelta(days=1),
    timedelta(days=2),
    timedelta(days=4),
]


# A host handed back is offered to the other volunteers first, for this long.
HAND_BACK_PAUSE = timedelta(minutes=30)


def lease_length() -> timedelta:
    return timedelta(minutes=settings.CALL_LEASE_MINUTES)


# The queue ---------------------------------------------------------------------------------


def enqueue_home(*, home: Home, now: datetime | None = None) -> QueueEntry:
    """Put a confirmed host's home in the call queue, or back in it (the host is interested
    again after being unreachable)."""
    now = now or timezone.now()
    group_id = _group_of(home)
    entry, created = QueueEntry.objects.get_or_create(
        home=home,
        defaults={
            "registered_at": home.created_at,
            "next_call_at": now,
            "local_group_id": group_id,
        },
    )
    if not created:
        fields = _same_group(entry, group_id)
        if not entry.needs_call:
            entry.needs_call = True
            entry.rank = QueueEntry.Rank.NEW
            entry.unanswered = 0
            entry.next_call_at = now
            fields += ["needs_call", "rank", "unanswered", "next_call_at"]
        if fields:
            entry.save(update_fields=fields)
    return entry


def _group_of(home: Home) -> int | None:
    """The home's local group as the database has it now (a hand-over may have changed it since
    ``home`` was read)."""
    return Home.objects.filter(pk=home.pk).values_list("local_group_id", flat=True).first()


def _same_group(entry: QueueEntry, group_id: int | None) -> list[str]:
    """Put the entry in the home's group (``QueueEntry.local_group`` is always the home's: the
    claim reads the group from the entry). Returns the fields changed."""
    if entry.local_group_id == group_id:
        return []
    entry.local_group_id = group_id
    # A host moved to another group is not held by a volunteer of the old one.
    entry.claimed_by = None
    entry.lease_until = None
    return ["local_group", "claimed_by", "lease_until"]


def sync_queue_entry(*, home: Home, now: datetime | None = None) -> QueueEntry | None:
    """Bring the home's place in the call queue in line with its stage (the one rule for who is
    in the queue, run after every step of a home).

    A home that can be called (``Home.objects.callable()``) is in the queue, and no other is,
    except one that an active status campaign holds while it is still at a campaign stage."""
    now = now or timezone.now()
    entry = QueueEntry.objects.select_for_update(of=("self",)).filter(home_id=home.pk).first()
    # One read gives both whether the home can be called and its group now.
    group_id, can_call = (
        Home.objects.filter(pk=home.pk)
        .annotate(can_call=Exists(Home.objects.callable().filter(pk=OuterRef("pk"))))
        .values_list("local_group_id", "can_call")
        .first()
    ) or (None, False)
    if can_call:
        if entry is None:
            return QueueEntry.objects.create(
                home_id=home.pk,
                registered_at=home.created_at,
                next_call_at=now,
                local_group_id=group_id,
            )
        fields = _same_group(entry, group_id)
        if not entry.needs_call:
            entry.needs_call = True
            entry.rank = QueueEntry.Rank.NEW
            entry.unanswered = 0
            entry.next_call_at = now
            fields += ["needs_call", "rank", "unanswered", "next_call_at"]
        if fields:
            entry.save(update_fields=fields)
        return entry
    if entry is not None:
        fields = _same_group(entry, group_id)
        if fields:
            entry.save(update_fields=fields)
    if entry is None or not entry.needs_call:
        return entry
    campaign = entry.campaign
    if (
        campaign is not None
        and campaign.is_active
        and home.status in Home.CAMPAIGN_STAGES
        and Home.objects.filter(
            pk=home.pk, duplicate_of__isnull=True, host__erased_at__isnull=True
        ).exists()
    ):
        return entry
    entry.needs_call = False
    entry.rank = QueueEntry.Rank.NEW
    entry.campaign = None
    entry.claimed_by = None
    entry.lease_until = None
    entry.save(update_fields=["needs_call", "rank", "campaign", "claimed_by", "lease_until"])
    return entry


def call_outcomes(home: Home) -> list[tuple[str, str]]:
    """The outcomes the call page offers for this home: a host past the first contact (called in
    a campaign) can say they are still interested, ask to be called back, not answer or withdraw;
    a wrong number only makes sense before the first contact."""
    Outcome = CallAttempt.Outcome  # noqa: N806
    if home.status in Home.PAST_CONTACT_STAGES:
        offered = [Outcome.INTERESTED, Outcome.NOT_NOW, Outcome.NO_ANSWER, Outcome.WITHDRAWS]
        return [(value, label) for value, label in Outcome.choices if value in offered]
    return list(Outcome.choices)


def record_contact(*, home: Home, volunteer: User, note: str = "") -> None:
    """A volunteer has reached the host (on a call, or the host called back): a home before its
    first contact becomes contacted; a home past it keeps its stage (nothing moves back)."""
    if home.status in HOME_WORKFLOW["contact"].sources:
        transition_home(home=home, name="contact", user=volunteer, reason=note)


def claimable_entries(now: datetime, *, volunteer: User | None = None):
    """The entries a volunteer may claim now: their local group's queue (none without a group,
    none for a volunteer no coordinator has met yet, ``selectors.awaiting_introduction``)."""
    from ..selectors import awaiting_introduction

    entries = QueueEntry.objects.claimable(now).filter(home__status__in=Home.CAMPAIGN_STAGES)
    if volunteer is not None:
        if volunteer.local_group_id is None or awaiting_introduction(volunteer):
            return entries.none()
        entries = entries.filter(local_group_id=volunteer.local_group_id)
        # A host the volunteer just handed back goes to someone else first.
        entries = entries.exclude(
            handed_back_by=volunteer, handed_back_at__gt=now - HAND_BACK_PAUSE
        )
    return entries


def claim_queryset(*, volunteer: User, now: datetime):
    """The claim's one query (take its first row, in a transaction): the volunteer's group's
    claimable entries in the queue's order, read on ``queue_group_claim_idx`` (the group leads
    it, so a group's claim reads and locks only that group's rows), ``FOR UPDATE SKIP LOCKED``
    of the entry only; the host, municipality and campaign come along in the same query."""
    return (
        claimable_entries(now, volunteer=volunteer)
        .select_related("home__host", "home__municipality", "campaign")
        .select_for_update(skip_locked=True, of=("self",))
    )


def claim_next_host(*, volunteer: User, now: datetime | None = None) -> QueueEntry | None:
    """Give the volunteer the next host to call, or the one they already hold.

    The claim takes the first of ``claim_queryset`` with ``FOR UPDATE SKIP LOCKED``: volunteers
    claiming at the same moment each get a different row, and a row stays theirs while the lease
    holds. Returns None when nobody needs a call. The entry comes alone (its home, host and
    campaign are read when asked for: the call page reads them with ``selectors.held_entry``).

    On PostgreSQL the whole claim is one statement, its own transaction (``_claim_statement``):
    the entry the volunteer holds if any, else the next one claimed; elsewhere (SQLite, one
    writer at a time) the same steps one by one.
    """
    now = now or timezone.now()
    if awaiting_introduction(volunteer):
        return None  # holds nothing, claims nothing (held_entry, claimable_entries)
    if connection.vendor != "postgresql" or volunteer.local_group_id is None:
        return _claim_step_by_step(volunteer=volunteer, now=now)
    sql, params = _claim_statement(volunteer, now)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        return None
    return QueueEntry.from_db(connection.alias, _ENTRY_FIELDS, row)


def _claim_step_by_step(*, volunteer: User, now: datetime) -> QueueEntry | None:
    """The claim as separate queries: the held entry, else the first claimable one locked and
    leased in a transaction (for a volunteer with no group, this only finds the held one)."""
    held = held_entry(volunteer=volunteer, now=now)
    if held is not None:
        return held
    with transaction.atomic():
        entry = claim_queryset(volunteer=volunteer, now=now).first()
        if entry is None:
            return None
        entry.claimed_by = volunteer
        entry.lease_until = now + lease_length()
        entry.save(update_fields=["claimed_by", "lease_until"])
    return entry


_ENTRY_FIELDS = [field.attname for field in QueueEntry._meta.concrete_fields]


def _claim_statement(volunteer: User, now: datetime) -> tuple[str, list]:
    """The claim in one statement, built from the querysets that state its rules: the entry the
    volunteer holds (``selectors.held_entries``), else the first of ``claim_queryset`` (locked
    ``FOR UPDATE SKIP LOCKED``) leased to them, only when they hold none (``NOT EXISTS``).
    Returns the entry's columns, or no row.

    It is its own transaction: no BEGIN or COMMIT, nothing between the lock and the lease."""
    quote = connection.ops.quote_name
    meta = QueueEntry._meta
    table = quote(meta.db_table)
    held_sql, held_params = _compiled(("held", volunteer.pk), _held_sql, volunteer, now)
    claim_sql, claim_params = _compiled(
        ("claim", volunteer.pk, volunteer.local_group_id), _next_sql, volunteer, now
    )
    returned = ", ".join(f"{table}.{quote(meta.get_field(name).column)}" for name in _ENTRY_FIELDS)
    # Only SQL compiled by the ORM and quoted names go in; every value is a parameter.
    sql = (
        f"WITH held AS ({held_sql}), "  # noqa: S608
        f"claimed AS (UPDATE {table} "
        f"SET {quote(meta.get_field('claimed_by').column)} = %s, "
        f"{quote(meta.get_field('lease_until').column)} = %s "
        f"WHERE NOT EXISTS (SELECT 1 FROM held) AND {table}.{quote(meta.pk.column)} = ({claim_sql}) "
        f"RETURNING {returned}) "
        "SELECT * FROM held UNION ALL SELECT * FROM claimed"
    )
    return sql, [*held_params, volunteer.pk, now + lease_length(), *claim_params]


def _held_sql(volunteer: User, now: datetime) -> tuple[str, list]:
    """The entry the volunteer holds at ``now``, its columns in ``_ENTRY_FIELDS``' order."""
    from ..selectors import held_entries

    queryset = held_entries(volunteer=volunteer, now=now).values_list(*_ENTRY_FIELDS)[:1]
    return queryset.query.sql_with_params()


def _next_sql(volunteer: User, now: datetime) -> tuple[str, list]:
    """The id of the entry the volunteer claims at ``now``, locked (``claim_queryset``)."""
    queryset = claim_queryset(volunteer=volunteer, now=now).values_list("pk")[:1]
    # select_for_update compiles only in a transaction (none is begun for it: nothing runs).
    with transaction.atomic() if connection.get_autocommit() else nullcontext():
        return queryset.query.sql_with_params()


# SQL compiled from querysets, by what it was compiled for: the ORM takes milliseconds of CPU
# to build a query, several times what the database takes to run the claim, and each claim of
# a volunteer in their group is the same statement at another instant (``_follow_the_clock``).
_COMPILED: dict[tuple, tuple[str, list]] = {}
_MAX_COMPILED = 4000


def _compiled(key: tuple, build, volunteer: User, now: datetime) -> tuple[str, list]:
    """``build(volunteer, now)`` (SQL and parameters), compiled once per ``key`` (which names
    whatever of the volunteer the statement depends on) and then given ``now``'s parameters."""
    known = _COMPILED.get(key)
    if known is None:
        known = _follow_the_clock(lambda clock: build(volunteer, clock))
        if known is None:
            return build(volunteer, now)
        if len(_COMPILED) >= _MAX_COMPILED:
            _COMPILED.clear()
        _COMPILED[key] = known
    sql, slots = known
    return sql, [value if offset is None else now + offset for value, offset in slots]


# Two instants of other years, months, days of the month and of the week, hours and seconds:
# whatever a statement's parameter takes from the clock, it differs between them.
_CLOCKS = (
    datetime(2001, 2, 3, 4, 5, 6, 7, tzinfo=UTC),
    datetime(2013, 9, 18, 19, 21, 22, 23, tzinfo=UTC),
)


def _follow_the_clock(build) -> tuple[str, list] | None:
    """Compile ``build(now)`` (SQL and parameters) at two instants far apart and learn which
    parameters follow the clock: the statement and, per parameter, (value, None) for one that
    stays or (None, offset) for ``now + offset``. None if the two differ otherwise (another
    statement, or a parameter that changes but is not the instant plus a fixed offset): such a
    statement is compiled at each use."""
    (sql, first), (other_sql, second) = build(_CLOCKS[0]), build(_CLOCKS[1])
    if sql != other_sql or len(first) != len(second):
        return None
    slots = []
    for a, b in zip(first, second, strict=True):
        if type(a) is type(b) and a == b:
            slots.append((a, None))
        elif isinstance(a, datetime) and isinstance(b, datetime):
            offset = a - _CLOCKS[0]
            if b - _CLOCKS[1] != offset:
                return None
            slots.append((None, offset))
        else:
            return None
    return sql, slots


def hand_back(*, entry: QueueEntry, volunteer: User, note: str = "") -> None:
    """The volunteer gives the host back to the queue (with a note for the next volunteer).
    For ``HAND_BACK_PAUSE`` the host goes to the other volunteers, not back to this one."""
    with transaction.atomic():
        QueueEntry.objects.filter(pk=entry.pk, claimed_by=volunteer).update(
            claimed_by=None,
            lease_until=None,
            handed_back_by=volunteer,
            handed_back_at=timezone.now(),
        )
        if note.strip():
            HostNote.objects.create(home_id=entry.home_id, author=volunteer, text=note.strip())


def release_claims(*, volunteer: User) -> int:
    """Shift hand-over: everything the volunteer holds goes back to the queue."""
    return QueueEntry.objects.filter(claimed_by=volunteer).update(claimed_by=None, lease_until=None)


def add_note(*, home: Home, author: User, text: str) -> HostNote:
    return HostNote.objects.create(home=home, author=author, text=text.strip())


def record_call(
    *,
    entry: QueueEntry,
    volunteer: User,
    outcome: str,
    note: str = "",
    callback_at: datetime | None = None,
    now: datetime | None = None,
) -> CallAttempt:
    """Record the outcome of a call in one step, and move the host on accordingly.

    - interested: the home is contacted, and the volunteer books a visit next;
    - not now: the host is called back at ``callback_at`` (first in the queue then);
    - no answer: tried again later (hours, then days); after the organisation's number of
      unanswered calls in a row the home becomes unreachable and the host gets an e-mail;
    - wrong number: the home becomes unreachable and the host gets an e-mail to correct it;
    - the host withdraws: the home is withdrawn.
    """
    now = now or timezone.now()
    note = (note or "").strip()
    Outcome = CallAttempt.Outcome  # noqa: N806
    # Read before the lock: the organisation's limit of unanswered calls in a row.
    limit = _unreachable_limit(volunteer) if outcome == Outcome.NO_ANSWER else None
    # The host comes along only for the outcomes whose step needs them (an e-mail, links).
    withdrawn_or_wrong = outcome in (Outcome.WITHDRAWS, Outcome.WRONG_NUMBER)
    with transaction.atomic():
        entry = (
            QueueEntry.objects.select_for_update(of=("self",))
            .select_related("home__host" if withdrawn_or_wrong else "home")
            .get(pk=entry.pk)
        )
        if (
            entry.claimed_by_id not in (None, volunteer.pk)
            and entry.lease_until
            and (entry.lease_until > now)
        ):
            raise Conflict(_("Another volunteer is calling this host now."))
        if outcome == Outcome.NOT_NOW and (callback_at is None or callback_at <= now):
            raise Invalid(_("Choose a time in the future to call back."))
        home = entry.home
        attempt = CallAttempt.objects.create(
            home=home,
            volunteer=volunteer,
            outcome=outcome,
            note=note,
            callback_at=callback_at if outcome == Outcome.NOT_NOW else None,
            campaign=entry.campaign if entry.campaign and entry.campaign.is_active else None,
            created_at=now,
        )
        entry.claimed_by = None
        entry.lease_until = None
        finished = True
        home_step = None  # the home's step the call leads to, if any
        if outcome == Outcome.INTERESTED:
            entry.unanswered = 0
            home_step = partial(record_contact, home=home, volunteer=volunteer, note=note)
        elif outcome == Outcome.NOT_NOW:
            entry.unanswered = 0
            entry.rank = QueueEntry.Rank.CALLBACK
            entry.next_call_at = callback_at
            finished = False
        elif outcome == Outcome.NO_ANSWER:
            entry.unanswered += 1
            if entry.unanswered >= limit:
                reason = str(_("%(count)d calls without an answer") % {"count": entry.unanswered})
                home_step = partial(_mark_unreachable, home, reason=reason)
            else:
                step = NO_ANSWER_BACKOFF[min(entry.unanswered, len(NO_ANSWER_BACKOFF)) - 1]
                entry.next_call_at = now + step
                finished = False
        elif outcome == Outcome.WRONG_NUMBER:
            home_step = partial(_mark_unreachable, home, reason=str(_("Wrong number")))
        elif outcome == Outcome.WITHDRAWS:
            reason = note or str(_("Said on the phone"))
            home_step = partial(withdraw_home, home=home, user=volunteer, reason=reason)
        else:
            raise Invalid(_("Choose what came of the call."))
        if finished:
            entry.needs_call = False
            entry.rank = QueueEntry.Rank.NEW
            entry.campaign = None
        entry.save(update_fields=_OUTCOME_FIELDS)
        # The home's step after the entry is saved: the queue's rule it runs after every step
        # (``sync_queue_entry``) then finds the entry as the call left it, with nothing to write.
        if home_step is not None:
            home_step()
    return attempt


# The entry's fields an outcome sets.
_OUTCOME_FIELDS = [
    "claimed_by",
    "lease_until",
    "unanswered",
    "rank",
    "next_call_at",
    "needs_call",
    "campaign",
]


def _unreachable_limit(volunteer: User) -> int:
    organisation = volunteer.organisation
    return organisation.unreachable_after_attempts if organisation else 5


def _mark_unreachable(home: Home, *, reason: str) -> None:
    """The home becomes unreachable (if it is at a stage where it can) and the host is asked, by
    e-mail, to get in touch."""
    if home.status in HOME_WORKFLOW["mark_unreachable"].sources:
        mark_home_unreachable(home=home, reason=reason)


def merge_duplicate(*, keep: Home, duplicate: Home, user: User) -> Home:
    """A coordinator merges a registration made twice. The calls and notes of the duplicate
    move to the home that is kept (its visits stay with it, as its stages do); the duplicate is withdrawn and points to it, and its
    own history stays as it was, so nothing of either is lost."""
    from reports.daily import mark_homes_changed

    if keep.pk == duplicate.pk:
        raise Invalid(_("A registration cannot be merged into itself."))
    if roles.VOLUNTEER_COORDINATOR not in roles_held(user):
        raise NotAllowed(_("You are not allowed to take this step."))
    with transaction.atomic():
        CallAttempt.objects.filter(home=duplicate).update(home=keep)
        HostNote.objects.filter(home=duplicate).update(home=keep)
        # Visits stay with the registration they were made for: they belong to its stages
        # (a visit booked for it is cancelled as it is withdrawn below).
        QueueEntry.objects.filter(home=duplicate).update(
            needs_call=False, claimed_by=None, lease_until=None
        )
        Home.objects.filter(pk=duplicate.pk).update(duplicate_of=keep)
        duplicate.duplicate_of = keep
        # The calls moved and the merge write no history row of the kept home: the stored
        # counts read both homes live until their refresh.
        mark_homes_changed([keep.pk, duplicate.pk])
        if duplicate.status in HOME_WORKFLOW["withdraw"].sources:
            withdraw_home(
                home=duplicate,
                reason=str(_("Registered twice: merged into #%(id)s") % {"id": keep.pk}),
            )
    return keep


def roles_held(user: User) -> set[str]:
    from workflow.engine import roles_of

    return roles_of(user=user)
