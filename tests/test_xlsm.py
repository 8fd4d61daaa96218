"""The macro-enabled workbook built without Excel: VBA, buttons, ribbon, xlwings.conf.

The package is read back here with the standard library (not with cqcxl.xlsm's helpers),
then with pyOpenVBA, olevba (oletools), openpyxl and, when installed, LibreOffice, which
renders the buttons and binds them to the VBA macros on conversion to .ods.
"""

from __future__ import annotations

import io
import posixpath
import re
import shutil
import subprocess
import zipfile
from pathlib import Path
from xml.etree import ElementTree as ET

import openpyxl
import pytest

from cqcxl import xlsm

from .conftest import EXAMPLE, ROOT

pytest.importorskip("pyopenvba")

TEMPLATE = ROOT / "workbook_template.xlsx"
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
NV, NO, NX = (f"urn:schemas-microsoft-com:{s}" for s in ("vml", "office:office", "office:excel"))
CT = "http://schemas.openxmlformats.org/package/2006/content-types"
SUBS = re.compile(r"^Sub (\w+)\(([^)]*)\)", re.M)
#: CT_Worksheet's children in schema order (ECMA-376 Part 1, 18.3.1.99).
WORKSHEET_ORDER = (
    "sheetPr dimension sheetViews sheetFormatPr cols sheetData sheetCalcPr sheetProtection "
    "protectedRanges scenarios autoFilter sortState dataConsolidate customSheetViews "
    "mergeCells phoneticPr conditionalFormatting dataValidations hyperlinks printOptions "
    "pageMargins pageSetup headerFooter rowBreaks colBreaks customProperties cellWatches "
    "ignoredErrors smartTags drawing legacyDrawing legacyDrawingHF drawingHF picture "
    "oleObjects controls webPublishItems tableParts extLst").split()
BUTTON_SHEETS_EXCLUDED = {"Summary", "Guide", "Validation", "History", "Period history",
                          "Chase list", "xlwings.conf"}


# --------------------------------------------------------------------------- readers

def read_parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {name: z.read(name) for name in z.namelist()}


def raw_entries(path: Path) -> dict[str, bytes]:
    """Each entry's stored (compressed) bytes, as they sit in the zip file."""
    out = {}
    with zipfile.ZipFile(path) as z, open(path, "rb") as f:
        for info in z.infolist():
            f.seek(info.header_offset + 26)
            skip = sum(int.from_bytes(f.read(2), "little") for _ in range(2))
            f.seek(info.header_offset + 30 + skip)
            out[info.filename] = f.read(info.compress_size)
    return out


def rels_of(parts: dict[str, bytes], part: str) -> dict[str, tuple[str, str]]:
    """Id -> (type, resolved target part) of ``part``'s relationships ("" = package)."""
    folder, name = posixpath.split(part)
    path = posixpath.join(folder, "_rels", name + ".rels") if part else "_rels/.rels"
    if path not in parts:
        return {}
    out = {}
    for rel in ET.fromstring(parts[path]):
        target = rel.get("Target")
        if rel.get("TargetMode") != "External":
            target = target.lstrip("/") if target.startswith("/") else \
                posixpath.normpath(posixpath.join(folder, target))
        out[rel.get("Id")] = (rel.get("Type").rsplit("/", 1)[-1], target)
    return out


def sheets_of(parts: dict[str, bytes]) -> list[tuple[str, str, str]]:
    """(name, state, part) of each sheet, in tab order."""
    book = next(t for kind, t in rels_of(parts, "").values() if kind == "officeDocument")
    rels = rels_of(parts, book)
    return [(s.get("name"), s.get("state", "visible"), rels[s.get(f"{{{R}}}id")][1])
            for s in ET.fromstring(parts[book]).iter(f"{{{MAIN}}}sheet")]


def legacy_vml(parts: dict[str, bytes], sheet_part: str) -> str | None:
    node = ET.fromstring(parts[sheet_part]).find(f"{{{MAIN}}}legacyDrawing")
    if node is None:
        return None
    kind, target = rels_of(parts, sheet_part)[node.get(f"{{{R}}}id")]
    assert kind == "vmlDrawing"
    return target


def buttons_in(vml: bytes) -> list[dict]:
    out = []
    for shape in ET.fromstring(vml).iter(f"{{{NV}}}shape"):
        data = shape.find(f"{{{NX}}}ClientData")
        if data is None or data.get("ObjectType") != "Button":
            continue
        text = {child.tag.split("}")[1]: child.text for child in data}
        font = shape.find(f"{{{NV}}}textbox/div/font")
        out.append({"id": shape.get("id"), "type": shape.get("type"), "caption": font.text,
                    "macro": text["FmlaMacro"], "anchor": [int(n) for n in
                                                           text["Anchor"].split(",")],
                    "print": text["PrintObject"], "style": shape.get("style")})
    return out


def subs(source: str) -> dict[str, str]:
    return dict(SUBS.findall(source))


def expected_button_sheets(parts) -> list[str]:
    return [name for name, _, _ in sheets_of(parts) if name not in BUTTON_SHEETS_EXCLUDED]


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    return xlsm.build_xlsm(tmp_path_factory.mktemp("xlsm") / "workbook_template.xlsm",
                           source_xlsx=TEMPLATE)


# --------------------------------------------------------------------------- buttons

def test_three_buttons_on_plan_and_every_workstream_sheet(built):
    parts = read_parts(built)
    source = (ROOT / "macros" / "cqcxl.bas").read_text()
    names = expected_button_sheets(parts)
    assert names[0] == "Plan" and len(names) == 10 and all(n.startswith("WS") for n in names[1:])
    for name, _state, part in sheets_of(parts):
        vml = legacy_vml(parts, part)
        if name not in names:
            assert vml is None, name
            continue
        got = buttons_in(parts[vml])
        assert [(b["macro"], b["caption"]) for b in got] == [
            ("[0]!ValidateWorkbook", "Validate"), ("[0]!BuildSummarySheet", "Build summary sheet"),
            ("[0]!ClosePeriod", "Close period")], name
        for b in got:
            assert subs(source)[b["macro"].removeprefix("[0]!")] == ""  # a Sub with no arguments
            assert b["type"] == "#_x0000_t201" and b["print"] == "False"
        assert ET.fromstring(parts[vml]).find(f"{{{NV}}}shapetype").get(f"{{{NO}}}spt") == "201"


def test_buttons_cover_no_cell_in_use_and_stay_on_rows_1_2(built):
    book = openpyxl.load_workbook(built, keep_vba=True)
    parts = read_parts(built)
    for name, _state, part in sheets_of(parts):
        if name not in expected_button_sheets(parts):
            continue
        ws = book[name]
        last = max([c.column for row in ws.iter_rows() for c in row
                    if c.value is not None or c.has_style] +
                   [r.max_col for r in ws.merged_cells.ranges])
        anchors = [b["anchor"] for b in buttons_in(parts[legacy_vml(parts, part)])]
        for col, _x1, row, _y1, _col_end, _x2, row_end, _y2 in anchors:
            assert col + 1 >= last + 2  # 1-based: an empty column between table and buttons
            assert row == 0 and row_end <= 1
        lefts = [a[0] * 10_000 + a[1] for a in anchors]
        assert lefts == sorted(lefts)  # side by side, in order


def test_button_shapes_are_the_ones_xlsxwriter_writes(built, tmp_path):
    """Same sheet geometry on a scratch XlsxWriter sheet: the same shape XML."""
    xlsxwriter = pytest.importorskip("xlsxwriter")
    parts = read_parts(built)
    name, _, part = next(s for s in sheets_of(parts) if s[0].startswith("WS1"))
    ours = buttons_in(parts[legacy_vml(parts, part)])
    g = xlsm._geometry(parts[part])
    placed = xlsm.button_positions(parts[part])
    scratch = tmp_path / "scratch.xlsx"
    wb = xlsxwriter.Workbook(scratch)
    ws = wb.add_worksheet()
    for c in range(placed[-1].col_end + 2):
        ws.set_column_pixels(c, c, g.col(c))
    for r in range(3):
        ws.set_row_pixels(r, g.row(r))
    start = placed[0].col
    for i, (macro, caption) in enumerate(xlsm.BUTTONS):
        ws.insert_button(0, start, {"macro": macro, "caption": caption,
                                    "width": xlsm.BUTTON_WIDTH, "height": placed[0].height,
                                    "x_offset": i * (xlsm.BUTTON_WIDTH + xlsm.BUTTON_GAP),
                                    "y_offset": xlsm.BUTTON_TOP})
    wb.close()
    theirs = buttons_in(zipfile.ZipFile(scratch).read("xl/drawings/vmlDrawing1.vml"))
    for a, b in zip(ours, theirs, strict=True):
        assert {k: v for k, v in a.items() if k != "id"} == {k: v for k, v in b.items()
                                                            if k != "id"}
    # and the whole shape, byte for byte, but for its id
    want = re.findall(r"<v:shape .*?</v:shape>",
                      zipfile.ZipFile(scratch).read("xl/drawings/vmlDrawing1.vml").decode())
    got = re.findall(r"<v:shape .*?</v:shape>", parts[legacy_vml(parts, part)].decode())
    strip = re.compile(r'id="_x0000_s\d+"')
    assert [strip.sub("", s) for s in got] == [strip.sub("", s) for s in want]


def test_buttons_are_not_added_twice(built):
    pkg = xlsm._Package(built)
    xlsm.add_buttons(pkg)
    for name, _state, part in sheets_of(pkg.parts):
        if name in expected_button_sheets(pkg.parts):
            assert len(buttons_in(pkg.read(legacy_vml(pkg.parts, part)))) == 3, name


def test_legacy_drawing_where_the_schema_puts_it(built):
    parts = read_parts(built)
    for name, _state, part in sheets_of(parts):
        children = [el.tag.split("}")[1] for el in ET.fromstring(parts[part])]
        ranks = [WORKSHEET_ORDER.index(t) for t in children]
        assert ranks == sorted(ranks), (name, children)
        if name in expected_button_sheets(parts):
            assert children.count("legacyDrawing") == 1
            if "tableParts" in children:
                assert children.index("legacyDrawing") < children.index("tableParts")


def test_every_relationship_resolves_and_every_part_has_its_content_type(built):
    parts = read_parts(built)
    types = ET.fromstring(parts["[Content_Types].xml"])
    defaults = {d.get("Extension").lower(): d.get("ContentType")
                for d in types.findall(f"{{{CT}}}Default")}
    overrides = {o.get("PartName").lstrip("/"): o.get("ContentType")
                 for o in types.findall(f"{{{CT}}}Override")}
    assert defaults["vml"] == "application/vnd.openxmlformats-officedocument.vmlDrawing"
    assert defaults["bin"] == "application/vnd.ms-office.vbaProject"
    assert overrides["xl/workbook.xml"] == "application/vnd.ms-excel.sheet.macroEnabled.main+xml"
    for name in parts:
        if name == "[Content_Types].xml":
            continue
        assert name in overrides or name.rsplit(".", 1)[-1].lower() in defaults, name
        if name.endswith(".rels"):
            folder = posixpath.dirname(posixpath.dirname(name))
            source = posixpath.join(folder, posixpath.basename(name)[:-5]) if folder or \
                posixpath.basename(name) != ".rels" else ""
            for kind, target in rels_of(parts, source).values():
                assert target in parts, (name, kind, target)
    for part in overrides:
        assert part in parts, part
    package = {kind: target for kind, target in rels_of(parts, "").values()}
    assert package["extensibility"] == "customUI/customUI.xml"
    book_rels = {kind: target for kind, target in rels_of(parts, "xl/workbook.xml").values()}
    assert book_rels["vbaProject"] == "xl/vbaProject.bin"


def test_vml_parts_have_their_own_shape_id_blocks(built):
    parts = read_parts(built)
    seen_blocks: set[int] = set()
    seen_ids: set[int] = set()
    vmls = [n for n in parts if n.endswith(".vml")]
    assert len(vmls) == len(expected_button_sheets(parts))
    for name in vmls:
        assert xlsm._OPENPYXL_VML.match(name), name  # openpyxl keeps it on a save
        root = ET.fromstring(parts[name])
        blocks = {int(n) for n in root.find(f"{{{NO}}}shapelayout/{{{NO}}}idmap")
                  .get("data").split(",")}
        assert not blocks & seen_blocks and 1 not in blocks
        seen_blocks |= blocks
        for shape in root.iter(f"{{{NV}}}shape"):
            n = int(shape.get("id").removeprefix("_x0000_s"))
            assert n // 1024 in blocks and n not in seen_ids
            seen_ids.add(n)


# --------------------------------------------------------------------------- VBA, ribbon

def test_vba_project_holds_the_modules_and_a_spec_version_field(built):
    from pyopenvba import ExcelFile
    from pyopenvba.cfb import CFB

    book = ExcelFile(built)
    try:
        mods = {m.name: m.source for m in book.vba_project().modules}
        vba = book.vba_project_bytes()
    finally:
        book.close()
    sheets = sheets_of(read_parts(built))
    assert {"ThisWorkbook", "xlwings", "Dictionary", "cqcxl"} <= set(mods)
    assert {f"Sheet{i}" for i in range(1, len(sheets) + 1)} <= set(mods)
    ours = (ROOT / "macros" / "cqcxl.bas").read_text().replace("\r\n", "\n")
    assert subs(mods["cqcxl"]) == subs(ours)
    assert "Function RunPython" in mods["xlwings"]
    stream = CFB.from_bytes(vba).get_stream_in_storage("VBA", "_VBA_PROJECT")
    assert bytes(stream) == bytes.fromhex("cc61ffff000100")  # [MS-OVBA] 2.3.4.1, 3.1.1


def test_olevba_lists_the_modules(built):
    olevba = pytest.importorskip("oletools.olevba")
    parser = olevba.VBA_Parser(str(built))
    try:
        assert parser.detect_vba_macros()
        found = {vba_filename: code for _f, _s, vba_filename, code in parser.extract_macros()}
    finally:
        parser.close()
    assert {"xlwings.bas", "Dictionary.cls", "cqcxl.bas", "ThisWorkbook.cls"} <= set(found)
    assert len(re.findall(r'RunPython "import cqcxl', found["cqcxl.bas"])) == 3


def test_the_batch_procedure_is_in_the_workbook(built):
    """macros/cqcxl_batch.bas goes in as its own module: the procedure cqcxl's Windows engine
    calls through Application.Run (cqcxl_batch.CqcxlApply, four arrays) is there, as olevba
    and pyOpenVBA read it back, with the source unchanged."""
    olevba = pytest.importorskip("oletools.olevba")
    from pyopenvba import ExcelFile

    from cqcxl.engines.xlwings_engine import BATCH_MACRO

    module, proc = BATCH_MACRO.split(".")
    ours = (ROOT / "macros" / f"{module}.bas").read_text().replace("\r\n", "\n")
    assert f'Attribute VB_Name = "{module}"' in ours
    parser = olevba.VBA_Parser(str(built))
    try:
        found = {name: code for _f, _s, name, code in parser.extract_macros()}
    finally:
        parser.close()
    assert f"{module}.bas" in found
    code = found[f"{module}.bas"].replace("\r\n", "\n")
    signature = re.search(rf"^Public Function {proc}\(([^)]*)\) As Long$", code, re.M)
    assert signature, code[:400]
    assert len(signature.group(1).split(",")) == 4  # sheet names, writes, addresses, values
    assert "Option Explicit" in code and "On Error GoTo Failed" in code
    assert not re.search(r"\.(Select|Activate)\b|\bMsgBox\b", code)  # nothing a user sees
    book = ExcelFile(built)
    try:
        mods = {m.name: m.source for m in book.vba_project().modules}
    finally:
        book.close()
    assert mods[module].replace("\r\n", "\n").strip() == ours.strip()


def test_ribbon_calls_the_same_jobs(built):
    parts = read_parts(built)
    ui = ET.fromstring(parts["customUI/customUI.xml"])
    ns = "{http://schemas.microsoft.com/office/2006/01/customui}"
    buttons = list(ui.iter(f"{ns}button"))
    source = (ROOT / "macros" / "cqcxl.bas").read_text()
    assert [b.get("label") for b in buttons] == [c for _, c in xlsm.BUTTONS]
    for button, (macro, _) in zip(buttons, xlsm.BUTTONS, strict=True):
        callback = button.get("onAction")
        assert subs(source)[callback] == "control As IRibbonControl"
        body = source.split(f"Sub {callback}(", 1)[1].split("End Sub", 1)[0]
        assert re.search(rf"^\s+{macro}\s*$", body, re.M), callback


# --------------------------------------------------------------------------- xlwings.conf

def test_xlwings_conf_sheet_is_last_hidden_and_turns_the_workbook_path_off(built):
    parts = read_parts(built)
    name, state, _part = sheets_of(parts)[-1]
    assert (name, state) == ("xlwings.conf", "hidden")
    assert xlsm.read_config(built) == [("ADD_WORKBOOK_TO_PYTHONPATH", "False")]
    ws = openpyxl.load_workbook(built, keep_vba=True)["xlwings.conf"]
    # xlwings reads A1 down to the first blank, A = key, B = value (GetConfigFromSheet)
    assert (ws["A1"].value, ws["B1"].value, ws["A2"].value) == (
        "ADD_WORKBOOK_TO_PYTHONPATH", "False", None)
    assert all(ws.cell(r, 3).value is None for r in range(1, 10))
    assert "xlwings settings" in ws["D1"].value
    assert f"xlwings {xlsm.xlwings_vba_version()}" in " ".join(
        ws.cell(r, 4).value or "" for r in range(1, 10))


def test_interpreters_given_at_build_time(tmp_path):
    out = xlsm.build_xlsm(tmp_path / "b.xlsm", source_xlsx=TEMPLATE, ribbon=False,
                          interpreter_win=r"%USERPROFILE%\cqcxl\.venv\Scripts\pythonw.exe",
                          interpreter_mac="/Users/me/cqcxl/.venv/bin/python")
    assert xlsm.read_config(out) == [
        ("ADD_WORKBOOK_TO_PYTHONPATH", "False"),
        ("INTERPRETER_WIN", r"%USERPROFILE%\cqcxl\.venv\Scripts\pythonw.exe"),
        ("INTERPRETER_MAC", "/Users/me/cqcxl/.venv/bin/python")]
    assert "customUI/customUI.xml" not in read_parts(out)


def test_set_interpreter_changes_only_that_sheet(built, tmp_path):
    path = tmp_path / "plan.xlsm"
    shutil.copy(built, path)
    path.chmod(0o640)
    before = read_parts(path)
    stored = raw_entries(path)
    order = list(before)
    conf = sheets_of(before)[-1][2]
    xlsm.set_interpreter(path, win=r"C:\Python312\pythonw.exe", mac="/usr/local/bin/python3")
    after = read_parts(path)
    assert list(after) == order
    assert [n for n in order if before[n] != after[n]] == [conf]
    assert [n for n, data in raw_entries(path).items() if stored[n] != data] == [conf]
    assert (path.stat().st_mode & 0o777) == 0o640
    assert xlsm.read_config(path) == [("ADD_WORKBOOK_TO_PYTHONPATH", "False"),
                                      ("INTERPRETER_WIN", r"C:\Python312\pythonw.exe"),
                                      ("INTERPRETER_MAC", "/usr/local/bin/python3")]
    xlsm.set_interpreter(path, win="D:\\py & co\\pythonw.exe")  # changed in place, escaped
    assert xlsm.read_config(path)[1] == ("INTERPRETER_WIN", "D:\\py & co\\pythonw.exe")
    xlsm.set_interpreter(path, win="")  # removed; the rows stay contiguous
    assert xlsm.read_config(path) == [("ADD_WORKBOOK_TO_PYTHONPATH", "False"),
                                      ("INTERPRETER_MAC", "/usr/local/bin/python3")]
    children = [el.tag.split("}")[1] for el in ET.fromstring(read_parts(path)[conf])]
    assert children == [el.tag.split("}")[1] for el in ET.fromstring(before[conf])]
    openpyxl.load_workbook(path, keep_vba=True)


def test_set_interpreter_needs_the_config_sheet(tmp_path):
    from cqcxl.errors import BookError

    with pytest.raises(BookError, match="xlwings.conf"):
        plain = tmp_path / "plain.xlsm"
        shutil.copy(TEMPLATE, plain)
        xlsm.set_interpreter(plain, win="python")


# --------------------------------------------------------------------------- openpyxl

def test_openpyxl_keeps_everything_on_a_keep_vba_save(built, tmp_path):
    """cqcxl's own save path (openpyxl, keep_vba=True) with notes on a button sheet."""
    from openpyxl.comments import Comment

    want = openpyxl.load_workbook(TEMPLATE)
    book = openpyxl.load_workbook(built, keep_vba=True)
    assert book.sheetnames == want.sheetnames + ["xlwings.conf"]
    for name in want.sheetnames:
        assert [[c.value for c in row] for row in book[name].iter_rows()] == \
            [[c.value for c in row] for row in want[name].iter_rows()]
    for name in ("Plan", book.sheetnames[-2]):  # Plan and the last workstream sheet
        book[name]["A1"].comment = Comment("cqcxl: a note", "cqcxl")
    out = tmp_path / "saved.xlsm"
    book.save(out)
    parts = read_parts(out)
    assert "xl/vbaProject.bin" in parts and "customUI/customUI.xml" in parts
    for name, _state, part in sheets_of(parts):
        if name not in expected_button_sheets(parts):
            continue
        vml = legacy_vml(parts, part)
        assert len(buttons_in(parts[vml])) == 3, name
        ids = re.findall(r'id="(_x0000_s\d+)"', parts[vml].decode())
        assert len(ids) == len(set(ids)), name
    assert b"cqcxl: a note" in b"".join(v for k, v in parts.items() if "comments" in k)
    xlsm.set_interpreter(out, mac="/opt/python3")
    assert xlsm.read_config(out) == [("ADD_WORKBOOK_TO_PYTHONPATH", "False"),
                                      ("INTERPRETER_MAC", "/opt/python3")]


def test_set_interpreter_reads_what_excel_writes(built, tmp_path):
    """Excel saves text as shared strings and TRUE/FALSE as booleans."""
    parts = read_parts(built)
    conf = sheets_of(parts)[-1][2]
    parts[conf] = re.sub(
        rb'<c r="A1" t="inlineStr">.*?</c><c r="B1" t="inlineStr">.*?</c>',
        b'<c r="A1" t="s"><v>0</v></c><c r="B1" t="b"><v>0</v></c>', parts[conf])
    parts["xl/sharedStrings.xml"] = (
        f'<sst xmlns="{MAIN}" count="1" uniqueCount="1"><si><t>ADD_WORKBOOK_TO_PYTHONPATH'
        "</t></si></sst>").encode()
    parts["xl/_rels/workbook.xml.rels"] = parts["xl/_rels/workbook.xml.rels"].replace(
        b"</Relationships>", f'<Relationship Id="rId99" Type="{R}/sharedStrings" '
        'Target="sharedStrings.xml"/></Relationships>'.encode())
    parts["[Content_Types].xml"] = parts["[Content_Types].xml"].replace(
        b"</Types>", b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
        b'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>')
    path = tmp_path / "excel-saved.xlsm"
    with zipfile.ZipFile(path, "w") as z:
        for name, data in parts.items():
            z.writestr(name, data)
    assert xlsm.read_config(path) == [("ADD_WORKBOOK_TO_PYTHONPATH", "False")]
    xlsm.set_interpreter(path, win="pythonw")
    assert xlsm.read_config(path) == [("ADD_WORKBOOK_TO_PYTHONPATH", "False"),
                                      ("INTERPRETER_WIN", "pythonw")]
    assert read_parts(path)["xl/sharedStrings.xml"] == parts["xl/sharedStrings.xml"]


def test_cqcxl_validate_in_place_keeps_the_buttons(tmp_path):
    """The CLI's own save (package engine) adds its notes into the buttons' VML parts."""
    from cqcxl.cli import main

    book = xlsm.build_xlsm(tmp_path / "example.xlsm", source_xlsx=EXAMPLE)
    main(["validate", str(book), "--in-place"])
    parts = read_parts(book)
    notes = 0
    for name, _state, part in sheets_of(parts):
        if name in expected_button_sheets(parts):
            text = parts[legacy_vml(parts, part)].decode()
            assert len(buttons_in(text.encode())) == 3, name
            ids = re.findall(r'id="(_x0000_s\d+)"', text)
            assert len(ids) == len(set(ids)), name
            notes += text.count('ObjectType="Note"')
    assert notes > 0 and "xl/vbaProject.bin" in parts and "customUI/customUI.xml" in parts
    assert xlsm.read_config(book) == [("ADD_WORKBOOK_TO_PYTHONPATH", "False")]


def test_a_sheet_with_notes_keeps_them_in_its_vml_part(tmp_path):
    from openpyxl.comments import Comment

    src = tmp_path / "noted.xlsx"
    book = openpyxl.load_workbook(TEMPLATE)
    ws1 = next(n for n in book.sheetnames if n.startswith("WS1"))
    book[ws1]["C12"].comment = Comment("Lead's own note", "Lead")
    book.save(src)
    out = xlsm.build_xlsm(tmp_path / "noted.xlsm", source_xlsx=src)
    parts = read_parts(out)
    part = next(p for n, _s, p in sheets_of(parts) if n == ws1)
    vml = legacy_vml(parts, part)
    assert xlsm._OPENPYXL_VML.match(vml)  # renamed from commentsDrawing1.vml
    assert not [n for n in parts if "commentsDrawing" in n]
    text = parts[vml].decode()
    assert text.count('ObjectType="Note"') == 1 and len(buttons_in(parts[vml])) == 3
    ids = [int(n) for n in re.findall(r'id="_x0000_s(\d+)"', text)]
    assert len(ids) == len(set(ids)) == 4
    blocks = re.search(r'idmap[^>]*data="([^"]*)"', text).group(1).split(",")
    assert blocks[0] == "1" and len(blocks) == 2 and all(n // 1024 == int(blocks[1])
                                                         for n in ids[1:])
    kinds = {k for k, _t in rels_of(parts, part).values()}
    assert {"comments", "vmlDrawing"} <= kinds
    again = openpyxl.load_workbook(out, keep_vba=True)
    assert again[ws1]["C12"].comment.text == "Lead's own note"


@pytest.mark.filterwarnings("ignore::UserWarning")  # openpyxl drops the data bar extension
def test_a_workbook_from_another_writer(tmp_path):
    """XlsxWriter's parts: r bound on the root, notes VML from block 1, extLst last."""
    xlsxwriter = pytest.importorskip("xlsxwriter")
    src = tmp_path / "other.xlsx"
    wb = xlsxwriter.Workbook(src)
    plan = wb.add_worksheet("Plan")
    plan.write("A1", "The plan")
    ws = wb.add_worksheet("WS1 Test")
    ws.write_row("A11", ["Action", "Task ID", "Key task"])
    ws.write_comment("C12", "A lead's note")
    ws.add_table("A11:C14", {"columns": [{"header": h} for h in ("Action", "Task ID",
                                                                  "Key task")]})
    ws.conditional_format("B12:B14", {"type": "data_bar", "data_bar_2010": True})
    wb.add_worksheet("Summary").write("A1", "Summary")
    wb.close()
    out = xlsm.build_xlsm(tmp_path / "other.xlsm", source_xlsx=src)
    parts = read_parts(out)
    assert expected_button_sheets(parts) == ["Plan", "WS1 Test"]
    for name, _state, part in sheets_of(parts):
        children = [el.tag.split("}")[1] for el in ET.fromstring(parts[part])]
        assert [WORKSHEET_ORDER.index(t) for t in children] == sorted(
            WORKSHEET_ORDER.index(t) for t in children), name
        if name == "WS1 Test":
            assert children[-3:] == ["legacyDrawing", "tableParts", "extLst"]
            vml = legacy_vml(parts, part)
            assert vml == "xl/drawings/vmlDrawing1.vml"  # the notes' own part, kept
            text = parts[vml].decode()
            assert text.count('ObjectType="Note"') == 1 and len(buttons_in(parts[vml])) == 3
            ids = re.findall(r'id="_x0000_s(\d+)"', text)
            assert len(ids) == len(set(ids)) == 4
    assert not [n for n in parts if n.endswith(".vml") and n != "xl/drawings/vmlDrawing1.vml"
                and n.startswith("xl/drawings/vmlDrawing1")]
    openpyxl.load_workbook(out, keep_vba=True)


def test_command_line_and_assemble(tmp_path):
    out = tmp_path / "example.xlsm"
    assert xlsm.main([str(EXAMPLE), "-o", str(out), "--interpreter-win", "pythonw"]) == 0
    parts = read_parts(out)
    assert len([n for n in parts if n.endswith(".vml")]) == len(expected_button_sheets(parts))
    assert xlsm.read_config(out)[1] == ("INTERPRETER_WIN", "pythonw")
    again = xlsm.assemble(EXAMPLE, tmp_path / "again.xlsm")
    assert read_parts(again).keys() == read_parts(out).keys()
    assert xlsm.main([str(tmp_path / "missing.xlsx"), "-o", str(out)]) == 2
    assert xlsm.main([str(out), "--interpreter-win", "", "--interpreter-mac", "python3"]) == 0
    assert xlsm.read_config(out) == [("ADD_WORKBOOK_TO_PYTHONPATH", "False"),
                                     ("INTERPRETER_MAC", "python3")]


# --------------------------------------------------------------------------- LibreOffice

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
needs_soffice = pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) not installed")


def soffice(tmp_path: Path, src: Path, fmt: str) -> Path:
    profile = (tmp_path / "lo-profile").as_uri()
    subprocess.run([SOFFICE, f"-env:UserInstallation={profile}", "--headless", "--norestore",
                    "--convert-to", fmt, "--outdir", str(tmp_path), str(src)],
                   check=True, capture_output=True, timeout=300)
    out = tmp_path / (src.stem + "." + fmt.split(":", 1)[0])
    assert out.is_file(), out
    return out


@needs_soffice
def test_libreoffice_binds_the_buttons_to_the_vba_macros(built, tmp_path):
    ods = soffice(tmp_path, built, "ods")
    content = zipfile.ZipFile(ods).read("content.xml").decode()
    labels = re.findall(r'<form:button [^>]*form:label="([^"]*)"', content)
    macros = re.findall(r'xlink:href="vnd\.sun\.star\.script:VBAProject\.cqcxl\.(\w+)\?', content)
    n = len(expected_button_sheets(read_parts(built)))
    assert labels == [c for _, c in xlsm.BUTTONS] * n
    assert macros == [m for m, _ in xlsm.BUTTONS] * n


@needs_soffice
def test_libreoffice_renders_the_buttons_right_of_the_table(built, tmp_path):
    """PDF (one page per sheet) -> text boxes: each button sheet shows the three captions,
    right of its last header. The buttons do not print (x:PrintObject False, as in Excel),
    so this render uses a copy whose buttons print; that is the only difference."""
    if shutil.which("pdftotext") is None or shutil.which("pdftoppm") is None:
        pytest.skip("poppler-utils (pdftotext, pdftoppm) not installed")
    printable = tmp_path / "printable.xlsm"
    with zipfile.ZipFile(built) as zin, zipfile.ZipFile(printable, "w") as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename.endswith(".vml"):
                data = data.replace(b"<x:PrintObject>False<", b"<x:PrintObject>True<")
            zout.writestr(item, data)
    pdf = soffice(tmp_path, printable, 'pdf:calc_pdf_Export:{"SinglePageSheets":'
                                        '{"type":"boolean","value":"true"}}')
    html = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], check=True,
                          capture_output=True, text=True).stdout
    pages = html.split("<page ")[1:]
    sheets = sheets_of(read_parts(built))
    for (name, _state, _part), page in zip(sheets, pages, strict=False):
        words = [(float(x), w) for x, w in
                 re.findall(r'<word xMin="([\d.]+)"[^>]*>([^<]*)</word>', page)]
        found = {w for _, w in words}
        if name not in expected_button_sheets(read_parts(built)):
            continue
        assert {"Validate", "Build", "summary", "sheet", "Close", "period"} <= found, name
        last_header = "updated" if name.startswith("WS") else "Sheet"
        table_right = max(x for x, w in words if w == last_header)
        # (the Plan sheet's own text says "pressing Validate": the button is the right one)
        buttons = [max(x for x, w in words if w == word) for word in ("Validate", "Close")]
        assert table_right < buttons[0] < buttons[1], name
    # the PNG of the first workstream sheet, to look at (docs/buttons-workstream-sheet.png)
    page = 1 + [s[0] for s in sheets].index(expected_button_sheets(read_parts(built))[1])
    subprocess.run(["pdftoppm", "-r", "50", "-f", str(page), "-l", str(page), "-png",
                    str(pdf), str(tmp_path / "ws")], check=True)
    png = next(tmp_path.glob("ws*.png"))
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 5_000


def test_the_docs_picture_is_committed():
    png = ROOT / "docs" / "buttons-workstream-sheet.png"
    assert png.is_file() and io.BytesIO(png.read_bytes()).read(8) == b"\x89PNG\r\n\x1a\n"
