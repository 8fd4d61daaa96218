"""Build summary sheet on the example: numbers against an independent count, native pies,
direction of travel across a closed period, History, idempotency."""

from __future__ import annotations

import shutil
from collections import Counter

import openpyxl
import pytest

from cqcxl.core.model import RAG
from cqcxl.core.summary_rules import largest_remainder, overall_rag
from cqcxl.sheets import layout as L

from .conftest import EXAMPLE, run_cli
from .userview import header_row, task_rows, user_view

AS_OF = "2018-11-15"
RAGS = ("Blue", "Green", "Amber", "Red")


def independent_counts(path) -> dict[str, Counter]:
    """Count RAGs straight from each workstream sheet's RAG column, with plain openpyxl."""
    wb = openpyxl.load_workbook(path)
    out = {}
    for ws in wb.worksheets:
        if not ws.title.startswith("WS"):
            continue
        c = Counter()
        for r in task_rows(ws):
            if ws.cell(r, 2).value:
                c[ws.cell(r, 6).value] += 1
        out[ws.title] = c
    return out


@pytest.fixture(scope="module")
def summarised(tmp_path_factory):
    d = tmp_path_factory.mktemp("s")
    src = d / "plan.xlsx"
    shutil.copy(EXAMPLE, src)
    out = d / "out.xlsx"
    r = run_cli("summary", src, "--as-of", AS_OF, "-o", out)
    assert r.returncode == 0, r.stderr
    return src, out


def _table(ws):
    hr = next(c.row for row in ws.iter_rows() for c in row if c.value == "Key tasks")
    rows = []
    r = hr + 1
    while ws.cell(r, 2).value:
        rows.append([ws.cell(r, c).value for c in range(1, 15)])
        r += 1
    return rows


def test_cover_counts_match_the_sheets(summarised):
    src, out = summarised
    counts = independent_counts(src)
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames[0] == "Summary"
    rows = _table(wb["Summary"])
    assert [r[1] for r in rows][-1] == "All workstreams"
    body, total = rows[:-1], rows[-1]
    assert [r[3] for r in body] == [14, 28, 13, 7, 29, 6, 12, 9, 3]
    assert total[3] == 121
    for r, c in zip(body, counts.values(), strict=True):
        assert r[3] == sum(c.values())
        assert [r[4], r[6], r[8], r[10]] == [c[x] for x in RAGS]
        assert abs(sum([r[5], r[7], r[9], r[11]]) - 1) < 1e-9  # percentages add to 100
    assert [total[4], total[6], total[8], total[10]] == [52, 47, 9, 13]


def test_headline_lines_in_the_boards_words(summarised):
    _, out = summarised
    ws = openpyxl.load_workbook(out)["Summary"]
    text = [c.value for row in ws.iter_rows(max_row=12) for c in row if isinstance(c.value, str)]
    # 52/121 = 42.98 -> 43, 47/121 = 38.84 -> 39, 9/121 = 7.44 -> 7, 13/121 = 10.74 -> 11
    assert "121 Actions" in text
    assert "43% (52) actions completed" in text
    assert "39% (47) on target" in text
    assert "7% (9) off target, some action required to improve performance" in text
    assert "11% (13) actions planned and significant barriers to implementation identified" \
        in text
    # issue 15: the alarm means "no mitigation narrative" (examples/README.md): of the nine
    # overdue Reds with an empty Mitigation only WS2 C2 (no narrative) and WS3 C2 ("Work
    # developing") say nothing about what is being done.
    assert any(t.startswith("⚠  2 overdue actions with no mitigation") for t in text)


def test_native_pies_bound_to_the_right_cells(summarised):
    _, out = summarised
    wb = openpyxl.load_workbook(out)
    ws = wb["Summary"]
    charts = ws._charts
    assert len(charts) == 10
    for chart in charts:
        assert chart.tagname == "pieChart"
        (series,) = chart.series
        ref = series.val.numRef.f
        sheet, cells = ref.rsplit("!", 1)
        values = [c.value for row in ws[cells.replace("$", "")] for c in row]
        colours = [getattr(c, "val", c) for c in
                   (p.graphicalProperties.solidFill.srgbClr for p in series.dPt)]
        assert colours == ["0070C0", "00B050", "FFC000", "FF0000"]
        assert series.dLbls.showPercent
        cats = series.cat.strRef.f if series.cat.strRef else series.cat.numRef.f
        assert [c.value for row in ws[cats.rsplit("!", 1)[1].replace("$", "")] for c in row] \
            == list(RAGS)
        assert len(values) == 4 and all(isinstance(v, int) for v in values)
    overall = [c.value for row in ws[charts[0].series[0].val.numRef.f.rsplit("!", 1)[1]
                                     .replace("$", "")] for c in row]
    assert overall == [52, 47, 9, 13]
    ict = [c.value for row in ws[charts[1].series[0].val.numRef.f.rsplit("!", 1)[1]
                                 .replace("$", "")] for c in row]
    assert ict == [4, 9, 0, 1]


def test_exceptions_and_change_requests(summarised):
    _, out = summarised
    ws = openpyxl.load_workbook(out)["Summary"]
    col_a = {c.value: c.row for c in ws["A"] if isinstance(c.value, str)}
    start = next(r for v, r in col_a.items() if v.startswith("Requests to change timescale"))
    # Task (workstream and ID in one column), owner, key task, then the request (D)
    # (a table that runs onto the next page repeats its header row there: skip it)
    rows = [(ws.cell(r, 1).value, ws.cell(r, 4).value) for r in range(start + 2, start + 6)
            if ws.cell(r, 1).value != "Task"][:3]
    assert [a for a, _ in rows] == ["2 B12", "4 C2", "5 D1"]
    assert rows[2][1].startswith("Remove from Action plan")
    over = next(r for v, r in col_a.items() if v.startswith("Overdue actions with no mitig"))
    # WS1 C2 is Red with no mitigation but its revised date (mid November 2018) has not
    # passed on 15 November, so it is not overdue; of the nine overdue Reds with no
    # Mitigation, seven have a narrative saying what is being done (issue 15): 2.
    assert ws.cell(over, 1).value.endswith("(2)")
    assert [ws.cell(over + 2 + i, 1).value for i in range(2)] == ["2 C2", "3 C2"]
    assert str(ws.cell(over + 2, 15).value).startswith('=HYPERLINK("#')  # "Go to": O


def test_print_setup(summarised):
    _, out = summarised
    ws = openpyxl.load_workbook(out)["Summary"]
    assert ws.page_setup.orientation == "landscape"
    assert int(ws.page_setup.paperSize) == 9  # A4
    assert ws.page_setup.fitToWidth == 1
    assert not ws.sheet_view.showGridLines


def test_summary_twice_is_the_same_and_user_cells_unchanged(example):
    before = user_view(example)
    run_cli("summary", example, "--as-of", AS_OF, "--in-place")
    first = [r for r in openpyxl.load_workbook(example)["Summary"].values]
    run_cli("summary", example, "--as-of", AS_OF, "--in-place")
    wb = openpyxl.load_workbook(example)
    assert [r for r in wb["Summary"].values] == first
    assert len(wb["Summary"]._charts) == 10
    assert user_view(example) == before


def test_direction_of_travel_after_closing_a_period(example):
    assert run_cli("close-period", example, "--as-of", "2018-08-15", "--in-place").returncode == 0
    wb = openpyxl.load_workbook(example)
    # change three RAGs: WS1 C2 Red -> Blue (up), WS6 first task -> Red (down),
    # and in WS4 one task Red -> Green and another Blue -> Red (score 1*0.. see below)
    def set_rag(sheet, task_id, rag):
        ws = wb[sheet]
        hr = header_row(ws)
        for r in range(hr + 1, ws.max_row):
            if ws.cell(r, 2).value == task_id:
                old = ws.cell(r, 6).value
                ws.cell(r, 6).value = rag
                return old
        raise AssertionError(task_id)

    assert set_rag("WS1 ICT", "C2", "Blue") == "Red"       # WS1 score up
    assert set_rag("WS6 CHC", "A1", "Red") == "Amber"      # WS6 score down
    assert set_rag("WS9 Cumberland Infirmary", "A1", "Blue") in ("Blue", "Green")
    wb.save(example)
    assert run_cli("summary", example, "--as-of", AS_OF, "--in-place").returncode == 0
    ws = openpyxl.load_workbook(example)["Summary"]
    travel = {r[1]: r[13] for r in _table(ws)}
    assert travel["ICT"] == "↑"
    assert travel["CHC"] == "↓"
    assert travel["Workforce"] == "→"
    assert "previous period: 15 August 2018" in ws["A3"].value
    # History holds both periods once the second is closed
    assert run_cli("close-period", example, "--as-of", AS_OF, "--in-place").returncode == 0
    hist = openpyxl.load_workbook(example)[L.HISTORY]
    periods = [r[1] for r in hist.iter_rows(values_only=True) if r[0] == "Period closed"]
    assert [p.date().isoformat() for p in periods] == ["2018-08-15", "2018-11-15"]
    r = run_cli("close-period", example, "--as-of", AS_OF, "--in-place")
    assert r.returncode == 2 and "already closed" in r.stderr


def test_changed_task_ids_are_reported(example):
    run_cli("close-period", example, "--as-of", "2018-08-15", "--in-place")
    wb = openpyxl.load_workbook(example)
    ws = wb["WS8 Reablement"]
    hr = header_row(ws)
    rows = [r for r in range(hr + 1, hr + 10) if ws.cell(r, 2).value == "B4"]
    ws.cell(rows[1], 2).value = "B4b"  # the lead fixes the duplicate ID
    wb.save(example)
    run_cli("summary", example, "--as-of", AS_OF, "--in-place")
    ws = openpyxl.load_workbook(example)["Summary"]
    texts = [c.value for c in ws["B"] if isinstance(c.value, str)]  # "What changed"
    assert "Task ID changed from B4 to B4b" in texts


def test_rounding_and_overall_rules_by_hand():
    assert largest_remainder([52, 47, 9, 13, 0]) == [43, 39, 7, 11, 0]
    assert largest_remainder([1, 1, 1]) == [34, 33, 33]
    assert largest_remainder([0, 0]) == [0, 0]
    assert overall_rag({RAG.RED: 4, RAG.GREEN: 2, RAG.BLUE: 1}) is RAG.RED
    assert overall_rag({RAG.AMBER: 2, RAG.GREEN: 6}) is RAG.AMBER
    assert overall_rag({RAG.BLUE: 3}) is RAG.BLUE
    assert overall_rag({RAG.RED: 1, RAG.GREEN: 9, RAG.BLUE: 4}) is RAG.GREEN
    assert overall_rag({}) is None
