"""Text from people never becomes a live formula in a workbook (issue 13, finding 7).

A partnership named ``=HYPERLINK("…","klick")`` and every other text that reaches the report's
XLSX (the partnership's name, an allotment's description) is written as text: openpyxl finds no
formula cell anywhere in the workbook, and the text is there as typed. The portal's only
workbook is the report (``reports.documents``); every workbook is made by ``new_workbook`` and
no code writes a cell with XlsxWriter's guessing ``write``.
"""

import io
import re
from datetime import date
from pathlib import Path

import openpyxl
import pytest
from django.utils import translation

from reports import documents, metrics
from tests.factories import AllotmentFactory, PartnershipFactory

ROOT = Path(__file__).resolve().parents[2]
PAYLOADS = [
    '=HYPERLINK("https://example.org/x","klick")',
    "+46701234567",
    "-2+3",
    "@SUM(A1:A2)",
    "\t=1+1",
    "\r=1+1",
    "=cmd|' /C calc'!A0",
    "https://example.org/",
]


def cells(book):
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            yield from row


@pytest.mark.django_db
@pytest.mark.parametrize("payload", PAYLOADS)
def test_text_from_people_stays_text_in_the_report(organisations, payload):
    partnership = PartnershipFactory(
        name=payload,
        volunteer_organisation=organisations["volunteers"],
        partner=organisations["partner"],
        housing_company=organisations["housing"],
        period_start=date(2026, 1, 1),
        period_end=date(2026, 6, 30),
    )
    AllotmentFactory(
        company=organisations["housing"],
        kind="ordinary",
        description=payload,
        count=40,
        in_use=40,
        period_start=date(2016, 1, 1),
    )
    with translation.override("sv"):
        figures = metrics.compute_figures(partnership, as_of=date(2026, 6, 30))
        data = documents.render_xlsx(figures)
    book = openpyxl.load_workbook(io.BytesIO(data))  # formulas kept as formulas

    formulas = [f"{c.parent.title}!{c.coordinate}" for c in cells(book) if c.data_type == "f"]
    assert formulas == []
    # (openpyxl leaves a carriage return in its XML escape, _x000D_)
    texts = [c.value.replace("_x000D_", "\r") for c in cells(book) if isinstance(c.value, str)]
    assert payload in texts  # the name, as typed
    assert any(text.endswith(f": {payload}") for text in texts)  # the allotment
    assert not any(c.hyperlink for c in cells(book))


def test_write_text_writes_every_trigger_as_text():
    output = io.BytesIO()
    book = documents.new_workbook(output)
    sheet = book.add_worksheet("Text")
    for row, first in enumerate(documents.FORMULA_TRIGGERS):
        documents.write_text(sheet, row, 0, f"{first}1+1")
    documents.write_cells(sheet, 0, 1, ["=1+1", 3, None, 2.5])
    book.close()
    sheet = openpyxl.load_workbook(io.BytesIO(output.getvalue()))["Text"]
    values = [sheet.cell(row + 1, 1) for row in range(len(documents.FORMULA_TRIGGERS))]
    assert [c.data_type for c in values] == ["s"] * len(documents.FORMULA_TRIGGERS)
    assert [c.value.replace("_x000D_", "\r") for c in values] == [
        f"{first}1+1" for first in documents.FORMULA_TRIGGERS
    ]
    assert [sheet.cell(1, col).value for col in (2, 3, 4, 5)] == ["=1+1", 3, None, 2.5]
    assert sheet.cell(1, 2).data_type == "s"


def test_every_workbook_is_made_and_written_through_the_helpers():
    """Wherever the project uses XlsxWriter: the workbook comes from ``new_workbook`` and no
    cell is written with ``write``/``write_row``/``write_column`` (which turn "=…" into a
    formula), nor a formula written at all."""
    sources = [
        path
        for path in ROOT.rglob("*.py")
        if not {".venv", "tests", "node_modules"} & set(path.relative_to(ROOT).parts)
        and "xlsxwriter" in path.read_text(encoding="utf-8")
    ]
    assert [p.relative_to(ROOT).as_posix() for p in sources] == ["reports/documents.py"]
    for path in sources:
        text = path.read_text(encoding="utf-8")
        assert text.count("xlsxwriter.Workbook(") == 1
        assert "def new_workbook" in text
        assert not re.search(r"\.write(_row|_column|_formula|_array_formula)?\(", text)
