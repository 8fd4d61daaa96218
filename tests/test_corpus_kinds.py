"""Content an Excel user adds survives validate -> summary -> close-period --in-place (issue 13
item 7): dynamic arrays, a chart's style and colour parts, printer settings, Custom Views, an
OFFSET print area, a logo in the page header, a text box in a default-namespace drawing, and
all of them in one workbook. Each file is built by tests/corpus/kinds.py from the example.

After the chain: every part cqcxl does not own is byte for byte what it was; on the user's
sheets every element but the cells (page set-up, custom views, header, drawings…) and every
cell the user typed is as it was; workbook.xml keeps every element it had, the user's defined
names still name the same sheets; the user's relationships and content types are all there;
cqcxl's sheets are right. The checks read the package with ElementTree, not with the code
under test."""

from __future__ import annotations

import posixpath
import re
import warnings
import zipfile
from pathlib import Path
from xml.etree import ElementTree as ET

import openpyxl
import pytest

from cqcxl.cli import main
from cqcxl.sheets import layout as L

from .corpus import kinds

AS_OF = "2018-11-15"
MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
PKG = "{http://schemas.openxmlformats.org/package/2006/relationships}"
CT = "{http://schemas.openxmlformats.org/package/2006/content-types}"
RT = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
NAMES = [*kinds.KINDS, "all-kinds"]

#: raw XML each kind must still have, byte for byte, after the chain: (where, fragment)
#: where a sheet's name means that sheet's part
KEPT: dict[str, list[tuple[str, bytes]]] = {
    "dynamic-array": [
        (kinds.WS1, b'<c r="O2" t="str" cm="1"><f t="array" ref="O2:O5">_xlfn._xlws.SORT('
                    b"_xlfn.UNIQUE("),
        (kinds.WS1, b'<c r="O5" t="str"><v>Red</v></c>'),
        ("xl/_rels/workbook.xml.rels", b'Id="rIdMeta" Type="' + RT.encode()
         + b'sheetMetadata" Target="metadata.xml"'),
        ("[Content_Types].xml", b'<Override PartName="/xl/metadata.xml"')],
    "chart-style-parts": [
        (kinds.WS1, b'<drawing xmlns:r="' + REL[1:-1].encode() + b'" r:id="rIdCorpusDr"/>')],
    "printer-settings": [(kinds.WS1, b'r:id="rIdPrn"')],
    "custom-views": [
        (kinds.WS1, b'<customSheetViews><customSheetView guid="{6F0C1C2A-3B4D-4E5F-8A9B-'
                    b'0C1D2E3F4A5B}" scale="85"'),
        ("xl/workbook.xml", b'<customWorkbookViews><customWorkbookView name="Board view" '
                            b'guid="{6F0C1C2A-3B4D-4E5F-8A9B-0C1D2E3F4A5B}"')],
    "offset-print-area": [
        ("xl/workbook.xml", b"OFFSET('WS1 ICT'!$A$1,0,0,COUNTA('WS1 ICT'!$A:$A),12)")],
    "header-logo": [
        (kinds.WS1, b"<headerFooter><oddHeader>&amp;L&amp;G&amp;C"),
        (kinds.WS1, b'<legacyDrawingHF xmlns:r="' + REL[1:-1].encode() + b'" r:id="rIdHF"/>')],
    "default-namespace-text-box": [
        (kinds.WS2, b'<drawing xmlns:r="' + REL[1:-1].encode() + b'" r:id="rIdCorpusDr"/>')],
}
KEPT["all-kinds"] = [f for fs in list(KEPT.values()) for f in fs]


# --- reading a package, independently of the code under test ----------------------------------

def _parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n) for n in z.namelist()}


def _rels_name(part: str) -> str:
    folder, name = posixpath.split(part)
    return posixpath.join(folder, "_rels", name + ".rels")


def _rels(m: dict[str, bytes], part: str) -> list[tuple[str, str, str]]:
    """(Id, Type, target part or external URL) of each relationship of ``part``."""
    name = _rels_name(part)
    if name not in m:
        return []
    out = []
    for r in ET.fromstring(m[name]):
        t = r.get("Target")
        if r.get("TargetMode") != "External":
            t = t.lstrip("/") if t.startswith("/") else posixpath.normpath(
                posixpath.join(posixpath.dirname(part), t))
        out.append((r.get("Id"), r.get("Type"), t))
    return out


def _sheets(m: dict[str, bytes]) -> list[tuple[str, str]]:
    """(name, part) of each sheet, in tab order."""
    target = {i: t for i, _, t in _rels(m, "xl/workbook.xml")}
    return [(s.get("name"), target[s.get(REL + "id")])
            for s in ET.fromstring(m["xl/workbook.xml"]).iter(MAIN + "sheet")]


def _reachable(m: dict[str, bytes], part: str) -> set[str]:
    seen, todo = set(), [part]
    while todo:
        for _, _, t in _rels(m, todo.pop()):
            if t in m and t not in seen:
                seen.add(t)
                todo.append(t)
    return seen


def _notes_parts(m: dict[str, bytes], part: str) -> set[str]:
    """A sheet's comments part and the VML drawing of its notes (<legacyDrawing>): the
    parts cqcxl writes its notes into."""
    rels = {i: (ty, t) for i, ty, t in _rels(m, part)}
    out = {t for ty, t in rels.values() if ty == RT + "comments"}
    ld = ET.fromstring(m[part]).find(MAIN + "legacyDrawing")
    if ld is not None:
        out.add(rels[ld.get(REL + "id")][1])
    return out


def _may_change(m: dict[str, bytes]) -> set[str]:
    """The parts cqcxl may rewrite: workbook, its rels, content types, styles, the calc
    chain; each sheet (RAG formats, the <legacyDrawing> of its notes) and its rels, its
    comments and notes drawing; everything below cqcxl's own sheets."""
    out = {"xl/workbook.xml", "xl/_rels/workbook.xml.rels", "[Content_Types].xml",
           "xl/styles.xml", "xl/calcChain.xml"}
    for name, part in _sheets(m):
        out |= {part, _rels_name(part)} | _notes_parts(m, part)
        if name in L.OWNED_SHEETS:
            below = _reachable(m, part)
            out |= below | {_rels_name(p) for p in below}
    return out


def _user_sheets(m: dict[str, bytes]) -> dict[str, str]:
    return {n: p for n, p in _sheets(m) if n not in L.OWNED_SHEETS}


def _xml(el: ET.Element) -> bytes:
    return ET.tostring(el)


def _outside_cells(xml: bytes) -> list[tuple[str, bytes]]:
    """A sheet's top-level elements but its cells, its extent and cqcxl's notes drawing;
    the sheet view without tabSelected (cqcxl moves the selected tab to its own sheet)."""
    out = []
    for el in ET.fromstring(xml):
        local = el.tag.rpartition("}")[2]
        if local in ("sheetData", "dimension", "legacyDrawing"):
            continue
        if local == "sheetViews":
            for v in el:
                v.attrib.pop("tabSelected", None)
        out.append((local, _xml(el)))
    return out


def _typed_cells(xml: bytes) -> dict[str, bytes]:
    """ref -> the cell's XML without its format (s), for every cell holding something."""
    out = {}
    for c in ET.fromstring(xml).iter(MAIN + "c"):
        if len(c):
            c.attrib.pop("s", None)
            out[c.get("r")] = _xml(c)
    return out


def _names(m: dict[str, bytes]) -> set[tuple]:
    """The defined names not on cqcxl's sheets: (name, the sheet it is local to, formula,
    hidden)."""
    sheets = [n for n, _ in _sheets(m)]
    out = set()
    for d in ET.fromstring(m["xl/workbook.xml"]).iter(MAIN + "definedName"):
        lid = d.get("localSheetId")
        sheet = sheets[int(lid)] if lid is not None else None
        if sheet not in L.OWNED_SHEETS:
            out.add((d.get("name"), sheet, d.text, d.get("hidden")))
    return out


def _content_type(m: dict[str, bytes], part: str) -> str | None:
    root = ET.fromstring(m["[Content_Types].xml"])
    for o in root.iter(CT + "Override"):
        if o.get("PartName").lstrip("/") == part:
            return o.get("ContentType")
    ext = part.rpartition(".")[2].lower()
    return next((d.get("ContentType") for d in root.iter(CT + "Default")
                 if d.get("Extension").lower() == ext), None)


# --- the chain ----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def chained(tmp_path_factory):
    """name -> (the file as built, the same file after validate, summary and close-period
    --in-place), each built and run once."""
    done: dict[str, tuple[dict, dict, Path]] = {}

    def get(name: str):
        if name not in done:
            path = kinds.build(name, tmp_path_factory.mktemp(name))
            before = _parts(path)
            for job in ("validate", "summary", "close-period"):
                assert main([job, str(path), "--as-of", AS_OF, "--in-place"]) in (0, 1), job
            done[name] = (before, _parts(path), path)
        return done[name]
    return get


@pytest.mark.parametrize("name", NAMES)
def test_every_part_cqcxl_does_not_own_is_byte_identical(name, chained):
    before, after, _ = chained(name)
    keep = sorted(set(before) - _may_change(before))
    assert keep, "the kind added no part of its own?"
    changed = [p for p in keep if after.get(p) != before[p]]
    assert changed == []
    for p in keep:  # and still typed as it was
        assert _content_type(after, p) == _content_type(before, p), p


@pytest.mark.parametrize("name", NAMES)
def test_the_users_sheets_keep_everything_but_cqcxls_formats_and_notes(name, chained):
    """Every element outside the cells, every typed cell, every relationship (the user's,
    not cqcxl's notes) of each user sheet; and the kind's own XML, byte for byte."""
    before, after, _ = chained(name)
    old, new = _user_sheets(before), _user_sheets(after)
    assert list(new) == list(old)
    for sheet, part in old.items():
        assert _outside_cells(after[new[sheet]]) == _outside_cells(before[part]), sheet
        assert _typed_cells(after[new[sheet]]) == _typed_cells(before[part]), sheet
        notes = _notes_parts(before, part)
        mine = [r for r in _rels(before, part) if r[2] not in notes]
        assert set(mine) <= set(_rels(after, new[sheet])), sheet
    for where, fragment in KEPT[name]:
        part = new.get(where, where)
        assert fragment in after[part], (where, fragment)


@pytest.mark.parametrize("name", NAMES)
def test_the_workbook_keeps_its_elements_and_the_users_names(name, chained):
    """workbook.xml: every element but the sheet list, names and views as it was (Custom
    Views, file sharing, calculation); each defined name on a user's sheet still on that
    sheet (their localSheetId moved with the tabs cqcxl added), with its formula."""
    before, after, _ = chained(name)

    def elements(m):
        return [(el.tag, _xml(el)) for el in ET.fromstring(m["xl/workbook.xml"])
                if el.tag.rpartition("}")[2] not in ("sheets", "definedNames", "bookViews")]
    assert elements(after) == elements(before)
    assert _names(after) == _names(before)
    rels_before = {(t, p) for _, t, p in _rels(before, "xl/workbook.xml")
                   if t != RT + "worksheet"}
    assert rels_before <= {(t, p) for _, t, p in _rels(after, "xl/workbook.xml")}


@pytest.mark.parametrize("name", NAMES)
def test_cqcxls_own_sheets_are_right(name, chained):
    _, after, path = chained(name)
    sheets = [n for n, _ in _sheets(after)]
    assert {L.SUMMARY, L.VALIDATION, L.CHASE, L.HISTORY} <= set(sheets)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        wb = openpyxl.load_workbook(path)
    assert len(wb[L.SUMMARY]._charts) == 10
    assert wb[L.VALIDATION]["A1"].value == "Validation"
    assert wb[L.HISTORY].max_row > 1
    # the notes went in beside whatever drawing the user has on WS1
    ws1 = dict(_sheets(after))[kinds.WS1]
    comments = [t for _, ty, t in _rels(after, ws1) if ty == RT + "comments"]
    assert len(comments) == 1 and b"cqcxl" in after[comments[0]]
    # every relationship in the result resolves
    for part in after:
        if part.endswith(".rels") and part != "_rels/.rels":
            source = posixpath.join(posixpath.dirname(posixpath.dirname(part)),
                                    posixpath.basename(part)[:-5])
            for rid, _, target in _rels(after, source):
                assert re.match(r"https?:", target) or target in after, (part, rid, target)


def test_the_kinds_are_what_excel_writes():
    """The builders' parts are well-formed and the workbook opens in openpyxl as it is
    built (no kind is a broken file that would pass for the wrong reason)."""
    import tempfile

    with tempfile.TemporaryDirectory() as d:
        path = kinds.build("all-kinds", Path(d))
        m = _parts(path)
        for part, data in m.items():
            if part.endswith((".xml", ".rels", ".vml")):
                ET.fromstring(data)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            openpyxl.load_workbook(path)
        assert m["xl/printerSettings/printerSettings1.bin"] == kinds.PRINTER_BIN
        assert b'xmlns="http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing"' \
            in m["xl/drawings/drawing12.xml"]
