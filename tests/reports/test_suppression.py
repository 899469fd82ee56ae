"""Small counts stay hidden: for every hidden cell of a generated report, no combination of the
printed totals and the cells printed beside it gives it back.

The attacker knows the rule (``reports.metrics.suppress``), the total of each breakdown (the
report prints it) and every cell shown; they try every way the hidden cells could add up to
what is left of the total, keep those the rule would have hidden the same way, and look at
what each hidden cell could be. More than one value must remain for each.
"""

import io
import math
from datetime import date
from itertools import combinations

import openpyxl
import pytest
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from reports import documents, metrics
from tests.factories import NewcomerCaseFactory
from tests.reports.test_metrics import build_history


def compositions(total: int, parts: int):
    """Every way ``parts`` counts (0 or more) add up to ``total``."""
    for bars in combinations(range(total + parts - 1), parts - 1):
        previous, values = -1, []
        for bar in (*bars, total + parts - 1):
            values.append(bar - previous - 1)
            previous = bar
        yield values


def possible_values(shown: list, total: int) -> list[set[int]]:
    """For each hidden cell (None) of a breakdown with ``total``: what it could be."""
    hidden = [i for i, value in enumerate(shown) if value is None]
    if not hidden:
        return []
    left = total - sum(value for value in shown if value is not None)
    mask = [value is None for value in shown]
    options = [set() for _ in hidden]
    for values in compositions(left, len(hidden)):
        candidate = list(shown)
        for i, value in zip(hidden, values, strict=True):
            candidate[i] = value
        if metrics.suppress(candidate) == mask:
            for option, value in zip(options, values, strict=True):
                option.add(value)
    return options


@given(st.lists(st.integers(min_value=0, max_value=7), min_size=2, max_size=4))
def test_no_hidden_count_can_be_worked_out(cells):
    mask = metrics.suppress(cells)
    assert all(mask[i] for i, value in enumerate(cells) if 0 < value < metrics.SMALL_NUMBER)
    shown = [None if hide else value for value, hide in zip(cells, mask, strict=True)]
    for option in possible_values(shown, sum(cells)):
        assert len(option) > 1, (cells, shown, option)


@given(st.lists(st.integers(min_value=0, max_value=30), min_size=2, max_size=12))
def test_the_rule_on_longer_breakdowns(cells):
    """What the rule promises, on breakdowns too long to try every completion of: every count
    from 1 to 4 is hidden, never one hidden cell alone, and a cell hidden beside them is never
    larger than a count left shown."""
    mask = metrics.suppress(cells)
    hidden = [value for value, hide in zip(cells, mask, strict=True) if hide]
    shown = [value for value, hide in zip(cells, mask, strict=True) if not hide]
    assert all(mask[i] for i, value in enumerate(cells) if 0 < value < metrics.SMALL_NUMBER)
    assert len(hidden) != 1
    if hidden and not all(mask):
        assert 0 not in hidden
        assert max(hidden) < min([value for value in shown if value] or [math.inf])


def sheet_rows(book, name):
    return list(book[name].iter_rows(values_only=True))


@pytest.mark.django_db
def test_no_hidden_cell_of_the_generated_xlsx_can_be_worked_out(organisations):
    history = build_history(organisations)
    # Outcomes of the period: 3 in work (hidden), 10 in studies, 8 other.
    for outcome, count in (("in_work", 3), ("in_studies", 10), ("other", 8)):
        for _ in range(count):
            NewcomerCaseFactory(
                partner=organisations["partner"],
                assigned_on=date(2024, 3, 1),
                establishment_ends_on=date(2026, 3, 1),
                outcome=outcome,
                status="closed",
            )
    with translation.override("en"):
        figures = metrics.compute_figures(history.main, as_of=date(2026, 11, 25))
        book = openpyxl.load_workbook(io.BytesIO(documents.render_xlsx(figures)))
    summary = sheet_rows(book, "Summary")
    printed = {row[0]: row[1] for row in summary if row and row[0]}
    monthly = sheet_rows(book, "By month")
    header, rows = monthly[0], monthly[1 : 1 + len(figures["monthly"])]

    hidden_seen = 0
    for col, label in enumerate(header[1:6], start=1):
        total = printed[label]  # the total of the same name, printed in the summary
        shown = [row[col] for row in rows]
        assert all(value is None or isinstance(value, int | float) for value in shown)
        hidden_seen += shown.count(None)
        for i, option in zip(
            [i for i, v in enumerate(shown) if v is None],
            possible_values(shown, int(total)),
            strict=True,
        ):
            assert len(option) > 1, (label, i, shown, total, option)
            # Each empty cell says why it is empty.
            assert book["By month"].cell(i + 2, col + 1).comment is not None
    assert hidden_seen >= 10  # the small history hides most of its months

    # The outcomes: in work hidden, so is "other", and the share in work is not printed.
    block = summary[[row[0] for row in summary].index("Establishment period ended in the period") :]
    cells = {row[0]: row[1] for row in block[1:6]}
    assert cells["Outcomes recorded"] == 21 and cells["In studies"] == 10
    assert cells["In work"] is None and cells["Other"] is None
    assert cells["Share in work (%)"] is None
    options = possible_values([None, 10, None], 21)
    assert all(len(option) > 1 for option in options)
