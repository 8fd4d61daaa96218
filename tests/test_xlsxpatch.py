"""Tests for xlsxpatch: inputs are built with openpyxl, then edited the way Excel writes packages."""
import datetime as dt
import os
import re
import shutil
import subprocess
import warnings
import zipfile
from io import BytesIO

import pytest

from cqcxl.engines import xlsxpatch as xp

openpyxl = pytest.importorskip("openpyxl")
from openpyxl.chart import PieChart, Reference  # noqa: E402
from openpyxl.styles import Border, Font, PatternFill, Side  # noqa: E402

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"

RICH_SST = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n'
    f'<sst xmlns="{MAIN}" count="2" uniqueCount="2"><si><r><rPr><b/><sz val="11"/><color rgb="FFFF0000"/>'
    '<rFont val="Calibri"/><family val="2"/><scheme val="minor"/></rPr><t>Bold red</t></r><r><rPr>'
    '<sz val="11"/><color theme="1"/><rFont val="Calibri"/><family val="2"/><scheme val="minor"/></rPr>'
    '<t xml:space="preserve"> then plain</t></r></si><si><t>plain shared</t></si></sst>')

USER_COMMENTS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n'
    f'<comments xmlns="{MAIN}" xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" '
    'mc:Ignorable="xr" xmlns:xr="http://schemas.microsoft.com/office/spreadsheetml/2014/revision">'
    '<authors><author>Jane Doe</author></authors><commentList>'
    '<comment ref="B3" authorId="0" shapeId="0" xr:uid="{6A1D2C3B-0000-4000-8000-000000000001}"><text>'
    '<r><rPr><b/><sz val="9"/><color indexed="81"/><rFont val="Tahoma"/><family val="2"/></rPr>'
    '<t>Jane Doe:</t></r><r><rPr><sz val="9"/><color indexed="81"/><rFont val="Tahoma"/><family val="2"/>'
    '</rPr><t xml:space="preserve">\nPinned user note</t></r></text></comment></commentList></comments>')

USER_NOTE_SHAPE = (
    '<v:shape id="_x0000_s12289" type="#_x0000_t202" style=\'position:absolute;\r\n'
    '  margin-left:120pt;margin-top:10pt;width:200pt;height:80pt;z-index:1;\r\n'
    '  visibility:visible;mso-wrap-style:tight\' fillcolor="#ffffe1" o:insetmode="auto">\r\n'
    '  <v:fill color2="#ffffe1"/>\r\n  <v:shadow on="t" color="black" obscured="t"/>\r\n'
    '  <v:path o:connecttype="none"/>\r\n  <v:textbox style=\'mso-direction-alt:auto\'>\r\n'
    '   <div style=\'text-align:left\'></div>\r\n  </v:textbox>\r\n  <x:ClientData ObjectType="Note">\r\n'
    '   <x:MoveWithCells/>\r\n   <x:SizeWithCells/>\r\n   <x:Anchor>\r\n    2, 15, 1, 10, 6, 20, 6, 4</x:Anchor>\r\n'
    '   <x:AutoFill>False</x:AutoFill>\r\n   <x:Row>2</x:Row>\r\n   <x:Column>1</x:Column>\r\n'
    '   <x:Visible/>\r\n  </x:ClientData>\r\n </v:shape>')

BUTTON_SHAPE = (
    '<v:shape id="Button_x0020_1" o:spid="_x0000_s12290" type="#_x0000_t201" style=\'position:absolute;\r\n'
    '  margin-left:400pt;margin-top:20pt;width:72pt;height:24pt;z-index:2\' o:button="t"\r\n'
    '  fillcolor="buttonFace [67]" strokecolor="windowText [64]" o:insetmode="auto">\r\n'
    '  <v:fill color2="buttonFace [67]" o:detectmouseclick="t"/>\r\n  <o:lock v:ext="edit" rotation="t"/>\r\n'
    '  <v:textbox style=\'mso-direction-alt:auto\' o:singleclick="f">\r\n'
    '   <div style=\'text-align:center\'><font face="Calibri" size="220" color="#000000">Run</font></div>\r\n'
    '  </v:textbox>\r\n  <x:ClientData ObjectType="Button">\r\n   <x:Anchor>\r\n    8, 0, 1, 0, 9, 40, 2, 10</x:Anchor>\r\n'
    '   <x:PrintObject>False</x:PrintObject>\r\n   <x:AutoFill>False</x:AutoFill>\r\n'
    '   <x:FmlaMacro>[0]!Run</x:FmlaMacro>\r\n   <x:TextHAlign>Center</x:TextHAlign>\r\n'
    '   <x:TextVAlign>Center</x:TextVAlign>\r\n  </x:ClientData>\r\n </v:shape>')

USER_VML = (
    '<xml xmlns:v="urn:schemas-microsoft-com:vml"\r\n xmlns:o="urn:schemas-microsoft-com:office:office"\r\n'
    ' xmlns:x="urn:schemas-microsoft-com:office:excel">\r\n <o:shapelayout v:ext="edit">\r\n'
    '  <o:idmap v:ext="edit" data="12"/>\r\n </o:shapelayout><v:shapetype id="_x0000_t202" coordsize="21600,21600"'
    ' o:spt="202"\r\n  path="m,l,21600r21600,l21600,xe">\r\n  <v:stroke joinstyle="miter"/>\r\n'
    '  <v:path gradientshapeok="t" o:connecttype="rect"/>\r\n </v:shapetype>' + USER_NOTE_SHAPE +
    '<v:shapetype id="_x0000_t201" coordsize="21600,21600" o:spt="201"\r\n  path="m,l,21600r21600,l21600,xe">\r\n'
    '  <v:stroke joinstyle="miter"/>\r\n  <v:path shadowok="f" o:extrusionok="f" strokeok="f" fillok="f"'
    ' o:connecttype="rect"/>\r\n  <o:lock v:ext="edit" shapetype="t"/>\r\n </v:shapetype>' + BUTTON_SHAPE +
    '</xml>')

X14_EXT = (
    '<extLst><ext uri="{CCE6A557-97BC-4b89-ADB6-D9C93CAAB3DF}" '
    'xmlns:x14="http://schemas.microsoft.com/office/spreadsheetml/2009/9/main"><x14:dataValidations count="1" '
    'xmlns:xm="http://schemas.microsoft.com/office/excel/2006/main"><x14:dataValidation type="list" allowBlank="1" '
    'showInputMessage="1" showErrorMessage="1" xr:uid="{00000000-0002-0000-0000-000000000000}"><x14:formula1>'
    '<xm:f>Data!$A$1:$A$3</xm:f></x14:formula1><xm:sqref>E2:E30</xm:sqref></x14:dataValidation>'
    '</x14:dataValidations></ext></extLst>')

WS_ROOT = (
    f'<worksheet xmlns="{MAIN}" xmlns:r="{R}" '
    'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" mc:Ignorable="x14ac xr xr2 xr3" '
    'xmlns:x14ac="http://schemas.microsoft.com/office/spreadsheetml/2009/9/ac" '
    'xmlns:xr="http://schemas.microsoft.com/office/spreadsheetml/2014/revision" '
    'xmlns:xr2="http://schemas.microsoft.com/office/spreadsheetml/2015/revision2" '
    'xmlns:xr3="http://schemas.microsoft.com/office/spreadsheetml/2016/revision3" '
    'xr:uid="{00000000-0001-0000-0000-000000000000}">')

LABEL_INFO = ('<?xml version="1.0" encoding="utf-8" standalone="yes"?>'
              '<clbl:labelList xmlns:clbl="http://schemas.microsoft.com/office/2020/mipLabelMetadata">'
              '<clbl:label id="{11111111-2222-3333-4444-555555555555}" enabled="1" method="Standard" '
              'siteId="{66666666-7777-8888-9999-000000000000}" removed="0"/></clbl:labelList>')

METADATA = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n<metadata xmlns="{MAIN}" '
            'xmlns:xda="http://schemas.microsoft.com/office/spreadsheetml/2017/dynamicarray"><metadataTypes count="1">'
            '<metadataType name="XLDAPR" minSupportedVersion="120000" copy="1" pasteAll="1" pasteValues="1" merge="1" '
            'splitFirst="1" rowColShift="1" clearFormats="1" clearComments="1" assign="1" coerce="1" cellMeta="1"/>'
            '</metadataTypes><futureMetadata name="XLDAPR" count="1"><bk><extLst><ext '
            'uri="{bdbb8cdc-fa1e-496e-a857-3c3f30c029c3}"><xda:dynamicArrayProperties fDynamic="1" fCollapsed="0"/>'
            '</ext></extLst></bk></futureMetadata><cellMetadata count="1"><bk><rc t="1" v="0"/></bk></cellMetadata>'
            '</metadata>')

CUSTOM_PROPS = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n<Properties '
                'xmlns="http://schemas.openxmlformats.org/officeDocument/2006/custom-properties" '
                'xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">'
                '<property fmtid="{D5CDD505-2E9C-101B-9397-08002B2CF9AE}" pid="2" name="Big"><vt:i8>9007199254740993'
                '</vt:i8></property></Properties>')

PRINTER_BIN = bytes(range(256)) * 8


def _rewrite_zip(path, edit):
    with zipfile.ZipFile(path) as z:
        parts = {i.filename: z.read(i.filename) for i in z.infolist()}
        order = [i.filename for i in z.infolist()]
    parts = edit(parts)
    order = [n for n in order if n in parts] + [n for n in parts if n not in order]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for n in order:
            z.writestr(n, parts[n])


def make_user_workbook(path, vml_broken=False):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Plan"
    ws.append(["ID", "Task", "Due", "Cost", "Status", "RAG", "Owner"])
    for i in range(2, 31):
        ws.append([i - 1, "Task %d" % i, dt.date(2026, 1, 1) + dt.timedelta(days=i), i * 10.5, "Open", i / 100, None])
    thin = Side(style="thin", color="FF000000")
    for r in range(2, 31):
        c = ws.cell(r, 6)
        c.border = Border(left=thin, right=thin, top=thin, bottom=thin)
        c.number_format = "0.00%"
        c.font = Font(name="Arial", size=12, bold=True)
    ws.column_dimensions["B"].width = 30
    ws.page_setup.orientation = "landscape"
    data = wb.create_sheet("Data")
    for i, v in enumerate(["Open", "Closed", "Blocked"], 1):
        data.cell(i, 1, v)
    later = wb.create_sheet("Later")
    later["A1"] = "later sheet"
    wb.save(path)

    def edit(p):
        s = p["xl/worksheets/sheet1.xml"].decode()
        s = re.sub(r"<worksheet [^>]*>", WS_ROOT, s, count=1)
        s = s.replace('<row r="2">', '<row r="2" spans="1:8" x14ac:dyDescent="0.25">', 1)
        # rich text + plain shared strings, a dynamic-array cell with cm="1"
        s = re.sub(r'<c r="B30"[^>]*>.*?</c>', '<c r="B30" t="s"><v>0</v></c>', s, count=1)
        s = re.sub(r'<c r="B29"[^>]*>.*?</c>', '<c r="B29" t="s"><v>1</v></c>', s, count=1)
        s = s.replace('</row><row r="3"',
                      '<c r="H2" cm="1"><f t="array" ref="H2:H4">_xlfn.SEQUENCE(3)</f><v>1</v></c></row><row r="3"', 1)
        s = s.replace("</sheetData>", '</sheetData><protectedRanges><protectedRange sqref="B2:B5" '
                      'name="Editable"/></protectedRanges>', 1)
        s = re.sub(r"<pageSetup ([^>]*?)\s*/>", r'<pageSetup \1 r:id="rId3"/>', s, count=1)
        s = s.replace("</worksheet>", '<legacyDrawing r:id="rId2"/>' + X14_EXT + "</worksheet>")
        p["xl/worksheets/sheet1.xml"] = s.encode()
        d2 = p["xl/worksheets/sheet2.xml"].decode()  # "Data" is the selected, active tab
        p["xl/worksheets/sheet2.xml"] = d2.replace('<sheetView workbookViewId="0"',
                                                   '<sheetView tabSelected="1" workbookViewId="0"', 1).encode()
        p["xl/worksheets/_rels/sheet1.xml.rels"] = (
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n<Relationships xmlns="{xp.NS_PKG_RELS}">'
            f'<Relationship Id="rId3" Type="{R}/printerSettings" Target="../printerSettings/printerSettings1.bin"/>'
            f'<Relationship Id="rId2" Type="{R}/vmlDrawing" Target="../drawings/vmlDrawing12.vml"/>'
            f'<Relationship Id="rId1" Type="{R}/comments" Target="../comments3.xml"/></Relationships>').encode()
        vml = USER_VML
        if vml_broken:  # Excel's VML is not always well-formed XML
            vml = vml.replace("Run</font></div>", "Run<br></font></div>")
        p["xl/drawings/vmlDrawing12.vml"] = vml.encode("ascii")
        p["xl/comments3.xml"] = USER_COMMENTS.encode()
        p["xl/printerSettings/printerSettings1.bin"] = PRINTER_BIN
        p["xl/sharedStrings.xml"] = RICH_SST.encode()
        p["xl/metadata.xml"] = METADATA.encode()
        p["docMetadata/LabelInfo.xml"] = LABEL_INFO.encode()
        p["docProps/custom.xml"] = CUSTOM_PROPS.encode()
        w = p["xl/workbook.xml"].decode()
        w = w.replace("<workbookPr", '<fileSharing readOnlyRecommended="1" userName="Jane Doe"/><workbookPr', 1)
        w = re.sub(r"<definedNames\s*/>", "<definedNames>"
                   '<definedName name="GlobalList">Data!$A$1:$A$3</definedName>'
                   '<definedName name="LocalThing" localSheetId="2">Later!$A$1</definedName>'
                   '<definedName name="_xlnm.Print_Area" localSheetId="0">Plan!$A$1:$G$30</definedName>'
                   "</definedNames>", w)
        w = re.sub(r'activeTab="\d+"', 'activeTab="1"', w)
        p["xl/workbook.xml"] = w.encode()
        wr = p["xl/_rels/workbook.xml.rels"].decode()
        wr = wr.replace("</Relationships>",
                        f'<Relationship Id="rId90" Type="{R}/sharedStrings" Target="sharedStrings.xml"/>'
                        f'<Relationship Id="rId91" Type="{R}/sheetMetadata" Target="metadata.xml"/>'
                        "</Relationships>")
        p["xl/_rels/workbook.xml.rels"] = wr.encode()
        pr = p["_rels/.rels"].decode()
        pr = pr.replace("</Relationships>",
                        '<Relationship Id="rId95" Type="http://schemas.microsoft.com/office/2020/02/relationships/'
                        'classificationlabels" Target="docMetadata/LabelInfo.xml"/>'
                        '<Relationship Id="rId96" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                        'relationships/custom-properties" Target="docProps/custom.xml"/></Relationships>')
        p["_rels/.rels"] = pr.encode()
        ct = p["[Content_Types].xml"].decode()
        if 'Extension="vml"' not in ct:
            ct = ct.replace("<Override", '<Default Extension="vml" ContentType="application/vnd.openxmlformats-'
                            'officedocument.vmlDrawing"/><Override', 1)
        ct = ct.replace("<Override", '<Default Extension="bin" ContentType="application/vnd.openxmlformats-'
                        'officedocument.spreadsheetml.printerSettings"/><Override', 1)
        ct = ct.replace("</Types>",
                        f'<Override PartName="/xl/comments3.xml" ContentType="{xp.CT_COMMENTS}"/>'
                        '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-'
                        'officedocument.spreadsheetml.sharedStrings+xml"/>'
                        '<Override PartName="/xl/metadata.xml" ContentType="application/vnd.openxmlformats-'
                        'officedocument.spreadsheetml.sheetMetadata+xml"/>'
                        '<Override PartName="/docMetadata/LabelInfo.xml" '
                        'ContentType="application/vnd.ms-office.classificationlabels+xml"/>'
                        '<Override PartName="/docProps/custom.xml" ContentType="application/vnd.openxmlformats-'
                        'officedocument.custom-properties+xml"/></Types>')
        p["[Content_Types].xml"] = ct.encode()
        st = p["xl/styles.xml"].decode()
        st = st.replace(f'<styleSheet xmlns="{MAIN}">',
                        f'<styleSheet xmlns="{MAIN}" xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006"'
                        ' mc:Ignorable="x14ac x16r2" xmlns:x14ac="http://schemas.microsoft.com/office/spreadsheetml/'
                        '2009/9/ac" xmlns:x16r2="http://schemas.microsoft.com/office/spreadsheetml/2015/02/main">', 1)
        st = re.sub(r'<fonts count="(\d+)"', r'<fonts count="\1" x14ac:knownFonts="1"', st, count=1)
        st = st.replace("</styleSheet>",
                        '<extLst><ext uri="{EB79DEF2-80B8-43e5-95BD-54CBDDF9020C}" '
                        'xmlns:x14="http://schemas.microsoft.com/office/spreadsheetml/2009/9/main">'
                        '<x14:slicerStyles defaultSlicerStyle="SlicerStyleLight1"/></ext></extLst></styleSheet>')
        p["xl/styles.xml"] = st.encode()
        return p

    _rewrite_zip(path, edit)
    return path


def make_scratch(title="Summary", chart=True, extra_style=True):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = title
    ws["A1"] = "Status summary"
    ws["A1"].font = Font(bold=True, size=14, color="FF1F4E79")
    ws["A1"].fill = PatternFill("solid", fgColor="FFDDEBF7")
    ws.merge_cells("A1:C1")
    ws.append(["Status", "Count", "Share"])
    for i, (k, v) in enumerate([("Open", 12), ("Closed", 7), ("Blocked", 3)], 3):
        ws.cell(i, 1, k)
        ws.cell(i, 2, v)
        ws.cell(i, 3, "=B%d/SUM($B$3:$B$5)" % i).number_format = "0.0%"
    if extra_style:
        ws["B6"] = 1234.5
        ws["B6"].number_format = '#,##0.00 "pts"'
        ws["B6"].border = Border(bottom=Side(style="double"))
    ws.column_dimensions["A"].width = 24
    ws.row_dimensions[1].height = 28
    ws.freeze_panes = "A3"
    ws.auto_filter.ref = "A2:C5"
    ws.print_area = "A1:C20"
    ws.print_title_rows = "1:2"
    if chart:
        pie = PieChart()
        pie.title = "By status"
        pie.add_data(Reference(ws, min_col=2, min_row=2, max_row=5), titles_from_data=True)
        pie.set_categories(Reference(ws, min_col=1, min_row=3, max_row=5))
        ws.add_chart(pie, "E2")
    bio = BytesIO()
    wb.save(bio)
    return bio.getvalue()


def values(path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        wb = openpyxl.load_workbook(path)
    def norm(v):
        return ("array", v.ref, v.text) if hasattr(v, "ref") and hasattr(v, "text") else v
    return {ws.title: {c.coordinate: norm(c.value) for row in ws.iter_rows() for c in row if c.value is not None}
            for ws in wb.worksheets}


def part(path, name):
    with zipfile.ZipFile(path) as z:
        return z.read(name)


def shape_bodies(vml):
    return re.findall(r"<v:shape\b.*?</v:shape>", vml, re.S)


@pytest.fixture
def user_xlsx(tmp_path):
    return str(make_user_workbook(str(tmp_path / "plan.xlsx")))


def roundtrip(src, dst, fn):
    pkg = xp.Package.open(src)
    fn(pkg)
    pkg.save(dst)
    return pkg


def assert_ok(src, dst, pkg):
    problems = xp.verify(src, dst, pkg.owned())
    assert problems == []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        openpyxl.load_workbook(dst)


# ------------------------------------------------------------------------------------ basics
def test_sheet_names_and_noop_roundtrip_is_byte_identical(user_xlsx, tmp_path):
    pkg = xp.Package.open(user_xlsx)
    assert pkg.sheet_names() == ["Plan", "Data", "Later"]
    out = str(tmp_path / "same.xlsx")
    pkg.save(out)
    assert pkg.owned() == set()
    assert xp.verify(user_xlsx, out, set()) == []
    # untouched members are copied raw: same compressed bytes, same order
    with zipfile.ZipFile(user_xlsx) as a, zipfile.ZipFile(out) as b:
        assert [i.filename for i in a.infolist()] == [i.filename for i in b.infolist()]
        for ia, ib in zip(a.infolist(), b.infolist(), strict=False):
            assert (ia.CRC, ia.compress_size, ia.compress_type) == (ib.CRC, ib.compress_size, ib.compress_type)


def test_save_is_atomic_and_keeps_mode(user_xlsx, tmp_path):
    os.chmod(user_xlsx, 0o640)
    pkg = xp.Package.open(user_xlsx)
    pkg.set_cell_colours("Plan", {"F14": ("FF0000", None)})
    pkg.save(user_xlsx)
    assert oct(os.stat(user_xlsx).st_mode & 0o777) == oct(0o640)
    assert [f for f in os.listdir(tmp_path) if f.startswith(".~xlsxpatch")] == []


def test_refuses_ole_and_bad_zip(tmp_path):
    p = tmp_path / "enc.xlsx"
    p.write_bytes(b"\xd0\xcf\x11\xe0" + b"\0" * 600)
    with pytest.raises(xp.UnsupportedWorkbook, match="OLE"):
        xp.Package.open(str(p))
    p.write_bytes(b"not a zip")
    with pytest.raises(xp.UnsupportedWorkbook):
        xp.Package.open(str(p))


# ------------------------------------------------------------------------------------ 1) RAG
def test_rag_colours(user_xlsx, tmp_path):
    out = str(tmp_path / "rag.xlsx")
    before_sheet = part(user_xlsx, "xl/worksheets/sheet1.xml").decode()
    before_styles = part(user_xlsx, "xl/styles.xml").decode()
    pkg = roundtrip(user_xlsx, out, lambda p: p.set_cell_colours("Plan", {
        "F14": ("FF0000", "FFFFFF"), "F15": (None, None), "F16": ("00B050", None),
        "F17": ("FF0000", "FFFFFF"), "J14": ("FFC000", "000000"), "C40": ("FF0000", None),
        "A35": ("00B050", None)}))
    assert pkg.owned() == {"xl/worksheets/sheet1.xml", "xl/styles.xml"}
    assert_ok(user_xlsx, out, pkg)
    assert values(out) == values(user_xlsx)
    wb = openpyxl.load_workbook(out)
    ws = wb["Plan"]
    f14 = ws["F14"]
    assert f14.fill.fill_type == "solid" and f14.fill.fgColor.rgb == "FFFF0000"
    assert f14.font.color.rgb == "FFFFFFFF"
    assert f14.font.name == "Arial" and f14.font.bold and f14.font.sz == 12
    assert f14.border.left.style == "thin" and f14.number_format == "0.00%"
    assert ws["F15"].fill.fill_type in (None, "none") and ws["F15"].font.color is None
    assert ws["F15"].border.top.style == "thin"
    assert ws["F16"].fill.fgColor.rgb == "FF00B050"
    assert ws["F17"].style_id == ws["F14"].style_id  # identical clones reused
    assert ws["J14"].fill.fgColor.rgb == "FFFFC000" and ws["C40"].fill.fgColor.rgb == "FFFF0000"
    assert ws["A35"].fill.fgColor.rgb == "FF00B050"
    after_sheet = part(out, "xl/worksheets/sheet1.xml").decode()
    after_styles = part(out, "xl/styles.xml").decode()
    # only s attributes changed / cells added: strip them and the rest is identical
    norm = lambda t: re.sub(r' s="\d+"', "", t)  # noqa: E731
    stripped = re.sub(r'<c r="(J14|C40|A35)"/>', "", norm(after_sheet))
    stripped = re.sub(r'<row r="(35|40)"></row>', "", stripped)
    assert stripped == norm(before_sheet).replace('<dimension ref="A1:G30"', '<dimension ref="A1:J40"')
    assert X14_EXT in after_sheet and WS_ROOT in after_sheet and "<protectedRanges>" in after_sheet
    # cells in the right order
    assert after_sheet.index('<row r="30"') < after_sheet.index('<row r="35"') < after_sheet.index('<row r="40"')
    assert after_sheet.index('<c r="F14"') < after_sheet.index('<c r="J14"') < after_sheet.index('<row r="15"')
    # styles: every original entry is still there, in place; the extLst too
    for kind in ("fonts", "fills", "borders", "cellXfs"):
        old = re.search(rf"<{kind} [^>]*>(.*?)</{kind}>", before_styles, re.S).group(1)
        new = re.search(rf"<{kind} [^>]*>(.*?)</{kind}>", after_styles, re.S).group(1)
        assert new.startswith(old)
        n = len(re.findall(r"<(?:font|fill|border|xf)\b", new))
        assert re.search(r'<%s count="%d"' % (kind, n), after_styles)
    assert "x14:slicerStyles" in after_styles and 'x14ac:knownFonts="1"' in after_styles
    # idempotent: same colours again changes nothing at all
    pkg2 = xp.Package.open(out)
    pkg2.set_cell_colours("Plan", {"F14": ("FF0000", "FFFFFF"), "J14": ("FFC000", "000000")})
    assert pkg2.owned() == set()


def test_rag_remove_colour_and_bad_input(user_xlsx, tmp_path):
    pkg = xp.Package.open(user_xlsx)
    pkg.set_cell_colours("Plan", {"F14": ("FF0000", "FFFFFF")})
    pkg.set_cell_colours("Plan", {"F14": (None, None)})
    out = str(tmp_path / "o.xlsx")
    pkg.save(out)
    c = openpyxl.load_workbook(out)["Plan"]["F14"]
    assert c.fill.fill_type in (None, "none") and c.font.color is None and c.font.bold
    with pytest.raises(xp.XlsxPatchError):
        pkg.set_cell_colours("Plan", {"F14": ("red", None)})
    with pytest.raises(xp.XlsxPatchError):
        pkg.set_cell_colours("Plan", {"14F": ("FF0000", None)})
    with pytest.raises(KeyError):
        pkg.set_cell_colours("Nope", {"A1": ("FF0000", None)})


def test_rag_widens_row_spans(user_xlsx, tmp_path):
    out = str(tmp_path / "sp.xlsx")
    pkg = roundtrip(user_xlsx, out, lambda p: p.set_cell_colours("Plan", {"J2": ("FF0000", None)}))
    assert_ok(user_xlsx, out, pkg)
    sheet = part(out, "xl/worksheets/sheet1.xml").decode()
    assert '<row r="2" spans="1:10" x14ac:dyDescent="0.25">' in sheet
    assert re.search(r'<c r="H2" cm="1">.*?</c><c r="J2" s="\d+"/></row>', sheet)


def test_remove_user_sheet_shifts_names(user_xlsx, tmp_path):
    out = str(tmp_path / "rm.xlsx")
    pkg = roundtrip(user_xlsx, out, lambda p: p.remove_sheet("Data"))
    assert_ok(user_xlsx, out, pkg)
    wbx = part(out, "xl/workbook.xml").decode()
    assert '<definedName name="LocalThing" localSheetId="1">' in wbx and 'activeTab="1"' in wbx
    assert "xl/worksheets/sheet2.xml" in pkg.removed_parts()
    assert openpyxl.load_workbook(out).sheetnames == ["Plan", "Later"]
    with pytest.raises(xp.XlsxPatchError):
        p = xp.Package.open(out)
        p.remove_sheet("Plan")
        p.remove_sheet("Later")


def test_rag_on_empty_sheet_data(tmp_path):
    wb = openpyxl.Workbook()
    wb.active.title = "Empty"
    src = str(tmp_path / "e.xlsx")
    wb.save(src)
    out = str(tmp_path / "e2.xlsx")
    pkg = roundtrip(src, out, lambda p: p.set_cell_colours("Empty", {"B2": ("FF0000", None), "A1": ("00FF00", None)}))
    assert_ok(src, out, pkg)
    ws = openpyxl.load_workbook(out)["Empty"]
    assert ws["B2"].fill.fgColor.rgb == "FFFF0000" and ws["A1"].fill.fgColor.rgb == "FF00FF00"


# ------------------------------------------------------------------------------------ 2) notes
@pytest.mark.parametrize("vml_broken", [False, True])
def test_notes_merge_keeps_user_note_and_button(tmp_path, vml_broken):
    src = make_user_workbook(str(tmp_path / "plan.xlsx"), vml_broken=vml_broken)
    out = str(tmp_path / "notes.xlsx")
    user_vml = part(src, "xl/drawings/vmlDrawing12.vml").decode()
    user_comment = re.search(r"<comment .*?</comment>", USER_COMMENTS, re.S).group(0)
    pkg = xp.Package.open(src)
    skipped = pkg.set_notes("Plan", {"F14": "Behind plan & over budget <3", "F20": "Check", "B3": "mine?"},
                            author="cqcxl", size={"F14": (150, 70)})
    assert skipped == ["B3"]
    pkg.save(out)
    assert pkg.owned() == {"xl/comments3.xml", "xl/drawings/vmlDrawing12.vml"}
    assert_ok(src, out, pkg)
    vml = part(out, "xl/drawings/vmlDrawing12.vml").decode()
    bodies = shape_bodies(vml)
    assert USER_NOTE_SHAPE in bodies and vml.count(USER_NOTE_SHAPE) == 1
    button = BUTTON_SHAPE.replace("Run</font>", "Run<br></font>") if vml_broken else BUTTON_SHAPE
    assert button in vml
    assert vml.startswith(user_vml[:user_vml.rindex("</xml>")])  # user bytes kept, ours appended
    ids = re.findall(r"_x0000_s(\d+)", vml)
    assert len(ids) == len(set(ids)) == 4 and all(12289 <= int(i) < 13312 for i in ids)
    assert "width:150pt;height:70pt" in vml
    comments = part(out, "xl/comments3.xml").decode()
    assert user_comment in comments
    assert "<author>Jane Doe</author><author>cqcxl</author>" in comments
    if not vml_broken:
        wb = openpyxl.load_workbook(out)
        ws = wb["Plan"]
        assert ws["F14"].comment.author == "cqcxl" and ws["F14"].comment.text == "Behind plan & over budget <3"
        assert ws["B3"].comment.author == "Jane Doe"
    assert values(out) == values(src)

    # second run: F14 text changes, F20 goes away, F22 arrives; user note still untouched
    out2 = str(tmp_path / "notes2.xlsx")
    pkg2 = roundtrip(out, out2, lambda p: p.set_notes("Plan", {"F14": "Now on track", "F22": "New"}))
    assert_ok(out, out2, pkg2)
    vml2 = part(out2, "xl/drawings/vmlDrawing12.vml").decode()
    assert USER_NOTE_SHAPE in vml2 and button in vml2
    assert "<x:Row>19</x:Row>" not in vml2 and "<x:Row>21</x:Row>" in vml2
    c2 = part(out2, "xl/comments3.xml").decode()
    assert user_comment in c2 and 'ref="F20"' not in c2 and "Now on track" in c2
    # third run with the same set: nothing changes
    pkg3 = xp.Package.open(out2)
    pkg3.set_notes("Plan", {"F14": "Now on track", "F22": "New"})
    assert pkg3.owned() == set()
    # removing all our notes leaves the user's note and the button
    pkg4 = xp.Package.open(out2)
    pkg4.set_notes("Plan", {})
    out4 = str(tmp_path / "notes4.xlsx")
    pkg4.save(out4)
    assert xp.verify(out2, out4, pkg4.owned()) == []
    c4 = part(out4, "xl/comments3.xml").decode()
    assert 'authorId="1"' not in c4 and user_comment in c4
    v4 = part(out4, "xl/drawings/vmlDrawing12.vml").decode()
    assert USER_NOTE_SHAPE in v4 and button in v4 and v4.count("<v:shape ") == 2


def test_notes_created_when_sheet_has_none(user_xlsx, tmp_path):
    out = str(tmp_path / "n.xlsx")
    pkg = roundtrip(user_xlsx, out, lambda p: p.set_notes("Data", {"A2": "first", "C9": "second"},
                                                          size={"C9": (200, 100)}))
    assert_ok(user_xlsx, out, pkg)
    added = pkg.added_parts()
    assert any(n.startswith("xl/comments") for n in added) and any(n.endswith(".vml") for n in added)
    vml_name = next(n for n in added if n.endswith(".vml"))
    vml = part(out, vml_name).decode()
    block = int(re.search(r'data="(\d+)"', vml).group(1))
    assert block != 12  # the user's VML owns block 12
    sheet = part(out, "xl/worksheets/sheet2.xml").decode()
    # <legacyDrawing> sits in schema order: after pageMargins (and pageSetup), before the end
    assert sheet.index("<pageMargins") < sheet.index("<legacyDrawing")
    ws = openpyxl.load_workbook(out)["Data"]
    assert ws["A2"].comment.text == "first" and ws["C9"].comment.author == "cqcxl"
    # and clearing them removes comments + VML + <legacyDrawing> again
    out2 = str(tmp_path / "n2.xlsx")
    pkg2 = roundtrip(out, out2, lambda p: p.set_notes("Data", {}))
    assert xp.verify(out, out2, pkg2.owned()) == []
    assert "legacyDrawing" not in part(out2, "xl/worksheets/sheet2.xml").decode()
    assert xp.verify(user_xlsx, out2, pkg.owned() | pkg2.owned()) == []


def test_notes_on_openpyxl_written_vml(tmp_path):
    """Files saved by today's cqcxl (openpyxl) have VML with ns0/ns1/ns2 prefixes."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws["A1"] = "x"
    ws["A1"].comment = openpyxl.comments.Comment("old ours", "cqcxl")
    ws["B1"].comment = openpyxl.comments.Comment("user", "Bob")
    src = str(tmp_path / "o.xlsx")
    wb.save(src)
    out = str(tmp_path / "o2.xlsx")
    pkg = roundtrip(src, out, lambda p: p.set_notes("Sheet", {"C3": "new"}))
    assert_ok(src, out, pkg)
    ws2 = openpyxl.load_workbook(out)["Sheet"]
    assert ws2["A1"].comment is None and ws2["B1"].comment.author == "Bob" and ws2["C3"].comment.text == "new"


# ------------------------------------------------------------------------------------ 3) owned sheets
def test_put_sheet_at_front_shifts_local_names(user_xlsx, tmp_path):
    out = str(tmp_path / "s.xlsx")
    scratch = make_scratch()
    pkg = roundtrip(user_xlsx, out, lambda p: p.put_sheet("Summary", 0, scratch))
    assert_ok(user_xlsx, out, pkg)
    assert "xl/sharedStrings.xml" not in pkg.owned()
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == ["Summary", "Plan", "Data", "Later"]
    # user's local names moved with their sheets; ours point at sheet 0
    local = {(n, ws.title) for ws in wb.worksheets for n in ws.defined_names}
    assert ("LocalThing", "Later") in local
    wbx = part(out, "xl/workbook.xml").decode()
    assert '<definedName name="LocalThing" localSheetId="3">' in wbx
    assert re.search(r'name="_xlnm.Print_Area" localSheetId="1">Plan!\$A\$1:\$G\$30', wbx)
    assert re.search(r'name="_xlnm.Print_Area" localSheetId="0">\'Summary\'!\$A\$1:\$C\$20', wbx)
    assert re.search(r'name="_xlnm.Print_Titles" localSheetId="0">', wbx)
    assert re.search(r'name="_xlnm._FilterDatabase" localSheetId="0" hidden="1">', wbx)
    assert '<fileSharing readOnlyRecommended="1" userName="Jane Doe"/>' in wbx
    assert 'activeTab="0"' in wbx
    ws = wb["Summary"]
    assert ws["A1"].value == "Status summary" and ws["B3"].value == 12 and ws["C3"].value == "=B3/SUM($B$3:$B$5)"
    assert ws["A1"].font.bold and ws["A1"].font.color.rgb == "FF1F4E79" and ws["A1"].fill.fgColor.rgb == "FFDDEBF7"
    assert ws["C3"].number_format == "0.0%" and ws["B6"].number_format == '#,##0.00 "pts"'
    assert ws["B6"].border.bottom.style == "double"
    assert [str(m) for m in ws.merged_cells.ranges] == ["A1:C1"]
    assert ws.freeze_panes == "A3" and ws.column_dimensions["A"].width == 24 and ws.row_dimensions[1].height == 28
    assert len(ws._charts) == 1
    # chart XML present and its anchor/rels resolve
    p2 = xp.Package.open(out)
    sp = p2.sheet("Summary").part
    drel = [r for r in p2.rels(sp) if r.type.endswith("/drawing")]
    assert len(drel) == 1 and p2.has(drel[0].part)
    crel = [r for r in p2.rels(drel[0].part) if r.type.endswith("/chart")]
    assert len(crel) == 1 and p2.has(crel[0].part)
    assert re.search(rb"<(\w+:)?pieChart>", p2.read(crel[0].part))
    assert p2.content_type(crel[0].part) == "application/vnd.openxmlformats-officedocument.drawingml.chart+xml"
    anchor = p2.read(drel[0].part)
    assert re.search(rb"<(\w+:)?from><(\w+:)?col>4</(\w+:)?col>", anchor)  # anchored at E2
    assert re.search(rb'<(\w+:)?chart [^>]*r:id="%s"' % crel[0].id.encode(), anchor)
    # values of user sheets unchanged; strings inline (sharedStrings untouched)
    v0, v1 = values(user_xlsx), values(out)
    for k in v0:
        assert v0[k] == v1[k]
    assert b"<is>" in p2.read(sp)
    # the previously selected user sheet is no longer tab-selected (one attribute removed, nothing else)
    assert b'tabSelected="1"' in xp.Package.open(user_xlsx).read("xl/worksheets/sheet2.xml")
    for s in p2.sheets()[1:]:
        assert b'tabSelected="1"' not in p2.read(s.part)
    assert p2.read("xl/worksheets/sheet2.xml") == xp.Package.open(user_xlsx).read(
        "xl/worksheets/sheet2.xml").replace(b' tabSelected="1"', b"")


def test_put_sheet_replace_removes_old_parts(user_xlsx, tmp_path):
    out1 = str(tmp_path / "s1.xlsx")
    pkg1 = roundtrip(user_xlsx, out1, lambda p: p.put_sheet("Summary", 1, make_scratch(), activate=False))
    assert_ok(user_xlsx, out1, pkg1)
    wbx = part(out1, "xl/workbook.xml").decode()
    assert 'activeTab="2"' in wbx  # "Data" stays the active sheet
    assert '<definedName name="LocalThing" localSheetId="3">' in wbx
    out2 = str(tmp_path / "s2.xlsx")
    pkg2 = roundtrip(out1, out2, lambda p: p.put_sheet("Summary", 3, make_scratch(chart=False)))
    assert_ok(out1, out2, pkg2)
    names = xp.Package.open(out2).names()
    assert not any("chart" in n for n in names) and not any(n.startswith("xl/drawings/drawing") for n in names)
    wb = openpyxl.load_workbook(out2)
    assert wb.sheetnames == ["Plan", "Data", "Later", "Summary"]
    wbx = part(out2, "xl/workbook.xml").decode()
    assert '<definedName name="LocalThing" localSheetId="2">' in wbx
    assert wbx.count('name="_xlnm.Print_Area"') == 2 and 'localSheetId="3">\'Summary\'' in wbx
    assert 'activeTab="3"' in wbx
    # everything the user had is byte-identical compared with the original file
    problems = xp.verify(user_xlsx, out2, pkg1.owned() | pkg2.owned())
    assert problems == []
    # remove it again: back to the user's parts
    out3 = str(tmp_path / "s3.xlsx")
    pkg3 = roundtrip(out2, out3, lambda p: p.remove_sheet("Summary"))
    assert_ok(out2, out3, pkg3)
    assert openpyxl.load_workbook(out3).sheetnames == ["Plan", "Data", "Later"]
    p3 = xp.Package.open(out3)
    assert sorted(p3.names()) == sorted(xp.Package.open(user_xlsx).names())


def test_put_sheet_with_other_scratch_name_and_notes(user_xlsx, tmp_path):
    out = str(tmp_path / "h.xlsx")
    scratch = make_scratch(title="Tmp")

    def ops(p):
        p.put_sheet("History", None, scratch, scratch_sheet_name="Tmp", activate=False)
        p.set_cell_colours("Plan", {"F14": ("FF0000", None)})
        p.set_notes("Plan", {"F14": "late"})
        p.set_notes("History", {"A3": "note on our sheet"})
    pkg = roundtrip(user_xlsx, out, ops)
    assert_ok(user_xlsx, out, pkg)
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames[-1] == "History"
    chart_xml = b"".join(xp.Package.open(out).read(n) for n in xp.Package.open(out).names() if "charts/" in n)
    assert b"'History'!$B$3:$B$5" in chart_xml and b"Tmp" not in chart_xml
    assert wb["History"]["A3"].comment.text == "note on our sheet"


def _to_shared_strings(xlsx: bytes) -> bytes:
    """Rewrite an openpyxl scratch file's inline strings as shared strings (as Excel would)."""
    pkg = xp.Package.open(xlsx)
    strings = []

    def repl(m):
        strings.append(m.group(2))
        return '<c%s t="s"><v>%d</v></c>' % (m.group(1), len(strings) - 1)
    for sp in [s.part for s in pkg.sheets()]:
        t = pkg.read(sp).decode()
        t = re.sub(r'<c([^>]*?) t="inlineStr"><is>(.*?)</is></c>', repl, t)
        pkg.write(sp, t.encode())
    sst = '<sst xmlns="%s" count="%d" uniqueCount="%d">%s</sst>' % (
        MAIN, len(strings), len(strings), "".join(f"<si>{x}</si>" for x in strings))
    pkg.write("xl/sharedStrings.xml", sst.encode())
    pkg._rels_edit("xl/workbook.xml", add=[("rId99", xp.RT_SST, "xl/sharedStrings.xml")])
    pkg._ct_set("xl/sharedStrings.xml", "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml")
    return pkg.to_bytes()


def test_put_sheet_from_shared_strings_scratch_with_notes(user_xlsx, tmp_path):
    wb = openpyxl.load_workbook(BytesIO(make_scratch(chart=False)))
    wb["Summary"]["A3"].comment = openpyxl.comments.Comment("scratch note", "cqcxl")
    bio = BytesIO()
    wb.save(bio)
    scratch = _to_shared_strings(bio.getvalue())
    assert b'<c r="A1" s="1" t="s">' in xp.Package.open(scratch).read("xl/worksheets/sheet1.xml")
    # the user already has a VML drawing with idmap block 1 on "Data"
    pre = str(tmp_path / "pre.xlsx")
    roundtrip(user_xlsx, pre, lambda p: p.set_notes("Data", {"A1": "x"}))
    out = str(tmp_path / "s.xlsx")
    pkg = roundtrip(pre, out, lambda p: p.put_sheet("Summary", 2, scratch))
    assert_ok(pre, out, pkg)
    wb2 = openpyxl.load_workbook(out)
    ws = wb2["Summary"]
    assert ws["A1"].value == "Status summary" and ws["A4"].value == "Closed"
    assert ws["A3"].comment.text == "scratch note"
    p2 = xp.Package.open(out)
    assert p2.read("xl/sharedStrings.xml") == xp.Package.open(pre).read("xl/sharedStrings.xml")
    blocks = {}
    for n in p2.names():
        if n.endswith(".vml"):
            blocks[n] = re.search(r'data="([\d,]+)"', p2.read(n).decode()).group(1)
    assert len(set(blocks.values())) == len(blocks), blocks  # no two drawings share an idmap block


def test_calc_chain_dropped_when_replacing_sheet_with_formulas(user_xlsx, tmp_path):
    out1 = str(tmp_path / "a.xlsx")
    roundtrip(user_xlsx, out1, lambda p: p.put_sheet("Summary", 0, make_scratch()))
    pkg = xp.Package.open(out1)
    sid = pkg.sheet("Summary").sheet_id
    pkg.write("xl/calcChain.xml", ('<calcChain xmlns="%s"><c r="H2" i="1" a="1"/><c r="C3" i="%d"/><c r="C4"/>'
                                   '</calcChain>' % (MAIN, sid)).encode())
    pkg._rels_edit("xl/workbook.xml", add=[("rId98", xp.RT_CALCCHAIN, "xl/calcChain.xml")])
    pkg._ct_set("xl/calcChain.xml", "application/vnd.openxmlformats-officedocument.spreadsheetml.calcChain+xml")
    pkg.save(out1)
    out2 = str(tmp_path / "b.xlsx")
    pkg2 = roundtrip(out1, out2, lambda p: p.put_sheet("Summary", 0, make_scratch()))
    assert_ok(out1, out2, pkg2)
    assert "xl/calcChain.xml" in pkg2.removed_parts()
    # colouring cells never touches the calc chain
    out3 = str(tmp_path / "c.xlsx")
    pkg3 = roundtrip(out1, out3, lambda p: p.set_cell_colours("Plan", {"F3": ("FF0000", None)}))
    assert "xl/calcChain.xml" not in pkg3.owned()


def _prefix_main(xml: str) -> str:
    """Rewrite a part to use an x: prefix for the main namespace (as the Open XML SDK does)."""
    xml = re.sub(r"<(/?)([A-Za-z][\w]*)(?=[\s/>])", lambda m: f"<{m.group(1)}x:{m.group(2)}", xml)
    return xml.replace(f'xmlns="{MAIN}"', f'xmlns:x="{MAIN}"')


def test_prefixed_main_namespace(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "P"
    for r in range(1, 6):
        ws.cell(r, 1, r)
        ws.cell(r, 2, "t%d" % r)
    src = str(tmp_path / "p.xlsx")
    wb.save(src)
    _rewrite_zip(src, lambda p: dict(p, **{
        "xl/worksheets/sheet1.xml": _prefix_main(p["xl/worksheets/sheet1.xml"].decode()).encode(),
        "xl/styles.xml": _prefix_main(p["xl/styles.xml"].decode()).encode()}))
    out = str(tmp_path / "p2.xlsx")

    def ops(p):
        p.set_cell_colours("P", {"B2": ("FF0000", None), "D9": ("00FF00", "FFFFFF")})
        p.set_notes("P", {"B2": "prefixed"})
        p.put_sheet("Summary", 1, make_scratch())
    pkg = roundtrip(src, out, ops)
    assert_ok(src, out, pkg)
    sheet = part(out, "xl/worksheets/sheet1.xml").decode()
    assert '<x:c r="D9" s="' in sheet and "<x:legacyDrawing" in sheet and "<x:row r=\"9\">" in sheet
    wb2 = openpyxl.load_workbook(out)
    assert wb2["P"]["B2"].fill.fgColor.rgb == "FFFF0000" and wb2["P"]["B2"].comment.text == "prefixed"
    assert wb2["Summary"]["A1"].font.bold


def test_verify_catches_tampering(user_xlsx, tmp_path):
    out = str(tmp_path / "t.xlsx")
    pkg = roundtrip(user_xlsx, out, lambda p: p.set_cell_colours("Plan", {"F14": ("FF0000", None)}))
    assert xp.verify(user_xlsx, out, set()) != []  # changes not declared as owned
    bad = xp.Package.open(out)
    bad.write("xl/sharedStrings.xml", bad.read("xl/sharedStrings.xml").replace(b"Bold red", b"Bold Red"))
    bad.delete("xl/printerSettings/printerSettings1.bin")
    bad.write("xl/orphan.xyz", b"x")
    bad.write("xl/worksheets/sheet3.xml", b"<worksheet><unclosed></worksheet>")
    problems = "\n".join(xp.verify(user_xlsx, bad.to_bytes(), pkg.owned() | {"xl/worksheets/sheet3.xml"}))
    assert "sharedStrings.xml changed" in problems
    assert "printerSettings1.bin is missing" in problems
    assert "points to missing part" in problems
    assert "orphan.xyz has no content type" in problems
    assert "sheet3.xml is not well-formed" in problems


def test_verify_compares_untouched_parts_as_stored_and_others_inflated(user_xlsx, tmp_path):
    """A part copied raw is compared as stored (no inflating); the same content stored
    differently (another compression) is not a change; a changed byte is."""
    again = tmp_path / "recompressed.xlsx"
    with zipfile.ZipFile(user_xlsx) as zin, zipfile.ZipFile(again, "w", zipfile.ZIP_DEFLATED,
                                                            compresslevel=1) as z:
        for info in zin.infolist():
            z.writestr(info.filename, zin.read(info))  # same bytes, deflated another way
    a, b = xp.Package.open(user_xlsx), xp.Package.open(str(again))
    name = "xl/theme/theme1.xml"
    assert a._orig[name].raw != b._orig[name].raw
    assert xp.verify(user_xlsx, str(again), set()) == []
    edited = xp.Package.open(str(again))
    edited.write(name, edited.read(name).replace(b"Office", b"0ffice", 1))
    assert xp.verify(user_xlsx, edited.to_bytes(), set()) == [f"part {name} changed but is not owned"]


def test_packed_parts_save_as_written(user_xlsx, tmp_path):
    """A part held deflated after writing (pack) reads back, counts as changed, and saves to
    the same package as when it is kept as text."""
    def patched():
        pkg = xp.Package.open(user_xlsx)
        pkg.set_cell_colours("Plan", {f"F{r}": ("FF0000", "FFFFFF") for r in range(2, 31)})
        return pkg
    plain, packed = patched(), patched()
    before = packed.values()
    packed.set_cell_colours("Data", {"A1": ("00B050", None)})
    written = packed.written_since(before)
    assert written == {"xl/worksheets/sheet2.xml", "xl/styles.xml"}
    plain.set_cell_colours("Data", {"A1": ("00B050", None)})
    sheet = "xl/worksheets/sheet1.xml"
    text = packed.read(sheet)
    packed.pack([sheet, *written], min_size=0)
    assert isinstance(packed._cur[sheet], xp._Packed) and packed.read(sheet) == text
    assert packed.owned() == plain.owned()
    assert packed.to_bytes() == plain.to_bytes()
    assert xp.verify(user_xlsx, packed.to_bytes(), packed.owned()) == []


def test_put_sheet_xml_writes_a_sheet_its_parts_and_names(user_xlsx, tmp_path):
    """An owned sheet given as XML chunks (deflated as they come), a drawing below it and
    its own defined names: placed first, made active, the user's names and parts as they
    were."""
    out = str(tmp_path / "x.xlsx")
    drawing = (b'<xdr:wsDr xmlns:xdr="http://schemas.openxmlformats.org/drawingml/2006/'
               b'spreadsheetDrawing"/>')

    def put(pkg):
        xf = pkg.cell_format(font='<font><b val="1"/><sz val="14"/></font>',
                             fill='<fill><patternFill patternType="solid"><fgColor '
                                  'rgb="FFDDEBF7"/></patternFill></fill>',
                             border="<border><left/><right/><top/><bottom/><diagonal/></border>",
                             num_fmt="0.0%", alignment='<alignment vertical="top"/>')
        assert xf == pkg.cell_format(font='<font><b val="1"/><sz val="14"/></font>',
                                     fill='<fill><patternFill patternType="solid"><fgColor '
                                          'rgb="FFDDEBF7"/></patternFill></fill>',
                                     border="<border><left/><right/><top/><bottom/><diagonal/>"
                                            "</border>",
                                     num_fmt="0.0%", alignment='<alignment vertical="top"/>')
        head = (f'<worksheet xmlns="{MAIN}" xmlns:r="{R}"><sheetViews><sheetView '
                'workbookViewId="0"/></sheetViews>').encode()
        rows = [b"<sheetData>", f'<row r="1"><c r="A1" s="{xf}"><v>0.25</v></c></row>'.encode(),
                b'<row r="2"><c r="A2" t="inlineStr"><is><t>two</t></is></c></row>',
                b'</sheetData><drawing r:id="rId1"/></worksheet>']
        pkg.put_sheet_xml("Mine", 0, iter([head, *rows]), activate=True, parts=[
            xp.NewPart("rId1", xp.RT + "drawing", "xl/drawings/drawing1.xml",
                       "application/vnd.openxmlformats-officedocument.drawing+xml", drawing)],
            defined_names=[("_xlnm.Print_Area", "'Mine'!$A$1:$A$2", False)])
    pkg = roundtrip(user_xlsx, out, put)
    assert_ok(user_xlsx, out, pkg)
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == ["Mine", "Plan", "Data", "Later"] and wb.active.title == "Mine"
    ws = wb["Mine"]
    assert ws["A1"].value == 0.25 and ws["A1"].number_format == "0.0%" and ws["A1"].font.b
    assert ws["A1"].fill.fgColor.rgb == "FFDDEBF7" and ws["A2"].value == "two"
    assert ws.sheet_view.tabSelected
    wbx = part(out, "xl/workbook.xml").decode()
    assert "<definedName name=\"_xlnm.Print_Area\" localSheetId=\"0\">'Mine'!$A$1:$A$2" in wbx
    assert '<definedName name="LocalThing" localSheetId="3">' in wbx
    p2 = xp.Package.open(out)
    assert [r.part for r in p2.rels(p2.sheet("Mine").part)] == ["xl/drawings/drawing1.xml"]
    assert p2.read("xl/drawings/drawing1.xml") == drawing
    # written again (a second Validate): the old drawing goes, one takes its place
    pkg2 = roundtrip(out, out, put)
    assert xp.verify(out, out, pkg2.owned()) == [] and xp.Package.open(out).sheet_names()[0] == "Mine"
    assert [n for n in xp.Package.open(out).names() if "drawings/drawing" in n] == [
        "xl/drawings/drawing1.xml"]


def test_a_big_sheet_loses_its_selected_tab_without_other_change(user_xlsx, tmp_path):
    """Validate then Build summary: the Validation sheet (big, already held deflated) is
    tab-selected, then Summary is. Only the one attribute goes; every other byte of the big
    sheet — rows past the first inflated pieces, characters of more than one byte across
    them — comes out as it went in, and the result is a valid package."""
    out = str(tmp_path / "x.xlsx")
    head = (f'<worksheet xmlns="{MAIN}" xmlns:r="{R}"><sheetViews><sheetView '
            'tabSelected="1" workbookViewId="0"/></sheetViews>').encode()
    rows = [f'<row r="{r}"><c r="A{r}" t="inlineStr"><is><t>Überprüfung — {r} ✓ '
            f'{"é" * (r % 37)}</t></is></c></row>'.encode() for r in range(1, 30001)]
    big = head + b"<sheetData>" + b"".join(rows) + b"</sheetData></worksheet>"
    assert len(big) > 4 * (1 << 18)  # several of the pieces the splice streams

    def put(pkg):
        before = pkg.values()
        pkg.put_sheet_xml("Big", 0, iter([head, b"<sheetData>", *rows,
                                          b"</sheetData></worksheet>"]), activate=True)
        pkg.pack(pkg.written_since(before))
        pkg.put_sheet_xml("Small", 0, f'<worksheet xmlns="{MAIN}"><sheetViews><sheetView '
                          'workbookViewId="0"/></sheetViews><sheetData/></worksheet>',
                          activate=True)
    pkg = roundtrip(user_xlsx, out, put)
    assert_ok(user_xlsx, out, pkg)
    p2 = xp.Package.open(out)
    assert p2.read(p2.sheet("Big").part) == big.replace(b' tabSelected="1"', b"", 1)
    assert b'tabSelected="1"' in p2.read(p2.sheet("Small").part)


def test_colours_by_address_and_by_parsing_the_row(tmp_path):
    """Cells found by their address as Excel writes it, or by parsing their row when they
    are written otherwise (attributes in another order) or are missing: the same result."""
    src = str(tmp_path / "odd.xlsx")
    make_user_workbook(src)

    def reorder(p):
        s = p["xl/worksheets/sheet1.xml"].decode()
        s = re.sub(r'<c r="F5" s="(\d+)"', r'<c s="\1" r="F5"', s, count=1)  # other order
        s = re.sub(r'<c r="F6"[^>]*?(/>|>.*?</c>)', "", s, count=1)  # missing
        p["xl/worksheets/sheet1.xml"] = s.encode()
        return p
    _rewrite_zip(src, reorder)
    out = str(tmp_path / "o.xlsx")
    pkg = roundtrip(src, out, lambda p: p.set_cell_colours(
        "Plan", {f"F{r}": ("FF0000", "FFFFFF") for r in range(2, 9)}))
    assert_ok(src, out, pkg)
    ws = openpyxl.load_workbook(out)["Plan"]
    for r in range(2, 9):
        c = ws[f"F{r}"]
        assert c.fill.fgColor.rgb == "FFFF0000" and c.font.color.rgb == "FFFFFFFF", r
    assert ws["F5"].number_format == "0.00%" and ws["F5"].border.left.style == "thin"


def test_note_geometry_counts_every_row_above(tmp_path):
    """A note's position far down a long sheet adds up the real height of every row above
    it (prefix sums: a 20,000-row sheet has thousands of notes)."""
    text = (f'<worksheet xmlns="{MAIN}"><sheetFormatPr defaultRowHeight="15"/><sheetData>'
            + "".join(f'<row r="{r}" ht="30" customHeight="1"/>' for r in range(1, 5001, 2))
            + "</sheetData></worksheet>")
    geo = xp._Geometry(xp._SheetXML(text))
    for r in (1, 2, 3, 2500, 4999, 5000, 7000):
        assert geo.rows_above(r) == pytest.approx(sum(geo.row_px(i) for i in range(1, r)))


# ------------------------------------------------------------------------------------ LibreOffice
@pytest.mark.skipif(not shutil.which("soffice"), reason="LibreOffice not installed")
def test_libreoffice_opens_result(user_xlsx, tmp_path):
    out = str(tmp_path / "lo.xlsx")

    def ops(p):
        p.set_cell_colours("Plan", {"F14": ("FF0000", "FFFFFF"), "J40": ("00B050", None)})
        p.set_notes("Plan", {"F14": "late"})
        p.put_sheet("Summary", 0, make_scratch())
    pkg = roundtrip(user_xlsx, out, ops)
    assert xp.verify(user_xlsx, out, pkg.owned()) == []
    outdir = tmp_path / "pdf"
    env = dict(os.environ, HOME=str(tmp_path))
    r = subprocess.run(["soffice", "--headless", "--convert-to", "pdf", "--outdir", str(outdir), out],
                       capture_output=True, timeout=180, env=env)
    pdf = outdir / "lo.pdf"
    assert pdf.exists() and pdf.stat().st_size > 1000, r.stderr.decode(errors="replace")
    # and LibreOffice reads the cell values back the same (xlsx -> csv of the first sheet)
    r2 = subprocess.run(["soffice", "--headless", "--convert-to", "csv", "--outdir", str(outdir), out],
                        capture_output=True, timeout=180, env=env)
    csv = (outdir / "lo.csv").read_text(errors="replace")
    assert "Status summary" in csv, r2.stderr.decode(errors="replace")
