"""The demo partnership's report files in the report's language (issue 18): the PDF shows
Swedish digit grouping ("1 100") and month names ("25 nov. 2026"), never an ISO date, and no
page of it is a stray page of a few lines; the XLSX holds numbers as grouped number cells and
dates as date cells, with every label in Swedish. The PDF's pages are drawn into test-artifacts/
(reports-pdf-sv-*.png) to be looked at."""

import io
import re
import shutil
import subprocess
from datetime import datetime
from pathlib import Path

import openpyxl
from django.utils import translation

from reports import documents, metrics
from tests.conftest import demo_user, require
from tests.i18n_guard import swedish_misses

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
ISO_DATE = re.compile(r"\b20\d\d-\d\d-\d\d\b")
ENGLISH_MONTH = re.compile(r"\b\d{1,2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)\b")
SWEDISH_DAY = re.compile(
    r"\b\d{1,2}[\xa0 ](jan\.|feb\.|mars|apr\.|maj|juni|juli|aug\.|sep\.|okt\.|nov\.|dec\.) 20\d\d\b"
)
# The fewest lines of text a page may carry: a page of a heading or a few notes is a defect.
FEWEST_LINES = 12


def metrics_label(msgid: str) -> str:
    from django.utils.translation import gettext

    return re.escape(gettext(msgid))


def _demo_figures():
    from reports.selectors import partnerships_for

    partnership = partnerships_for(demo_user("chef")).order_by("pk").first()
    return metrics.compute_figures(partnership)


def _tool(name: str) -> str:
    path = shutil.which(name)
    require(path is not None, f"{name} reads the PDF's pages: apt-get install poppler-utils")
    return path


def _pages_text(data: bytes, tmp_path) -> list[str]:
    path = tmp_path / "report.pdf"
    path.write_bytes(data)
    text = subprocess.run(  # noqa: S603 (a fixed command on our own file)
        [_tool("pdftotext"), "-layout", "-enc", "UTF-8", str(path), "-"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    pages = text.split("\f")
    return pages[:-1] if pages and not pages[-1].strip() else pages


WORD = re.compile(r'<word xMin="[\d.]+" yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)">')
PAGE = re.compile(r'<page width="[\d.]+" height="([\d.]+)">')


def last_page_filled(data: bytes, tmp_path) -> float:
    """How far down the last page its text reaches, as a share of the room between the margins
    (the running title above and the page number below are left out): 0.2 is a stray page."""
    path = tmp_path / "filled.pdf"
    path.write_bytes(data)
    count = len(_pages_text(data, tmp_path))
    boxes = subprocess.run(  # noqa: S603 (a fixed command on our own file)
        [_tool("pdftotext"), "-bbox", "-f", str(count), "-l", str(count), str(path), "-"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    height = float(PAGE.search(boxes).group(1))
    top, bottom = 22 / 25.4 * 72, height - 20 / 25.4 * 72  # the page's margins (22 mm, 20 mm)
    body = [float(y_max) for y_min, y_max in WORD.findall(boxes) if top <= float(y_min) < bottom]
    return (max(body) - top) / (bottom - top) if body else 0.0


def _draw(data: bytes, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    pdf = ARTIFACTS / f"{name}.pdf"
    pdf.write_bytes(data)
    for old in ARTIFACTS.glob(f"{name}-*.png"):
        old.unlink()
    subprocess.run(  # noqa: S603 (a fixed command on our own file)
        [_tool("pdftoppm"), "-png", "-r", "50", str(pdf), str(ARTIFACTS / name)], check=True
    )


def test_the_swedish_pdf_groups_digits_names_months_and_has_no_stray_page(db, demo, tmp_path):
    with translation.override("sv"), swedish_misses() as missed:
        figures = _demo_figures()
        data = documents.render_pdf(figures)
    assert not missed, sorted(missed)
    _draw(data, "reports-pdf-sv")
    pages = _pages_text(data, tmp_path)
    text = "\n".join(pages)
    assert not ISO_DATE.findall(text), ISO_DATE.findall(text)
    assert not ENGLISH_MONTH.findall(text), ENGLISH_MONTH.findall(text)
    assert SWEDISH_DAY.search(text), text[:600]
    # Short months in the monthly table: "dec. 2025", not "Dec 2025".
    assert re.search(r"\b(jan\.|dec\.) 20\d\d\b", text)
    # A figure of four digits or more is grouped with a (no-break or thin) space, never a comma.
    assert not re.search(r"\b\d,\d{3}\b", text)
    # The demo's housing company owns 1 100 homes: "Bostadsobjekt i beståndet 1 100".
    units = figures["housing"]["units"]
    assert units >= 1000
    grouped = f"{units // 1000}[\xa0\u2009\u202f ]{units % 1000:03d}"
    with translation.override("sv"):
        label = metrics_label("Units owned")
    assert re.search(rf"{label}\s+{grouped}\b", text), text
    lines = [len([line for line in page.splitlines() if line.strip()]) for page in pages]
    assert len(pages) > 1
    short = [(number, count) for number, count in enumerate(lines, start=1) if count < FEWEST_LINES]
    assert not short, f"pages with fewer than {FEWEST_LINES} lines: {short} (all: {lines})"
    assert last_page_filled(data, tmp_path) >= 0.4


def test_the_english_pdf_has_english_dates(db, demo, tmp_path):
    with translation.override("en"):
        data = documents.render_pdf(_demo_figures())
    _draw(data, "reports-pdf-en")
    pages = _pages_text(data, tmp_path)
    text = "\n".join(pages)
    assert not ISO_DATE.findall(text)
    lines = [len([line for line in page.splitlines() if line.strip()]) for page in pages]
    short = [(number, count) for number, count in enumerate(lines, start=1) if count < FEWEST_LINES]
    assert not short, f"pages with fewer than {FEWEST_LINES} lines: {short} (all: {lines})"
    assert last_page_filled(data, tmp_path) >= 0.4
    assert re.search(
        r"\b\d{1,2}[\xa0 ](Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) 20\d\d", text
    )


def test_the_swedish_xlsx_has_number_and_date_cells_and_swedish_labels(db, demo):
    with translation.override("sv"), swedish_misses() as missed:
        figures = _demo_figures()
        data = documents.render_xlsx(figures)
    assert not missed, sorted(missed)
    book = openpyxl.load_workbook(io.BytesIO(data))
    assert book.sheetnames[:3] == ["Sammanfattning", "Steg för steg", "Per månad"]
    summary = book["Sammanfattning"]
    # The period: a label and two date cells with a date format.
    assert summary["A2"].value == "Period"
    for cell in (summary["B2"], summary["C2"]):
        assert cell.is_date, cell.value
        assert isinstance(cell.value, datetime)
        assert "mmm" in cell.number_format and "yyyy" in cell.number_format
    # Every number is a number cell with a grouping format; no digits are stored as text.
    numbers = 0
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if isinstance(cell.value, int | float) and not cell.is_date:
                    numbers += 1
                    assert cell.number_format in ("#,##0", "#,##0.0"), (
                        f"{sheet.title}!{cell.coordinate} {cell.number_format}"
                    )
                elif isinstance(cell.value, str) and not re.fullmatch(r"\d{4}", cell.value):
                    # (a municipality's code, "0180", is an identifier and stays text)
                    assert not re.fullmatch(r"[\d\s\xa0.,]+", cell.value), (
                        f"{sheet.title}!{cell.coordinate} {cell.value!r}"
                    )
                    assert not ISO_DATE.search(cell.value), cell.value
    assert numbers > 20
    # The months of the monthly sheet are date cells shown as months.
    monthly = book["Per månad"]
    assert monthly["A1"].value == "Månad"
    first = monthly["A2"]
    assert first.is_date and first.number_format == documents.MONTH
    # The headers are Swedish: none of them is the English msgid.
    with translation.override("en"):
        english = set(map(str, (*documents.total_labels().values(), "Target", "Goal", "Month")))
    headers = {c.value for sheet in book.worksheets for c in sheet[1] if isinstance(c.value, str)}
    headers |= {c.value for c in summary[4] if isinstance(c.value, str)}
    assert not headers & english, headers & english


def test_the_national_xlsx_dates_its_figures(db, demo):
    from django.utils import timezone

    with translation.override("sv"):
        rollup = metrics.national_rollup(
            demo_user("riks-chef").organisation, timezone.localdate().year
        )
        book = openpyxl.load_workbook(io.BytesIO(documents.render_national_xlsx(rollup)))
    sheet = book.worksheets[0]
    assert sheet["A3"].value == "Siffror till och med"
    assert sheet["B3"].is_date
    assert sheet["A5"].value == "Partnerskap"


def test_the_national_pdf_has_swedish_dates_and_no_stray_page(db, demo, tmp_path):
    from django.utils import timezone

    with translation.override("sv"), swedish_misses() as missed:
        rollup = metrics.national_rollup(
            demo_user("riks-chef").organisation, timezone.localdate().year
        )
        data = documents.render_national_pdf(rollup)
    assert not missed, sorted(missed)
    _draw(data, "reports-national-pdf-sv")
    pages = _pages_text(data, tmp_path)
    text = "\n".join(pages)
    assert not ISO_DATE.findall(text)
    assert not ENGLISH_MONTH.findall(text)
    assert SWEDISH_DAY.search(text)
    lines = [len([line for line in page.splitlines() if line.strip()]) for page in pages]
    short = [(number, count) for number, count in enumerate(lines, start=1) if count < FEWEST_LINES]
    assert not short, f"pages with fewer than {FEWEST_LINES} lines: {short} (all: {lines})"
    assert last_page_filled(data, tmp_path) >= 0.4
