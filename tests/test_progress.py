"""History for people (issue 16 item 3): the "Progress by period" sheet, the line chart of
shares on the cover, and the Period history sheet printing landscape."""

from __future__ import annotations

import re
import shutil
import zipfile

import openpyxl
import pytest

from cqcxl.sheets import layout as L
from cqcxl.sheets import theme as T

from .conftest import ROOT, run_cli, task

DECEMBER = ROOT / "examples" / "cumbria-2018-12.xlsx"


def _fill(cell) -> str | None:
    rgb = cell.fill.fgColor.rgb if cell.fill and cell.fill.fill_type == "solid" else None
    return rgb[-6:].upper() if isinstance(rgb, str) else None


@pytest.fixture(scope="module")
def december(tmp_path_factory):
    """The December example (one closed period, 15 November) with its cover built."""
    out = tmp_path_factory.mktemp("dec") / "out.xlsx"
    r = run_cli("summary", DECEMBER, "-o", out)
    assert r.returncode == 0, r.stderr
    return out


def _find(ws, text: str) -> int:
    return next(c.row for c in ws["A"] if c.value == text)


def test_workstreams_overall_rag_per_period(december):
    ws = openpyxl.load_workbook(december)[L.PROGRESS]
    head = _find(ws, "No.")
    assert [ws.cell(head, c).value for c in (4, 6)] == ["15 Nov 2018", "13 Dec 2018 (now)"]
    assert [ws.cell(head + 1, c).value for c in (4, 5)] == ["Overall", "B·G·A·R"]
    rows = {ws.cell(r, 2).value: r for r in range(head + 2, head + 11)}
    # WS9 Cumberland Infirmary: 2 Blue 1 Green in November (Green); now 2 Blue 1 Amber —
    # a third Amber is a quarter or more, so Amber (counted by hand from the two sheets)
    r = rows["Cumberland Infirmary"]
    assert [ws.cell(r, c).value for c in (4, 5, 6, 7)] == ["Green", "2 · 1 · 0 · 0",
                                                           "Amber", "2 · 0 · 1 · 0"]
    assert _fill(ws.cell(r, 4)) == T.RAG_FILL["Green"]
    assert _fill(ws.cell(r, 6)) == T.RAG_FILL["Amber"]
    r = rows["CHC"]  # 4 Amber 2 Red both times: Red
    assert ws.cell(r, 4).value == ws.cell(r, 6).value == "Red"


def test_one_row_per_task_with_rag_and_deadline_per_period(december):
    ws = openpyxl.load_workbook(december)[L.PROGRESS]
    head = _find(ws, "WS")
    assert [ws.cell(head + 1, c).value for c in (4, 5, 6, 7)] == ["RAG", "Deadline"] * 2
    first = head + 2
    assert ws.cell(first, 1).value == 1 and ws.cell(first, 2).value == "A1"
    assert ws.cell(first, 3).value.startswith("Commission an independent stocktake")
    assert ws.cell(first, 4).value == ws.cell(first, 6).value == "Blue"  # Oct-18, done
    assert ws.cell(first, 5).value.date().isoformat() == "2018-10-31"
    assert _fill(ws.cell(first, 4)) == T.RAG_FILL["Blue"]
    ids = [(ws.cell(r, 1).value, ws.cell(r, 2).value) for r in range(first, ws.max_row + 1)
           if ws.cell(r, 2).value]
    assert len(ids) >= 120 and ids[-1][0] == 9
    assert ws.freeze_panes == "D1"
    assert ws.print_title_rows == f"${head}:${head + 1}"
    assert ws.page_setup.orientation == "landscape" and ws.page_setup.fitToWidth == 1


def test_the_cover_draws_the_shares_over_time(december):
    with zipfile.ZipFile(december) as z:
        charts = [z.read(n).decode() for n in z.namelist() if n.startswith("xl/charts/chart")]
    lines = [c for c in charts if re.search(r"<(c:)?lineChart>", c)]
    assert len(lines) == 1 and sum(bool(re.search(r"<(c:)?pieChart>", c))
                                   for c in charts) == 10
    colours = re.findall(r'<(?:c:)?ser>.*?<a:ln[^>]*><a:solidFill><a:srgbClr val="(\w+)"',
                         lines[0], re.S)
    assert colours == [T.RAG_FILL[r] for r in ("Blue", "Green", "Amber", "Red")]
    ws = openpyxl.load_workbook(december)["Summary"]
    top = _find(ws, "RAG share over time: each closed period and now")
    data = [[ws.cell(top + i, c).value for c in range(17, 22)] for i in range(3)]
    # by hand: November's stored counts add up to 52 Blue 47 Green 9 Amber 13 Red of 121
    # (42.98, 38.84, 7.44, 10.74%: the spare three points to the biggest fractions);
    # now 54/44/9/13 of 120 (45, 36.67, 7.5, 10.83%)
    assert data == [["Period", "Blue", "Green", "Amber", "Red"],
                    ["15 Nov 2018", 43, 39, 7, 11],
                    ["13 Dec 2018 (now)", 45, 37, 7, 11]]


def test_no_progress_sheet_or_line_before_a_period_is_closed(tmp_path):
    out = tmp_path / "out.xlsx"
    assert run_cli("summary", ROOT / "examples" / "cumbria-2018-11.xlsx", "--as-of",
                   "2018-11-15", "-o", out).returncode == 0
    wb = openpyxl.load_workbook(out)
    assert L.PROGRESS not in wb.sheetnames
    with zipfile.ZipFile(out) as z:
        assert not any(re.search(r"<(c:)?lineChart>", z.read(n).decode())
                       for n in z.namelist() if n.startswith("xl/charts/chart"))


def test_a_task_taken_out_of_the_plan_keeps_its_row(make_plan, tmp_path):
    plan = make_plan([task("A1", rag="Green"), task("A2", rag="Red", key_task="Old task",
                                                      mitigation="Plan B")])
    assert run_cli("close-period", plan, "--as-of", "2018-10-15", "--in-place").returncode == 0
    wb = openpyxl.load_workbook(plan)
    ws = wb["WS1 Stream 1"]
    row = next(c.row for c in ws["B"] if c.value == "A2")
    ws.delete_rows(row)
    wb.save(plan)
    assert run_cli("summary", plan, "--as-of", "2018-11-15", "--in-place").returncode == 0
    ws = openpyxl.load_workbook(plan)[L.PROGRESS]
    rows = {ws.cell(r, 2).value: r for r in range(1, ws.max_row + 1)
            if ws.cell(r, 1).value == 1 and ws.cell(r, 2).value in ("A1", "A2")}
    a2 = rows["A2"]
    assert ws.cell(a2, 3).value == "Old task (no longer in the plan)"
    assert ws.cell(a2, 4).value == "Red" and ws.cell(a2, 6).value is None
    assert ws.cell(rows["A1"], 4).value == ws.cell(rows["A1"], 6).value == "Green"


def test_period_history_prints_landscape_one_page_wide(example):
    assert run_cli("close-period", example, "--as-of", "2018-11-15", "--in-place"
                   ).returncode == 0
    ws = openpyxl.load_workbook(example)[L.HISTORY]
    assert ws.page_setup.orientation == "landscape"
    assert ws.page_setup.fitToWidth == 1 and ws.page_setup.fitToHeight == 0


def test_progress_sheet_renders(december, tmp_path):
    if shutil.which("soffice") is None:
        pytest.skip("needs LibreOffice")
    from .test_render import pdf_text, to_pdf

    pdf = to_pdf([december], tmp_path, tmp_path / "profile")[0]
    text = pdf_text(pdf, 1, 200)
    assert "Progress by period" in text and "13 Dec 2018 (now)" in text
