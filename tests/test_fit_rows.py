"""Validate grows the key-task rows whose text no longer fits (issue 16 item 1): never a row
the user sized, never smaller. Excel does not grow a row whose height is set (the
template's rows are), so a lead who writes a longer narrative gets it cut off on paper."""

from __future__ import annotations

from datetime import date

import openpyxl

from cqcxl.edits import FitRows
from cqcxl.engines.openpyxl_engine import FileBook
from cqcxl.engines.package_engine import PackageBook
from cqcxl.jobs import run_job
from cqcxl.sheets.text import height, lines

from .conftest import task

SHEET = "WS1 Stream 1"
LONG = ("Workshop held with all partners; the action plan was agreed and owners named. "
        "Funding is confirmed for the first two quarters and recruitment to the two posts "
        "has started, with interviews in the second week of January.")


def _rows(path) -> dict[str, int]:
    ws = openpyxl.load_workbook(path)[SHEET]
    return {c.value: c.row for c in ws["B"] if c.value in ("A1", "A2", "A3", "A4")}


def _plan(make_plan, tmp_path):
    plan = make_plan([task("A1"), task("A2"), task("A3"), task("A4")])
    wb = openpyxl.load_workbook(plan)
    ws = wb[SHEET]
    rows = _rows(plan)
    head = next(r for r in range(1, 40)
                if any(c.value == "Narrative / update" for c in ws[r]))
    narrative = next(c.column for c in ws[head] if c.value == "Narrative / update")
    for tid in ("A1", "A2", "A3"):
        ws.cell(rows[tid], narrative).value = LONG  # typed by the lead, in Excel
    ws.row_dimensions[rows["A2"]].height = 21.75   # a height the lead dragged
    ws.row_dimensions[rows["A3"]].height = 200     # taller than the text needs
    wb.save(plan)
    width = ws.column_dimensions[openpyxl.utils.get_column_letter(narrative)].width
    return plan, rows, width


def test_validate_grows_rows_cut_off_but_never_the_users_own(make_plan, tmp_path):
    plan, rows, width = _plan(make_plan, tmp_path)
    before = {k: openpyxl.load_workbook(plan)[SHEET].row_dimensions[r].height
              for k, r in rows.items()}
    assert before["A1"] == 18.0  # the template's one-line row: the narrative is cut off
    for engine in (FileBook, PackageBook):
        book = engine(plan)
        result = run_job("validate", book.read(), date(2018, 11, 15))
        fits = [e for e in result.edits if isinstance(e, FitRows)]
        # the narrative needs this many lines in its column (50 characters wide)
        need = height(lines(LONG, width))
        assert need >= 63  # four lines or more: checked by counting 200 characters / 50
        assert fits == [FitRows(SHEET, {rows["A1"]: need})], engine.__name__
        book.apply(result.edits)
        out = tmp_path / f"out-{engine.__name__}.xlsx"
        book.save(out)
        dims = openpyxl.load_workbook(out)[SHEET].row_dimensions
        assert dims[rows["A1"]].height == need
        assert dims[rows["A2"]].height == 21.75   # the lead's own height stays
        assert dims[rows["A3"]].height == 200     # never made smaller
        assert dims[rows["A4"]].height == before["A4"]  # fits already: untouched
