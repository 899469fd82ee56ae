"""Where registrations come from: the information meetings and the tagged links of the
follow-up, each figure defined once here (``OUTREACH``) and counted in the database.

A registration is attributed only through a tagged link (``outreach.Source``): a home or a
volunteer application that came through ``/t/<code>/`` keeps its source, and a meeting's
registrations are those that came through a link made for that meeting. Nothing else is
matched (no e-mail address between a meeting's sign-ups and later registrations).

Two tables, for a partnership's period and scope (``reports.metrics.Scope``):

- *by tagged link*: the new registrations (exactly as ``metrics.registrations`` counts them:
  no duplicate merged away, no housing company's flat; an erased host's anonymous home still
  counts) and the volunteer applications of the period, by the link they came through, with a
  row "no tagged link" so that each column adds up to its total; and of those homes, how many
  had become "visited", been referred to the partner and been matched with one of its
  households by the end of the period, read from the history exactly as the funnel reads it
  (so those columns add up to the funnel's stages);
- *by meeting*: the meetings held in the partnership's municipalities that started in the
  period (not cancelled), their sign-ups, who came from the list, the walk-ins and the
  attendance, and the same registration figures summed over the meeting's links.

Small counts are protected by the report's rule (``metrics.suppress``, primary and secondary),
column by column against the printed total, as the other breakdowns are; totals are exact.
Within a meeting's row attendance = came from the list + walk-ins, so when one of the three is
hidden all three are (hiding more cells of a column never makes it less protected). A meeting's
registration figures are its links' cells added up: such a cell is shown only when every one of
its links' cells is shown (a hidden link's count cannot be worked out by subtraction).

The national roll-up (``rollup_outreach``) compares the partnerships (each names a local group)
by meetings held, their attendance, and the registrations through tagged links against those
without, with the share; the split is protected by the same rule and a share by
``metrics._share_shown``.
"""

from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, Sum
from django.utils.translation import gettext_lazy as _

from . import metrics
from .metrics import (
    MUNICIPALITIES,
    PARTNER,
    PORTAL,
    ROW,
    SMALL_NUMBER,
    Definition,
    Period,
    Scope,
    suppress,
)

SECTION = _("Where registrations come from")
NO_TAGGED_LINK = _("No tagged link")
# The workbook's sheet (a sheet's name has at most 31 characters).
SHEET = _("Sources of registrations")


def _by_municipality(label, definition, portal_definition) -> Definition:
    return Definition(
        label,
        MUNICIPALITIES,
        definition,
        fallback=Definition(label, PORTAL, portal_definition),
    )


OUTREACH = {
    "outreach_signups": _by_municipality(
        _("Signed up"),
        _(
            "Of the information meetings in the partnership's municipalities that started in "
            "the period (not cancelled): the sign-ups confirmed by e-mail before the end of the "
            "period and not cancelled before it, by meeting."
        ),
        _(
            "Of the information meetings that started in the period (not cancelled): the "
            "sign-ups confirmed by e-mail before the end of the period and not cancelled before "
            "it, by meeting."
        ),
    ),
    "outreach_attended": _by_municipality(
        _("Came from the list"),
        _("Of the same meetings: the sign-ups recorded as having come to the meeting, by meeting."),
        _("Of the same meetings: the sign-ups recorded as having come to the meeting, by meeting."),
    ),
    "outreach_walk_ins": _by_municipality(
        _("Came without signing up"),
        _("Of the same meetings: the number of walk-ins the organiser recorded, by meeting."),
        _("Of the same meetings: the number of walk-ins the organiser recorded, by meeting."),
    ),
    "outreach_attendance": _by_municipality(
        _("Attendance"),
        _(
            "Of the same meetings: those who came from the list and those who came without "
            "signing up, together, by meeting."
        ),
        _(
            "Of the same meetings: those who came from the list and those who came without "
            "signing up, together, by meeting."
        ),
    ),
    "outreach_registrations": _by_municipality(
        _("Host registrations"),
        _(
            "The new registrations (as “New registrations” counts them, an erased host's home "
            "included) by the tagged link the host came through, and the rest under “No tagged "
            "link”; a meeting's are those through the links made for it. Dated by the "
            "registration."
        ),
        _(
            "The new registrations (as “New registrations” counts them, an erased host's home "
            "included) by the tagged link the host came through, and the rest under “No tagged "
            "link”; a meeting's are those through the links made for it. Dated by the "
            "registration."
        ),
    ),
    "outreach_applications": _by_municipality(
        _("Volunteer applications"),
        _(
            "Applications to volunteer from someone in the partnership's municipalities whose "
            "application (the first row of its history) falls in the period, by the tagged "
            "link they came through, and the rest under “No tagged link”; a meeting's are those "
            "through the links made for it."
        ),
        _(
            "Applications to volunteer whose application (the first row of its history) falls "
            "in the period, by the tagged link they came through, and the rest under “No tagged "
            "link”; a meeting's are those through the links made for it."
        ),
    ),
    "outreach_visited": _by_municipality(
        _("of those homes visited"),
        _(
            "Of the host registrations of the same row: homes that became “visited” before the "
            "end of the period (as the funnel counts them)."
        ),
        _(
            "Of the host registrations of the same row: homes that became “visited” before the "
            "end of the period (as the funnel counts them)."
        ),
    ),
    "outreach_referred": Definition(
        _("of those homes referred"),
        PARTNER,
        _(
            "Of the host registrations of the same row: homes referred to the partner before "
            "the end of the period (as the funnel counts them)."
        ),
    ),
    "outreach_matched": Definition(
        _("of those homes matched"),
        PARTNER,
        _(
            "Of the host registrations of the same row: homes with a match with one of the "
            "partner's households approved before the end of the period (as the funnel counts "
            "them)."
        ),
    ),
    "outreach_meetings_held": _by_municipality(
        _("Information meetings held"),
        _(
            "Information meetings in the partnership's municipalities that started in the "
            "period and were recorded as held."
        ),
        _("Information meetings that started in the period and were recorded as held."),
    ),
    "outreach_held_attendance": _by_municipality(
        _("Attendance at the meetings held"),
        _(
            "At the information meetings held: those who came from the list and those who came "
            "without signing up, together."
        ),
        _(
            "At the information meetings held: those who came from the list and those who came "
            "without signing up, together."
        ),
    ),
    "outreach_tagged": _by_municipality(
        _("Host registrations through a tagged link"),
        _(
            "Of the new registrations: those that came through a tagged link (any kind, any "
            "organiser), and the share of the new registrations they are."
        ),
        _(
            "Of the new registrations: those that came through a tagged link (any kind, any "
            "organiser), and the share of the new registrations they are."
        ),
    ),
}

# The columns of the table by tagged link (and of the home figures of the table by meeting).
SOURCE_COLUMNS = ("registrations", "applications", "visited", "referred", "matched")
# The people at a meeting, in the order of the table by meeting.
MEETING_COLUMNS = ("signups", "attended", "walk_ins", "attendance")
# Linked within a row: attendance = attended + walk-ins.
ATTENDANCE_LINKED = ("attended", "walk_ins", "attendance")
# The roll-up's figures, as the definitions print them.
ROLLUP_OUTREACH = ("outreach_meetings_held", "outreach_held_attendance", "outreach_tagged")


def column_labels() -> dict[str, Any]:
    """The label of each column of both tables, from its definition."""
    return {key: OUTREACH[f"outreach_{key}"].label for key in (*MEETING_COLUMNS, *SOURCE_COLUMNS)}


# The figures: one named query each ----------------------------------------------------------


def meetings_of_period(period: Period, scope: Scope):
    """The information meetings of the period (scope: the partnership's municipalities, or the
    whole portal when it names none; dated by the meeting's start): planned or held, not
    cancelled."""
    from outreach.models import InformationMeeting

    meetings = InformationMeeting.objects.filter(
        starts_at__gte=period.start, starts_at__lt=period.end
    ).exclude(status=InformationMeeting.Status.CANCELLED)
    if scope.municipality_codes is not None:
        meetings = meetings.filter(municipality_id__in=scope.municipality_codes)
    return meetings


def meeting_signups(period: Period, scope: Scope) -> dict[int, dict[str, int]]:
    """Per meeting of the period (``meetings_of_period``): its sign-ups confirmed before the end
    of the period and not cancelled before it (read from the sign-ups' history), and the
    sign-ups recorded as having come (``attended``); one grouped query."""
    from outreach.models import MeetingSignup, SignupTransition

    def step(to_state):
        return Exists(
            SignupTransition.objects.filter(
                signup_id=OuterRef("pk"), to_state=to_state, created_at__lt=period.end
            )
        )

    rows = (
        MeetingSignup.objects.filter(meeting__in=meetings_of_period(period, scope))
        .order_by()
        .values("meeting_id")
        .annotate(
            signups=Count(
                ROW,
                filter=Q(step(MeetingSignup.Status.CONFIRMED))
                & ~Q(step(MeetingSignup.Status.CANCELLED)),
            ),
            attended=Count(ROW, filter=Q(attended=True)),
        )
        .values_list("meeting_id", "signups", "attended")
    )
    return {meeting_id: {"signups": s, "attended": a} for meeting_id, s, a in rows}


def registrations_by_source(period: Period, scope: Scope) -> dict[int | None, dict[str, int]]:
    """The new registrations (``metrics.registrations``) by the tagged link of the home (None:
    none), and of them the homes that had become "visited", been referred to the partner and
    been matched with one of its households by the end of the period (scope: as the funnel's
    stages; read from the homes' and the matches' history); one grouped query."""
    from hosts.models import Home, HomeTransition
    from matching.models import Match, MatchTransition

    def reached(to_state, **extra):
        return Exists(
            HomeTransition.objects.filter(
                home_id=OuterRef("home_id"), to_state=to_state, created_at__lt=period.end
            )
        ) & Q(**extra)

    matched = Exists(
        MatchTransition.objects.filter(
            match__home_id=OuterRef("home_id"),
            match__case__partner_id=scope.partner_id,
            to_state=Match.Status.APPROVED,
            created_at__lt=period.end,
        )
    )
    rows = (
        metrics.registrations(period, scope)
        .order_by()
        .values("home__source_id")
        .annotate(
            registrations=Count(ROW),
            visited=Count(ROW, filter=Q(reached(Home.Status.VISITED))),
            referred=Count(
                ROW, filter=reached(Home.Status.REFERRED, home__partner_id=scope.partner_id)
            ),
            matched=Count(ROW, filter=Q(matched)),
        )
    )
    return {
        row["home__source_id"]: {key: row[key] for key in SOURCE_COLUMNS if key in row}
        for row in rows
    }


def applications(period: Period, scope: Scope):
    """Volunteer applications (scope: the partnership's municipalities, or the whole portal when
    it names none; dated by the application: the first row of its history).

    The rows from nothing to "pending" in the period: one per application, whatever became of
    it."""
    from volunteers.models import ApplicationTransition

    rows = ApplicationTransition.objects.filter(from_state="", **period.moments)
    if scope.municipality_codes is not None:
        rows = rows.filter(application__municipality_id__in=scope.municipality_codes)
    return rows


def applications_by_source(period: Period, scope: Scope) -> dict[int | None, int]:
    """``applications`` by the tagged link they came through (None: none); one grouped query."""
    rows = (
        applications(period, scope)
        .order_by()
        .values("application__source_id")
        .annotate(n=Count(ROW))
        .values_list("application__source_id", "n")
    )
    return {source_id: n for source_id, n in rows if n}


def outreach_figures(period: Period, scope: Scope, stored=None) -> dict[str, Any]:
    """Every figure of ``OUTREACH`` for a partnership, in five queries whatever the size of the
    data (the homes, the applications, the meetings, their sign-ups, the links' names): the rows
    by tagged link (the links with a registration or an application in the period, and the
    links of the period's meetings), the row "no tagged link", the totals, and the rows by
    meeting. With ``stored`` (``reports.daily.StoredFigures``), the homes by tagged link are
    read from the stored facts, completed live (four queries)."""
    from outreach.models import Source

    if stored is not None:
        homes = stored.registrations_by_source()
    else:
        homes = registrations_by_source(period, scope)
    applied = applications_by_source(period, scope)
    meetings = list(
        meetings_of_period(period, scope).select_related("municipality").order_by("starts_at", "pk")
    )
    signed = meeting_signups(period, scope)
    meeting_ids = [meeting.pk for meeting in meetings]
    ids = {key for key in (*homes, *applied) if key is not None}
    sources = list(
        Source.objects.filter(Q(pk__in=ids) | Q(meeting_id__in=meeting_ids)).select_related(
            "meeting"
        )
    )
    empty = dict.fromkeys(SOURCE_COLUMNS, 0)

    def counts(source_id):
        return {**empty, **homes.get(source_id, {}), "applications": applied.get(source_id, 0)}

    kind_order = list(Source.Kind.values)
    # By kind; a meeting's links by the meeting's start; then by name.
    sources.sort(
        key=lambda s: (
            kind_order.index(s.kind),
            s.meeting.starts_at if s.meeting_id else period.start,
            str(s.label).casefold(),
            s.pk,
        )
    )
    by_source = [
        {
            "source_id": source.pk,
            "code": source.code,
            "label": source.label,
            "kind": source.kind,
            "kind_label": source.get_kind_display(),
            "meeting_id": source.meeting_id,
            **counts(source.pk),
        }
        for source in sources
    ]
    by_source.append(
        {
            "source_id": None,
            "code": "",
            "label": NO_TAGGED_LINK,
            "kind": "",
            "kind_label": "",
            "meeting_id": None,
            **counts(None),
        }
    )
    by_meeting = []
    for meeting in meetings:
        walk_ins = meeting.walk_ins or 0
        people = signed.get(meeting.pk, {"signups": 0, "attended": 0})
        own = [row for row in by_source if row["meeting_id"] == meeting.pk]
        by_meeting.append(
            {
                "meeting_id": meeting.pk,
                "title": meeting.title,
                "starts_at": meeting.starts_at,
                "municipality": meeting.municipality.short_name,
                "status": meeting.status,
                "held": meeting.status == meeting.Status.HELD,
                "signups": people["signups"],
                "attended": people["attended"],
                "walk_ins": walk_ins,
                "attendance": people["attended"] + walk_ins,
                "source_ids": [row["source_id"] for row in own],
                **{key: sum(row[key] for row in own) for key in SOURCE_COLUMNS},
            }
        )
    return {
        "by_source": by_source,
        "by_meeting": by_meeting,
        "totals": {key: sum(row[key] for row in by_source) for key in SOURCE_COLUMNS},
        "meeting_totals": {key: sum(row[key] for row in by_meeting) for key in MEETING_COLUMNS},
        "tagged": sum(row["registrations"] for row in by_source if row["source_id"] is not None),
    }


# As they may be printed ---------------------------------------------------------------------


def outreach_shown(outreach: dict[str, Any]) -> dict[str, Any]:
    """The two tables as they may be printed: hidden cells None.

    By tagged link, each column is protected against its total by ``suppress``. By meeting,
    the people's columns likewise, and within a row attended, walk-ins and attendance are all
    hidden when one is (attendance is their sum); a meeting's registration figures are hidden
    when one of its links' cells in the same column is hidden (or the whole column is). The
    totals are exact."""
    by_source = outreach["by_source"]
    source_masks = {key: suppress([row[key] for row in by_source]) for key in SOURCE_COLUMNS}
    hidden_links = {
        key: {
            row["source_id"] for row, hide in zip(by_source, source_masks[key], strict=True) if hide
        }
        for key in SOURCE_COLUMNS
    }
    sources_shown = [
        {
            **row,
            **{key: None if source_masks[key][i] else row[key] for key in SOURCE_COLUMNS},
        }
        for i, row in enumerate(by_source)
    ]
    by_meeting = outreach["by_meeting"]
    people_masks = {key: suppress([row[key] for row in by_meeting]) for key in MEETING_COLUMNS}
    for i in range(len(by_meeting)):
        if any(people_masks[key][i] for key in ATTENDANCE_LINKED):
            for key in ATTENDANCE_LINKED:
                people_masks[key][i] = True
    meetings_shown = []
    for i, row in enumerate(by_meeting):
        shown = {**row}
        for key in MEETING_COLUMNS:
            shown[key] = None if people_masks[key][i] else row[key]
        for key in SOURCE_COLUMNS:
            hidden = any(source_id in hidden_links[key] for source_id in row["source_ids"])
            shown[key] = None if hidden else row[key]
        meetings_shown.append(shown)
    return {
        "by_source": sources_shown,
        "by_meeting": meetings_shown,
        "totals": outreach["totals"],
        "meeting_totals": outreach["meeting_totals"],
    }


def outreach_context(outreach: dict[str, Any] | None) -> dict[str, Any]:
    """What the dashboard and the PDF print of it (``reports/_outreach.html``): both tables as
    they may be shown, with their column headings (a hidden cell reads "hidden")."""
    if outreach is None:
        return {}
    shown = outreach_shown(outreach)
    labels = column_labels()
    hidden = metrics.HIDDEN

    def cells(row, keys):
        return [hidden if row[key] is None else row[key] for key in keys]

    return {
        "outreach": {
            "source_headers": [labels[key] for key in SOURCE_COLUMNS],
            "meeting_headers": [labels[key] for key in (*MEETING_COLUMNS, *SOURCE_COLUMNS)],
            "by_source": [
                {**row, "cells": cells(row, SOURCE_COLUMNS)} for row in shown["by_source"]
            ],
            "source_totals": [shown["totals"][key] for key in SOURCE_COLUMNS],
            "by_meeting": [
                {**row, "cells": cells(row, (*MEETING_COLUMNS, *SOURCE_COLUMNS))}
                for row in shown["by_meeting"]
            ],
            "meeting_totals": [shown["meeting_totals"][key] for key in MEETING_COLUMNS],
        },
        "outreach_meeting_note": MEETING_NOTE,
    }


def write_outreach(book, outreach: dict[str, Any] | None, formats) -> None:
    """The workbook's sheet: the table by tagged link and the table by meeting, as the PDF
    prints them (a hidden cell is empty with a note)."""
    if outreach is None:
        return
    from .documents import write_cells, write_text

    sheet = book.add_worksheet(str(SHEET)[:31])
    sheet.set_column(0, 0, 44)
    sheet.set_column(1, 1, 22)
    sheet.set_column(2, 12, 16)
    hidden_note = str(metrics.HIDDEN_NOTE)
    shown = outreach_shown(outreach)
    labels = column_labels()

    def row_of(values, row, first):
        write_cells(sheet, row, 0, values, formats["cell"])
        for j, value in enumerate(values[first:], start=first):
            if value is None:
                sheet.write_comment(row, j, hidden_note)

    row = 0
    write_cells(
        sheet,
        row,
        0,
        [_("Tagged link"), _("Kind"), *(labels[key] for key in SOURCE_COLUMNS)],
        formats["header"],
    )
    for item in shown["by_source"]:
        row += 1
        row_of([item["label"], item["kind_label"], *(item[key] for key in SOURCE_COLUMNS)], row, 2)
    row += 1
    write_cells(
        sheet,
        row,
        0,
        [_("Total"), "", *(shown["totals"][key] for key in SOURCE_COLUMNS)],
        formats["bold"],
    )
    row += 2
    columns = (*MEETING_COLUMNS, *SOURCE_COLUMNS)
    write_cells(
        sheet,
        row,
        0,
        [_("Information meeting"), _("Starts"), *(labels[key] for key in columns)],
        formats["header"],
    )
    for item in shown["by_meeting"]:
        row += 1
        title = f"{item['title']} ({item['municipality']})"
        row_of([title, item["starts_at"], *(item[key] for key in columns)], row, 2)
    row += 1
    write_cells(
        sheet,
        row,
        0,
        [_("Total"), "", *(shown["meeting_totals"][key] for key in MEETING_COLUMNS)],
        formats["bold"],
    )
    row += 2
    write_text(sheet, row, 0, _("An empty cell is hidden: %(note)s") % {"note": hidden_note})
    write_text(sheet, row + 1, 0, MEETING_NOTE)


MEETING_NOTE = _(
    "A meeting's registrations are those through the links made for it; such a count is hidden "
    "when one of its links' counts is hidden, so no meeting total is printed for them."
)


def rollup_context(blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The roll-up's table of outreach, one row per partnership (its local group), as it may be
    printed (``rollup_shown``)."""
    return [
        {
            "partnership": block["partnership"],
            "local_group": block["partnership"].local_group,
            **rollup_shown(block["outreach"]),
        }
        for block in blocks
        if "outreach" in block
    ]


def rollup_headers() -> list[Any]:
    return [
        OUTREACH["outreach_meetings_held"].label,
        OUTREACH["outreach_held_attendance"].label,
        metrics.FIGURES["registrations"].label,
        OUTREACH["outreach_tagged"].label,
        NO_TAGGED_LINK,
        _("Share through a tagged link"),
    ]


def write_rollup_outreach(book, rollup: dict[str, Any], formats) -> None:
    """The roll-up workbook's sheet: one row per partnership (``rollup_context``), a hidden
    cell empty with a note."""
    from .documents import write_cells, write_text

    sheet = book.add_worksheet(str(SHEET)[:31])
    sheet.set_column(0, 0, 40)
    sheet.set_column(1, 1, 28)
    sheet.set_column(2, 7, 18)
    hidden_note = str(metrics.HIDDEN_NOTE)
    write_cells(
        sheet, 0, 0, [_("Partnership"), _("Local group"), *rollup_headers()], formats["header"]
    )
    rows = rollup_context(rollup["partnerships"])
    for i, row in enumerate(rows, start=1):
        cells = [row[key] for key in ROLLUP_CELLS]
        if not row["registrations"]:
            cells[-1] = "–"
        group = str(row["local_group"]) if row["local_group"] else ""
        write_cells(sheet, i, 0, [row["partnership"].name, group, *cells], formats["cell"])
        for j, value in enumerate(cells, start=2):
            if value is None:
                sheet.write_comment(i, j, hidden_note)
    write_text(
        sheet, len(rows) + 2, 0, _("An empty cell is hidden: %(note)s") % {"note": hidden_note}
    )


# The roll-up's cells, in the order of ``rollup_headers``.
ROLLUP_CELLS = ("meetings_held", "attendance", "registrations", "tagged", "untagged", "share")


# The national roll-up -----------------------------------------------------------------------


def rollup_outreach(period: Period, scope: Scope) -> dict[str, Any]:
    """A partnership's outreach in the roll-up (``ROLLUP_OUTREACH``): the meetings held in its
    municipalities that started in its period and their attendance, its new registrations and
    those through a tagged link; three aggregate queries. The roll-up counts its partnerships
    together (``rollup_outreach_of``)."""
    from outreach.models import InformationMeeting

    held = meetings_of_period(period, scope).filter(status=InformationMeeting.Status.HELD)
    meetings = held.aggregate(
        held=Count("pk", distinct=True),
        walk_ins=Sum("walk_ins", default=0),
    )
    attended = held.aggregate(n=Count("signups", filter=Q(signups__attended=True)))["n"]
    registrations = metrics.registrations(period, scope).aggregate(
        total=Count(ROW), tagged=Count(ROW, filter=Q(home__source__isnull=False))
    )
    return {
        "meetings_held": meetings["held"],
        "attendance": attended + meetings["walk_ins"],
        "registrations": registrations["total"],
        "tagged": registrations["tagged"],
    }


def rollup_outreach_of(partnerships) -> dict[int, dict[str, Any]]:
    """``rollup_outreach`` for each of the roll-up's ``(partnership, period, scope)``, by the
    partnership's id: the partnerships of one period counted together, three grouped queries by
    municipality per period (the held meetings, the sign-ups who came, the registrations), each
    partnership the sum over its own municipalities (over all of them when it names none: the
    whole portal, as its own report counts). The same querysets as ``rollup_outreach``."""
    from outreach.models import InformationMeeting, MeetingSignup

    by_period: dict[Period, list] = {}
    for partnership, period, scope in partnerships:
        by_period.setdefault(period, []).append((partnership, scope))
    every = Scope(partner_id=0, volunteer_organisation_id=0)
    result = {}
    for period, members in by_period.items():
        held = meetings_of_period(period, every).filter(status=InformationMeeting.Status.HELD)
        meetings = {
            code: (n, walk_ins)
            for code, n, walk_ins in held.order_by()
            .values("municipality_id")
            .annotate(n=Count(ROW), walk_ins=Sum("walk_ins", default=0))
            .values_list("municipality_id", "n", "walk_ins")
        }
        came = dict(
            MeetingSignup.objects.filter(meeting__in=held, attended=True)
            .order_by()
            .values("meeting__municipality_id")
            .annotate(n=Count(ROW))
            .values_list("meeting__municipality_id", "n")
        )
        registered = {
            code: (n, tagged)
            for code, n, tagged in metrics.registrations(period, every)
            .order_by()
            .values("home__municipality_id")
            .annotate(n=Count(ROW), tagged=Count(ROW, filter=Q(home__source_id__isnull=False)))
            .values_list("home__municipality_id", "n", "tagged")
        }
        for partnership, scope in members:
            codes = scope.municipality_codes
            own = (lambda code: True) if codes is None else set(codes).__contains__
            result[partnership.pk] = {
                "meetings_held": sum(n for code, (n, _w) in meetings.items() if own(code)),
                "attendance": sum(w for code, (_n, w) in meetings.items() if own(code))
                + sum(n for code, n in came.items() if own(code)),
                "registrations": sum(n for code, (n, _t) in registered.items() if own(code)),
                "tagged": sum(t for code, (_n, t) in registered.items() if own(code)),
            }
    return result


def rollup_shown(row: dict[str, Any]) -> dict[str, Any]:
    """A partnership's outreach in the roll-up as it may be printed: the meetings and their
    attendance exactly (totals); the registrations through a tagged link and those without,
    protected against the new registrations by ``suppress``; the share only where the count
    through tagged links is shown and the share rests on at least ``SMALL_NUMBER``."""
    untagged = row["registrations"] - row["tagged"]
    hide_tagged, hide_untagged = suppress([row["tagged"], untagged])
    return {
        "meetings_held": row["meetings_held"],
        "attendance": row["attendance"],
        "registrations": row["registrations"],
        "tagged": None if hide_tagged else row["tagged"],
        "untagged": None if hide_untagged else untagged,
        "share": metrics._share_shown(row["tagged"], row["registrations"], hide_tagged),
    }


__all__ = [
    "OUTREACH",
    "ROLLUP_OUTREACH",
    "SECTION",
    "SMALL_NUMBER",
    "outreach_figures",
    "outreach_shown",
    "rollup_outreach",
    "rollup_shown",
]
