"""Reads of the road to work, each taking the person who asks: what is outside their reach is not
found (404).

``road_of`` is the household's road in one place: from the Migration Agency's housing to the
outcome after the establishment period. Nothing of it is stored twice: it is read from the
case's own fields and from the logs that already exist (the matches', the contracts' and the
placements' histories), in a fixed number of queries whatever the length of the road.
"""

from dataclasses import dataclass
from datetime import date

from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import roles
from accounts.access import has_role
from accounts.scoping import sees_everything
from newcomers.models import NewcomerCase

from .models import Placement


class Road:
    """The kinds of event on a household's road, in the order of a day's events (a stay that
    ends before the next begins; the registration before the contract it converts)."""

    ASYLUM_HOUSING = "asylum_housing"
    ASSIGNED = "assigned"
    MOVED_OUT = "moved_out"
    PRIVATE_HOME = "private_home"
    COMPANY_SUBLET = "company_sublet"
    EMPLOYMENT_SERVICE = "employment_service"
    FIRST_HAND_CONTRACT = "first_hand_contract"
    PLACEMENT_PROPOSED = "placement_proposed"
    PLACEMENT_STARTED = "placement_started"
    PLACEMENT_COMPLETED = "placement_completed"
    PLACEMENT_ENDED_EARLY = "placement_ended_early"
    EMPLOYMENT = "employment"
    OUTCOME = "outcome"

    ORDER = (
        ASYLUM_HOUSING,
        ASSIGNED,
        MOVED_OUT,
        PRIVATE_HOME,
        COMPANY_SUBLET,
        EMPLOYMENT_SERVICE,
        FIRST_HAND_CONTRACT,
        PLACEMENT_PROPOSED,
        PLACEMENT_STARTED,
        PLACEMENT_COMPLETED,
        PLACEMENT_ENDED_EARLY,
        EMPLOYMENT,
        OUTCOME,
    )


@dataclass(frozen=True)
class RoadEvent:
    """One event on the road: when (``until``: the end of a period, where the event is one),
    its kind (``Road``), its label and a line of detail, translated into the active language."""

    date: date | None
    kind: str
    label: str
    detail: str = ""
    until: date | None = None

    def sort_key(self):
        # The asylum housing opens the road, whatever its period (the allotment's, not the
        # household's own dates); the outcome closes it.
        phase = {Road.ASYLUM_HOUSING: 0, Road.OUTCOME: 2}.get(self.kind, 1)
        return (phase, self.date or date.max, Road.ORDER.index(self.kind))


def reaches_road(user) -> bool:
    """Who reads a household's road: the data protection officer (and superusers), and a
    partner's coordinators and managers (of their own partner's cases:
    ``NewcomerCase.objects.visible_to``)."""
    return sees_everything(user) or has_role(user, roles.PARTNER_COORDINATOR, roles.MANAGER)


def _day(moment) -> date:
    return timezone.localdate(moment)


def road_of(*, case: NewcomerCase, user) -> list[RoadEvent]:
    """The household's road, oldest first: the asylum housing (where known), the assignment to
    the municipality, each home (with a private host, or a company flat on a sublet and the day it
    became a first-hand contract) and each move out, the registration with the Public Employment
    Service, the placements (proposed, started, completed or ended early, employment) and the
    outcome after the establishment period with whether the household stayed.

    A case outside the person's reach is not found (404)."""
    if not reaches_road(user):
        raise Http404
    case = (
        NewcomerCase.objects.visible_to(user)
        .select_related("partner", "asylum_allotment__company")
        .filter(pk=case.pk)
        .first()
    )
    if case is None:
        raise Http404
    events = [
        *_before_the_municipality(case),
        *_homes(case),
        *_first_hand_contracts(case),
        *_placements(case),
        *_outcome(case),
    ]
    if case.registered_with_employment_service_on is not None:
        events.append(
            RoadEvent(
                date=case.registered_with_employment_service_on,
                kind=Road.EMPLOYMENT_SERVICE,
                label=_("Registered with the Public Employment Service"),
            )
        )
    return sorted(events, key=RoadEvent.sort_key)


def _before_the_municipality(case: NewcomerCase) -> list[RoadEvent]:
    events = []
    allotment = case.asylum_allotment
    if allotment is not None:
        detail = _("%(company)s: %(kind)s") % {
            "company": allotment.company.name,
            "kind": allotment.get_kind_display(),
        }
        if allotment.description:
            detail = f"{detail} ({allotment.description})"
        events.append(
            RoadEvent(
                date=allotment.period_start,
                until=allotment.period_end,
                kind=Road.ASYLUM_HOUSING,
                label=_("Asylum housing let to the Migration Agency"),
                detail=detail,
            )
        )
    events.append(
        RoadEvent(
            date=case.assigned_on,
            kind=Road.ASSIGNED,
            label=_("Assigned to the municipality"),
            detail=case.partner.name,
        )
    )
    return events


def _home_detail(home) -> str:
    if home.unit_id is not None:
        detail = _("%(company)s, %(unit)s") % {
            "company": home.unit.company.name,
            "unit": home.unit,
        }
        vacancy = getattr(home, "vacancy", None)
        if vacancy is not None and vacancy.offered:
            detail = _("%(flat)s, offered under the quota") % {"flat": detail}
        return detail
    municipality = (
        home.municipality.short_name if home.municipality_id else home.municipality_as_given
    )
    kind = home.get_kind_display()
    return f"{kind}, {municipality}" if municipality else kind


def _homes(case: NewcomerCase) -> list[RoadEvent]:
    """Each move in and each move out, from the matches' histories (one query)."""
    from matching.models import Match, MatchTransition

    rows = (
        MatchTransition.objects.filter(
            match__case_id=case.pk, to_state__in=[Match.Status.MOVED_IN, Match.Status.ENDED]
        )
        .select_related(
            "match__home__unit__company", "match__home__municipality", "match__home__vacancy"
        )
        .order_by("created_at", "pk")
    )
    events = []
    for row in rows:
        match, home = row.match, row.match.home
        if row.to_state == Match.Status.MOVED_IN:
            company_flat = home.unit_id is not None
            events.append(
                RoadEvent(
                    date=match.move_in_date or _day(row.created_at),
                    kind=Road.COMPANY_SUBLET if company_flat else Road.PRIVATE_HOME,
                    label=(
                        _("Moved into a company flat on a sublet")
                        if company_flat
                        else _("Moved in with a private host")
                    ),
                    detail=_home_detail(home),
                )
            )
        else:
            detail = _home_detail(home)
            if match.early_end_reason:
                detail = _("%(home)s; ended early: %(reason)s") % {
                    "home": detail,
                    "reason": match.get_early_end_reason_display(),
                }
            events.append(
                RoadEvent(
                    date=match.ended_on or _day(row.created_at),
                    kind=Road.MOVED_OUT,
                    label=_("Moved out"),
                    detail=detail,
                )
            )
    return events


def _first_hand_contracts(case: NewcomerCase) -> list[RoadEvent]:
    """Each sublet that became a first-hand contract, from the contracts' histories."""
    from housing.models import Contract, ContractTransition

    rows = ContractTransition.objects.filter(
        contract__match__case_id=case.pk, to_state=Contract.Kind.FIRST_HAND
    ).select_related("contract__company", "contract__unit")
    return [
        RoadEvent(
            date=_day(row.created_at),
            kind=Road.FIRST_HAND_CONTRACT,
            label=_("The sublet became a first-hand contract"),
            detail=_("%(company)s, %(unit)s")
            % {"company": row.contract.company.name, "unit": row.contract.unit},
        )
        for row in rows
    ]


def _placement_detail(placement: Placement) -> str:
    return _("%(kind)s: %(title)s, %(employer)s (adult %(number)s)") % {
        "kind": placement.get_kind_display(),
        "title": placement.title,
        "employer": placement.employer.organisation.name,
        "number": placement.adult_number,
    }


def _placements(case: NewcomerCase) -> list[RoadEvent]:
    """Each placement of the household, from the placements' histories (one query). A proposal
    that was declined or withdrawn is forgotten with the person's details, so only the steps from
    the placement's latest proposal on are the household's."""
    from .models import PlacementTransition

    S = Placement.Status
    rows = (
        PlacementTransition.objects.filter(placement__case_id=case.pk)
        .select_related("placement__employer__organisation")
        .order_by("placement_id", "created_at", "pk")
    )
    by_placement: dict[int, list] = {}
    for row in rows:
        steps = by_placement.setdefault(row.placement_id, [])
        if row.to_state == S.PROPOSED:
            steps.clear()  # an earlier proposal was someone else's, or forgotten
        steps.append(row)
    events = []
    for steps in by_placement.values():
        for row in steps:
            placement = row.placement
            detail = _placement_detail(placement)
            if row.to_state == S.PROPOSED:
                event = (Road.PLACEMENT_PROPOSED, _("Proposed for a placement"), None)
            elif row.to_state == S.STARTED:
                event = (Road.PLACEMENT_STARTED, _("Placement started"), placement.started_on)
            elif row.to_state == S.COMPLETED:
                event = (Road.PLACEMENT_COMPLETED, _("Placement completed"), placement.ended_on)
            elif row.to_state == S.ENDED_EARLY:
                event = (Road.PLACEMENT_ENDED_EARLY, _("Placement ended early"), placement.ended_on)
                if placement.end_reason:
                    detail = _("%(placement)s; why: %(reason)s") % {
                        "placement": detail,
                        "reason": placement.get_end_reason_display(),
                    }
            elif row.to_state == S.EMPLOYED:
                event = (Road.EMPLOYMENT, _("Employed"), placement.employed_on)
            else:
                continue
            kind, label, day = event
            events.append(
                RoadEvent(date=day or _day(row.created_at), kind=kind, label=label, detail=detail)
            )
    return events


def staying_text(case: NewcomerCase) -> list[str]:
    """Where the household lives at the outcome, in words (nothing for what is not known)."""
    words = []
    if case.still_in_municipality is True:
        words.append(_("still lives in the municipality"))
    elif case.still_in_municipality is False:
        words.append(_("has moved from the municipality"))
    if case.still_in_matched_home is True:
        words.append(_("still lives in the home it was matched with"))
    elif case.still_in_matched_home is False:
        words.append(_("no longer lives in the home it was matched with"))
    return words


def _outcome(case: NewcomerCase) -> list[RoadEvent]:
    if not case.outcome:
        return []
    recorded = case.outcome_recorded_at
    return [
        RoadEvent(
            date=_day(recorded) if recorded else case.establishment_ends_on,
            kind=Road.OUTCOME,
            label=_("After the establishment period"),
            detail="; ".join([case.get_outcome_display(), *staying_text(case)]),
        )
    ]
