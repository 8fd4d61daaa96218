"""The command line's file engine keeps what it does not own, byte for byte, on a real plan
edited the way Excel writes it; one writer at a time; paths that cannot be written get one
line, never a traceback."""

from __future__ import annotations

import os
import re
import shutil
import zipfile
from pathlib import Path

import openpyxl
import pytest

from cqcxl.cli import main
from cqcxl.engines.package_engine import PackageBook
from cqcxl.errors import BookError
from cqcxl.jobs import run_jobs

from .conftest import EXAMPLE

AS_OF = "2018-11-15"
LABEL = ('<?xml version="1.0" encoding="utf-8" standalone="yes"?>\n<clbl:labelList '
         'xmlns:clbl="http://schemas.microsoft.com/office/2020/mipLabelMetadata"><clbl:label '
         'id="{2f2a1b39-0000-4000-8000-00000000cafe}" enabled="1" method="Privileged" '
         'siteId="{00000000-1111-2222-3333-444444444444}" removed="0"/></clbl:labelList>')
RT_LABEL = "http://schemas.microsoft.com/office/2020/02/relationships/classificationlabels"
RICH = (r'<is><r><rPr><b/><color rgb="FFFF0000"/><sz val="11"/><rFont val="Calibri"/></rPr>'
        r'<t xml:space="preserve">URGENT: </t></r><r><rPr><sz val="11"/><rFont val="Calibri"/>'
        r'</rPr><t>\1</t></r></is>')


def _edit(path: Path, name: str, fn) -> None:
    tmp = path.with_suffix(".tmp")
    with zipfile.ZipFile(path) as zin, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as z:
        names = zin.namelist()
        for n in names:
            data = zin.read(n)
            if n == name:
                data = fn(data.decode("utf-8")).encode("utf-8")
            z.writestr(n, data)
        if name not in names:
            z.writestr(name, fn("").encode("utf-8"))
    os.replace(tmp, path)


def _sheet_part(path: Path, title: str) -> str:
    with zipfile.ZipFile(path) as z:
        wb = z.read("xl/workbook.xml").decode()
        rels = z.read("xl/_rels/workbook.xml.rels").decode()
    rid = re.search(rf'<sheet [^>]*name="{re.escape(title)}"[^>]*r:id="(\w+)"', wb)[1]
    target = re.search(rf'Id="{rid}"[^>]*Target="([^"]+)"|Target="([^"]+)"[^>]*Id="{rid}"',
                       rels)
    return "xl/" + (target[1] or target[2]).lstrip("/").removeprefix("xl/")


@pytest.fixture
def user_plan(tmp_path) -> Path:
    """The example plan as a lead's Excel would leave it: a sensitivity label, 'read-only
    recommended', an 'Allow users to edit ranges' range and a rich-text narrative (a bold
    red "URGENT:") on WS4."""
    p = tmp_path / "plan.xlsx"
    shutil.copy(EXAMPLE, p)
    _edit(p, "docMetadata/LabelInfo.xml", lambda _: LABEL)
    _edit(p, "_rels/.rels", lambda t: t.replace(
        "</Relationships>", f'<Relationship Id="rIdL1" Type="{RT_LABEL}" '
        'Target="docMetadata/LabelInfo.xml"/></Relationships>'))
    _edit(p, "[Content_Types].xml", lambda t: t.replace(
        "</Types>", '<Override PartName="/docMetadata/LabelInfo.xml" ContentType='
        '"application/vnd.ms-office.classificationlabels+xml"/></Types>'))
    _edit(p, "xl/workbook.xml", lambda t: re.sub(
        r"(<workbook\b[^>]*>)", r'\1<fileSharing readOnlyRecommended="1" userName="Coordinator"/>',
        t, count=1))
    ws4 = _sheet_part(p, "WS4 Commissioning")
    _edit(p, ws4, lambda t: re.sub(r"<is><t>(There is a paper[^<]*)</t></is>", RICH, t,
                                   count=1))
    _edit(p, ws4, lambda t: t.replace(
        "<autoFilter", '<protectedRanges><protectedRange sqref="H12:I30" name="Leads"/>'
        "</protectedRanges><autoFilter", 1) if "<autoFilter" in t else re.sub(
        r"(</sheetData>)", r'\1<protectedRanges><protectedRange sqref="H12:I30" '
        r'name="Leads"/></protectedRanges>', t, count=1))
    openpyxl.load_workbook(p)  # still a workbook
    return p


def _parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n) for n in z.namelist()}


def test_the_in_place_chain_keeps_every_part_it_does_not_own(user_plan):
    before = _parts(user_plan)
    ws4 = _sheet_part(user_plan, "WS4 Commissioning")
    for job in ("validate", "summary", "close-period"):
        assert main([job, str(user_plan), "--as-of", AS_OF, "--in-place"]) in (0, 1)
    after = _parts(user_plan)
    # parts nobody but the user owns: byte for byte
    assert b"URGENT: </t>" in before[ws4]
    for name in ("docMetadata/LabelInfo.xml", "xl/theme/theme1.xml", "docProps/core.xml",
                 "xl/tables/table1.xml"):
        assert after[name] == before[name], name
    assert b"clbl:labelList" in after["docMetadata/LabelInfo.xml"]
    # rich text untouched in the sheet cqcxl patched (its RAG cells)
    assert re.search(rb'<b/><color rgb="FFFF0000"/>.{0,80}URGENT: </t></r><r>.{0,80}'
                     rb"<t>There is a paper", after[ws4])
    # parts cqcxl patched keep the user's content in them
    assert b'<fileSharing readOnlyRecommended="1" userName="Coordinator"/>' in after[
        "xl/workbook.xml"]
    assert b'<protectedRange sqref="H12:I30" name="Leads"/>' in after[ws4]
    assert b"LabelInfo.xml" in after["_rels/.rels"]
    # and the jobs did their work
    wb = openpyxl.load_workbook(user_plan)
    assert {"Summary", "Validation", "Period history"} <= set(wb.sheetnames)
    assert len(wb["Summary"]._charts) == 10
    assert user_plan.with_name("plan.bak.xlsx").exists()


def test_a_workbook_changed_between_read_and_save_is_not_overwritten(user_plan):
    first = PackageBook(user_plan)
    second = PackageBook(user_plan)
    for book in (first, second):
        for r in run_jobs(["validate"], book.read()):
            book.apply(r.edits)
    first.save(user_plan)
    saved = user_plan.read_bytes()
    with pytest.raises(BookError, match="changed while cqcxl was working"):
        second.save(user_plan)
    assert user_plan.read_bytes() == saved
    assert sorted(p.name for p in user_plan.parent.iterdir()) == ["plan.xlsx"]


def test_another_job_saving_holds_the_lock(user_plan, capsys):
    lock = user_plan.with_name(".~cqcxl-plan.xlsx.lock")
    lock.write_text("4242\n")
    before = user_plan.read_bytes()
    assert main(["summary", str(user_plan), "--as-of", AS_OF, "--in-place"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "another cqcxl job is saving" in err[0]
    assert user_plan.read_bytes() == before


def test_in_place_through_a_link_writes_the_file_and_keeps_the_link(user_plan):
    link = user_plan.with_name("link.xlsx")
    link.symlink_to(user_plan)
    before = user_plan.read_bytes()
    assert main(["summary", str(link), "--as-of", AS_OF, "--in-place"]) == 0
    assert link.is_symlink() and user_plan.read_bytes() != before
    assert "Summary" in openpyxl.load_workbook(link).sheetnames


@pytest.mark.parametrize("args, words", [
    (["validate", "{book}", "--csv", "{tmp}/missing/f.csv"], ("does not exist",)),
    (["export", "{book}", "--json", "-o", "{tmp}/missing/plan.json"], ("does not exist",)),
    (["summary", "{book}", "-o", "{tmp}/missing/out.xlsx"], ("does not exist",)),
    (["summary", "{book}", "-o", "{tmp}"], ("folder",)),
], ids=["csv-missing-folder", "export-missing-folder", "output-missing-folder",
        "output-is-a-folder"])
def test_paths_that_cannot_be_written_get_one_line(user_plan, tmp_path, capsys, args, words):
    argv = [a.format(book=user_plan, tmp=tmp_path) for a in args]
    assert main([*argv, *(["--as-of", AS_OF] if argv[0] != "export" else [])]) == 2
    err = [x for x in capsys.readouterr().err.splitlines() if x.strip()]
    assert len(err) == 1 and all(w in err[0] for w in words), err
    assert "Traceback" not in err[0]


def test_a_folder_that_refuses_writing_gets_one_line(user_plan, monkeypatch, capsys):
    """(Root ignores file permissions, so the refusal is simulated where the file is
    created.)"""
    import tempfile

    def refuse(*a, **k):
        raise PermissionError(13, "Permission denied")
    monkeypatch.setattr(tempfile, "mkstemp", refuse)
    before = user_plan.read_bytes()
    assert main(["validate", str(user_plan), "--as-of", AS_OF, "--in-place"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "cannot write" in err[0], err
    assert user_plan.read_bytes() == before
