"""Issue 16, items 5 and 6: the command line never surprises, and pandas where it serves.

Every test runs ``cqcxl`` as a user would (``cqcxl.cli.main`` in this process, with
capsys) and checks what they see: the exit code, stdout, stderr, and whether a file was
written or left exactly as it was. Expected values are worked out by hand from the
example plan (121 key tasks: 52 Blue, 47 Green, 9 Amber, 13 Red; nine workstream sheets).
"""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import sys
import types
import zipfile
from datetime import date
from pathlib import Path

import pytest

from cqcxl.cli import main, parser
from cqcxl.core.people import split_owners, split_sponsors
from cqcxl.errors import BookError
from cqcxl.export import DATE_COLUMNS

from .conftest import EXAMPLE, task

AS_OF = "2018-11-15"
WS_SHEETS = ["WS1 ICT", "WS2 Workforce", "WS3 Communication & Engagement", "WS4 Commissioning",
             "WS5 System Development", "WS6 CHC", "WS7 Extended GP Access", "WS8 Reablement",
             "WS9 Cumberland Infirmary"]


def cli(capsys, *args) -> tuple[int, str, str]:
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def one_line(code: int, out: str, err: str, *words: str) -> str:
    """Exit 2, nothing on stdout, one line on stderr holding every word, no traceback."""
    assert code == 2, (code, err)
    assert out == "" and "Traceback" not in err
    lines = [x for x in err.splitlines() if x.strip()]
    assert len(lines) == 1, err
    for w in words:
        assert w in lines[0], (w, lines[0])
    return lines[0]


@pytest.fixture
def plan(tmp_path) -> Path:
    p = tmp_path / "plan.xlsx"
    shutil.copy(EXAMPLE, p)
    return p


@pytest.fixture
def fake_pack(monkeypatch):
    """cqcxl.pack as another engineer will write it, faked: records each call, reports
    progress, writes a small PDF."""
    calls: list[dict] = []

    def build_pack(book, out, *, soffice, as_of, progress):
        calls.append({"book": book, "out": out, "soffice": soffice, "as_of": as_of})
        progress("converting the cover with LibreOffice…")
        if book.stem == "refuse":
            raise BookError(f"{book}: LibreOffice was not found. Install it, or give "
                            "--soffice PATH.")
        out.write_bytes(b"%PDF-1.4\n%%EOF\n")
        return types.SimpleNamespace(pages=3, path=out)

    mod = types.ModuleType("cqcxl.pack")
    mod.build_pack = build_pack
    monkeypatch.setitem(sys.modules, "cqcxl.pack", mod)
    return calls


# --- -o onto an existing file -----------------------------------------------------------

@pytest.mark.parametrize("args, name", [
    (["template", "-o", "{out}"], "real.xlsx"),
    (["export", "{book}", "-o", "{out}"], "plan.json"),
    (["export", "{book}", "--format", "csv", "--table", "tasks", "-o", "{out}"], "tasks.csv"),
    (["validate", "{book}", "--as-of", AS_OF, "-o", "{out}"], "real.xlsx"),
    (["validate", "{book}", "--as-of", AS_OF, "--csv", "{out}"], "findings.csv"),
    (["summary", "{book}", "--as-of", AS_OF, "-o", "{out}"], "real.xlsx"),
    (["close-period", "{book}", "--as-of", AS_OF, "-o", "{out}"], "real.xlsx"),
    (["pack", "{book}", "-o", "{out}"], "board.pdf"),
], ids=["template", "export-json", "export-csv", "validate", "validate-csv", "summary",
        "close-period", "pack"])
def test_an_existing_file_is_never_replaced_without_force(plan, tmp_path, capsys, fake_pack,
                                                         args, name):
    out = tmp_path / name
    shutil.copy(EXAMPLE, out)  # a filled plan the user would lose
    before, mtime = out.read_bytes(), out.stat().st_mtime_ns
    argv = [a.format(book=plan, out=out) for a in args]
    line = one_line(*cli(capsys, *argv), str(out), "add --force to replace it")
    assert "Traceback" not in line
    assert out.read_bytes() == before and out.stat().st_mtime_ns == mtime
    assert fake_pack == []  # the pack was not even started

    code, _, err = cli(capsys, *argv, "--force")
    assert code in (0, 1), err
    assert out.read_bytes() != before
    assert f"wrote {out}" in err


def test_template_over_a_filled_plan_is_refused_then_replaced_with_force(plan, capsys):
    before = plan.read_bytes()
    one_line(*cli(capsys, "template", "-o", plan), "plan.xlsx", "already exists",
             "add --force to replace it")
    assert plan.read_bytes() == before
    assert cli(capsys, "template", "-o", plan, "--force")[0] == 0
    code, out, _ = cli(capsys, "export", plan, "--format", "csv", "--table", "tasks")
    assert code == 0 and len(_rows(out)) == 0  # the blank template: no key task left


def test_template_default_name_is_not_replaced_either(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("workbook_template.xlsx").write_bytes(b"mine")
    one_line(*cli(capsys, "template"), "workbook_template.xlsx", "add --force")
    assert Path("workbook_template.xlsx").read_bytes() == b"mine"


@pytest.mark.parametrize("job", ["validate", "summary", "close-period"])
def test_o_naming_the_input_itself_says_use_in_place(plan, tmp_path, capsys, job):
    (tmp_path / "sub").mkdir()
    same = tmp_path / "sub" / ".." / "plan.xlsx"  # another spelling of the same file
    before = plan.read_bytes()
    for extra in ([], ["--force"]):
        one_line(*cli(capsys, job, plan, "--as-of", AS_OF, "-o", same, *extra),
                 "names the workbook itself", "--in-place")
    assert plan.read_bytes() == before


# --- -o with the wrong extension ----------------------------------------------------------

@pytest.mark.parametrize("args, out, right", [
    (["validate", "{book}", "-o", "{out}"], "out.csv", "out.xlsx"),
    (["summary", "{book}", "-o", "{out}"], "out.xlsm", "out.xlsx"),
    (["summary", "{book}", "-o", "{out}"], "out.xls", "out.xlsx"),
    (["close-period", "{book}", "-o", "{out}"], "out.json", "out.xlsx"),
    (["export", "{book}", "-o", "{out}"], "export.xlsx", "export.json"),
    (["export", "{book}", "--format", "csv", "--table", "tasks", "-o", "{out}"], "t.xlsx",
     "t.csv"),
    (["export", "{book}", "--format", "parquet", "--table", "tasks", "-o", "{out}"],
     "t.csv", "t.parquet"),
    (["validate", "{book}", "--csv", "{out}"], "findings.xlsx", "findings.csv"),
    (["template", "-o", "{out}"], "t.json", "t.xlsx"),
    (["template", "-o", "{out}"], "t.xlsm", "t.xlsx"),
    (["template", "--xlsm", "-o", "{out}"], "t.xlsx", "t.xlsm"),
    (["pack", "{book}", "-o", "{out}"], "pack.xlsx", "pack.pdf"),
    (["summary", "{book}", "-o", "{out}"], "cover", "cover.xlsx"),
])
def test_o_with_the_wrong_extension_names_the_right_one(plan, tmp_path, capsys, fake_pack,
                                                      args, out, right):
    argv = [a.format(book=plan, out=tmp_path / out) for a in args]
    line = one_line(*cli(capsys, *argv, "--as-of", AS_OF) if args[0] in (
        "validate", "summary", "close-period") else cli(capsys, *argv),
        f"write to {right}", "the result is")
    assert right[right.rindex("."):] in line
    assert not (tmp_path / out).exists() and not (tmp_path / right).exists()
    assert fake_pack == []


def test_export_onto_the_workbook_itself_is_refused(plan, capsys):
    before = plan.read_bytes()
    one_line(*cli(capsys, "export", plan, "-o", plan, "--force"), "write to plan.json")
    assert plan.read_bytes() == before


def _macro_enabled(src: Path, dst: Path) -> Path:
    """``src`` with the workbook part typed as macro-enabled (what Excel writes as .xlsm)."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename == "[Content_Types].xml":
                data = data.replace(
                    b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
                    b"application/vnd.ms-excel.sheet.macroEnabled.main+xml")
            zout.writestr(info, data)
    return dst


def test_an_xlsm_is_written_as_xlsm_and_refused_as_xlsx(tmp_path, capsys):
    book = _macro_enabled(EXAMPLE, tmp_path / "plan.xlsm")
    one_line(*cli(capsys, "summary", book, "--as-of", AS_OF, "-o", tmp_path / "c.xlsx"),
             "write to c.xlsm", "macro-enabled")
    assert not (tmp_path / "c.xlsx").exists()
    code, _, err = cli(capsys, "summary", book, "--as-of", AS_OF, "-o", tmp_path / "c.xlsm")
    assert code == 0, err
    with zipfile.ZipFile(tmp_path / "c.xlsm") as zf:
        assert b"macroEnabled" in zf.read("[Content_Types].xml")


# --- reports on stdout, status on stderr --------------------------------------------------

def test_findings_go_to_stdout_grouped_by_sheet(plan, capsys):
    before = plan.read_bytes()
    code, out, err = cli(capsys, "validate", plan, "--as-of", AS_OF)
    assert code == 1
    assert plan.read_bytes() == before
    # `cqcxl validate plan.xlsx | grep WS4` finds WS4's findings
    ws4 = [x for x in out.splitlines() if "WS4" in x]
    assert any(x.strip().startswith("ERROR   WS4 Commissioning!J13") for x in ws4)
    # stderr is status only: no finding there
    assert err.strip() == "nothing written (use -o OUT.xlsx or --in-place to write the result)"
    # one heading per sheet with findings, in workbook order, each followed by its findings
    headings = [x.split(":")[0] for x in out.splitlines() if x and not x.startswith(" ")]
    assert headings[:-1] == WS_SHEETS  # every sheet of the example has something to fix
    assert headings[-1].startswith("121 key tasks checked as at 2018-11-15")
    current = None
    for line in out.splitlines():
        if line and not line.startswith(" "):
            current = line.split(":")[0]
        elif line.strip():
            assert line.split("!")[0].strip().split(None, 1)[1] == current, line
    assert "WS1 ICT: 2 warnings\n" in out  # the heading counts only what is there
    assert "19 errors" in out.splitlines()[-1]


def test_no_finding_line_says_the_alarm_twice(plan, capsys):
    code, out, _ = cli(capsys, "validate", plan, "--as-of", AS_OF)
    flagged = [x for x in out.splitlines() if "OVERDUE WITH NO MITIGATION" in x.upper()]
    assert flagged  # the example has overdue Reds with nothing said about them
    assert all(x.upper().count("OVERDUE WITH NO MITIGATION") == 1 for x in flagged), flagged
    assert "[OVERDUE, NO MITIGATION]" not in out


def test_the_alarm_tag_is_added_where_the_message_does_not_say_it(capsys):
    from cqcxl.cli import _print_findings
    from cqcxl.core.findings import make

    said = make("red-without-mitigation", "WS1 ICT", "I5", "A1",
                "OVERDUE WITH NO MITIGATION. Task A1 is Red.", overdue_no_mitigation=True)
    unsaid = make("overdue-not-moderated", "WS1 ICT", "F6", "A2", "Task A2 is overdue.",
                  overdue_no_mitigation=True)
    _print_findings(types.SimpleNamespace(findings=[said, unsaid]), ["WS1 ICT"])
    out = capsys.readouterr().out
    assert "I5 red-without-mitigation: OVERDUE WITH NO MITIGATION. Task A1 is Red." in out
    assert "F6 overdue-not-moderated: OVERDUE WITH NO MITIGATION. Task A2 is overdue." in out
    assert out.splitlines()[0] == "WS1 ICT: 2 errors; 2 overdue with no mitigation"


def test_json_is_pure_json_on_stdout_and_the_status_on_stderr(plan, capsys):
    code, out, err = cli(capsys, "validate", plan, "--as-of", AS_OF, "--json")
    assert code == 1
    found = json.loads(out)
    assert sum(f["severity"] == "error" for f in found) == 19
    assert "121 key tasks checked as at 2018-11-15" in err and "nothing written" in err


def test_chase_and_export_report_on_stdout(plan, capsys):
    code, out, err = cli(capsys, "chase", plan, "--as-of", AS_OF, "--json")
    assert code == 0 and json.loads(out)["as_of"] == AS_OF
    assert re.fullmatch(r"\d+ task owners? to chase as at 2018-11-15\.\n", err)
    code, out, err = cli(capsys, "export", plan)
    assert code == 0 and err == ""
    assert json.loads(out)["reporting_date"] == AS_OF  # --format json is the default


# --- close-period ---------------------------------------------------------------------------

def test_close_period_dry_run_says_so_first(plan, capsys):
    before = plan.read_bytes()
    code, out, err = cli(capsys, "close-period", plan, "--as-of", AS_OF)
    assert code == 0 and out == ""
    lines = err.splitlines()
    assert lines[0].startswith("Dry run — nothing will be written.")
    assert lines[1] == ("would close the period ending 2018-11-15: 121 key tasks of 9 "
                        "workstreams into the History sheet (1 period in all).")
    assert plan.read_bytes() == before


def test_close_period_refuses_an_earlier_or_the_same_date(plan, capsys):
    code, _, err = cli(capsys, "close-period", plan, "--as-of", AS_OF, "--in-place")
    assert code == 0, err
    assert "(1 period in all)" in err and "1 periods" not in err
    before = plan.read_bytes()
    line = one_line(*cli(capsys, "close-period", plan, "--as-of", "2018-08-15", "--in-place"),
                    "2018-08-15", "2018-11-15", "earlier")
    assert "History" in line or "Period history" in line
    one_line(*cli(capsys, "close-period", plan, "--as-of", AS_OF, "--in-place"),
             "2018-11-15", "already closed")
    one_line(*cli(capsys, "close-period", plan, "--as-of", AS_OF), "already closed")  # dry run
    assert plan.read_bytes() == before
    code, _, err = cli(capsys, "close-period", plan, "--as-of", "2018-12-15", "--in-place")
    assert code == 0 and "(2 periods in all)" in err


# --- files that are not Excel workbooks --------------------------------------------------------

def _not_workbooks(folder: Path) -> dict[str, tuple[Path, tuple[str, ...]]]:
    renamed = folder / "renamed.xls"
    shutil.copy(EXAMPLE, renamed)
    old = folder / "old.xls"
    old.write_bytes(bytes.fromhex("D0CF11E0A1B11AE1") + bytes(4096))
    ods = folder / "plan.ods"
    with zipfile.ZipFile(ods, "w") as zf:
        zf.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet")
        zf.writestr("content.xml", "<office:document-content/>")
        zf.writestr("META-INF/manifest.xml", "<manifest:manifest/>")
    csv_file = folder / "plan.csv"
    csv_file.write_text("Task ID,RAG\nA1,Green\n", encoding="utf-8")
    return {
        "xlsx-renamed-xls": (renamed, ("renamed.xls", "Excel workbook", "Rename it to "
                                       "renamed.xlsx")),
        "old-xls": (old, ("old.xls", "97-2003", "Save As", ".xlsx")),
        "ods": (ods, ("plan.ods", "OpenDocument", "Save As", ".xlsx")),
        "csv": (csv_file, ("plan.csv", "CSV", "Save As", ".xlsx")),
        "missing": (folder / "nope.xlsx", ("nope.xlsx", "no such file")),
    }


@pytest.mark.parametrize("kind", ["xlsx-renamed-xls", "old-xls", "ods", "csv", "missing"])
@pytest.mark.parametrize("job", ["validate", "summary", "close-period", "export", "chase",
                                 "pack"])
def test_what_is_not_a_workbook_gets_one_line_saying_what_to_do(tmp_path, capsys, fake_pack,
                                                                kind, job):
    path, words = _not_workbooks(tmp_path)[kind]
    before = sorted(p.name for p in tmp_path.iterdir())
    extra = ["--in-place"] if job in ("validate", "summary", "close-period") else []
    one_line(*cli(capsys, job, path, *extra), *words)
    assert sorted(p.name for p in tmp_path.iterdir()) == before  # nothing written
    assert fake_pack == []


# --- help ---------------------------------------------------------------------------------

def test_every_option_has_help_and_dates_say_yyyy_mm_dd():
    import argparse

    p = parser()
    sub = next(a for a in p._actions if isinstance(a, argparse._SubParsersAction))
    assert set(sub.choices) >= {"template", "export", "validate", "summary", "close-period",
                                "chase", "pack", "xlwings-config"}
    for name, sp in sub.choices.items():
        for a in sp._actions:
            if isinstance(a, argparse._HelpAction):
                continue
            assert a.help and a.help != argparse.SUPPRESS, (name, a.dest)
            if a.dest == "as_of":
                assert "YYYY-MM-DD" in a.help and a.metavar == "YYYY-MM-DD", name


# --- sponsors -----------------------------------------------------------------------------

def test_sponsors_keep_their_job_titles():
    # the example's sponsor cells (Cumbria, November 2018), split by hand
    assert split_sponsors("Fiona Musgrave- Assistant Director Integration and Partnership, "
                          "Cumbria County Council") == [
        "Fiona Musgrave- Assistant Director Integration and Partnership, Cumbria County "
        "Council"]
    assert split_sponsors("Stephen Eames – Chief Executive, North Cumbria University Hospital "
                          "Trust and Cumbria Partnership Foundation Trust") == [
        "Stephen Eames – Chief Executive, North Cumbria University Hospital Trust and "
        "Cumbria Partnership Foundation Trust"]
    assert split_sponsors("Jo Atkinson, Assistant Director Strategic Commissioning, Cumbria "
                          "County Council; Anna Stabler, Director of Nursing North Cumbria; "
                          "Margaret Williams, Chief Nurse Morecambe Bay CCG") == [
        "Jo Atkinson, Assistant Director Strategic Commissioning, Cumbria County Council",
        "Anna Stabler, Director of Nursing North Cumbria",
        "Margaret Williams, Chief Nurse Morecambe Bay CCG"]
    assert split_sponsors("Peter Rooney, Chief Operating Officer North Cumbria CCG") == [
        "Peter Rooney, Chief Operating Officer North Cumbria CCG"]


@pytest.mark.parametrize("cell, people", [
    # owner cells of the example (Cumbria, November 2018), read by hand: one name a person
    ("Charles Welbourn, CFO NC CCG", ["Charles Welbourn"]),
    ("Kevin Parkinson, CFO, MBCCG", ["Kevin Parkinson"]),
    ("Jo Atkinson (Cumbria County Council), Hilary Fordham, Peter Rooney",
     ["Jo Atkinson", "Hilary Fordham", "Peter Rooney"]),
    ("Jo Atkinson Assistant Director CCC/ Anna Stabler Director of Nursing & Quality NCCCG/ "
     "Margaret Williams Chief Nurse MBCCG", ["Jo Atkinson", "Anna Stabler", "Margaret Williams"]),
    ("Hilary Fordham – Chief Operating Officer Morecambe Bay CCG, Anthony Gardner, Director of "
     "Strategy, Morecambe Bay, Dawn Roberts – Executive Director Corporate, Customer and "
     "Community Services, Peter Rooney, Chief Operating Officer North Cumbria CCG",
     ["Hilary Fordham", "Anthony Gardner", "Dawn Roberts", "Peter Rooney"]),
    ("Julie Clayton (North Cumbria CCG)/ Assistant Director Customers and Communities (Cumbria "
     "County Council) – Interim Paul Robinson/ Jacqui Thompson (Morecambe Bay CCG)",
     ["Julie Clayton", "Paul Robinson", "Jacqui Thompson"]),
    ("Julie Clayton/ Assistant Director Customers and Communities (Cumbria County Council) – "
     "Interim Paul Robinson/ Jacqui", ["Julie Clayton", "Paul Robinson", "Jacqui"]),
    ("Helen McConville /Vanessa Connor in the north", ["Helen McConville", "Vanessa Connor"]),
    ("Paul Robinson (Cumbria County Council)/ David Wilkinson (Morecambe Bay)/Michael Smillie "
     "(North Cumbria)/Jo Atkinson (Cumbria County Council)/ Independent Sector representative",
     ["Paul Robinson", "David Wilkinson", "Michael Smillie", "Jo Atkinson"]),
    ("Mr Graham Putnam (NCUHT)", ["Graham Putnam"]),
    ("Ann-Marie Grady (CPFT)", ["Ann-Marie Grady"]),
    ("Reablement teams managers (Cumbria County Council)", ["Reablement teams managers"]),
    # and others a lead may type
    ("Jane Doe, Head of Service", ["Jane Doe"]),
    ("Jane Doe and John Smith", ["Jane Doe", "John Smith"]),
    ("Anna van der Berg/ Jo de la Cruz", ["Anna van der Berg", "Jo de la Cruz"]),
    ("Jane Doe/ jane doe (CCG)", ["Jane Doe"]),
    ("TBC", ["TBC"]),
    ("", []),
])
def test_owners_are_chased_by_name(cell, people):
    assert split_owners(cell) == people


@pytest.mark.parametrize("cell, people", [
    ("Jane Doe and John Smith", ["Jane Doe", "John Smith"]),
    ("Jane Doe & John Smith", ["Jane Doe", "John Smith"]),
    ("Michael Smillie/John Glover/Paul Robinson",
     ["Michael Smillie", "John Glover", "Paul Robinson"]),
    ("Jane Doe\nJohn Smith", ["Jane Doe", "John Smith"]),
    ("Jane Doe (CCG); John Smith (Council)", ["Jane Doe (CCG)", "John Smith (Council)"]),
    ("Aaron Cummins\nChief Executive, UHMBT", ["Aaron Cummins, Chief Executive, UHMBT"]),
    ("Jane Doe, Director of Nursing, CCG/NECS", ["Jane Doe, Director of Nursing, CCG/NECS"]),
    ("Director of Health and Care Integration", ["Director of Health and Care Integration"]),
    ("", []),
])
def test_sponsors_split_between_people_only(cell, people):
    assert split_sponsors(cell) == people


def test_export_json_keeps_each_sponsor_with_their_title(capsys):
    code, out, _ = cli(capsys, "export", EXAMPLE, "--json")
    assert code == 0
    sponsors = {w["number"]: w["sponsors"] for w in json.loads(out)["workstreams"]}
    assert sponsors[5] == ["Fiona Musgrave- Assistant Director Integration and Partnership, "
                           "Cumbria County Council"]
    assert len(sponsors[6]) == 3 and len(sponsors[7]) == 2
    assert all(len(sponsors[n]) == 1 for n in (1, 2, 3, 4, 8, 9))


# --- pack -----------------------------------------------------------------------------------

def test_pack_writes_beside_the_book_with_progress_on_stderr(plan, capsys, fake_pack):
    code, out, err = cli(capsys, "pack", plan, "--as-of", AS_OF, "--soffice", "/opt/lo/soffice")
    assert code == 0 and out == ""
    want = plan.with_name("plan-board-pack.pdf")
    assert fake_pack == [{"book": plan, "out": want, "soffice": "/opt/lo/soffice",
                          "as_of": date(2018, 11, 15)}]
    assert err.splitlines() == ["converting the cover with LibreOffice…",
                                f"wrote {want} (3 pages)"]
    assert want.read_bytes().startswith(b"%PDF")


def test_pack_problems_are_one_line(tmp_path, capsys, fake_pack, monkeypatch):
    book = tmp_path / "refuse.xlsx"
    shutil.copy(EXAMPLE, book)
    code, out, err = cli(capsys, "pack", book)
    assert code == 2 and out == "" and "Traceback" not in err
    assert err.splitlines()[-1].startswith("cqcxl: ") and "LibreOffice was not found" in err
    monkeypatch.setitem(sys.modules, "cqcxl.pack", None)  # pack.py not there yet
    one_line(*cli(capsys, "pack", book), "Board pack")


# --- long tables: CSV without pandas, Parquet and DataFrames with it --------------------------

def _rows(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))


def test_csv_tables_need_no_pandas(tmp_path, capsys, monkeypatch, make_plan):
    monkeypatch.setitem(sys.modules, "pandas", None)  # as if not installed
    code, out, err = cli(capsys, "export", EXAMPLE, "--format", "csv", "--table", "tasks")
    assert code == 0 and err == ""
    rows = _rows(out)
    assert len(rows) == 121
    rags = [r["rag"] for r in rows]
    assert (rags.count("Blue"), rags.count("Green"), rags.count("Amber"),
            rags.count("Red")) == (52, 47, 9, 13)
    c2 = next(r for r in rows if r["sheet"] == "WS1 ICT" and r["task_id"] == "C2")
    assert c2["owners"] == "Michael Smillie; John Glover; Paul Robinson"
    assert c2["workstream"] == "1" and c2["cell"].startswith("B")
    # text that Excel would run as a formula is made safe
    path = make_plan([task("=1+1", rag="Purple")])
    out_csv = tmp_path / "tasks.csv"
    assert cli(capsys, "export", path, "--format", "csv", "--table", "tasks",
               "-o", out_csv)[0] == 0
    assert [r["task_id"] for r in _rows(out_csv.read_text(encoding="utf-8-sig"))] == ["'=1+1"]


def test_parquet_without_pandas_says_what_to_install(plan, tmp_path, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "pandas", None)
    out = tmp_path / "t.parquet"
    one_line(*cli(capsys, "export", plan, "--format", "parquet", "--table", "tasks", "-o", out),
             "pip install 'cqcxl[pandas]'")
    assert not out.exists()
    from cqcxl import frames

    with pytest.raises(ImportError, match=re.escape("pip install 'cqcxl[pandas]'")):
        frames.tasks(plan)


def test_export_table_options_are_checked_first(plan, capsys):
    one_line(*cli(capsys, "export", plan, "--format", "csv"), "--table")
    one_line(*cli(capsys, "export", plan, "--format", "parquet", "--table", "tasks"), "-o")
    one_line(*cli(capsys, "export", plan, "--json", "--format", "csv", "--table", "tasks"),
             "give one")


def test_findings_table_matches_validate(plan, capsys):
    code, out, _ = cli(capsys, "export", plan, "--format", "json", "--table", "findings",
                       "--as-of", AS_OF)
    assert code == 0
    rows = json.loads(out)
    assert sum(r["severity"] == "error" for r in rows) == 19
    assert {r["as_of"] for r in rows} == {AS_OF}
    assert {r["workstream"] for r in rows if r["sheet"] == "WS4 Commissioning"} == {4}


def test_parquet_and_frames_give_the_same_tables(plan, tmp_path, capsys):
    pd = pytest.importorskip("pandas")
    pytest.importorskip("pyarrow")
    from cqcxl import frames

    assert cli(capsys, "close-period", plan, "--as-of", "2018-08-15", "--in-place")[0] == 0
    assert cli(capsys, "close-period", plan, "--as-of", AS_OF, "--in-place")[0] == 0
    out = tmp_path / "history.parquet"
    code, _, err = cli(capsys, "export", plan, "--format", "parquet", "--table", "history",
                       "-o", out)
    assert code == 0 and err == f"wrote {out} (242 rows of history)\n"  # 121 tasks x 2
    hist = pd.read_parquet(out)  # Parquet dates (date32): Power BI shows them as dates
    assert sorted(set(hist["period"])) == [date(2018, 8, 15), date(2018, 11, 15)]
    assert (hist["period"] == date(2018, 11, 15)).sum() == 121
    same = frames.history(plan)
    for c in hist.columns:
        if c in DATE_COLUMNS:
            assert list(hist[c]) == [None if pd.isna(x) else x.date() for x in same[c]], c
        else:
            assert hist[c].equals(same[c]), c

    tasks = frames.tasks(plan)
    assert len(tasks) == 121
    assert tasks["rag"].value_counts().to_dict() == {"Blue": 52, "Green": 47, "Red": 13,
                                                     "Amber": 9}
    assert str(tasks["date_to_complete"].dtype).startswith("datetime64")
    assert str(tasks["workstream"].dtype) == "Int64"
    found = frames.findings(plan, as_of=date(2018, 11, 15))
    validated = json.loads(cli(capsys, "validate", plan, "--as-of", AS_OF, "--json")[1])
    assert list(zip(found["sheet"], found["cell"], found["code"], strict=True)) == [
        (f["sheet"], f["cell"], f["code"]) for f in validated]
