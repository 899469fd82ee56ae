"""The report as documents: a PDF (WeasyPrint, from an HTML template) and an XLSX (XlsxWriter,
with native Excel charts and the monthly tables behind every chart). Both are written from the
figures of ``reports.metrics.compute_figures``, in the language active when they are called."""

import io
from typing import Any

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from .charts import bar_chart, funnel_chart
from .metrics import shown


def month_label(month) -> str:
    return date_format(month, "M Y")


def chart_svgs(figures: dict[str, Any]) -> dict[str, str]:
    monthly = figures["monthly"]
    labels = [date_format(row["month"], "M") for row in monthly]
    return {
        "funnel": funnel_chart(
            title=_("From registration to move-in"),
            steps=[(str(step["label"]), step["count"]) for step in figures["funnel"]],
        ),
        "registrations": bar_chart(
            title=_("Registrations and home visits by month"),
            labels=labels,
            series=[
                (_("Registrations"), [shown(r["registrations"]) for r in monthly]),
                (_("Home visits"), [shown(r["visits"]) for r in monthly]),
            ],
        ),
        "matches": bar_chart(
            title=_("Matches approved and move-ins by month"),
            labels=labels,
            series=[
                (_("Matches approved"), [shown(r["matches_approved"]) for r in monthly]),
                (_("Moved in"), [shown(r["moved_in"]) for r in monthly]),
            ],
        ),
    }


def document_context(figures: dict[str, Any], run=None) -> dict[str, Any]:
    monthly = [
        {
            "label": month_label(row["month"]),
            **{key: shown(value) for key, value in row.items() if key != "month"},
        }
        for row in figures["monthly"]
    ]
    return {
        "figures": figures,
        "partnership": figures["partnership"],
        "period": figures["period"],
        "monthly_rows": monthly,
        "charts": chart_svgs(figures),
        "outcome_rows": {
            key: shown(figures["outcomes"][key]) for key in ("in_work", "in_studies", "other")
        },
        "run": run,
        "generated_at": timezone.localtime(),
    }


def render_pdf(figures: dict[str, Any], run=None) -> bytes:
    from weasyprint import HTML

    html = render_to_string("reports/report_pdf.html", document_context(figures, run))
    return HTML(string=html).write_pdf()


def render_xlsx(figures: dict[str, Any], run=None) -> bytes:
    import xlsxwriter

    output = io.BytesIO()
    book = xlsxwriter.Workbook(output, {"in_memory": True})
    bold = book.add_format({"bold": True})
    title = book.add_format({"bold": True, "font_size": 14})
    header = book.add_format({"bold": True, "bg_color": "#e6f0ee", "border": 1})
    cell = book.add_format({"border": 1})
    partnership = figures["partnership"]
    period = figures["period"]

    summary = book.add_worksheet(_("Summary")[:31])
    summary.set_column(0, 0, 52)
    summary.set_column(1, 4, 14)
    summary.write(0, 0, str(partnership), title)
    summary.write(
        1,
        0,
        _("Period %(start)s – %(end)s")
        % {
            "start": date_format(period.first_day, "DATE_FORMAT"),
            "end": date_format(period.last_day, "DATE_FORMAT"),
        },
    )
    row = 3
    summary.write_row(
        row, 0, [_("Target"), _("Goal"), _("Result"), _("Progress (%)"), _("Met")], header
    )
    for target in figures["targets"]:
        row += 1
        summary.write_row(
            row,
            0,
            [
                str(target["label"]),
                float(target["goal"]),
                target["value"] if target["value"] is not None else "–",
                target["percent"] if target["percent"] is not None else "–",
                _("Yes") if target["met"] else _("No"),
            ],
            cell,
        )
    row += 2
    summary.write(row, 0, _("Totals"), bold)
    for key, label in total_labels().items():
        row += 1
        summary.write_row(row, 0, [str(label), figures["totals"][key]], cell)
    row += 2
    summary.write(row, 0, _("Lead times (days)"), bold)
    row += 1
    summary.write_row(
        row, 0, [_("From registration to"), _("Median"), _("90th percentile")], header
    )
    for key, label in lead_time_labels().items():
        row += 1
        values = figures["lead_times"][key]
        summary.write_row(
            row,
            0,
            [str(label), _dash(values["median"]), _dash(values["p90"])],
            cell,
        )

    row += 2
    summary.write(row, 0, _("After the establishment period"), bold)
    outcomes = figures["outcomes"]
    for label, value in (
        (_("Outcomes recorded"), outcomes["recorded"]),
        (_("In work"), shown(outcomes["in_work"])),
        (_("In studies"), shown(outcomes["in_studies"])),
        (_("Other"), shown(outcomes["other"])),
        (_("Share in work (%)"), _dash(outcomes["share_in_work"])),
    ):
        row += 1
        summary.write_row(
            row, 0, [str(label), value if isinstance(value, int) else str(value)], cell
        )
    housing = figures.get("housing")
    if housing:
        row += 2
        summary.write(row, 0, _("The housing company"), bold)
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
            summary.write_row(row, 0, [str(label), value], cell)

    funnel = book.add_worksheet(_("Funnel")[:31])
    funnel.set_column(0, 0, 30)
    funnel.write_row(0, 0, [_("Step"), _("Homes")], header)
    for i, step in enumerate(figures["funnel"], start=1):
        funnel.write_row(i, 0, [str(step["label"]), step["count"]], cell)
    chart = book.add_chart({"type": "bar"})
    n = len(figures["funnel"])
    chart.add_series(
        {
            "name": _("Homes"),
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
    monthly.set_column(1, 5, 16)
    columns = [
        ("registrations", _("Registrations")),
        ("calls", _("Calls")),
        ("visits", _("Home visits")),
        ("matches_approved", _("Matches approved")),
        ("moved_in", _("Moved in")),
    ]
    monthly.write_row(0, 0, [_("Month")] + [str(label) for _key, label in columns], header)
    rows = figures["monthly"]
    for i, month_row in enumerate(rows, start=1):
        monthly.write(i, 0, month_label(month_row["month"]), cell)
        for j, (key, _label) in enumerate(columns, start=1):
            value = shown(month_row[key])
            monthly.write(i, j, value if isinstance(value, int) else str(value), cell)
    last = len(rows)
    for position, keys, chart_title in (
        (1, ("registrations", "visits"), _("Registrations and home visits by month")),
        (18, ("matches_approved", "moved_in"), _("Matches approved and move-ins by month")),
    ):
        chart = book.add_chart({"type": "column"})
        for key in keys:
            col = [k for k, _label in columns].index(key) + 1
            chart.add_series(
                {
                    "name": [monthly.name, 0, col],
                    "categories": [monthly.name, 1, 0, last, 0],
                    "values": [monthly.name, 1, col, last, col],
                }
            )
        chart.set_title({"name": chart_title})
        monthly.insert_chart(position, 7, chart)
    monthly.write(last + 2, 0, _("Counts from 1 to 4 are shown as “fewer than 5”."))
    book.close()
    return output.getvalue()


def _dash(value):
    return "–" if value is None else value


def total_labels():
    return {
        "registrations": _("New registrations"),
        "reached_within_7_days": _("Hosts reached within 7 days of registering"),
        "call_attempts": _("Calls made"),
        "home_visits": _("Home visits"),
        "homes_referred": _("Homes referred"),
        "matches_approved": _("Matches approved"),
        "households_housed": _("Households housed"),
        "active_volunteers": _("Active volunteers"),
    }


def lead_time_labels():
    return {
        "contact": _("first contact"),
        "visit": _("home visit"),
        "move_in": _("move-in"),
    }
