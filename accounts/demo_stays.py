"""The stay in ``manage.py seed_demo`` (issue 16): in each city, three households of the partner
and what the stay shows of them.

- **A proposed home.** The household has a home proposed and has not answered yet; its working
  link (a printed letter) is printed by the command, so the household's own pages can be opened
  in the household's language and the proposal answered.
- **A stay under way.** Moved in a month ago: the week-1 check-in was made (all well), the month-1
  one is due today (the volunteers' start page and the admin show it); the host raised a concern,
  which the partner's coordinator acknowledged and booked a mediation meeting for (in a few days);
  the household raised one in its own words yesterday, which nobody has answered yet (the clock
  to first response runs in the admin); the month-1 surveys are open for both sides, and the host
  has answered. The host's self-service link is printed by the command.
- **A stay ended early.** A check-in found a concern, the coordinator acknowledged it, and the
  stay ended with an early-end reason: the household waits again, with priority.

Everything goes through the actions (``matching.actions``, ``stays.actions``,
``newcomers.actions``); only the moments are moved back afterwards (when a concern was raised),
as the rest of the seed does. Safe to run again: each household is looked up by its case
reference, and a household that has a match already is left as it is. The household's link is
reused while it works for another ``LINK_MARGIN_DAYS`` days; only then is a new one issued (which
stops the old one)."""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.utils import timezone

from hosts.actions import self_service_url
from hosts.models import Home
from matching import actions as matching
from matching.models import Match, MatchReason
from matching.places import resolve_place
from newcomers.actions import (
    household_link_url,
    issue_household_link,
    open_case,
    set_preferred_areas,
)
from newcomers.models import CaseTransition, HouseholdLink, NewcomerCase
from stays.actions import (
    acknowledge_concern,
    answer_evaluation,
    book_mediation,
    open_evaluations,
    raise_concern,
    record_check_in,
)
from stays.models import CheckIn, CheckInTransition, Concern, ConcernTransition, Evaluation

# A link the command prints works for at least this many more days; else a new one is issued.
LINK_MARGIN_DAYS = 7
UNDER_WAY_MOVED_IN_DAYS_AGO = 30  # the month-1 check-in is due today, the month-1 surveys open
ENDED_MOVED_IN_DAYS_AGO = 55
ENDED_DAYS_AGO = 6
HOST_CONCERN_HOURS_AGO = 50
HOST_RESPONSE_HOURS = 3  # the coordinator answered the host's concern within hours
HOUSEHOLD_CONCERN_HOURS_AGO = 20  # within the time limit to a first response, still running
MEDIATION_IN_DAYS = 4


@dataclass(frozen=True)
class Household:
    reference: str
    adults: int
    children_ages: tuple[int, ...]
    languages: tuple[str, ...]  # the languages it speaks
    language: str  # of its own pages, letters and e-mails
    assigned_days_ago: int
    needs_non_smoking: bool = False
    pet_allergy: bool = False


@dataclass(frozen=True)
class StayStory:
    """One city's stays: the households, who takes the steps, and the words they use."""

    story: str  # the city, as the command prints it
    partner: str
    area: str  # where the households can live
    coordinator: str  # the partner's coordinator (user name)
    volunteer: str  # makes the check-ins of the group's private homes
    mediator: str  # the group's volunteer coordinator
    proposed: Household
    under_way: Household
    ended_early: Household
    # The stay under way.
    week_1_note: str
    host_concern: str
    acknowledge_note: str
    mediation_place: str
    household_concern: str  # in the household's own language
    host_answers: dict = field(default_factory=dict)
    # The stay ended early.
    ended_week_1_note: str = ""
    ended_concern_note: str = ""
    ended_acknowledge_note: str = ""
    early_end_reason: str = Match.EarlyEnd.RELATIONSHIP
    early_end_note: str = ""
    early_end_reason_label: str = ""  # the partner's own reason (``MatchReason``), if it has one
    home_next: str = matching.HomeNext.REFERRED


@dataclass(frozen=True)
class DemoLinks:
    """What the command prints for a city: the household's link and the host's."""

    story: str
    case: NewcomerCase
    household_url: str
    household_until: date
    host_name: str
    host_url: str


def _aware(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=timezone.get_current_timezone())


def _case(ctx, story: StayStory, household: Household) -> NewcomerCase:
    partner = ctx.organisations[story.partner]
    case = NewcomerCase.objects.filter(partner=partner, reference=household.reference).first()
    if case is not None:
        return case
    assigned = timezone.localdate(ctx.now) - timedelta(days=household.assigned_days_ago)
    case = open_case(
        user=ctx.users[story.coordinator],
        partner=partner,
        reference=household.reference,
        adults=household.adults,
        children_ages=list(household.children_ages),
        languages=list(household.languages),
        language=household.language,
        pet_allergy=household.pet_allergy,
        needs_non_smoking=household.needs_non_smoking,
        rent_budget=4500 + 700 * household.adults,
        assigned_on=assigned,
        housing_needed_by=assigned + timedelta(days=120),
    )
    place = resolve_place(story.area, partner_id=partner.pk)
    set_preferred_areas(case=case, names=[story.area], places=[place] if place else [])
    CaseTransition.objects.filter(case=case).update(created_at=_aware(assigned))
    NewcomerCase.objects.filter(pk=case.pk).update(created_at=_aware(assigned))
    ctx.count(NewcomerCase)
    return case


def _free_home(case: NewcomerCase) -> Home | None:
    """A private home referred to the case's partner with no live match, one that suits the
    household where there is one (beds, pets, smoking); the longest waiting first."""
    homes = list(
        Home.objects.filter(
            partner_id=case.partner_id, status=Home.Status.REFERRED, unit__isnull=True
        )
        .exclude(matches__status__in=Match.LIVE)
        .order_by("status_changed_at", "pk")
    )
    people = case.adults + len(case.children_ages or [])

    def suits(home: Home) -> bool:
        return (
            home.beds >= people
            and not (case.pet_allergy and home.has_pets)
            and not (case.needs_non_smoking and home.smoking == Home.Smoking.INDOORS)
        )

    return next((home for home in homes if suits(home)), homes[0] if homes else None)


def _moved_in(ctx, story: StayStory, case: NewcomerCase, *, days_ago: int) -> Match | None:
    """Propose a free home, the household says yes on its own page, the coordinator approves and
    records the move-in ``days_ago`` days back."""
    coordinator = ctx.users[story.coordinator]
    home = _free_home(case)
    if home is None:
        return None
    match = matching.propose_match(home=home, case=case, user=coordinator)
    matching.record_household_answer(match=match, answer=Match.HouseholdAnswer.YES)
    matching.approve_match(match=match, user=coordinator)
    today = timezone.localdate(ctx.now)
    matching.record_move_in(
        match=match, user=coordinator, move_in_date=today - timedelta(days=days_ago)
    )
    ctx.count(Match)
    return match


def _check_in(match: Match, after_days: int) -> CheckIn | None:
    return CheckIn.objects.filter(match=match, after_days=after_days).planned().first()


def _backdate_concern(concern: Concern, raised_at: datetime, responded_at=None) -> None:
    """The concern was raised at ``raised_at`` (and first answered at ``responded_at``): the
    concern and the rows of its history that say so."""
    changes = {"created_at": raised_at}
    if responded_at is not None:
        changes["first_response_at"] = responded_at
    Concern.objects.filter(pk=concern.pk).update(**changes)
    steps = ConcernTransition.objects.filter(concern=concern).order_by("created_at", "pk")
    ConcernTransition.objects.filter(pk=steps.first().pk).update(created_at=raised_at)
    if responded_at is not None:
        steps.filter(to_state=Concern.Status.ACKNOWLEDGED).update(created_at=responded_at)


def _backdate_check_in(check_in: CheckIn, done_at: datetime) -> None:
    """The check-in was made at ``done_at`` (its due day), not when the seed recorded it."""
    CheckIn.objects.filter(pk=check_in.pk).update(done_at=done_at)
    CheckInTransition.objects.filter(check_in=check_in, to_state=CheckIn.Status.DONE).update(
        created_at=done_at
    )


def _record(ctx, story, check_in, *, outcome: str, note: str, hour: int = 14) -> None:
    """A volunteer of the group records the check-in, on the day it was due."""
    record_check_in(
        check_in=check_in,
        user=ctx.users[story.volunteer],
        outcome=outcome,
        note=note,
        today=timezone.localdate(ctx.now),
    )
    _backdate_check_in(check_in, min(_aware(check_in.due_on, hour), ctx.now))


def _meeting_time(now: datetime) -> datetime:
    """A weekday a few days ahead, at half past five in the afternoon."""
    day = timezone.localdate(now) + timedelta(days=MEDIATION_IN_DAYS)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return datetime.combine(day, time(17, 30), tzinfo=timezone.get_current_timezone())


def seed_ended_early(ctx, story: StayStory) -> None:
    case = _case(ctx, story, story.ended_early)
    if case.matches.exists():
        return
    match = _moved_in(ctx, story, case, days_ago=ENDED_MOVED_IN_DAYS_AGO)
    if match is None:
        return
    today = timezone.localdate(ctx.now)
    coordinator = ctx.users[story.coordinator]
    week_1 = _check_in(match, 7)
    if week_1 is not None:
        _record(ctx, story, week_1, outcome=CheckIn.Outcome.ALL_WELL, note=story.ended_week_1_note)
    month_1 = _check_in(match, 30)
    if month_1 is not None:
        # The check-in found a concern; the coordinator answered it the next morning.
        _record(ctx, story, month_1, outcome=CheckIn.Outcome.CONCERN, note=story.ended_concern_note)
        concern = Concern.objects.filter(check_in=month_1).first()
        if concern is not None:
            ctx.count(Concern)
            acknowledge_concern(
                concern=concern, user=coordinator, note=story.ended_acknowledge_note
            )
            raised_at = _aware(month_1.due_on, 14)
            _backdate_concern(concern, raised_at, raised_at + timedelta(hours=19, minutes=30))
    reason = (
        MatchReason.objects.filter(
            partner_id=case.partner_id, label=story.early_end_reason_label
        ).first()
        if story.early_end_reason_label
        else None
    )
    # The household waits again, with priority; its open concern closes as "the stay ended".
    matching.end_match(
        match=match,
        user=coordinator,
        reason_choice=reason,
        note=story.early_end_note,
        home_next=story.home_next,
        case_next=matching.CaseNext.WAITING,
        ended_on=today - timedelta(days=ENDED_DAYS_AGO),
        early_end_reason=story.early_end_reason,
    )


def seed_under_way(ctx, story: StayStory) -> Match | None:
    case = _case(ctx, story, story.under_way)
    if not case.matches.exists():
        match = _moved_in(ctx, story, case, days_ago=UNDER_WAY_MOVED_IN_DAYS_AGO)
        if match is None:
            return None
        coordinator = ctx.users[story.coordinator]
        week_1 = _check_in(match, 7)
        if week_1 is not None:
            _record(ctx, story, week_1, outcome=CheckIn.Outcome.ALL_WELL, note=story.week_1_note)
        # The host's concern: acknowledged, a mediation meeting booked in a few days.
        concern = raise_concern(
            match=match,
            raised_by=Concern.RaisedBy.HOST,
            text=story.host_concern,
            language=match.home.host.language,
        )
        acknowledge_concern(concern=concern, user=coordinator, note=story.acknowledge_note)
        raised_at = ctx.now - timedelta(hours=HOST_CONCERN_HOURS_AGO)
        _backdate_concern(concern, raised_at, raised_at + timedelta(hours=HOST_RESPONSE_HOURS))
        book_mediation(
            concern=concern,
            user=coordinator,
            starts_at=_meeting_time(ctx.now),
            place=story.mediation_place,
            mediator=ctx.users[story.mediator],
            duration_minutes=90,
        )
        # The household's own concern, in its language: nobody has answered it yet.
        concern = raise_concern(
            match=match,
            raised_by=Concern.RaisedBy.HOUSEHOLD,
            text=story.household_concern,
            language=case.language,
        )
        _backdate_concern(concern, ctx.now - timedelta(hours=HOUSEHOLD_CONCERN_HOURS_AGO))
        ctx.count(Concern, 2)
    match = case.matches.filter(status=Match.Status.MOVED_IN).select_related("home").first()
    if match is None:
        return None
    # The month-1 surveys (the beat task's step, for every stay whose first month has passed);
    # the host has answered theirs.
    open_evaluations(today=timezone.localdate(ctx.now))
    host_survey = (
        Evaluation.objects.open()
        .filter(match=match, respondent=Evaluation.Respondent.HOST, point=Evaluation.Point.MONTH_1)
        .first()
    )
    if host_survey is not None and story.host_answers:
        answer_evaluation(
            evaluation=host_survey,
            answers=story.host_answers,
            respondent=Evaluation.Respondent.HOST,
            language=match.home.host.language,
        )
    return match


def seed_proposed(ctx, story: StayStory) -> NewcomerCase:
    case = _case(ctx, story, story.proposed)
    if not case.matches.exists():
        home = _free_home(case)
        if home is not None:
            matching.propose_match(home=home, case=case, user=ctx.users[story.coordinator])
            ctx.count(Match)
    return case


def household_link(ctx, story: StayStory, case: NewcomerCase) -> HouseholdLink:
    """The household's link on a printed letter: the one it has while that works for another
    ``LINK_MARGIN_DAYS`` days, else a new one (which stops the old)."""
    margin = ctx.now + timedelta(days=LINK_MARGIN_DAYS)
    link = (
        HouseholdLink.objects.filter(case=case).usable(now=margin).order_by("-created_at").first()
    )
    if link is None:
        link = issue_household_link(
            case=case, user=ctx.users[story.coordinator], delivery=HouseholdLink.Delivery.LETTER
        )
        ctx.count(HouseholdLink)
    return link


def seed_stays(ctx, story: StayStory) -> None:
    """One city's stays, in this order: the stay that ended early first (its home may be
    referred again), then the stay under way, then the proposal. Notes the links to print."""
    seed_ended_early(ctx, story)
    match = seed_under_way(ctx, story)
    case = seed_proposed(ctx, story)
    if case.status == NewcomerCase.Status.CLOSED:
        return
    link = household_link(ctx, story, case)
    host = match.home.host if match is not None else None
    ctx.demo_links.append(
        DemoLinks(
            story=story.story,
            case=case,
            household_url=household_link_url(link),
            household_until=timezone.localtime(link.expires_at).date(),
            host_name=host.name if host else "",
            host_url=self_service_url(host) if host else "",
        )
    )
