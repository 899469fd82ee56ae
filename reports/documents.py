"""The report as documents: a PDF (WeasyPrint, from an HTML template) and an XLSX (XlsxWriter,
with native Excel charts and the monthly tables behind every chart). Both are written from the
figures of ``reports.metrics.compute_figures``, in the language active when they are called,
with the labels and definitions of ``reports.metrics`` and its rule for small counts.

Every workbook the portal writes is made by ``new_workbook`` and its text goes through
``write_text``: a name such as ``=HYPERLINK(…)`` stays text, never a live formula."""

import io
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from matching_portal import formatting

from . import metrics, outreach_figures
from .charts import bar_chart, funnel_chart

# The first characters that make a spreadsheet read a cell as a formula (OWASP's list).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def new_workbook(output):
    """A workbook in which strings are never turned into formulas, links or numbers."""
    import xlsxwriter

    return xlsxwriter.Workbook(
        output,
        {
            "in_memory": True,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
        },
    )


def write_text(sheet, row: int, col: int, value, cell_format=None) -> None:
    """Write ``value`` as a text cell, whatever it starts with (=, +, -, @, a tab or a carriage
    return included): ``write_string``, never ``write``, which may guess a formula."""
    sheet.write_string(row, col, str(value), cell_format)


# Excel's own codes: a spreadsheet program shows them with the reader's digit grouping and
# month names ("1 100", "25 nov. 2026" in Swedish).
WHOLE = "#,##0"
DECIMAL = "#,##0.0"
DAY = "d mmm yyyy"
MONTH = "mmm yyyy"


def add_formats(book, **properties) -> Any:
    """A cell format, with its variants for numbers with decimals, days and months (kept on the
    format, so that ``write_cells`` picks the variant for each value): whole numbers are grouped
    ("1 100"), dates are date cells."""
    base = book.add_format({**properties, "num_format": WHOLE})
    base.decimal = book.add_format({**properties, "num_format": DECIMAL})
    base.day = book.add_format({**properties, "num_format": DAY})
    base.month = book.add_format({**properties, "num_format": MONTH})
    return base


def write_cells(sheet, row: int, col: int, values, cell_format=None) -> None:
    """A row of cells: numbers as numbers (grouped; one decimal where there is one), dates as
    date cells, None as an empty cell, anything else as text."""
    for offset, value in enumerate(values):
        if value is None:
            sheet.write_blank(row, col + offset, None, cell_format)
        elif isinstance(value, bool):
            write_text(sheet, row, col + offset, _("Yes") if value else _("No"), cell_format)
        elif isinstance(value, int | float | Decimal):
            whole = value == int(value)
            number_format = cell_format if whole else getattr(cell_format, "decimal", cell_format)
            sheet.write_number(row, col + offset, float(value), number_format)
        elif isinstance(value, date):
            write_day(sheet, row, col + offset, value, cell_format)
        else:
            write_text(sheet, row, col + offset, value, cell_format)


def write_day(sheet, row: int, col: int, value, cell_format=None, *, month=False) -> None:
    """A date as a date cell ("25 nov. 2026"; ``month``: "nov. 2026")."""
    if isinstance(value, datetime):
        value = timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    variant = getattr(cell_format, "month" if month else "day", cell_format)
    sheet.write_datetime(row, col, datetime(value.year, value.month, value.day), variant)


def month_label(month) -> str:
    """A month as the documents print it: "nov. 2026" / "Nov 2026"."""
    return f"{formatting.MONTHS_SHORT[month.month]} {month.year}"


def total_labels() -> dict[str, Any]:
    return {key: item.label for key, item in metrics.FIGURES.items()}


def lead_time_labels() -> dict[str, Any]:
    return {key: item.label for key, item in metrics.LEAD_TIMES.items()}


def monthly_columns() -> list[tuple[str, Any]]:
    return [(key, metrics.FIGURES[key].label) for key in metrics.MONTHLY]


def municipality_columns() -> list[tuple[str, Any]]:
    return [(key, metrics.FIGURES[key].label) for key in metrics.BY_MUNICIPALITY]


def municipality_table(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """A table by municipality as it may be printed (``metrics.municipality_shown``): its
    headers, its rows (code, name, cells; a hidden cell reads "hidden") and the totals row."""
    hidden = metrics.HIDDEN
    return {
        "headers": [label for _key, label in municipality_columns()],
        "rows": [
            {
                "code": row["code"],
                "name": row["name"],
                "cells": [
                    hidden if row[key] is None else row[key] for key in metrics.BY_MUNICIPALITY
                ],
            }
            for row in metrics.municipality_shown(rows)
        ],
        "totals": [sum(row[key] for row in rows) for key in metrics.BY_MUNICIPALITY],
    }


def scope_lines(partnership, scope) -> list[str]:
    """What the partnership names, as the report's first page says it."""
    lines = []
    if scope.municipality_codes:
        names = ", ".join(
            f"{m.short_name} ({m.code})" for m in partnership.municipalities.order_by("code")
        )
        lines.append(_("Municipalities: %(names)s") % {"names": names})
    if partnership.local_group_id:
        lines.append(_("Local group: %(name)s") % {"name": partnership.local_group})
    if scope.falls_back:
        lines.append(str(metrics.FALLBACK_NOTE))
    return lines


def chart_svgs(figures: dict[str, Any]) -> dict[str, str]:
    monthly = metrics.monthly_shown(figures)
    labels = [str(formatting.MONTHS_SHORT[row["month"].month]) for row in monthly]
    label = total_labels()

    def series(key):
        return (str(label[key]), [row[key] for row in monthly])

    return {
        "funnel": funnel_chart(
            title=_("From registration to move-in"),
            steps=[(str(step["label"]), step["count"]) for step in figures["funnel"]],
        ),
        "registrations": bar_chart(
            title=_("Registrations and home visits by month"),
            labels=labels,
            series=[series("registrations"), series("home_visits")],
            hidden_label=str(metrics.HIDDEN),
        ),
        "matches": bar_chart(
            title=_("Matches approved and households housed by month"),
            labels=labels,
            series=[series("matches_approved"), series("households_housed")],
            hidden_label=str(metrics.HIDDEN),
        ),
    }


def document_context(figures: dict[str, Any], run=None) -> dict[str, Any]:
    """What the dashboard and the PDF print: every figure as it may be shown."""
    hidden = metrics.HIDDEN
    monthly = [
        {
            "label": month_label(row["month"]),
            "cells": [hidden if row[key] is None else row[key] for key in metrics.MONTHLY],
        }
        for row in metrics.monthly_shown(figures)
    ]
    outcomes = metrics.outcomes_shown(figures["outcomes"])
    scope = figures["scope"]
    return {
        "figures": figures,
        "scope_lines": scope_lines(figures["partnership"], scope),
        "by_municipality": municipality_table(figures["by_municipality"]),
        "partnership": figures["partnership"],
        "period": figures["period"],
        "total_rows": [
            {"key": key, "label": item.label, "value": figures["totals"][key]}
            for key, item in metrics.FIGURES.items()
        ],
        "lead_time_rows": [
            {"label": item.label, **figures["lead_times"][key]}
            for key, item in metrics.LEAD_TIMES.items()
        ],
        "monthly_headers": [label for _key, label in monthly_columns()],
        "monthly_rows": monthly,
        "charts": chart_svgs(figures),
        "outcomes": outcomes,
        "outcome_rows": {
            key: hidden if outcomes[key] is None else outcomes[key] for key in metrics.OUTCOME_KEYS
        },
        "outcome_labels": metrics.OUTCOMES,
        "stay": metrics.stay_shown(figures["stay"]),
        "stay_labels": metrics.STAY,
        **work_context(figures["work"]),
        **outreach_figures.outreach_context(figures.get("outreach")),
        "hidden": hidden,
        "definitions": metrics.definitions(scope),
        "general_notes": general_notes(scope),
        "hidden_note": metrics.HIDDEN_NOTE,
        "run": run,
        "generated_at": timezone.localtime(),
    }


def work_context(work: dict[str, Any]) -> dict[str, Any]:
    """The road to work as the dashboard and the PDF print it (``reports/_work.html``)."""
    shown = metrics.work_shown(work)
    return {
        "work": shown,
        "work_labels": metrics.WORK,
        "placement_headers": metrics.placement_step_labels(),
        "work_share_tables": [
            (_("Housing route (the first move-in)"), shown["by_route"]),
            (_("Placement before the establishment period ended"), shown["by_placement"]),
        ],
        "share_note": metrics.SHARE_NOTE,
        "not_recorded": metrics.NOT_RECORDED,
    }


def general_notes(scope=None) -> list[Any]:
    notes = list(metrics.GENERAL_NOTES)
    if scope is not None and scope.falls_back:
        notes.append(metrics.FALLBACK_NOTE)
    return notes


def render_pdf(figures: dict[str, Any], run=None) -> bytes:
    from weasyprint import HTML

    html = render_to_string("reports/report_pdf.html", document_context(figures, run))
    return HTML(string=html).write_pdf()


def _dash(value):
    return "–" if value is None else value


def render_xlsx(figures: dict[str, Any], run=None) -> bytes:
    output = io.BytesIO()
    book = new_workbook(output)
    bold = add_formats(book, bold=True)
    title = book.add_format({"bold": True, "font_size": 14})
    header = book.add_format({"bold": True, "bg_color": "#e6f0ee", "border": 1})
    cell = add_formats(book, border=1)
    wrap = book.add_format({"text_wrap": True, "valign": "top", "border": 1})
    partnership = figures["partnership"]
    period = figures["period"]
    hidden_note = str(metrics.HIDDEN_NOTE)

    summary = book.add_worksheet(_("Summary")[:31])
    summary.set_column(0, 0, 52)
    summary.set_column(1, 4, 14)
    write_text(summary, 0, 0, partnership, title)
    # The period as two date cells: its first day and the last day counted.
    write_cells(summary, 1, 0, [_("Period"), period.first_day, period.last_day], bold)
    row = 3
    write_cells(
        summary, row, 0, [_("Target"), _("Goal"), _("Result"), _("Progress (%)"), _("Met")], header
    )
    for target in figures["targets"]:
        row += 1
        write_cells(
            summary,
            row,
            0,
            [
                target["label"],
                target["goal"],
                _dash(target["value"]),
                _dash(target["percent"]),
                target["met"],
            ],
            cell,
        )
    row += 2
    write_text(summary, row, 0, _("Totals"), bold)
    for key, label in total_labels().items():
        row += 1
        write_cells(summary, row, 0, [label, figures["totals"][key]], cell)
    row += 2
    write_text(summary, row, 0, _("Lead times (days)"), bold)
    row += 1
    write_cells(
        summary, row, 0, [_("From registration to"), _("Median"), _("90th percentile")], header
    )
    for key, label in lead_time_labels().items():
        row += 1
        values = figures["lead_times"][key]
        write_cells(summary, row, 0, [label, _dash(values["median"]), _dash(values["p90"])], cell)

    row += 2
    write_text(summary, row, 0, _("After the establishment period"), bold)
    outcomes = metrics.outcomes_shown(figures["outcomes"])
    row += 1
    write_text(summary, row, 0, metrics.OUTCOMES["period"].label, bold)
    for key, label in (
        ("recorded", _("Outcomes recorded")),
        ("in_work", _("In work")),
        ("in_studies", _("In studies")),
        ("other", _("Other")),
        ("share_in_work", _("Share in work (%)")),
    ):
        row += 1
        value = outcomes[key]
        if key == "share_in_work" and value is None and not outcomes["recorded"]:
            value = "–"
        write_cells(summary, row, 0, [label, value], cell)
        if value is None:
            summary.write_comment(row, 1, hidden_note)
    cumulative = outcomes["cumulative"]
    row += 1
    write_text(summary, row, 0, metrics.OUTCOMES["cumulative"].label, bold)
    for label, value in (
        (_("Outcomes recorded"), cumulative["recorded"]),
        (_("Share in work (%)"), cumulative["share_in_work"]),
    ):
        row += 1
        write_cells(summary, row, 0, [label, value if value is not None else "–"], cell)
    housing = figures.get("housing")
    if housing:
        row += 2
        write_text(summary, row, 0, _("The housing company"), bold)
        vacancies = housing["vacancies"]
        for label, value in (
            (_("Units owned"), housing["units"]),
            (_("Units and places let to the Migration Agency"), housing["allotted"]),
            (_("of which in use"), housing["allotted_in_use"]),
            (_("Vacancies recorded"), vacancies["recorded"]),
            (_("Offered to the integration unit under the quota"), vacancies["offered"]),
            (_("of which replacing a declined offer"), vacancies["replacements"]),
            (_("Offers accepted (a household moved in)"), vacancies["accepted"]),
            (_("Offers declined"), vacancies["declined"]),
            (_("Offers still open"), vacancies["open"]),
            (_("Sublets turned into first-hand contracts"), housing["contracts_converted"]),
        ):
            row += 1
            write_cells(summary, row, 0, [label, value], cell)
        for allotment in housing["allotments"]:
            row += 1
            description = allotment["kind_label"]
            if allotment["description"]:
                description = f"{description}: {allotment['description']}"
            write_cells(summary, row, 0, [description, allotment["count"]], cell)

    funnel = book.add_worksheet(_("Funnel")[:31])
    funnel.set_column(0, 0, 44)
    write_cells(funnel, 0, 0, [_("Step"), _("Homes registered in the period")], header)
    for i, step in enumerate(figures["funnel"], start=1):
        write_cells(funnel, i, 0, [step["label"], step["count"]], cell)
    chart = book.add_chart({"type": "bar"})
    n = len(figures["funnel"])
    chart.add_series(
        {
            "name": _("Homes registered in the period"),
            "categories": [funnel.name, 1, 0, n, 0],
            "values": [funnel.name, 1, 1, n, 1],
            "fill": {"color": "#0b5d56"},
        }
    )
    chart.set_title({"name": _("From registration to move-in")})
    chart.set_y_axis({"reverse": True})
    chart.set_legend({"none": True})
    funnel.insert_chart(1, 3, chart)

    monthly = book.add_worksheet(_("By month")[:31])
    monthly.set_column(0, 0, 14)
    monthly.set_column(1, 5, 18)
    columns = monthly_columns()
    write_cells(monthly, 0, 0, [_("Month")] + [label for _key, label in columns], header)
    rows = metrics.monthly_shown(figures)
    for i, month_row in enumerate(rows, start=1):
        write_day(monthly, i, 0, month_row["month"], cell, month=True)
        for j, (key, _label) in enumerate(columns, start=1):
            write_cells(monthly, i, j, [month_row[key]], cell)
            if month_row[key] is None:
                monthly.write_comment(i, j, hidden_note)
    last = len(rows)
    keys = [key for key, _label in columns]
    for position, chart_keys, chart_title in (
        (1, ("registrations", "home_visits"), _("Registrations and home visits by month")),
        (
            18,
            ("matches_approved", "households_housed"),
            _("Matches approved and households housed by month"),
        ),
    ):
        chart = book.add_chart({"type": "column"})
        for key in chart_keys:
            col = keys.index(key) + 1
            chart.add_series(
                {
                    "name": [monthly.name, 0, col],
                    "categories": [monthly.name, 1, 0, last, 0],
                    "values": [monthly.name, 1, col, last, col],
                }
            )
        chart.set_title({"name": chart_title})
        monthly.insert_chart(position, 7, chart)
    write_text(monthly, last + 2, 0, _("An empty cell is hidden: %(note)s") % {"note": hidden_note})

    by_municipality = book.add_worksheet(_("By municipality")[:31])
    formats = {"header": header, "cell": cell, "bold": bold}
    last = write_municipality_rows(by_municipality, 0, [], figures["by_municipality"], formats)
    write_text(
        by_municipality, last + 2, 0, _("An empty cell is hidden: %(note)s") % {"note": hidden_note}
    )
    write_stay(book, figures["stay"], formats)
    write_work(book, figures["work"], formats)
    outreach_figures.write_outreach(book, figures.get("outreach"), formats)
    write_definitions(book, figures["scope"], header, wrap)
    book.close()
    return output.getvalue()


def write_stay(book, stay: dict[str, Any], formats) -> None:
    """The stay's sheet: the totals, the time to first response, the breakdowns (a hidden cell
    is empty with a note) and the average score per question."""
    sheet = book.add_worksheet(_("The stay")[:31])
    sheet.set_column(0, 0, 52)
    sheet.set_column(1, 3, 16)
    hidden_note = str(metrics.HIDDEN_NOTE)
    shown = metrics.stay_shown(stay)
    labels = metrics.STAY
    row = 0
    write_cells(sheet, row, 0, [_("The stay"), _("Count")], formats["header"])
    for key in (
        "concerns_raised",
        "concerns_urgent",
        "mediations_held",
        "stays_ended_early",
        "rematches",
        "evaluations_answered",
    ):
        row += 1
        write_cells(sheet, row, 0, [labels[key].label, shown[key]], formats["cell"])
    row += 2
    write_cells(
        sheet,
        row,
        0,
        [labels["first_response"].label, _("Median"), _("90th percentile")],
        formats["header"],
    )
    row += 1
    response = shown["first_response"]
    write_cells(
        sheet,
        row,
        0,
        [
            _("From raising a concern to its first response"),
            _dash(response["median"]),
            _dash(response["p90"]),
        ],
        formats["cell"],
    )
    for title, column, key, total in (
        (_("Concerns raised, by who raised them"), _("Concerns"), "by_raiser", "concerns_raised"),
        (_("Stays ended early, by reason"), _("Stays"), "by_reason", "stays_ended_early"),
        (
            _("Evaluations answered, by who answered and when"),
            _("Evaluations"),
            "evaluations",
            "evaluations_answered",
        ),
    ):
        row += 2
        write_cells(sheet, row, 0, [title, column], formats["header"])
        for item in shown[key]:
            row += 1
            write_cells(sheet, row, 0, [item["label"], item["count"]], formats["cell"])
            if item["count"] is None:
                sheet.write_comment(row, 1, hidden_note)
        row += 1
        write_cells(sheet, row, 0, [_("Total"), shown[total]], formats["bold"])
    row += 2
    write_cells(
        sheet,
        row,
        0,
        [labels["evaluation_scores"].label, _("Answered by"), _("Answers"), _("Average")],
        formats["header"],
    )
    for item in shown["scores"]:
        row += 1
        write_cells(
            sheet,
            row,
            0,
            [item["label"], item["respondent_label"], item["answers"], item["average"]],
            formats["cell"],
        )
        if item["average"] is None:
            sheet.write_comment(row, 3, hidden_note)
    row += 2
    write_text(sheet, row, 0, _("An empty cell is hidden: %(note)s") % {"note": hidden_note})
    write_text(sheet, row + 1, 0, _("An average over fewer than 5 answers is hidden too."))


def _share_cell(n, share):
    """A share as the workbook prints it: the per cent, "–" when there are no households, empty
    (with a note) when hidden."""
    if n == 0:
        return "–"
    return share


def write_work(book, work: dict[str, Any], formats) -> None:
    """The road to work's sheet: the placements by kind and outcome (a hidden cell is empty with
    a note), the shares in work by housing route and by placement and the shares staying, each
    with its n, and the housing company's own figures."""
    sheet = book.add_worksheet(_("The road to work")[:31])
    sheet.set_column(0, 0, 58)
    sheet.set_column(1, 5, 18)
    hidden_note = str(metrics.HIDDEN_NOTE)
    shown = metrics.work_shown(work)
    row = 0
    write_cells(
        sheet, row, 0, [_("Kind of placement"), *metrics.placement_step_labels()], formats["header"]
    )
    for item in shown["placements"]:
        row += 1
        write_cells(sheet, row, 0, [item["label"], *item["cells"]], formats["cell"])
        for j, value in enumerate(item["cells"], start=1):
            if value is None:
                sheet.write_comment(row, j, hidden_note)
    row += 1
    write_cells(sheet, row, 0, [_("Total"), *shown["placement_totals"]], formats["bold"])
    for title, rows in (
        (_("Housing route (the first move-in)"), shown["by_route"]),
        (_("Placement before the establishment period ended"), shown["by_placement"]),
    ):
        row += 2
        write_cells(
            sheet, row, 0, [title, _("Households (n)"), _("Share in work (%)")], formats["header"]
        )
        for item in rows:
            row += 1
            share = _share_cell(item["n"], item["share"])
            write_cells(sheet, row, 0, [item["label"], item["n"], share], formats["cell"])
            if item["n"] is None:
                sheet.write_comment(row, 1, hidden_note)
            if share is None:
                sheet.write_comment(row, 2, hidden_note)
        row += 1
        share = _share_cell(shown["recorded"], shown["share_in_work"])
        write_cells(sheet, row, 0, [_("All households"), shown["recorded"], share], formats["bold"])
        if share is None:
            sheet.write_comment(row, 2, hidden_note)
    row += 2
    write_cells(
        sheet,
        row,
        0,
        [_("Of the households with a recorded outcome"), _("Recorded (n)"), _("Share (%)")],
        formats["header"],
    )
    for key in ("still_in_municipality", "still_in_matched_home"):
        row += 1
        item = shown[key]
        share = _share_cell(item["n"], item["share"])
        write_cells(sheet, row, 0, [metrics.WORK[key].label, item["n"], share], formats["cell"])
        if share is None:
            sheet.write_comment(row, 2, hidden_note)
    company = shown["company"]
    if company is not None:
        row += 2
        write_cells(sheet, row, 0, [_("The housing company's own figures")], formats["header"])
        staff = company["staff"]
        not_recorded = str(metrics.NOT_RECORDED)
        for label, value in (
            (_("Placements offered by the company"), company["offered"]),
            (_("Placements completed with the company"), company["completed"]),
            (_("Employees of the company"), staff["employees"] if staff else not_recorded),
            (
                _("Staff who came to Sweden as newcomers"),
                staff["came_as_newcomers"] if staff else not_recorded,
            ),
            (
                _("Staff figures as of"),
                staff["recorded_on"] if staff else not_recorded,
            ),
        ):
            row += 1
            write_cells(sheet, row, 0, [label, value], formats["cell"])
    row += 2
    write_text(sheet, row, 0, _("An empty cell is hidden: %(note)s") % {"note": hidden_note})
    write_text(sheet, row + 1, 0, metrics.SHARE_NOTE)


def municipality_headers() -> list[Any]:
    return [_("Municipality code"), _("Municipality")] + [
        label for _key, label in municipality_columns()
    ]


def write_municipality_rows(sheet, row: int, lead: list, rows, formats, *, header=True) -> int:
    """The rows by municipality from ``row`` on (after the columns ``lead``, e.g. the
    partnership), a header first unless ``header`` is False, the total last: a hidden cell is
    empty with a note. Returns the last row written."""
    width = len(lead)
    if header:
        sheet.set_column(width, width, 12)
        sheet.set_column(width + 1, width + 1, 28)
        sheet.set_column(width + 2, width + 1 + len(metrics.BY_MUNICIPALITY), 18)
    hidden_note = str(metrics.HIDDEN_NOTE)
    if header:
        write_cells(
            sheet,
            row,
            0,
            [_("Partnership")] * bool(lead) + municipality_headers(),
            formats["header"],
        )
    for shown in metrics.municipality_shown(rows):
        row += 1
        values = [shown[key] for key in metrics.BY_MUNICIPALITY]
        write_cells(sheet, row, 0, [*lead, shown["code"], shown["name"], *values], formats["cell"])
        for j, value in enumerate(values):
            if value is None:
                sheet.write_comment(row, width + 2 + j, hidden_note)
    row += 1
    totals = [sum(r[key] for r in rows) for key in metrics.BY_MUNICIPALITY]
    write_cells(sheet, row, 0, [*lead, "", _("Total"), *totals], formats["bold"])
    return row


def write_definitions(book, scope, header, wrap) -> None:
    definitions = book.add_worksheet(_("Definitions")[:31])
    definitions.set_column(0, 0, 44)
    definitions.set_column(1, 1, 26)
    definitions.set_column(2, 2, 90)
    write_cells(definitions, 0, 0, [_("Figure"), _("Scope"), _("What it counts")], header)
    row = 0
    for item in metrics.definitions(scope):
        row += 1
        write_cells(definitions, row, 0, [item["label"], item["scope"], item["definition"]], wrap)
    row += 1
    for note in general_notes(scope):
        row += 1
        write_text(definitions, row, 0, note)


# The national roll-up -----------------------------------------------------------------------


def national_context(rollup: dict[str, Any], run=None) -> dict[str, Any]:
    """What the roll-up's page and PDF print: per partnership its scope and its table by
    municipality, as it may be shown; the definitions (the current ones, and what an older
    partnership naming no municipality or group is counted by)."""
    return {
        "rollup": rollup,
        "organisation": rollup["organisation"],
        "year": rollup["year"],
        "as_of": rollup["as_of"],
        "blocks": [
            {
                "partnership": block["partnership"],
                "period": block["period"],
                "scope_lines": scope_lines(block["partnership"], block["scope"]),
                "table": municipality_table(block["rows"]),
                "stay_rows": [
                    {"label": label, "value": value}
                    for label, value in zip(
                        rollup_stay_headers(), rollup_stay_cells(block["stay"]), strict=True
                    )
                ],
                "work": rollup_work_rows(block["work"]),
            }
            for block in rollup["partnerships"]
        ],
        "headers": [label for _key, label in municipality_columns()],
        "definitions": [
            row
            for row in metrics.definitions()
            if row["key"] in metrics.BY_MUNICIPALITY
            or row["key"] in metrics.ROLLUP_STAY
            or row["key"] in metrics.ROLLUP_WORK
            or row["key"] in outreach_figures.ROLLUP_OUTREACH
        ],
        "outreach_rows": outreach_figures.rollup_context(rollup["partnerships"]),
        "outreach_headers": outreach_figures.rollup_headers(),
        "share_note": metrics.SHARE_NOTE,
        "hidden": metrics.HIDDEN,
        "general_notes": metrics.GENERAL_NOTES,
        "hidden_note": metrics.HIDDEN_NOTE,
        "run": run,
        "generated_at": timezone.localtime(),
    }


def rollup_stay_headers() -> list[Any]:
    """The columns of the stay's totals in the roll-up (the time to first response as its
    median and 90th percentile, in hours)."""
    headers = []
    for key in metrics.ROLLUP_STAY:
        if key == "first_response":
            headers += [_("First response, median (hours)"), _("First response, 90th percentile")]
        else:
            headers.append(metrics.STAY[key].label)
    return headers


def rollup_stay_cells(stay: dict[str, Any]) -> list[Any]:
    """A partnership's stay totals in the order of ``rollup_stay_headers`` (None: no value)."""
    cells = []
    for key in metrics.ROLLUP_STAY:
        if key == "first_response":
            cells += [stay[key]["median"], stay[key]["p90"]]
        else:
            cells.append(stay[key])
    return cells


def rollup_work_rows(work: dict[str, Any]) -> dict[str, Any]:
    """A partnership's road to work in the roll-up, as its own report shows it
    (``metrics.work_shown``): the placements by outcome (totals over the kinds), and each share
    with its n (a hidden n or share is None)."""
    shown = metrics.work_shown(work)
    shares = [
        (_("In work after the establishment period"), shown["recorded"], shown["share_in_work"])
    ]
    for item in (*shown["by_route"], *shown["by_placement"]):
        shares.append(
            (_("In work: %(group)s") % {"group": item["label"]}, item["n"], item["share"])
        )
    for key in ("still_in_municipality", "still_in_matched_home"):
        shares.append((metrics.WORK[key].label, shown[key]["n"], shown[key]["share"]))
    return {
        "placements": [
            {"label": label, "value": value}
            for label, value in zip(
                metrics.placement_step_labels(), shown["placement_totals"], strict=True
            )
        ],
        "shares": [{"label": label, "n": n, "share": share} for label, n, share in shares],
    }


def render_national_pdf(rollup: dict[str, Any], run=None) -> bytes:
    from weasyprint import HTML

    html = render_to_string("reports/national_pdf.html", national_context(rollup, run))
    return HTML(string=html).write_pdf()


def render_national_xlsx(rollup: dict[str, Any], run=None) -> bytes:
    """One sheet with one row per partnership and municipality (and each partnership's total),
    and the definitions."""
    output = io.BytesIO()
    book = new_workbook(output)
    bold = add_formats(book, bold=True)
    title = book.add_format({"bold": True, "font_size": 14})
    header = book.add_format({"bold": True, "bg_color": "#e6f0ee", "border": 1})
    cell = add_formats(book, border=1)
    wrap = book.add_format({"text_wrap": True, "valign": "top", "border": 1})
    formats = {"header": header, "cell": cell, "bold": bold}
    sheet = book.add_worksheet(_("By partnership")[:31])
    sheet.set_column(0, 0, 40)
    sheet.set_column(1, 1, 12)
    sheet.set_column(2, 2, 28)
    sheet.set_column(3, 2 + len(metrics.BY_MUNICIPALITY), 18)
    write_text(sheet, 0, 0, rollup["organisation"], title)
    write_text(sheet, 1, 0, f"{_('National roll-up')} {rollup['year']}", bold)
    write_cells(sheet, 2, 0, [_("Figures up to and including"), rollup["as_of"]], bold)
    row = 4
    write_cells(sheet, row, 0, [_("Partnership"), *municipality_headers()], header)
    for block in rollup["partnerships"]:
        row = write_municipality_rows(
            sheet, row, [block["partnership"].name], block["rows"], formats, header=False
        )
    if not rollup["partnerships"]:
        write_text(sheet, row + 1, 0, _("No partnership of the organisation in this year."))
    row += 2
    write_text(
        sheet, row, 0, _("An empty cell is hidden: %(note)s") % {"note": metrics.HIDDEN_NOTE}
    )
    stay = book.add_worksheet(_("The stay")[:31])
    stay.set_column(0, 0, 40)
    stay.set_column(1, len(metrics.ROLLUP_STAY) + 1, 18)
    write_cells(stay, 0, 0, [_("Partnership"), *rollup_stay_headers()], header)
    for i, block in enumerate(rollup["partnerships"], start=1):
        cells = [_dash(value) for value in rollup_stay_cells(block["stay"])]
        write_cells(stay, i, 0, [block["partnership"].name, *cells], cell)
    write_rollup_work(book, rollup, formats)
    outreach_figures.write_rollup_outreach(book, rollup, formats)
    write_definitions(book, None, header, wrap)
    book.close()
    return output.getvalue()


def write_rollup_work(book, rollup: dict[str, Any], formats) -> None:
    """The roll-up's road to work: one row per partnership, the placements by outcome, then each
    share with its n (a hidden cell empty with a note, "–" where there are no households)."""
    sheet = book.add_worksheet(_("The road to work")[:31])
    sheet.set_column(0, 0, 40)
    hidden_note = str(metrics.HIDDEN_NOTE)
    blocks = [rollup_work_rows(block["work"]) for block in rollup["partnerships"]]
    headers = list(metrics.placement_step_labels())
    if blocks:
        for share in blocks[0]["shares"]:
            headers += [
                _("%(figure)s: households (n)") % {"figure": share["label"]},
                _("%(figure)s: share (%%)") % {"figure": share["label"]},
            ]
    sheet.set_column(1, len(headers), 18)
    write_cells(sheet, 0, 0, [_("Partnership"), *headers], formats["header"])
    for i, (block, work) in enumerate(zip(rollup["partnerships"], blocks, strict=True), start=1):
        cells = [item["value"] for item in work["placements"]]
        for share in work["shares"]:
            cells += [share["n"], _share_cell(share["n"], share["share"])]
        write_cells(sheet, i, 0, [block["partnership"].name, *cells], formats["cell"])
        for j, value in enumerate(cells, start=1):
            if value is None:
                sheet.write_comment(i, j, hidden_note)
    row = len(blocks) + 2
    write_text(sheet, row, 0, _("An empty cell is hidden: %(note)s") % {"note": hidden_note})
    write_text(sheet, row + 1, 0, metrics.SHARE_NOTE)
