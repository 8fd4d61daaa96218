"""The CLI's user-facing behaviour, the export, and the core's independence from workbooks."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile

import openpyxl

from cqcxl.core.schema import check_plan_json

from .conftest import EXAMPLE, run_cli


def test_version():
    r = run_cli("--version")
    assert r.returncode == 0 and r.stdout.startswith("cqcxl ")


def test_export_validates_against_the_plan_schema_with_121_tasks():
    r = run_cli("export", EXAMPLE, "--json")
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    assert check_plan_json(doc) == []
    assert [len(w["tasks"]) for w in doc["workstreams"]] == [14, 28, 13, 7, 29, 6, 12, 9, 3]
    assert doc["reporting_date"] == "2018-11-15"
    c2 = next(t for t in doc["workstreams"][0]["tasks"] if t["task_id"] == "C2")
    assert c2["owners"] == ["Michael Smillie", "John Glover", "Paul Robinson"]
    dates = [t["date_to_complete"] for w in doc["workstreams"] for t in w["tasks"]]
    assert all("raw" in d and "kind" in d for d in dates)


def _one_line_error(r, *words):
    assert r.returncode == 2, (r.returncode, r.stderr)
    assert "Traceback" not in r.stderr
    lines = [x for x in r.stderr.splitlines() if x.strip()]
    assert len(lines) == 1, r.stderr
    for w in words:
        assert w in lines[0], lines[0]


def test_user_errors_are_one_line(tmp_path):
    _one_line_error(run_cli("export", tmp_path / "nope.xlsx"), "nope.xlsx", "no such file")
    csv = tmp_path / "plan.xlsx"
    csv.write_text("Task ID,RAG\nA1,Green\n")
    _one_line_error(run_cli("validate", csv), "plan.xlsx", "not an Excel workbook")
    empty = tmp_path / "empty.xlsx"
    empty.write_bytes(b"")
    _one_line_error(run_cli("summary", empty), "empty")
    trunc = tmp_path / "trunc.xlsx"
    trunc.write_bytes(EXAMPLE.read_bytes()[:5000])
    _one_line_error(run_cli("validate", trunc), "trunc.xlsx")


def test_missing_task_id_header_names_file_sheet_and_cell(tmp_path):
    wb = openpyxl.load_workbook(EXAMPLE)
    ws = wb["WS3 Communication & Engagement"]
    for row in ws.iter_rows():
        for c in row:
            if c.value == "Task ID":
                c.value = "Ref no"
    p = tmp_path / "broken.xlsx"
    wb.save(p)
    r = run_cli("validate", p)
    _one_line_error(r, "broken.xlsx", "WS3 Communication & Engagement", "Task ID")


def test_core_imports_no_workbook_library():
    code = ("import sys, cqcxl.core.model, cqcxl.core.dates, cqcxl.core.rules,"
            " cqcxl.core.summary, cqcxl.core.history, cqcxl.core.schema, cqcxl.sheets.cover,"
            " cqcxl.sheets.validation, cqcxl.sheets.history, cqcxl.sheets.template,"
            " cqcxl.jobs, cqcxl.edits, cqcxl.grid;"
            "bad = [m for m in ('openpyxl', 'xlwings') if m in sys.modules];"
            "print(bad); sys.exit(1 if bad else 0)")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr


def test_template_refuses_a_non_xlsx_name(tmp_path):
    _one_line_error(run_cli("template", "-o", tmp_path / "t.csv"), ".xlsx")


def test_example_is_a_real_zip_package():
    with zipfile.ZipFile(EXAMPLE) as z:
        assert "xl/workbook.xml" in z.namelist()


def test_csv_export_escapes_formula_text(make_plan, tmp_path):
    import csv

    from cqcxl.export import safe_cell

    assert [safe_cell(x) for x in ("=1+1", "+44", "-3", "@SUM", "\tx", "A1", "")] == \
        ["'=1+1", "'+44", "'-3", "'@SUM", "'\tx", "A1", ""]
    from .conftest import task

    path = make_plan([task("=HYPERLINK(\"http://x\")", rag="Purple")])
    out = tmp_path / "findings.csv"
    r = run_cli("validate", path, "--csv", out)
    assert r.returncode == 1
    rows = list(csv.DictReader(out.read_text(encoding="utf-8-sig").splitlines()))
    assert rows and all(not row["task_id"].startswith("=") for row in rows)
    assert any(row["task_id"] == "'=HYPERLINK(\"http://x\")" for row in rows)


def test_validate_with_summary_writes_both_sheets_in_one_save(tmp_path):
    out = tmp_path / "both.xlsx"
    r = run_cli("validate", EXAMPLE, "--as-of", "2018-11-15", "--summary", "-o", out)
    assert r.returncode == 1, r.stderr  # the example plan has errors
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames[:2] == ["Summary", "Validation"]
    # the cover counts the same 121 tasks the findings were made from
    assert "121 Actions" in [c.value for row in wb["Summary"].iter_rows(max_row=12)
                             for c in row]
    assert wb["Validation"]["A3"].value.startswith("Errors: 19")  # issue 15: 9 Reds now warn
    assert "52 Blue, 47 Green, 9 Amber, 13 Red" in r.stderr
