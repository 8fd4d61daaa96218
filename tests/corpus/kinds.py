"""Content an Excel user adds that openpyxl used to lose (issue 13 item 7), one builder each.

Each kind is an edit of the example plan's package, written the way Excel writes it (part
names, relationship types, content types, element order); :data:`KINDS` maps a name to its
edit and what it is. Nothing binary is committed: the tests build the files. To look at
them in Excel::

    python tests/corpus/kinds.py OUT_DIR

``all-kinds`` puts every kind in one workbook.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.corpus.make_corpus import (  # noqa: E402
    _CT,
    _NS_MAIN,
    _NS_REL,
    _R,
    WS1,
    WS2,
    _add_content_type,
    _add_rel,
    _drawing_on,
    _insert_before,
    _override,
    _png,
    _sheet_parts,
    _with_zip,
    set_cell,
    table,
)

#: elements that come after <customSheetViews> in a worksheet (schema order)
_AFTER_CUSTOM_VIEWS = ("mergeCells", "phoneticPr", "conditionalFormatting", "dataValidations",
                       "hyperlinks", "printOptions", "pageMargins", "pageSetup", "headerFooter",
                       "rowBreaks", "colBreaks", "customProperties", "cellWatches",
                       "ignoredErrors", "smartTags", "drawing", "legacyDrawing",
                       "legacyDrawingHF", "picture", "oleObjects", "controls", "webPublishItems",
                       "tableParts", "extLst")
_GUID = "{6F0C1C2A-3B4D-4E5F-8A9B-0C1D2E3F4A5B}"
_XDR_NS = "http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing"
_A_NS = "http://schemas.openxmlformats.org/drawingml/2006/main"
_C_NS = "http://schemas.openxmlformats.org/drawingml/2006/chart"


def _put(xml: bytes, ref: str, inner: str, t: str | None = None) -> bytes:
    """set_cell, first adding the cell's row (in order) when the sheet has none."""
    r = int(re.sub(r"[A-Z]+", "", ref))
    if not re.search(rb'<row r="%d"[\s/>]' % r, xml):
        later = [int(x) for x in re.findall(rb'<row r="(\d+)"', xml) if int(x) > r]
        at = xml.find(b'<row r="%d"' % min(later)) if later else xml.find(b"</sheetData>")
        xml = xml[:at] + b'<row r="%d"/>' % r + xml[at:]
    return set_cell(xml, ref, inner, t)


def _sheet_index(m: dict[str, bytes], sheet: str) -> int:
    return list(_sheet_parts(m)).index(sheet)


def _add_defined_names(m: dict[str, bytes], xml: str) -> None:
    wb = m["xl/workbook.xml"]
    m["xl/workbook.xml"] = wb.replace(b"</definedNames>", xml.encode() + b"</definedNames>")


# --- dynamic arrays ---------------------------------------------------------------------------

METADATA = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n'
    f'<metadata xmlns="{_NS_MAIN}" xmlns:xda="http://schemas.microsoft.com/office/'
    'spreadsheetml/2017/dynamicarray"><metadataTypes count="1"><metadataType name="XLDAPR" '
    'minSupportedVersion="120000" copy="1" pasteAll="1" pasteValues="1" merge="1" '
    'splitFirst="1" rowColShift="1" clearFormats="1" clearComments="1" assign="1" coerce="1" '
    'cellMeta="1"/></metadataTypes><futureMetadata name="XLDAPR" count="1"><bk><extLst><ext '
    'uri="{bdbb8cdc-fa1e-496e-a857-3c3f30c029c3}"><xda:dynamicArrayProperties fDynamic="1" '
    'fCollapsed="0"/></ext></extLst></bk></futureMetadata><cellMetadata count="1"><bk><rc '
    't="1" v="0"/></bk></cellMetadata></metadata>')


def dynamic_array(m: dict[str, bytes]) -> None:
    """=SORT(UNIQUE(RAG column)) in O2 spilling to O5: the formula cell carries cm="1"
    (cell metadata XLDAPR: a dynamic array), the spilled cells only values."""
    rag = table(WS1).col["rag"]
    t = table(WS1)
    formula = f"_xlfn._xlws.SORT(_xlfn.UNIQUE({rag}{t.first}:{rag}{t.last}))"
    part = _sheet_parts(m)[WS1]
    xml = _put(m[part], "O2", f'<f t="array" ref="O2:O5">{formula}</f><v>Amber</v>', "str")
    xml = xml.replace(b'<c r="O2" t="str">', b'<c r="O2" t="str" cm="1">', 1)
    for r, v in ((3, "Blue"), (4, "Green"), (5, "Red")):
        xml = _put(xml, f"O{r}", f"<v>{v}</v>", "str")
    m[part] = xml
    m["xl/metadata.xml"] = METADATA.encode()
    _add_rel(m, "xl/workbook.xml", "rIdMeta", _R + "sheetMetadata", "metadata.xml")
    _add_content_type(m, _override("xl/metadata.xml", "application/vnd.openxmlformats-"
                                   "officedocument.spreadsheetml.sheetMetadata+xml"))


# --- a user's chart with its style and colour parts, alt text, square corners ---------------

_CHART = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n'
    f'<c:chartSpace xmlns:c="{_C_NS}" xmlns:a="{_A_NS}" xmlns:r="{_NS_REL}" '
    'xmlns:c16r2="http://schemas.microsoft.com/office/drawing/2015/06/chart">'
    '<c:date1904 val="0"/><c:lang val="en-GB"/><c:roundedCorners val="0"/>'
    '<mc:AlternateContent xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006">'
    '<mc:Choice Requires="c14" xmlns:c14="http://schemas.microsoft.com/office/drawing/2007/8/2/'
    'chart"><c14:style val="102"/></mc:Choice><mc:Fallback><c:style val="2"/></mc:Fallback>'
    '</mc:AlternateContent><c:chart><c:title><c:overlay val="0"/></c:title>'
    '<c:autoTitleDeleted val="0"/><c:plotArea><c:layout/><c:barChart><c:barDir val="col"/>'
    '<c:grouping val="clustered"/><c:varyColors val="0"/><c:ser><c:idx val="0"/><c:order '
    'val="0"/><c:tx><c:strRef><c:f>\'WS1 ICT\'!$Q$1</c:f></c:strRef></c:tx><c:cat><c:strRef>'
    "<c:f>'WS1 ICT'!$P$2:$P$5</c:f></c:strRef></c:cat><c:val><c:numRef><c:f>'WS1 ICT'!$Q$2:"
    '$Q$5</c:f></c:numRef></c:val></c:ser><c:gapWidth val="219"/><c:axId val="1"/><c:axId '
    'val="2"/></c:barChart><c:catAx><c:axId val="1"/><c:scaling><c:orientation val="minMax"/>'
    '</c:scaling><c:delete val="0"/><c:axPos val="b"/><c:crossAx val="2"/></c:catAx><c:valAx>'
    '<c:axId val="2"/><c:scaling><c:orientation val="minMax"/></c:scaling><c:delete val="0"/>'
    '<c:axPos val="l"/><c:crossAx val="1"/></c:valAx></c:plotArea><c:plotVisOnly val="1"/>'
    '<c:dispBlanksAs val="gap"/></c:chart><c:printSettings><c:headerFooter/><c:pageMargins '
    'b="0.75" l="0.7" r="0.7" t="0.75" header="0.3" footer="0.3"/><c:pageSetup/>'
    "</c:printSettings></c:chartSpace>")
_CHART_STYLE = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n'
    '<cs:chartStyle xmlns:cs="http://schemas.microsoft.com/office/drawing/2012/chartStyle" '
    f'xmlns:a="{_A_NS}" id="201"><cs:axisTitle><cs:lnRef idx="0"/><cs:fillRef idx="0"/>'
    '<cs:effectRef idx="0"/><cs:fontRef idx="minor"><a:schemeClr val="tx1"/></cs:fontRef>'
    '<cs:defRPr sz="1000"/></cs:axisTitle><cs:dataPoint><cs:lnRef idx="0"/><cs:fillRef idx="1">'
    '<cs:styleClr val="auto"/></cs:fillRef><cs:effectRef idx="0"/><cs:fontRef idx="minor">'
    '<a:schemeClr val="tx1"/></cs:fontRef></cs:dataPoint></cs:chartStyle>')
_CHART_COLORS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n'
    '<cs:colorStyle xmlns:cs="http://schemas.microsoft.com/office/drawing/2012/chartStyle" '
    f'xmlns:a="{_A_NS}" meth="cycle" id="10"><a:schemeClr val="accent1"/><a:schemeClr '
    'val="accent2"/><a:schemeClr val="accent3"/><cs:variation/><cs:variation><a:lumMod '
    'val="60000"/></cs:variation></cs:colorStyle>')


def chart_style(m: dict[str, bytes]) -> None:
    """A lead's bar chart of their RAG counts with the style and colour parts Excel 2013+
    writes beside every chart (chartStyle, chartColorStyle), alt text (descr) on the frame
    and square corners (roundedCorners 0)."""
    part = _sheet_parts(m)[WS1]
    xml = _put(m[part], "Q1", "<v>Tasks</v>", "str")
    for r, rag in enumerate(("Blue", "Green", "Amber", "Red"), start=2):
        xml = _put(xml, f"P{r}", f"<v>{rag}</v>", "str")
        xml = _put(xml, f"Q{r}", f"<v>{r}</v>")
    m[part] = xml
    frame = (
        f'<xdr:wsDr xmlns:xdr="{_XDR_NS}" xmlns:a="{_A_NS}"><xdr:twoCellAnchor editAs="oneCell">'
        "<xdr:from><xdr:col>17</xdr:col><xdr:colOff>0</xdr:colOff><xdr:row>1</xdr:row>"
        "<xdr:rowOff>0</xdr:rowOff></xdr:from><xdr:to><xdr:col>24</xdr:col><xdr:colOff>0"
        "</xdr:colOff><xdr:row>15</xdr:row><xdr:rowOff>0</xdr:rowOff></xdr:to>"
        '<xdr:graphicFrame macro=""><xdr:nvGraphicFramePr><xdr:cNvPr id="2" name="Chart 1" '
        'descr="Bar chart: how many key tasks are Blue, Green, Amber and Red" title="My RAGs"/>'
        "<xdr:cNvGraphicFramePr/></xdr:nvGraphicFramePr><xdr:xfrm><a:off x=\"0\" y=\"0\"/>"
        '<a:ext cx="0" cy="0"/></xdr:xfrm><a:graphic><a:graphicData uri="' + _C_NS + '">'
        f'<c:chart xmlns:c="{_C_NS}" xmlns:r="{_NS_REL}" r:id="rId1"/></a:graphicData>'
        "</a:graphic></xdr:graphicFrame><xdr:clientData/></xdr:twoCellAnchor></xdr:wsDr>")
    drawing = _drawing_on(m, WS1, frame, n=11)
    m["xl/charts/chart11.xml"] = _CHART.encode()
    m["xl/charts/style1.xml"] = _CHART_STYLE.encode()
    m["xl/charts/colors1.xml"] = _CHART_COLORS.encode()
    _add_rel(m, drawing, "rId1", _R + "chart", "../charts/chart11.xml")
    ms = "http://schemas.microsoft.com/office/2011/relationships/"
    _add_rel(m, "xl/charts/chart11.xml", "rId2", ms + "chartColorStyle", "colors1.xml")
    _add_rel(m, "xl/charts/chart11.xml", "rId1", ms + "chartStyle", "style1.xml")
    _add_content_type(m, _override("xl/charts/chart11.xml", "application/vnd.openxmlformats-"
                                   "officedocument.drawingml.chart+xml"))
    _add_content_type(m, _override("xl/charts/style1.xml",
                                   "application/vnd.ms-office.chartstyle+xml"))
    _add_content_type(m, _override("xl/charts/colors1.xml",
                                   "application/vnd.ms-office.chartcolorstyle+xml"))


# --- printer settings -----------------------------------------------------------------------

#: a DEVMODE as Windows printer drivers store it (binary; its bytes must come back unchanged)
PRINTER_BIN = ("Microsoft Print to PDF".encode("utf-16-le").ljust(64, b"\0")
               + bytes([1, 4, 0, 6, 220, 0, 64, 3]) + bytes(range(256)) * 3)


def printer_settings(m: dict[str, bytes]) -> None:
    """xl/printerSettings/printerSettings1.bin, related from WS1's pageSetup (r:id)."""
    part = _sheet_parts(m)[WS1]
    m["xl/printerSettings/printerSettings1.bin"] = PRINTER_BIN
    _add_rel(m, part, "rIdPrn", _R + "printerSettings",
             "../printerSettings/printerSettings1.bin")
    _add_content_type(m, '<Default Extension="bin" ContentType="application/vnd.openxmlformats-'
                         'officedocument.spreadsheetml.printerSettings"/>')
    m[part] = m[part].replace(b"<pageSetup ", f'<pageSetup xmlns:r="{_NS_REL}" r:id="rIdPrn" '
                              .encode(), 1)


# --- Custom Views ------------------------------------------------------------------------------

def custom_views(m: dict[str, bytes]) -> None:
    """A custom view 'Board view' (View > Custom Views): its settings in WS1's
    <customSheetViews>, the view in workbook.xml's <customWorkbookViews>, and the hidden
    names Excel keeps for it (Z_GUID_.wvu.PrintArea, .wvu.Cols) on WS1."""
    part = _sheet_parts(m)[WS1]
    view = (f'<customSheetViews><customSheetView guid="{_GUID}" scale="85" showPageBreaks="1" '
            'fitToPage="1" printArea="1" hiddenColumns="1" topLeftCell="A12"><selection '
            'activeCell="H14" sqref="H14"/><pageMargins left="0.25" right="0.25" top="0.75" '
            'bottom="0.75" header="0.3" footer="0.3"/><pageSetup paperSize="9" '
            'orientation="landscape"/><headerFooter/></customSheetView></customSheetViews>')
    m[part] = _insert_before(m[part], _AFTER_CUSTOM_VIEWS, view)
    book = (f'<customWorkbookViews><customWorkbookView name="Board view" guid="{_GUID}" '
            'maximized="1" xWindow="-8" yWindow="-8" windowWidth="1920" windowHeight="1040" '
            'tabRatio="600" activeSheetId="4"/></customWorkbookViews>')
    wb = m["xl/workbook.xml"]
    at = wb.index(b"</workbook>")
    m["xl/workbook.xml"] = wb[:at] + book.encode() + wb[at:]
    i = _sheet_index(m, WS1)
    z = "Z_" + _GUID.strip("{}").replace("-", "_") + "_"
    _add_defined_names(m, f'<definedName name="{z}.wvu.Cols" localSheetId="{i}" hidden="1">'
                          f"'{WS1}'!$M:$N</definedName>"
                          f'<definedName name="{z}.wvu.PrintArea" localSheetId="{i}" '
                          f"hidden=\"1\">'{WS1}'!$A$1:$L$40</definedName>")


# --- a dynamic print area ------------------------------------------------------------------------

def offset_print_area(m: dict[str, bytes]) -> None:
    """WS1's print area grows with its rows: OFFSET(A1, 0, 0, COUNTA(A:A), 12)."""
    i = _sheet_index(m, WS1)
    _add_defined_names(m, f'<definedName name="_xlnm.Print_Area" localSheetId="{i}">'
                          f"OFFSET('{WS1}'!$A$1,0,0,COUNTA('{WS1}'!$A:$A),12)</definedName>")


# --- a logo in the page header --------------------------------------------------------------

_HF_VML = (
    '<xml xmlns:v="urn:schemas-microsoft-com:vml"\r\n xmlns:o="urn:schemas-microsoft-com:office:'
    'office"\r\n xmlns:x="urn:schemas-microsoft-com:office:excel">\r\n <o:shapelayout '
    'v:ext="edit">\r\n  <o:idmap v:ext="edit" data="2"/>\r\n </o:shapelayout><v:shapetype '
    'id="_x0000_t75" coordsize="21600,21600" o:spt="75"\r\n  o:preferrelative="t" '
    'path="m@4@5l@4@11@9@11@9@5xe" filled="f" stroked="f">\r\n  <v:stroke joinstyle="miter"/>'
    '\r\n  <v:path o:extrusionok="f" gradientshapeok="t" o:connecttype="rect"/>\r\n  <o:lock '
    'v:ext="edit" aspectratio="t"/>\r\n </v:shapetype><v:shape id="LH" o:spid="_x0000_s2049" '
    'type="#_x0000_t75"\r\n  style=\'position:absolute;margin-left:0;margin-top:0;width:36pt;'
    'height:36pt;\r\n  z-index:1\'>\r\n  <v:imagedata o:relid="rId1" o:title="logo"/>\r\n  '
    '<o:lock v:ext="edit" rotation="t"/>\r\n </v:shape></xml>')


def header_logo(m: dict[str, bytes]) -> None:
    """A logo in WS1's page header: &G in the header text, the picture in a VML drawing
    related by <legacyDrawingHF>, the image related from that drawing."""
    part = _sheet_parts(m)[WS1]
    vml = "xl/drawings/vmlDrawing9.vml"
    m[vml] = _HF_VML.encode()
    m["xl/media/image9.png"] = _png()
    _add_rel(m, vml, "rId1", _R + "image", "../media/image9.png")
    _add_rel(m, part, "rIdHF", _R + "vmlDrawing", "../drawings/vmlDrawing9.vml")
    _add_content_type(m, '<Default Extension="png" ContentType="image/png"/>')
    _add_content_type(m, '<Default Extension="vml" ContentType="application/vnd.openxmlformats-'
                         'officedocument.vmlDrawing"/>')
    m[part] = _insert_before(m[part], _AFTER_CUSTOM_VIEWS[_AFTER_CUSTOM_VIEWS.index("rowBreaks"):],
                             "<headerFooter><oddHeader>&amp;L&amp;G&amp;C&amp;\"-,Bold\"ICT "
                             "action plan&amp;R&amp;D</oddHeader></headerFooter>")
    m[part] = _insert_before(m[part], ("picture", "oleObjects", "controls", "webPublishItems",
                                       "tableParts", "extLst"),
                             f'<legacyDrawingHF xmlns:r="{_NS_REL}" r:id="rIdHF"/>')


# --- a text box in a drawing written with a default namespace --------------------------------

def default_namespace_text_box(m: dict[str, bytes]) -> None:
    """A text box on WS2 in a drawing whose SpreadsheetML Drawing elements have no prefix
    (``<wsDr xmlns="…spreadsheetDrawing">``): valid XML that a regex for ``xdr:`` misses."""
    xml = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n<wsDr xmlns="{_XDR_NS}" '
           f'xmlns:a="{_A_NS}"><twoCellAnchor><from><col>13</col><colOff>0</colOff><row>1</row>'
           "<rowOff>0</rowOff></from><to><col>17</col><colOff>0</colOff><row>6</row><rowOff>0"
           '</rowOff></to><sp macro="" textlink=""><nvSpPr><cNvPr id="2" name="TextBox 1"/>'
           '<cNvSpPr txBox="1"/></nvSpPr><spPr><a:xfrm><a:off x="0" y="0"/><a:ext cx="1828800" '
           'cy="914400"/></a:xfrm><a:prstGeom prst="rect"><a:avLst/></a:prstGeom></spPr>'
           "<txBody><a:bodyPr/><a:lstStyle/><a:p><a:r><a:t>Ask finance about the CHC budget"
           "</a:t></a:r></a:p></txBody></sp><clientData/></twoCellAnchor></wsDr>")
    _drawing_on(m, WS2, xml, n=12)


# --- the table ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Kind:
    edit: Callable[[dict[str, bytes]], None]
    what: str


KINDS: dict[str, Kind] = {
    "dynamic-array": Kind(dynamic_array, "=SORT(UNIQUE(…)) spilling, with xl/metadata.xml"),
    "chart-style-parts": Kind(chart_style, "a user's chart with style1.xml, colors1.xml, alt "
                                           "text, square corners"),
    "printer-settings": Kind(printer_settings, "xl/printerSettings/printerSettings1.bin"),
    "custom-views": Kind(custom_views, "customSheetViews, customWorkbookViews, .wvu names"),
    "offset-print-area": Kind(offset_print_area, "an OFFSET print area"),
    "header-logo": Kind(header_logo, "&G in the header, legacyDrawingHF with an image"),
    "default-namespace-text-box": Kind(default_namespace_text_box,
                                       "a text box in a drawing without the xdr: prefix"),
}


def build(name: str, folder: Path) -> Path:
    """The example with kind ``name`` (or every kind, for ``all-kinds``) as plan.xlsx."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    edits = [k.edit for k in KINDS.values()] if name == "all-kinds" else [KINDS[name].edit]

    def edit(m: dict[str, bytes]) -> None:
        for fn in edits:
            fn(m)
        assert _CT in m
    return _with_zip(folder, edit)


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__)
        return 2
    for name in [*KINDS, "all-kinds"]:
        print(build(name, Path(argv[0]) / name))
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main(sys.argv[1:]))
