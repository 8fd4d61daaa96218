"""Validate on the example plan and on small plans: findings, fills, notes, the Validation
sheet, idempotency, and that nothing a lead typed changes."""

from __future__ import annotations

import json
import shutil

import openpyxl
import pytest

from cqcxl.sheets import theme as T

from .conftest import run_cli, task
from .userview import header_row as _header_row
from .userview import notes, task_rows, user_view

AS_OF = "2018-11-15"


def _rows_by_id(ws) -> dict[str, list[int]]:
    out: dict[str, list[int]] = {}
    for r in task_rows(ws):
        tid = ws.cell(r, 2).value
        if tid:
            out.setdefault(str(tid), []).append(r)
    return out


@pytest.fixture(scope="module")
def validated(tmp_path_factory):
    """The example validated once with -o, plus the JSON findings."""
    from .conftest import EXAMPLE

    d = tmp_path_factory.mktemp("v")
    src = d / "plan.xlsx"
    shutil.copy(EXAMPLE, src)
    out = d / "out.xlsx"
    r = run_cli("validate", src, "--as-of", AS_OF, "-o", out, "--json")
    assert r.returncode == 1, r.stderr  # the real plan has errors
    return src, out, json.loads(r.stdout)


def test_json_is_the_only_thing_on_stdout(validated):
    _, _, findings = validated
    assert isinstance(findings, list) and findings
    assert set(findings[0]) >= {"code", "severity", "sheet", "cell", "task_id", "message"}


def test_both_real_duplicate_ids_are_flagged_on_both_rows(validated):
    src, _, findings = validated
    wb = openpyxl.load_workbook(src)
    expected = set()
    for sheet, tid in (("WS7 Extended GP Access", "B2.3"), ("WS8 Reablement", "B4")):
        rows = _rows_by_id(wb[sheet])[tid]
        assert len(rows) == 2
        expected |= {(sheet, f"B{r}") for r in rows}
    got = {(f["sheet"], f["cell"]) for f in findings if f["code"] == "duplicate-task-id"}
    assert got == expected


def test_every_red_without_mitigation_is_listed(validated, example_data):
    _, _, findings = validated
    # independent count from the source data
    # issue 15: a Red whose narrative (10 words or more) says what is being done gets the
    # lesser mitigation-in-narrative warning instead; 11 Reds have no Mitigation, 2 of them
    # with no such narrative
    no_mitigation = [(w["number"], t) for w in example_data["workstreams"]
                     for t in w["tasks"] if t["rag"] == "Red" and not t["mitigation"].strip()]
    assert len(no_mitigation) == 11
    expected = {(n, t["task_id"]) for n, t in no_mitigation if len(t["narrative"].split()) < 10}
    assert expected == {(2, "C2"), (3, "C2")}
    number = {f"WS{w['number']}": w["number"] for w in example_data["workstreams"]}
    got = {(number[f["sheet"].split()[0]], f["task_id"]) for f in findings
           if f["code"] == "red-without-mitigation"}
    assert got == expected


def test_rag_cells_are_coloured_from_their_values(validated):
    _, out, _ = validated
    wb = openpyxl.load_workbook(out)
    seen = set()
    for name in wb.sheetnames:
        if not name.startswith("WS"):
            continue
        ws = wb[name]
        for r in task_rows(ws):
            rag = ws.cell(r, 6).value
            if rag:
                fill = ws.cell(r, 6).fill.fgColor.rgb[-6:]
                assert fill == T.RAG_FILL[rag], (name, r, rag, fill)
                font = ws.cell(r, 6).font.color.rgb[-6:]
                assert font == ("FFFFFF" if rag == "Blue" else "000000")
                seen.add(rag)
    assert seen == {"Red", "Amber", "Green", "Blue"}


def test_notes_sit_on_the_offending_cells(validated):
    _, out, findings = validated
    for f in findings:
        if f["code"] == "note-not-added":
            continue
        ns = notes(out, f["sheet"])
        author, text = ns[f["cell"]]
        assert author == "cqcxl"
        assert f["message"] in text


def test_validation_sheet_lists_everything_errors_first(validated):
    _, out, findings = validated
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames[:3] == ["Summary", "Validation", "Guide"]
    ws = wb["Validation"]
    assert "15 November 2018" in ws["A2"].value
    n_err = sum(f["severity"] == "error" for f in findings)
    assert f"Errors: {n_err}" in ws["A3"].value
    assert ws["A4"].value.startswith("Overdue actions with no mitigation: ")
    assert [c.value for c in ws[7]] == ["Severity", "Workstream", "Task ID", "Cell", "Problem",
                                        "What is wrong and what to do", "Code"]
    rows = list(ws.iter_rows(min_row=8, values_only=True))
    assert len(rows) == len(findings)
    sev = [r[0].split()[0] for r in rows]
    assert sev == sorted(sev, key=["Error", "Warning", "Note"].index)
    # the headline flag comes first
    assert rows[0][0].endswith("OVERDUE, NO MITIGATION")
    link = rows[0][3]
    assert link.startswith('=HYPERLINK("#\'') and "!" in link


def test_nothing_a_lead_typed_changes(validated):
    src, out, findings = validated
    from cqcxl.engines import openpyxl_engine as openpyxl_book
    from cqcxl.sheets.read import read_plan

    plan = read_plan(openpyxl_book.read(openpyxl_book.load(src))).plan
    rag_cells = {(t.sheet, t.cells["rag"]) for t in plan.tasks} | {
        (k.sheet, k.cells["rag"]) for w in plan.workstreams for k in w.risks}
    assert user_view(src, skip_fill=rag_cells) == user_view(out, skip_fill=rag_cells)


def test_without_output_nothing_is_written(example):
    before = example.read_bytes()
    r = run_cli("validate", example, "--as-of", AS_OF)
    assert r.returncode == 1
    assert "nothing written" in r.stderr
    assert example.read_bytes() == before


def test_in_place_twice_is_idempotent_and_keeps_a_backup(example):
    r1 = run_cli("validate", example, "--as-of", AS_OF, "--in-place")
    assert r1.returncode == 1
    assert example.with_name("plan.bak.xlsx").exists()
    first = user_view(example)
    first_notes = {s: notes(example, s) for s in openpyxl.load_workbook(example).sheetnames}
    val1 = [r for r in openpyxl.load_workbook(example)["Validation"].values]
    run_cli("validate", example, "--as-of", AS_OF, "--in-place")
    assert user_view(example) == first
    assert {s: notes(example, s) for s in openpyxl.load_workbook(example).sheetnames} == \
        first_notes
    assert [r for r in openpyxl.load_workbook(example)["Validation"].values] == val1
    assert openpyxl.load_workbook(example).sheetnames.count("Validation") == 1


def test_fixed_problem_loses_its_note_and_user_comment_is_kept(make_plan):
    from openpyxl.comments import Comment

    path = make_plan([task("A1", rag="Red", date_to_complete="Sep-18"),
                      task("A2", rag="Red", date_to_complete="Sep-18")])
    run_cli("validate", path, "--in-place")
    wb = openpyxl.load_workbook(path)
    ws = wb["WS1 Stream 1"]
    hr = _header_row(ws)
    assert ws.cell(hr + 1, 9).comment.author == "cqcxl"  # I: mitigation
    # the lead writes a mitigation for A1 and their own comment on A2's mitigation cell
    ws.cell(hr + 1, 9).value = "Extra staff from December"
    ws.cell(hr + 2, 9).comment = Comment("Ask Jo about this", "Lead")
    wb.save(path)
    r = run_cli("validate", path, "--in-place", "--json")
    found = json.loads(r.stdout)
    ws = openpyxl.load_workbook(path)["WS1 Stream 1"]
    assert ws.cell(hr + 1, 9).comment is None
    assert ws.cell(hr + 1, 9).value == "Extra staff from December"
    assert (ws.cell(hr + 2, 9).comment.author, ws.cell(hr + 2, 9).comment.text) == \
        ("Lead", "Ask Jo about this")
    assert any(f["code"] == "note-not-added" and f["cell"] == f"I{hr + 2}" for f in found)


def test_invalid_rag_gets_no_fill_and_a_clean_cell_loses_our_fill(make_plan):
    path = make_plan([task("A1", rag="Green"), task("A2", rag="Purple")])
    run_cli("validate", path, "--in-place")
    wb = openpyxl.load_workbook(path)
    ws = wb["WS1 Stream 1"]
    hr = _header_row(ws)
    assert ws.cell(hr + 1, 6).fill.fgColor.rgb[-6:] == "00B050"
    assert ws.cell(hr + 2, 6).fill.fill_type is None
    ws.cell(hr + 1, 6).value = "nonsense"
    wb.save(path)
    run_cli("validate", path, "--in-place")
    ws = openpyxl.load_workbook(path)["WS1 Stream 1"]
    assert ws.cell(hr + 1, 6).fill.fill_type is None


def test_exit_codes(make_plan, tmp_path):
    good = make_plan([task("A1")], name="good.xlsx")
    assert run_cli("validate", good).returncode == 0
    bad = make_plan([task("A1", rag="Purple")], name="bad.xlsx")
    assert run_cli("validate", bad).returncode == 1
    r = run_cli("validate", tmp_path / "missing.xlsx")
    assert r.returncode == 2 and "no such file" in r.stderr and "Traceback" not in r.stderr
    r = run_cli("validate", good, "--as-of", "15/11/2018")
    assert r.returncode == 2 and "YYYY-MM-DD" in r.stderr


def test_text_that_looks_like_a_formula_stays_text(make_plan, tmp_path):
    path = make_plan([task("=1+1", rag="Purple")])
    out = tmp_path / "out.xlsx"
    assert run_cli("validate", path, "-o", out).returncode == 1
    ws = openpyxl.load_workbook(out)["Validation"]
    ids = [r[2] for r in ws.iter_rows(min_row=8, values_only=True)]
    assert "=1+1" in ids
    cell = next(c for c in ws["C"] if c.value == "=1+1")
    assert cell.data_type == "s"
