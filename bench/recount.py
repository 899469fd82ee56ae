"""An independent recount of the report's figures, straight from the tables.

Written from the definitions the report prints (``reports.metrics.FIGURES`` and the rest, as a
reader of the PDF sees them), in plain SQL that runs on PostgreSQL and SQLite, without calling
``reports.metrics``: where the report asks the ORM for "the first row to referred", this asks
the tables in its own words. ``bench/report.py`` runs it at national scale and
``tests/reports/test_recount.py`` on a history made through the portal's actions (and, for the
stay, rows written by hand; for the road to work, ``tests/reports/test_work_figures.py`` on a
hand-built set); both compare it with ``compute_figures`` figure by figure.

Counts are taken in SQL; the per-home moments of the cohort are fetched once and the lead
times, their percentiles (the value at rank ⌈p·n⌉) and the local months worked out in Python.
"""

import math
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

STOCKHOLM = ZoneInfo("Europe/Stockholm")
REACHED = ("interested", "not_now", "withdraws")  # "reached" in the definitions' words


def _moment(value) -> datetime | None:
    """A timestamp as the database gives it (SQLite: text in UTC), made aware."""
    if value is None:
        return value
    if not isinstance(value, datetime):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _day(value) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(value[:10])


def _days(delta: timedelta) -> float:
    exact = Decimal(delta.total_seconds()) / 86400
    return float(exact.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def _percentile(values: list, p: float):
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(math.ceil(p * len(ordered)) - 1, 0)]


def _half_up_percent(part: int, whole: int) -> int | None:
    if not whole:
        return None
    return int((Decimal(part) * 100 / Decimal(whole)).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def recount(*, partnership, as_of: date, within_days=(7,)) -> dict:
    """The figures of ``partnership`` up to ``as_of``, recounted from the tables."""
    from django.db import connection

    ops = connection.ops
    last_day = max(min(partnership.period_end, as_of), partnership.period_start)
    first_day = partnership.period_start
    start = datetime.combine(first_day, time.min, tzinfo=STOCKHOLM)
    end = datetime.combine(last_day + timedelta(days=1), time.min, tzinfo=STOCKHOLM)
    months = []
    month = first_day.replace(day=1)
    while month <= last_day:
        months.append(month)
        month = (month + timedelta(days=32)).replace(day=1)

    def local_month(moment: datetime) -> date:
        return moment.astimezone(STOCKHOLM).date().replace(day=1)

    # The partnership's municipalities (none named: every home) and its local group (none
    # named: the volunteer organisation's people), as the definitions printed for it say.
    codes = sorted(partnership.municipalities.values_list("code", flat=True))
    group = partnership.local_group_id
    placeholders = ", ".join(f"%(code{i})s" for i in range(len(codes)))
    in_municipalities = f"AND h.municipality_id IN ({placeholders})" if codes else ""
    of_people = "u.local_group_id = %(group)s" if group else "u.organisation_id = %(organisation)s"
    params = {
        **{f"code{i}": code for i, code in enumerate(codes)},
        "group": group,
        "start": ops.adapt_datetimefield_value(start),
        "end": ops.adapt_datetimefield_value(end),
        "first_day": ops.adapt_datefield_value(first_day),
        "last_day": ops.adapt_datefield_value(last_day),
        "partner": partnership.partner_id,
        "organisation": partnership.volunteer_organisation_id,
    }
    reached_list = ", ".join(f"'{outcome}'" for outcome in REACHED)

    def rows(sql: str) -> list[tuple]:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()

    # New registrations: homes from the public form (no company unit) in the partnership's
    # municipalities, not merged away, whose history's first row falls in the period.
    registered_rows = rows(
        f"""
            SELECT h.id, MIN(t.created_at), h.municipality_id
            FROM hosts_home h JOIN hosts_hometransition t ON t.home_id = h.id
            WHERE h.duplicate_of_id IS NULL AND h.unit_id IS NULL {in_municipalities}
            GROUP BY h.id, h.municipality_id
            HAVING MIN(t.created_at) >= %(start)s AND MIN(t.created_at) < %(end)s
            """
    )
    registered = {home: _moment(at) for home, at, _code in registered_rows}
    municipality_of = {home: code for home, _at, code in registered_rows}
    # Of them: the first call that reached the host, before the end of the period.
    reached = {
        home: _moment(at)
        for home, at in rows(
            f"""
            SELECT a.home_id, MIN(a.created_at) FROM volunteers_callattempt a
            WHERE a.outcome IN ({reached_list}) AND a.created_at < %(end)s
            GROUP BY a.home_id
            """
        )
        if home in registered
    }
    visited = {
        home: _moment(at)
        for home, at in rows(
            """
            SELECT t.home_id, MIN(t.created_at) FROM hosts_hometransition t
            WHERE t.to_state = 'visited' AND t.created_at < %(end)s GROUP BY t.home_id
            """
        )
        if home in registered
    }
    referred_to_partner = {
        home
        for (home,) in rows(
            """
            SELECT DISTINCT t.home_id FROM hosts_hometransition t
            JOIN hosts_home h ON h.id = t.home_id
            WHERE h.partner_id = %(partner)s AND t.to_state = 'referred'
              AND t.created_at < %(end)s
            """
        )
        if home in registered
    }
    matched = {
        home
        for (home,) in rows(
            """
            SELECT DISTINCT m.home_id FROM matching_match m
            JOIN newcomers_newcomercase c ON c.id = m.case_id
            JOIN matching_matchtransition mt ON mt.match_id = m.id
            WHERE c.partner_id = %(partner)s AND mt.to_state = 'approved'
              AND mt.created_at < %(end)s
            """
        )
        if home in registered
    }
    # Moved in: a move-in recorded (a row to "moved_in"), dated up to the last day.
    moved_in = {
        home: _day(day)
        for home, day in rows(
            """
            SELECT m.home_id, MIN(m.move_in_date) FROM matching_match m
            JOIN newcomers_newcomercase c ON c.id = m.case_id
            WHERE c.partner_id = %(partner)s AND m.move_in_date <= %(last_day)s
              AND EXISTS (SELECT 1 FROM matching_matchtransition mt
                          WHERE mt.match_id = m.id AND mt.to_state = 'moved_in')
            GROUP BY m.home_id
            """
        )
        if home in registered
    }
    contact = [reached[h] - registered[h] for h in reached]
    visit = [visited[h] - registered[h] for h in visited]
    move_in = [
        timedelta(days=(moved_in[h] - registered[h].astimezone(STOCKHOLM).date()).days)
        for h in moved_in
    ]

    def lead(values):
        return {
            "median": None if not values else _days(_percentile(values, 0.5)),
            "p90": None if not values else _days(_percentile(values, 0.9)),
        }

    def by_month_sql(column: str) -> str:
        cases = []
        for i, month in enumerate(months):
            following = (month + timedelta(days=32)).replace(day=1)
            params[f"m{i}"] = ops.adapt_datetimefield_value(
                max(start, datetime.combine(month, time.min, tzinfo=STOCKHOLM))
            )
            params[f"n{i}"] = ops.adapt_datetimefield_value(
                min(end, datetime.combine(following, time.min, tzinfo=STOCKHOLM))
            )
            cases.append(
                f"SUM(CASE WHEN {column} >= %(m{i})s AND {column} < %(n{i})s THEN 1 ELSE 0 END)"
            )
        return ", ".join(cases)

    # Calls made by the local group's people in the period, by month.
    (calls_by_month,) = rows(
        f"""
        SELECT {by_month_sql("a.created_at")} FROM volunteers_callattempt a
        JOIN accounts_user u ON u.id = a.volunteer_id
        WHERE {of_people}
          AND a.created_at >= %(start)s AND a.created_at < %(end)s
        """
    )
    # Reported visits that started in the period with one of the group's people.
    (visits_by_month,) = rows(
        f"""
        SELECT {by_month_sql("v.starts_at")} FROM volunteers_homevisit v
        WHERE v.status = 'reported' AND v.starts_at >= %(start)s AND v.starts_at < %(end)s
          AND EXISTS (SELECT 1 FROM volunteers_homevisit_volunteers hv
                      JOIN accounts_user u ON u.id = hv.user_id
                      WHERE hv.homevisit_id = v.id AND {of_people})
        """
    )
    # Matches of the partner's households approved in the period, each once (its approval).
    approvals = rows(
        """
        SELECT mt.match_id, MIN(mt.created_at) FROM matching_matchtransition mt
        JOIN matching_match m ON m.id = mt.match_id
        JOIN newcomers_newcomercase c ON c.id = m.case_id
        WHERE c.partner_id = %(partner)s AND mt.to_state = 'approved'
          AND mt.created_at >= %(start)s AND mt.created_at < %(end)s
        GROUP BY mt.match_id
        """
    )
    # The partner's households with a recorded move-in dated in the period: each once, in the
    # month of its first such move-in.
    housed = rows(
        """
        SELECT m.case_id, MIN(m.move_in_date) FROM matching_match m
        JOIN newcomers_newcomercase c ON c.id = m.case_id
        WHERE c.partner_id = %(partner)s
          AND m.move_in_date >= %(first_day)s AND m.move_in_date <= %(last_day)s
          AND EXISTS (SELECT 1 FROM matching_matchtransition mt
                      WHERE mt.match_id = m.id AND mt.to_state = 'moved_in')
        GROUP BY m.case_id
        """
    )
    # Homes referred to the partner whose first referral ever falls in the period.
    ((homes_referred,),) = rows(
        """
        SELECT COUNT(*) FROM hosts_home h
        WHERE h.partner_id = %(partner)s AND h.unit_id IS NULL AND h.duplicate_of_id IS NULL
          AND (SELECT MIN(t.created_at) FROM hosts_hometransition t
               WHERE t.home_id = h.id AND t.to_state = 'referred') >= %(start)s
          AND (SELECT MIN(t.created_at) FROM hosts_hometransition t
               WHERE t.home_id = h.id AND t.to_state = 'referred') < %(end)s
        """
    )
    ((active,),) = rows(
        f"""
        SELECT COUNT(*) FROM accounts_user u
        WHERE {of_people} AND (
            u.id IN (SELECT a.volunteer_id FROM volunteers_callattempt a
                     WHERE a.volunteer_id IS NOT NULL
                       AND a.created_at >= %(start)s AND a.created_at < %(end)s)
            OR u.id IN (SELECT hv.user_id FROM volunteers_homevisit_volunteers hv
                        JOIN volunteers_homevisit v ON v.id = hv.homevisit_id
                        WHERE v.status = 'reported'
                          AND v.starts_at >= %(start)s AND v.starts_at < %(end)s))
        """
    )

    def outcomes(since: str) -> dict:
        ((recorded, in_work, in_studies, other),) = rows(
            f"""
            SELECT SUM(CASE WHEN outcome <> '' THEN 1 ELSE 0 END),
                   SUM(CASE WHEN outcome = 'in_work' THEN 1 ELSE 0 END),
                   SUM(CASE WHEN outcome = 'in_studies' THEN 1 ELSE 0 END),
                   SUM(CASE WHEN outcome = 'other' THEN 1 ELSE 0 END)
            FROM newcomers_newcomercase
            WHERE partner_id = %(partner)s AND establishment_ends_on <= %(last_day)s {since}
            """
        )
        counts = [int(n or 0) for n in (recorded, in_work, in_studies, other)]
        return {
            "recorded": counts[0],
            "in_work": counts[1],
            "in_studies": counts[2],
            "other": counts[3],
            "share_in_work": _half_up_percent(counts[1], counts[0]),
        }

    outreach = _outreach(
        rows,
        in_codes=placeholders,
        registered=registered,
        visited=visited,
        referred=referred_to_partner,
        matched=matched,
    )
    stay = _stay(rows, partner=partnership.partner_id, start=start, end=end, approvals=approvals)
    params["company"] = partnership.housing_company_id
    work = _work(
        rows,
        partner=partnership.partner_id,
        company=partnership.housing_company_id,
        start=start,
        end=end,
        first_day=first_day,
        last_day=last_day,
    )

    registrations_by_month = [0] * len(months)
    for at in registered.values():
        registrations_by_month[months.index(local_month(at))] += 1
    approved_by_month = [0] * len(months)
    for _match, at in approvals:
        approved_by_month[months.index(local_month(_moment(at)))] += 1
    housed_by_month = [0] * len(months)
    for _case, day in housed:
        housed_by_month[months.index(_day(day).replace(day=1))] += 1
    monthly = [
        (
            month,
            registrations_by_month[i],
            int(calls_by_month[i] or 0),
            int(visits_by_month[i] or 0),
            approved_by_month[i],
            housed_by_month[i],
        )
        for i, month in enumerate(months)
    ]
    within = {n: sum(1 for d in contact if d <= timedelta(days=n)) for n in within_days}
    # By municipality (the home's code): the new registrations, and those reached within 7 days.
    by_municipality = {"registrations": {}, "reached_within_7_days": {}}
    for home in registered:
        counts = by_municipality["registrations"]
        counts[municipality_of[home]] = counts.get(municipality_of[home], 0) + 1
    for home in reached:
        if reached[home] - registered[home] <= timedelta(days=7):
            counts = by_municipality["reached_within_7_days"]
            counts[municipality_of[home]] = counts.get(municipality_of[home], 0) + 1
    return {
        "totals": {
            "registrations": len(registered),
            "reached_within_7_days": sum(1 for d in contact if d <= timedelta(days=7)),
            "call_attempts": sum(row[2] for row in monthly),
            "home_visits": sum(row[3] for row in monthly),
            "homes_referred": homes_referred,
            "matches_approved": len(approvals),
            "households_housed": len(housed),
            "active_volunteers": active,
        },
        "within": within,
        "funnel": [
            len(registered),
            len(reached),
            len(visited),
            len(referred_to_partner),
            len(matched),
            len(moved_in),
        ],
        "lead_times": {"contact": lead(contact), "visit": lead(visit), "move_in": lead(move_in)},
        "monthly": monthly,
        "outcomes": outcomes("AND establishment_ends_on >= %(first_day)s"),
        "outcomes_cumulative": outcomes(""),
        "by_municipality": by_municipality,
        "stay": stay,
        "work": work,
        "outreach": outreach,
    }


def _outreach(rows, *, in_codes, registered, visited, referred, matched) -> dict:
    """Where registrations come from, recounted from the definitions printed under "Where
    registrations come from": by tagged link (the home's or the application's own link, none:
    ``None``), the new registrations and, of them, the homes visited, referred and matched (the
    funnel's sets), and the volunteer applications whose first history row falls in the period
    (from someone in the partnership's municipalities); by information meeting (in the
    municipalities, started in the period, not cancelled), the sign-ups confirmed before the end
    and not cancelled before it, those recorded as having come, the walk-ins, and the
    registration figures of the links made for the meeting. Only the links with a non-zero
    count are listed (the report also lists its meetings' links with nothing). ``in_codes``: the
    placeholders of the partnership's municipality codes ("" when it names none: all of them)."""
    where_meeting = f"AND m.municipality_id IN ({in_codes})" if in_codes else ""
    where_applicant = f"AND a.municipality_id IN ({in_codes})" if in_codes else ""
    source_of_home = {
        home: source
        for home, source in rows("SELECT h.id, h.source_id FROM hosts_home h")
        if home in registered
    }
    columns = ("registrations", "applications", "visited", "referred", "matched")
    by_source: dict = {}

    def add(source, key, n=1):
        row = by_source.setdefault(source, dict.fromkeys(columns, 0))
        row[key] += n

    for home, source in source_of_home.items():
        add(source, "registrations")
        for key, homes in (("visited", visited), ("referred", referred), ("matched", matched)):
            if home in homes:
                add(source, key)
    for source, n in rows(
        f"""
        SELECT a.source_id, COUNT(*) FROM volunteers_applicationtransition t
        JOIN volunteers_volunteerapplication a ON a.id = t.application_id
        WHERE t.from_state = '' AND t.created_at >= %(start)s AND t.created_at < %(end)s
          {where_applicant}
        GROUP BY a.source_id
        """
    ):
        add(source, "applications", n)
    meetings = rows(
        f"""
        SELECT m.id, COALESCE(m.walk_ins, 0) FROM outreach_informationmeeting m
        WHERE m.status <> 'cancelled' AND m.starts_at >= %(start)s AND m.starts_at < %(end)s
          {where_meeting}
        """
    )
    people = {
        meeting: (int(signups or 0), int(came or 0))
        for meeting, signups, came in rows(
            """
            SELECT s.meeting_id,
                   SUM(CASE WHEN EXISTS (SELECT 1 FROM outreach_signuptransition t
                                         WHERE t.signup_id = s.id AND t.to_state = 'confirmed'
                                           AND t.created_at < %(end)s)
                             AND NOT EXISTS (SELECT 1 FROM outreach_signuptransition t
                                             WHERE t.signup_id = s.id
                                               AND t.to_state = 'cancelled'
                                               AND t.created_at < %(end)s)
                            THEN 1 ELSE 0 END),
                   SUM(CASE WHEN s.attended THEN 1 ELSE 0 END)
            FROM outreach_meetingsignup s GROUP BY s.meeting_id
            """
        )
    }
    links_of: dict = {}
    for source, meeting in rows(
        "SELECT s.id, s.meeting_id FROM outreach_source s WHERE s.meeting_id IS NOT NULL"
    ):
        links_of.setdefault(meeting, []).append(source)
    by_meeting = {}
    for meeting, walk_ins in meetings:
        signups, came = people.get(meeting, (0, 0))
        own = [
            by_source.get(source, dict.fromkeys(columns, 0)) for source in links_of.get(meeting, [])
        ]
        by_meeting[meeting] = {
            "signups": signups,
            "attended": came,
            "walk_ins": int(walk_ins),
            "attendance": came + int(walk_ins),
            **{key: sum(row[key] for row in own) for key in columns},
        }
    return {
        "by_source": {source: row for source, row in by_source.items() if any(row.values())},
        "by_meeting": by_meeting,
        "tagged": sum(row["registrations"] for source, row in by_source.items() if source),
    }


RAISERS = ("host", "household", "check_in", "evaluation", "staff")
EARLY_END_REASONS = (
    "relationship",
    "host_circumstances",
    "household_circumstances",
    "home_unsuitable",
    "safety",
    "other_housing",
    "other",
)
RESPONDENTS = ("host", "household")
POINTS = ("month_1", "end")


def _hours(delta: timedelta) -> float:
    exact = Decimal(delta.total_seconds()) / 3600
    return float(exact.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def _stay(rows, *, partner: int, start: datetime, end: datetime, approvals) -> dict:
    """The stay's figures, from the definitions printed under "The stay": every concern, early
    end, meeting and evaluation of the partner's stays is fetched with its moments and counted
    here, not by the database."""
    # Concerns raised in the period about the stays of the partner's households.
    concerns = [
        (raised_by, urgency, _moment(created), _moment(responded))
        for raised_by, urgency, created, responded in rows(
            """
            SELECT c.raised_by, c.urgency, c.created_at, c.first_response_at
            FROM stays_concern c
            JOIN matching_match m ON m.id = c.match_id
            JOIN newcomers_newcomercase k ON k.id = m.case_id
            WHERE k.partner_id = %(partner)s
            """
        )
    ]
    concerns = [c for c in concerns if start <= c[2] < end]
    # Answered before the end of the period: hours from raising to the first response.
    responses = [
        responded - created
        for _by, _urgency, created, responded in concerns
        if responded is not None and responded < end
    ]
    # Meetings held, by their start.
    meetings = [
        _moment(starts)
        for (starts,) in rows(
            """
            SELECT d.starts_at FROM stays_mediation d
            JOIN stays_concern c ON c.id = d.concern_id
            JOIN matching_match m ON m.id = c.match_id
            JOIN newcomers_newcomercase k ON k.id = m.case_id
            WHERE k.partner_id = %(partner)s AND d.status = 'held'
            """
        )
    ]
    # Stays with an early-end reason, and when each was ended in the portal (the row to
    # "ended"); of any partner, since a rematch may follow an early end the partner inherited.
    ended_early = [
        (match, case, partner, reason, _moment(ended))
        for match, case, partner, reason, ended in rows(
            """
            SELECT m.id, m.case_id, k.partner_id, m.early_end_reason, t.created_at
            FROM matching_match m
            JOIN newcomers_newcomercase k ON k.id = m.case_id
            JOIN matching_matchtransition t ON t.match_id = m.id AND t.to_state = 'ended'
            WHERE m.early_end_reason <> ''
            """
        )
    ]
    in_period = [
        (match, reason)
        for match, _case, of, reason, ended in ended_early
        if of == partner and start <= ended < end
    ]
    by_reason = dict.fromkeys(EARLY_END_REASONS, 0)
    for _match, reason in set(in_period):
        by_reason[reason] += 1
    # Rematches: of the approvals in the period, those whose household's earlier stay ended
    # early before the approval.
    case_of = dict(
        rows(
            """
            SELECT m.id, m.case_id FROM matching_match m
            JOIN newcomers_newcomercase k ON k.id = m.case_id
            WHERE k.partner_id = %(partner)s
            """
        )
    )
    rematched = [
        match
        for match, approved in approvals
        if any(
            case == case_of[match] and ended < _moment(approved)
            for _m, case, _p, _r, ended in ended_early
        )
    ]
    # Evaluations answered in the period, and their scores.
    evaluations = [
        (pk, respondent, point, _moment(answered))
        for pk, respondent, point, answered in rows(
            """
            SELECT e.id, e.respondent, e.point, e.answered_at FROM stays_evaluation e
            JOIN matching_match m ON m.id = e.match_id
            JOIN newcomers_newcomercase k ON k.id = m.case_id
            WHERE k.partner_id = %(partner)s AND e.status = 'answered'
            """
        )
    ]
    answered = {
        pk: respondent
        for pk, respondent, _point, at in evaluations
        if at is not None and start <= at < end
    }
    by_cell = {f"{r}__{p}": 0 for r in RESPONDENTS for p in POINTS}
    for pk, respondent, point, _at in evaluations:
        if pk in answered:
            by_cell[f"{respondent}__{point}"] += 1
    from stays.surveys import SCALE as SCALE_QUESTION
    from stays.surveys import SURVEYS

    on_scale: dict[str, bool] = {}
    for survey in SURVEYS.values():
        for question in survey.questions:
            on_scale.setdefault(question.key, question.kind == SCALE_QUESTION)
    scores: dict[tuple[str, str], list[int]] = {}
    for evaluation, question, score in rows(
        """
        SELECT a.evaluation_id, a.question, a.score FROM stays_evaluationanswer a
        JOIN stays_evaluation e ON e.id = a.evaluation_id
        JOIN matching_match m ON m.id = e.match_id
        JOIN newcomers_newcomercase k ON k.id = m.case_id
        WHERE k.partner_id = %(partner)s AND a.score IS NOT NULL
        """
    ):
        if evaluation in answered:
            scores.setdefault((answered[evaluation], question), []).append(score)
    averages = [
        {
            "respondent": respondent,
            "question": question,
            "answers": len(values),
            "average": float(
                (Decimal(sum(values)) / len(values)).quantize(
                    Decimal("0.1"), rounding=ROUND_HALF_UP
                )
            ),
        }
        for (respondent, question), values in sorted(scores.items())
        # On the scale from 1 to 5, as the survey definitions say (a yes/no is 1 or 0, never
        # averaged); a key they no longer have: every score given to it lies from 1 to 5.
        if on_scale.get(question, all(1 <= value <= 5 for value in values))
    ]
    return {
        "concerns_raised": len(concerns),
        "concerns_urgent": sum(1 for c in concerns if c[1] == "urgent"),
        "by_raiser": {key: sum(1 for c in concerns if c[0] == key) for key in RAISERS},
        "first_response": {
            "median": None if not responses else _hours(_percentile(responses, 0.5)),
            "p90": None if not responses else _hours(_percentile(responses, 0.9)),
        },
        "mediations_held": sum(1 for starts in meetings if start <= starts < end),
        "stays_ended_early": sum(by_reason.values()),
        "by_reason": by_reason,
        "rematches": len(rematched),
        "evaluations_answered": len(answered),
        "evaluations": by_cell,
        "scores": averages,
    }


PLACEMENT_KINDS = ("prao", "work_training", "language_practice", "internship", "employment")
# A placement's steps as the definitions under "The road to work" name them: the offer is the
# first row of its history; the others are the rows to that stage.
PLACEMENT_STEPS = ("offered", "started", "completed", "ended_early", "employed")
TAKEN_UP = ("started", "completed", "ended_early", "employed")


def _work(rows, *, partner, company, start, end, first_day, last_day) -> dict:
    """The road to work, from the definitions printed under "The road to work": every history
    row of the placements offered to the partner (or offered by the housing company as an
    employer), every household whose establishment period ended in the period with an outcome,
    its move-ins and its placements, fetched and counted here."""
    history = [
        (placement, from_state, to_state, _moment(at), unit, kind, employer)
        for placement, from_state, to_state, at, unit, kind, employer in rows(
            """
            SELECT t.placement_id, t.from_state, t.to_state, t.created_at,
                   p.integration_unit_id, p.kind, e.organisation_id
            FROM work_placementtransition t
            JOIN work_placement p ON p.id = t.placement_id
            JOIN work_employer e ON e.id = p.employer_id
            WHERE p.integration_unit_id = %(partner)s OR e.organisation_id = %(company)s
            """
        )
    ]
    in_period = [row for row in history if start <= row[3] < end]

    def step_of(from_state, to_state):
        if to_state == "offered":
            return "offered" if from_state == "" else None
        return to_state if to_state in PLACEMENT_STEPS else None

    found: dict[str, dict[str, set]] = {
        step: {kind: set() for kind in PLACEMENT_KINDS} for step in PLACEMENT_STEPS
    }
    company_steps: dict[str, set] = {"offered": set(), "completed": set()}
    for placement, from_state, to_state, _at, unit, kind, employer in in_period:
        step = step_of(from_state, to_state)
        if step is None:
            continue
        if unit == partner:
            found[step][kind].add(placement)
        if company is not None and employer == company and step in company_steps:
            company_steps[step].add(placement)
    placements = {
        step: {kind: len(ids) for kind, ids in by_kind.items()} for step, by_kind in found.items()
    }

    # The households: the partner's, establishment period ended in the period, outcome recorded.
    households = rows(
        """
        SELECT c.id, c.outcome, c.establishment_ends_on, c.still_in_municipality,
               c.still_in_matched_home
        FROM newcomers_newcomercase c
        WHERE c.partner_id = %(partner)s AND c.outcome <> ''
          AND c.establishment_ends_on >= %(first_day)s AND c.establishment_ends_on <= %(last_day)s
        """
    )
    # Each household's move-ins through the portal (a row to "moved in" and a date), with the
    # home's company unit and the vacancy it came through, if any.
    first_move_in: dict[int, tuple] = {}
    for match, case, day, unit, offered in rows(
        """
        SELECT m.id, m.case_id, m.move_in_date, h.unit_id, v.offered
        FROM matching_match m
        JOIN newcomers_newcomercase c ON c.id = m.case_id
        JOIN hosts_home h ON h.id = m.home_id
        LEFT JOIN housing_vacancy v ON v.home_id = h.id
        WHERE c.partner_id = %(partner)s AND m.move_in_date IS NOT NULL
          AND EXISTS (SELECT 1 FROM matching_matchtransition t
                      WHERE t.match_id = m.id AND t.to_state = 'moved_in')
        """
    ):
        key = (_day(day), match)
        if case not in first_move_in or key < first_move_in[case][0]:
            first_move_in[case] = (key, unit, bool(offered))
    # The placements the household's adults took up (started, whatever came after).
    starts: dict[int, list[date]] = {}
    for case, started_on in rows(
        f"""
        SELECT p.case_id, p.started_on FROM work_placement p
        JOIN newcomers_newcomercase c ON c.id = p.case_id
        WHERE c.partner_id = %(partner)s
          AND p.status IN ({", ".join(f"'{state}'" for state in TAKEN_UP)})
        """
    ):
        if started_on is not None:
            starts.setdefault(case, []).append(_day(started_on))

    def route(case):
        if case not in first_move_in:
            return "other"
        _key, unit, offered = first_move_in[case]
        if unit is None:
            return "private_host"
        return "quota_flat" if offered else "other"

    def cell():
        return {"n": 0, "in_work": 0}

    by_route = {key: cell() for key in ("private_host", "quota_flat", "other")}
    by_placement = {key: cell() for key in ("with_placement", "without_placement")}
    staying = {key: {"known": 0, "yes": 0} for key in ("municipality", "home")}
    in_work = in_studies = 0
    for case, outcome, ends_on, in_municipality, in_home in households:
        working = outcome == "in_work"
        in_work += working
        in_studies += outcome == "in_studies"
        ends_on = _day(ends_on)
        had = any(day <= ends_on for day in starts.get(case, []))
        for group in (
            by_route[route(case)],
            by_placement["with_placement" if had else "without_placement"],
        ):
            group["n"] += 1
            group["in_work"] += working
        for key, value in (("municipality", in_municipality), ("home", in_home)):
            if value is not None:
                staying[key]["known"] += 1
                staying[key]["yes"] += bool(value)

    result = {
        "placements": placements,
        "recorded": len(households),
        "in_work": in_work,
        "in_studies": in_studies,
        "by_route": by_route,
        "by_placement": by_placement,
        "still_in_municipality": staying["municipality"],
        "still_in_matched_home": staying["home"],
        "company": None,
    }
    if company is not None:
        figures = [
            (_day(day), employees, newcomers)
            for day, employees, newcomers in rows(
                """
                SELECT s.recorded_on, s.employees, s.came_as_newcomers
                FROM work_stafffigures s JOIN work_employer e ON e.id = s.employer_id
                WHERE e.organisation_id = %(company)s
                """
            )
        ]
        latest = max((row for row in figures if row[0] <= last_day), default=None)
        result["company"] = {
            "offered": len(company_steps["offered"]),
            "completed": len(company_steps["completed"]),
            "staff": None
            if latest is None
            else {"recorded_on": latest[0], "employees": latest[1], "came_as_newcomers": latest[2]},
        }
    return result


def reported(figures: dict, within_days=(7,)) -> dict:
    """The same figures as ``reports.metrics.compute_figures`` gives them, in the recount's
    shape, to compare."""
    from reports.metrics import MONTHLY

    outcomes = dict(figures["outcomes"])
    cumulative = outcomes.pop("cumulative")
    within = {7: figures["totals"]["reached_within_7_days"]}
    for target in figures["targets"]:
        if target["within_days"] is not None:
            within[target["within_days"]] = target["value"]
    return {
        "totals": dict(figures["totals"]),
        "within": {n: within.get(n) for n in within_days},
        "funnel": [step["count"] for step in figures["funnel"]],
        "lead_times": figures["lead_times"],
        "monthly": [(row["month"], *(row[key] for key in MONTHLY)) for row in figures["monthly"]],
        "outcomes": outcomes,
        "outcomes_cumulative": cumulative,
        "by_municipality": {
            key: {row["code"] or None: row[key] for row in figures["by_municipality"] if row[key]}
            for key in ("registrations", "reached_within_7_days")
        },
        "work": figures["work"],
        "stay": {
            **figures["stay"],
            "scores": [
                {key: row[key] for key in ("respondent", "question", "answers", "average")}
                for row in figures["stay"]["scores"]
            ],
        },
        "outreach": _reported_outreach(figures["outreach"]),
    }


def _reported_outreach(outreach: dict) -> dict:
    """``compute_figures``' "Where registrations come from" in the recount's shape."""
    from reports.outreach_figures import MEETING_COLUMNS, SOURCE_COLUMNS

    return {
        "by_source": {
            row["source_id"]: {key: row[key] for key in SOURCE_COLUMNS}
            for row in outreach["by_source"]
            if any(row[key] for key in SOURCE_COLUMNS)
        },
        "by_meeting": {
            row["meeting_id"]: {key: row[key] for key in (*MEETING_COLUMNS, *SOURCE_COLUMNS)}
            for row in outreach["by_meeting"]
        },
        "tagged": outreach["tagged"],
    }


def differences(a, b, path="") -> list[str]:
    if isinstance(a, dict) and isinstance(b, dict):
        out = []
        for key in sorted(set(a) | set(b), key=str):
            out += differences(a.get(key), b.get(key), f"{path}.{key}")
        return out
    if isinstance(a, list | tuple) and isinstance(b, list | tuple) and len(a) == len(b):
        out = []
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            out += differences(x, y, f"{path}[{i}]")
        return out
    return [] if a == b else [f"{path}: report {a!r} != recount {b!r}"]
