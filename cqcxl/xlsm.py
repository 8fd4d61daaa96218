"""The macro-enabled workbook users get: ``.xlsx`` + VBA + buttons + xlwings settings.

:func:`build_xlsm` (and :func:`assemble`, its older name) makes, on any OS and without
Excel, a ``.xlsm`` that is ready for "press Validate":

- **VBA project** (``xl/vbaProject.bin``): xlwings' standalone module ``xlwings`` and its
  class ``Dictionary`` (from the installed xlwings package) and ``cqcxl``
  (``macros/cqcxl.bas``), written by pyOpenVBA (PyPI, MIT, pure Python) with a document
  module for the workbook and for each sheet, as Excel makes them. Its ``_VBA_PROJECT``
  stream is then rewritten as [MS-OVBA] 2.3.4.1 says a writer must: the 7-byte header with
  Version 0xFFFF and no performance cache, so Excel compiles the modules from source
  (pyOpenVBA leaves Version 0x00B5, the Office build that saved its template, and a zeroed
  cache: an Excel of that build would try to use the cache).
- **Buttons**: three legacy form buttons (**Validate**, **Build summary sheet**, **Close
  period**, calling ``ValidateWorkbook``, ``BuildSummarySheet``, ``ClosePeriod``) on the
  Plan sheet and on every workstream sheet, on rows 1-2 one column right of the last
  column in use. They are VML shapes written exactly as XlsxWriter's ``insert_button``
  writes them (its tests compare them with Excel's own files): ``o:spt`` 201,
  ``<x:ClientData ObjectType="Button">``, ``<x:FmlaMacro>[0]!Macro</x:FmlaMacro>``. A sheet
  that already has notes keeps them: its buttons go into the same VML part.
- **Ribbon tab** *Action plan* (``customUI/customUI.xml``, 2006 schema) with the same
  three jobs, through the ``Ribbon*`` callbacks of ``cqcxl.bas``.
- **xlwings.conf sheet** (last, hidden): ``ADD_WORKBOOK_TO_PYTHONPATH`` = ``False`` (cqcxl
  is pip-installed; a workbook opened from SharePoint/OneDrive/Teams has an ``https://``
  path that xlwings would otherwise try to map to a local folder) and, when given,
  ``INTERPRETER_WIN`` / ``INTERPRETER_MAC``. :func:`set_interpreter` changes them later in
  place.

Everything is done by patching the package: parts the build does not need to change keep
their bytes. :func:`assemble_with_excel` is the Windows-with-Excel way (xlwings drives
Excel; needs "Trust access to the VBA project object model").

Command line: ``python -m cqcxl.xlsm [workbook_template.xlsx] -o workbook_template.xlsm
[--interpreter-win PATH] [--interpreter-mac PATH] [--no-ribbon] [--with-excel]``; given an
``.xlsm``, ``python -m cqcxl.xlsm plan.xlsm --interpreter-win PATH`` changes its settings.
"""

from __future__ import annotations

import argparse
import os
import posixpath
import re
import sys
import tempfile
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from xml.parsers import expat
from xml.sax.saxutils import escape

from .errors import BookError
from .sheets import layout as L
from .sheets import theme as T

ROOT = Path(__file__).resolve().parents[1]
#: the VBA sources: shipped inside the package (cqcxl/macros), or macros/ in a checkout
MACROS = next((p for p in (Path(__file__).resolve().parent / "macros", ROOT / "macros")
               if p.is_dir()), ROOT / "macros")
#: The blank plan ``cqcxl template`` writes; the default source of :func:`build_xlsm`.
TEMPLATE = ROOT / "workbook_template.xlsx"

#: (macro, caption) of the buttons, in the order they stand on a sheet.
BUTTONS = (("ValidateWorkbook", "Validate"), ("BuildSummarySheet", "Build summary sheet"),
           ("ClosePeriod", "Close period"))
#: (ribbon callback in cqcxl.bas, macro it runs, label, imageMso)
RIBBON = (("RibbonValidate", "ValidateWorkbook", "Validate", "AcceptInvitation"),
          ("RibbonBuildSummary", "BuildSummarySheet", "Build summary sheet", "ChartInsert"),
          ("RibbonClosePeriod", "ClosePeriod", "Close period", "Lock"))
#: The sheet xlwings' VBA reads its settings from (xlwings.bas, GetConfigFromSheet).
CONFIG_SHEET = "xlwings.conf"
#: Sheets that get no buttons: cqcxl rebuilds the first three, the rest are not plans.
NO_BUTTONS = (*L.OWNED_SHEETS, L.GUIDE, CONFIG_SHEET)

#: Button size and spacing, in pixels (Excel's unit for column widths and anchors).
BUTTON_WIDTH, BUTTON_GAP, BUTTON_TOP = 140, 8, 3

_NS_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_NS_R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_NS_PKG_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
_NS_VML = {"v": "urn:schemas-microsoft-com:vml", "o": "urn:schemas-microsoft-com:office:office",
           "x": "urn:schemas-microsoft-com:office:excel"}
_REL_DOC = _NS_R + "/officeDocument"
_REL_SHEET = _NS_R + "/worksheet"
_REL_VML = _NS_R + "/vmlDrawing"
_REL_RIBBON = "http://schemas.microsoft.com/office/2006/relationships/ui/extensibility"
_CT_XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
_CT_XLSM = "application/vnd.ms-excel.sheet.macroEnabled.main+xml"
_CT_SHEET = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
_CT_VML = "application/vnd.openxmlformats-officedocument.vmlDrawing"
#: [MS-OVBA] 2.3.4.1 as written by a tool: Reserved1 0x61CC, Version 0xFFFF, Reserved2 0x00,
#: Reserved3 0x0001 (the spec's example 3.1.1), no PerformanceCache.
VBA_PROJECT_STREAM = bytes.fromhex("cc61ffff000100")
#: openpyxl (keep_vba=True) carries over only VML parts whose names match this.
_OPENPYXL_VML = re.compile(r"xl/drawings/.*vmlDrawing\d\.vml")


# --------------------------------------------------------------------------- the VBA

def xlwings_vba() -> tuple[Path, Path]:
    """xlwings' own VBA, shipped in its package: the standalone module and its class."""
    import xlwings

    folder = Path(xlwings.__file__).resolve().parent
    return folder / "xlwings.bas", folder / "addin" / "Dictionary.cls"


def xlwings_vba_version() -> str:
    """The xlwings version the standalone module comes from (its ``'Version:`` line).

    On macOS, RunPython calls ``AppleScriptTask("xlwings-<this version>.applescript")``:
    the PC needs that xlwings version and ``xlwings runpython install``.
    """
    match = re.search(r"^'Version: *(\S+)", _read(xlwings_vba()[0]), re.M)
    if match is None:  # pragma: no cover - xlwings always writes it
        raise BookError("xlwings.bas has no 'Version:' line; reinstall xlwings.")
    return match.group(1)


def modules(macros: Path = MACROS) -> list[tuple[str, Path]]:
    """(VBA name, file) of every module the workbook gets, xlwings' first."""
    bas, cls = xlwings_vba()
    out = [("xlwings", bas), ("Dictionary", cls)]
    out += [(p.stem, p) for p in sorted(macros.glob("*.bas"))]
    return out


def _read(path: Path) -> str:
    # VBA source files are ANSI (cp1252) as Excel exports them; ours are ASCII.
    return path.read_bytes().decode("cp1252", errors="replace")


def _add_vba(path: Path, macros: Path) -> None:
    """Give the .xlsm at ``path`` a VBA project holding :func:`modules` (pyOpenVBA)."""
    try:
        from pyopenvba import ExcelFile, VBAModuleKind
    except ImportError as exc:
        raise BookError("building the .xlsm without Excel needs pyOpenVBA: "
                        "pip install pyOpenVBA (or use --with-excel on Windows).") from exc
    book = ExcelFile(path)
    try:
        project = book.add_vba_project()
        for name, source in modules(macros):
            kind = VBAModuleKind.other if source.suffix.lower() == ".cls" else \
                VBAModuleKind.standard
            project.add_module(name, _read(source), kind=kind)
        book.save()
    finally:
        book.close()


def spec_vba_project(vba: bytes) -> bytes:
    """``vbaProject.bin`` with its ``VBA/_VBA_PROJECT`` stream as [MS-OVBA] 2.3.4.1 says a
    writer writes it (Version 0xFFFF, no performance cache); every other stream unchanged.

    With Version 0xFFFF no Office build takes the (absent) caches for its own: Excel
    compiles the project from the module sources ([MS-OVBA] 1.6), as it does for xlwings'
    own ``quickstart_standalone.xlsm``, which has this very stream.
    """
    from pyopenvba.cfb import CFB

    cfb = CFB.from_bytes(vba)
    cfb.write_stream_in_storage("VBA", "_VBA_PROJECT", VBA_PROJECT_STREAM)
    return cfb.to_bytes()


# --------------------------------------------------------------------------- the package

class _Package:
    """A zip package in memory: its parts in their order, each with its zip entry."""

    def __init__(self, path: Path) -> None:
        try:
            with zipfile.ZipFile(path) as z:
                self.infos = {i.filename: i for i in z.infolist()}
                self.parts = {name: z.read(name) for name in self.infos}
        except (zipfile.BadZipFile, OSError) as exc:
            raise BookError(f"{path}: not a readable Excel workbook ({exc}).") from exc

    def __contains__(self, name: str) -> bool:
        return name in self.parts

    def taken(self, name: str) -> bool:
        """Whether ``name`` clashes with a part (OPC part names ignore case)."""
        return name.casefold() in {n.casefold() for n in self.parts}

    def read(self, name: str) -> bytes:
        return self.parts[name]

    def text(self, name: str) -> str:
        return self.parts[name].decode("utf-8")

    def write(self, name: str, data: bytes | str) -> None:
        if isinstance(data, str):
            data = data.encode("utf-8")
        if name not in self.infos:
            # Dated like the package's first entry, so a build is reproducible.
            first = next(iter(self.infos.values()), None)
            info = zipfile.ZipInfo(name, first.date_time if first else (1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            self.infos[name] = info
        self.parts[name] = data

    def rename(self, old: str, new: str) -> None:
        info = self.infos.pop(old)
        data = self.parts.pop(old)
        info.filename = new
        info.orig_filename = new
        self.infos[new], self.parts[new] = info, data

    def save(self, dest: Path) -> None:
        """Write to ``dest`` atomically (a temporary file in its folder, then a rename)."""
        _atomic_write(dest, lambda tmp: self._write(tmp))

    def _write(self, path: Path) -> None:
        with zipfile.ZipFile(path, "w") as z:
            for name, info in self.infos.items():
                z.writestr(info, self.parts[name])


def _atomic_write(dest: Path, write) -> None:
    dest = Path(dest)
    fd, name = tempfile.mkstemp(prefix=".cqcxl-", suffix=dest.suffix, dir=dest.resolve().parent)
    os.close(fd)
    tmp = Path(name)
    try:
        write(tmp)
        if dest.exists():
            mode = dest.stat().st_mode & 0o7777
        else:
            umask = os.umask(0)
            os.umask(umask)
            mode = 0o666 & ~umask
        os.chmod(tmp, mode)
        os.replace(tmp, dest)
    finally:
        if tmp.exists():
            tmp.unlink()


def _parse(data: bytes):
    from defusedxml import ElementTree

    return ElementTree.fromstring(data)


def _rels_name(part: str) -> str:
    folder, name = posixpath.split(part)
    return posixpath.join(folder, "_rels", name + ".rels")


def _resolve(part: str, target: str) -> str:
    """The part a relationship of ``part`` (``""``: the package) points to."""
    if target.startswith("/"):
        return target.lstrip("/")
    return posixpath.normpath(posixpath.join(posixpath.dirname(part), target))


def _relative(part: str, target: str) -> str:
    """``target`` (a part name) as a relationship of ``part`` writes it."""
    return posixpath.relpath(target, posixpath.dirname(part)) if part else target


def _rels(pkg: _Package, part: str) -> list[dict[str, str]]:
    """The relationships of ``part`` (``""`` for the package's own), targets resolved."""
    name = _rels_name(part) if part else "_rels/.rels"
    if name not in pkg:
        return []
    out = []
    for rel in _parse(pkg.read(name)):
        item = dict(rel.attrib)
        if item.get("TargetMode") != "External":
            item["part"] = _resolve(part, item.get("Target", ""))
        out.append(item)
    return out


def _add_rel(pkg: _Package, part: str, rel_type: str, target: str) -> str:
    """Relate ``part`` to ``target`` (a part name); returns the new relationship's Id."""
    name = _rels_name(part) if part else "_rels/.rels"
    taken = {rel["Id"] for rel in _rels(pkg, part)}
    n = len(taken) + 1
    while f"rId{n}" in taken:
        n += 1
    rid = f"rId{n}"
    line = (f'<Relationship Id="{rid}" Type="{rel_type}" '
            f'Target="{escape(_relative(part, target))}"/>')
    if name in pkg:
        text = pkg.text(name)
        end = text.rfind("</")
        if end < 0:  # <Relationships .../>
            text = re.sub(r"/>\s*$", ">" + line + "</Relationships>", text)
        else:
            text = text[:end] + line + text[end:]
    else:
        text = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                f'<Relationships xmlns="{_NS_PKG_RELS}">{line}</Relationships>')
    pkg.write(name, text)
    return rid


def _content_types(pkg: _Package) -> tuple[dict[str, str], dict[str, str]]:
    """(Default by extension, Override by part name) of ``[Content_Types].xml``."""
    defaults, overrides = {}, {}
    for item in _parse(pkg.read("[Content_Types].xml")):
        tag = item.tag.rsplit("}", 1)[-1]
        if tag == "Default":
            defaults[item.get("Extension", "").lower()] = item.get("ContentType", "")
        elif tag == "Override":
            overrides[item.get("PartName", "").lstrip("/")] = item.get("ContentType", "")
    return defaults, overrides


def _add_content_type(pkg: _Package, xml: str) -> None:
    text = pkg.text("[Content_Types].xml")
    end = text.rfind("</")
    pkg.write("[Content_Types].xml", text[:end] + xml + text[end:])


def _workbook_part(pkg: _Package) -> str:
    for rel in _rels(pkg, ""):
        if rel.get("Type") == _REL_DOC:
            return rel["part"]
    raise BookError("not an Excel workbook: the package names no main part.")


def _sheets(pkg: _Package) -> list[tuple[str, str]]:
    """(name, part) of each worksheet, in tab order."""
    book = _workbook_part(pkg)
    parts = {rel["Id"]: rel["part"] for rel in _rels(pkg, book) if rel.get("Type") == _REL_SHEET}
    out = []
    for item in _parse(pkg.read(book)).iter(f"{{{_NS_MAIN}}}sheet"):
        rid = item.get(f"{{{_NS_R}}}id")
        if rid in parts:
            out.append((item.get("name", ""), parts[rid]))
    return out


def _free_name(pkg: _Package, pattern: str, start: int = 1) -> str:
    n = start
    while pkg.taken(pattern.format(n)):
        n += 1
    return pattern.format(n)


# --------------------------------------------------------------------------- XML positions

@dataclass
class _Scan:
    """Where things are in an XML part: byte offsets of the root's children."""

    root: str                                # the root's qualified name, e.g. "worksheet"
    root_attrs: dict[str, str]
    children: list[tuple[str, int, int]]     # (local name, start, end) of each child
    root_end: int                            # offset of the root's end tag


def _scan(data: bytes, on_element=None) -> _Scan:
    parser = expat.ParserCreate()
    depth = 0
    found = _Scan("", {}, [], len(data))
    opened: list[int] = []

    def refuse(*_args):
        raise BookError("the workbook's XML declares a DTD; refusing to read it.")

    def start(name, attrs):
        nonlocal depth
        at = parser.CurrentByteIndex
        if depth == 0:
            found.root, found.root_attrs = name, attrs
        elif depth == 1:
            opened.append(at)
        if on_element is not None:
            on_element(name.rsplit(":", 1)[-1], attrs, depth)
        depth += 1

    def end(name):
        nonlocal depth
        depth -= 1
        at = parser.CurrentByteIndex
        if depth == 0:
            found.root_end = at
        elif depth == 1:
            stop = data.index(b">", at) + 1
            found.children.append((name.rsplit(":", 1)[-1], opened.pop(), stop))

    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    try:
        parser.Parse(data, True)
    except expat.ExpatError as exc:
        raise BookError(f"the workbook has a part that is not valid XML ({exc}).") from exc
    return found


def _prefix(qname: str) -> str:
    return qname.rsplit(":", 1)[0] + ":" if ":" in qname else ""


#: CT_Worksheet's children that come after legacyDrawing (ECMA-376 Part 1, 18.3.1.99).
_AFTER_LEGACY = ("legacyDrawingHF", "drawingHF", "picture", "oleObjects", "controls",
                 "webPublishItems", "tableParts", "extLst")


def _insert_legacy_drawing(sheet: bytes, rid: str) -> bytes:
    """``sheet`` with ``<legacyDrawing r:id=rid/>`` where CT_Worksheet's sequence puts it."""
    found = _scan(sheet)
    at = next((start for name, start, _ in found.children if name in _AFTER_LEGACY),
              found.root_end)
    r = "r"
    declare = f' xmlns:r="{_NS_R}"'
    for key, value in found.root_attrs.items():
        if key.startswith("xmlns:") and value == _NS_R:
            r, declare = key[6:], ""
            break
    tag = f'<{_prefix(found.root)}legacyDrawing{declare} {r}:id="{rid}"/>'
    return sheet[:at] + tag.encode() + sheet[at:]


# --------------------------------------------------------------------------- geometry

def _col_index(ref: str) -> int:
    """0-based column of an A1 reference ("N12" -> 13)."""
    n = 0
    for ch in re.match(r"\$?([A-Za-z]*)", ref).group(1).upper():
        n = n * 26 + ord(ch) - 64
    return n - 1


def _width_px(width: float) -> int:
    """Pixels of a stored column width (ECMA-376 18.3.1.13, Calibri 11: 7-pixel digits)."""
    return int(((256 * width + int(128 / 7)) / 256) * 7)


@dataclass
class _Geometry:
    """A sheet's column widths and row heights in pixels, and its last column in use."""

    cols: dict[int, int]
    rows: dict[int, int]
    default_col: int
    default_row: int
    last_col: int

    def col(self, c: int) -> int:
        return self.cols.get(c, self.default_col)

    def row(self, r: int) -> int:
        return self.rows.get(r, self.default_row)


def _geometry(sheet: bytes) -> _Geometry:
    g = _Geometry({}, {}, 64, 20, -1)
    spans: list[tuple[int, int, int]] = []

    def element(name, a, _depth):
        if name == "sheetFormatPr":
            if "defaultColWidth" in a:
                g.default_col = _width_px(float(a["defaultColWidth"]))
            else:  # baseColWidth + padding, rounded up to 8 pixels as Excel does
                px = int(float(a.get("baseColWidth", 8))) * 7 + 5
                g.default_col = (px + 7) // 8 * 8
            g.default_row = int(4 / 3 * float(a.get("defaultRowHeight", 15)))
        elif name == "col":
            hidden = a.get("hidden") in ("1", "true")
            px = 0 if hidden else (_width_px(float(a["width"])) if "width" in a else None)
            spans.append((int(a["min"]) - 1, int(a["max"]) - 1, px))
        elif name == "row" and "r" in a and ("ht" in a or a.get("hidden") in ("1", "true")):
            hidden = a.get("hidden") in ("1", "true")
            g.rows[int(a["r"]) - 1] = 0 if hidden else int(4 / 3 * float(a["ht"]))
        elif name == "c" and "r" in a:
            g.last_col = max(g.last_col, _col_index(a["r"]))
        elif name in ("mergeCell", "dimension") and "ref" in a:
            g.last_col = max(g.last_col, *(_col_index(p) for p in a["ref"].split(":")))

    _scan(sheet, element)
    for lo, hi, px in spans:
        if px is None:
            continue
        for c in range(lo, min(hi, lo + 200) + 1):  # a <col> to XFD is a style, not a width
            g.cols[c] = px
    return g


@dataclass
class _Placed:
    """A button where it stands: XlsxWriter's vertices, in pixels."""

    macro: str
    caption: str
    col: int
    row: int
    x1: int
    y1: int
    col_end: int
    row_end: int
    x2: int
    y2: int
    x_abs: int
    y_abs: int
    width: int
    height: int

    @property
    def anchor(self) -> str:
        return ", ".join(str(n) for n in (self.col, self.x1, self.row, self.y1, self.col_end,
                                          self.x2, self.row_end, self.y2))


def _place(g: _Geometry, col: int, row: int, x1: int, y1: int, width: int, height: int,
           macro: str = "", caption: str = "") -> _Placed:
    """XlsxWriter's ``_position_object_pixels``: a box from a cell and pixel offsets."""
    x_abs = sum(g.col(c) for c in range(col)) + x1
    y_abs = sum(g.row(r) for r in range(row)) + y1
    while x1 >= g.col(col):
        x1 -= g.col(col)
        col += 1
    while y1 >= g.row(row):
        y1 -= g.row(row)
        row += 1
    w = width + x1 if g.col(col) > 0 else width
    h = height + y1 if g.row(row) > 0 else height
    col_end, row_end = col, row
    while w >= g.col(col_end):
        w -= g.col(col_end)
        col_end += 1
    while h >= g.row(row_end):
        h -= g.row(row_end)
        row_end += 1
    return _Placed(macro, caption, col, row, x1, y1, col_end, row_end, w, h, x_abs, y_abs,
                   width, height)


def button_positions(sheet: bytes, buttons: Sequence[tuple[str, str]] = BUTTONS
                     ) -> list[_Placed]:
    """Where the buttons go on a sheet: rows 1-2, one empty column right of the last
    column in use, side by side; so they cover no cell that holds anything."""
    g = _geometry(sheet)
    start = g.last_col + 2
    height = max(24, g.row(0) + g.row(1) - 2 * BUTTON_TOP)
    out = []
    for i, (macro, caption) in enumerate(buttons):
        out.append(_place(g, start, 0, i * (BUTTON_WIDTH + BUTTON_GAP), BUTTON_TOP,
                          BUTTON_WIDTH, height, macro, caption))
    return out


# --------------------------------------------------------------------------- VML

_VML_ROOT = ('<xml xmlns:v="urn:schemas-microsoft-com:vml" '
             'xmlns:o="urn:schemas-microsoft-com:office:office" '
             'xmlns:x="urn:schemas-microsoft-com:office:excel">')
_BUTTON_TYPE = ('<v:shapetype id="_x0000_t201" coordsize="21600,21600" o:spt="201" '
                'path="m,l,21600r21600,l21600,xe"><v:stroke joinstyle="miter"/>'
                '<v:path shadowok="f" o:extrusionok="f" strokeok="f" fillok="f" '
                'o:connecttype="rect"/><o:lock v:ext="edit" shapetype="t"/></v:shapetype>')


def _pt(px: float) -> str:
    return f"{px * 0.75:.15g}"


def button_shape(spid: int, z_index: int, b: _Placed, declare: str = "") -> str:
    """One form button as XlsxWriter's ``vml.py`` writes it (``declare``: namespace
    declarations, for a part that binds v/o/x to other prefixes)."""
    style = (f"position:absolute;margin-left:{_pt(b.x_abs)}pt;margin-top:{_pt(b.y_abs)}pt;"
             f"width:{_pt(b.width)}pt;height:{_pt(b.height)}pt;z-index:{z_index};"
             "mso-wrap-style:tight")
    return (f'<v:shape{declare} id="_x0000_s{spid}" type="#_x0000_t201" style="{style}" '
            'o:button="t" fillcolor="buttonFace [67]" strokecolor="windowText [64]" '
            'o:insetmode="auto"><v:fill color2="buttonFace [67]" o:detectmouseclick="t"/>'
            '<o:lock v:ext="edit" rotation="t"/>'
            '<v:textbox style="mso-direction-alt:auto" o:singleclick="f">'
            '<div style="text-align:center">'
            f'<font face="Calibri" size="220" color="#{T.BUTTON_TEXT}">'
            f'{escape(b.caption)}</font></div></v:textbox>'
            f'<x:ClientData ObjectType="Button"><x:Anchor>{b.anchor}</x:Anchor>'
            '<x:PrintObject>False</x:PrintObject><x:AutoFill>False</x:AutoFill>'
            f'<x:FmlaMacro>[0]!{b.macro}</x:FmlaMacro><x:TextHAlign>Center</x:TextHAlign>'
            '<x:TextVAlign>Center</x:TextVAlign></x:ClientData></v:shape>')


def _vml_blocks(vml: str) -> set[int]:
    """The 1024-id blocks a VML part claims (o:idmap data) or uses (shape ids)."""
    blocks = set()
    for data in re.findall(r"<(?:\w+:)?idmap\b[^>]*?\bdata=[\"']([^\"']*)", vml):
        blocks.update(int(n) for n in re.findall(r"\d+", data))
    blocks.update(int(n) // 1024 for n in re.findall(r"_x0000_s(\d+)", vml))
    return blocks


def _button_vml(block: int, placed: Sequence[_Placed]) -> str:
    shapes = "".join(button_shape(block * 1024 + i, i, b) for i, b in enumerate(placed, 1))
    return (_VML_ROOT + f'<o:shapelayout v:ext="edit"><o:idmap v:ext="edit" data="{block}"/>'
            f"</o:shapelayout>{_BUTTON_TYPE}{shapes}</xml>")


def _merge_buttons(vml: str, block: int, placed: Sequence[_Placed]) -> str:
    """An existing VML part (a sheet's notes) with the buttons added in a block of its own,
    so that ids never clash with notes added later (openpyxl numbers them from 1026)."""
    head = re.search(r"<xml\b[^>]*>", vml)
    if head is None:
        raise BookError("a sheet's drawing of notes is not in the VML Excel writes.")
    bound = dict(re.findall(r"xmlns:(\w+)=[\"']([^\"']+)[\"']", head.group(0)))
    declare = "" if all(bound.get(p) == u for p, u in _NS_VML.items()) else \
        "".join(f' xmlns:{p}="{u}"' for p, u in _NS_VML.items())
    if re.search(r"<(?:\w+:)?idmap\b", vml):
        vml = re.sub(r"(<(?:\w+:)?idmap\b[^>]*?\bdata=)([\"'])([^\"']*)\2",
                     lambda m: f"{m[1]}{m[2]}{m[3]},{block}{m[2]}" if m[3] else
                     f"{m[1]}{m[2]}{block}{m[2]}", vml, count=1)
    else:
        layout = (f'<o:shapelayout{declare} v:ext="edit"><o:idmap v:ext="edit" '
                  f'data="{block}"/></o:shapelayout>')
        vml = vml[:head.end()] + layout + vml[head.end():]
    z = max((int(n) for n in re.findall(r"z-index:\s*(\d+)", vml)), default=0)
    parts = [] if re.search(r"id=[\"']_x0000_t201[\"']", vml) else \
        [_BUTTON_TYPE.replace("<v:shapetype", f"<v:shapetype{declare}", 1)]
    parts += [button_shape(block * 1024 + i, z + i, b, declare) for i, b in enumerate(placed, 1)]
    end = vml.rfind("</")
    return vml[:end] + "".join(parts) + vml[end:]


def _vml_part_names() -> Iterable[str]:
    """New VML part names, each one openpyxl (keep_vba=True) carries over on a save:
    ``vmlDrawing1.vml`` … ``vmlDrawing9.vml``, then ``b1_vmlDrawing0.vml`` …"""
    n = 1
    while True:
        yield f"xl/drawings/vmlDrawing{n}.vml" if n < 10 else \
            f"xl/drawings/b{n // 10}_vmlDrawing{n % 10}.vml"
        n += 1


def _legacy_drawing_id(sheet: bytes) -> str | None:
    """The r:id of a sheet's ``<legacyDrawing>`` (its notes' and buttons' VML), if any."""
    found: list[str] = []

    def element(name, attrs, depth):
        if depth == 1 and name == "legacyDrawing":
            found.extend(v for k, v in attrs.items() if k.endswith(":id"))

    _scan(sheet, element)
    return found[0] if found else None


def add_buttons(pkg: _Package, sheets: Iterable[str] | None = None,
                buttons: Sequence[tuple[str, str]] = BUTTONS) -> list[str]:
    """Put ``buttons`` on each of ``sheets`` (default: every worksheet but those in
    :data:`NO_BUTTONS`); returns the names of the sheets that got them."""
    all_sheets = _sheets(pkg)
    wanted = [n for n, _ in all_sheets if n not in NO_BUTTONS] if sheets is None else \
        list(sheets)
    parts = dict(all_sheets)
    missing = [n for n in wanted if n not in parts]
    if missing:
        raise BookError(f"no sheet called {', '.join(map(repr, missing))} for the buttons.")
    taken: set[int] = set()
    for name in pkg.parts:
        if name.lower().endswith(".vml"):
            taken |= _vml_blocks(pkg.text(name))
    names = (n for n in _vml_part_names() if not pkg.taken(n))
    defaults, overrides = _content_types(pkg)
    for sheet_name in wanted:
        part = parts[sheet_name]
        placed = button_positions(pkg.read(part), buttons)
        block = max(taken | {1}) + 1  # block 1 is where openpyxl numbers notes
        taken.add(block)
        rid = _legacy_drawing_id(pkg.read(part))
        legacy = next((r for r in _rels(pkg, part) if r.get("Id") == rid and "part" in r), None)
        if legacy is None or legacy["part"] not in pkg:
            vml = next(names)
            pkg.write(vml, _button_vml(block, placed))
            rid = _add_rel(pkg, part, _REL_VML, vml)
            pkg.write(part, _insert_legacy_drawing(pkg.read(part), rid))
            continue
        vml = legacy["part"]
        # A button already there for a macro (Excel writes [0]!Name or [0]!'Module.Name')
        # is not added twice.
        present = set(re.findall(r"FmlaMacro>\s*(?:\[0\]!)?'?(?:\w+\.)*(\w+)'?\s*<",
                                 pkg.text(vml)))
        placed = [b for b in placed if b.macro not in present]
        if not placed:
            continue
        pkg.write(vml, _merge_buttons(pkg.text(vml), block, placed))
        if not _OPENPYXL_VML.match(vml):
            # openpyxl (cqcxl's own save) would drop a part of another name once the
            # sheet has no notes left, and keep its relationship: give it a name it keeps.
            new = next(names)
            pkg.rename(vml, new)
            rels = _rels_name(part)
            line = (f'<Relationship Id="{rid}" Type="{_REL_VML}" '
                    f'Target="{escape(_relative(part, new))}"/>')
            pattern = (r'<Relationship\b[^>]*?\bId="' + re.escape(rid) +
                       r'"[^>]*?(?:/>|>\s*</Relationship>)')
            pkg.write(rels, re.sub(pattern, lambda _m, line=line: line, pkg.text(rels),
                                   count=1))
            if vml in overrides:
                ct = pkg.text("[Content_Types].xml").replace(f'"/{vml}"', f'"/{new}"')
                pkg.write("[Content_Types].xml", ct)
                overrides[new] = overrides.pop(vml)
    if "vml" not in defaults:
        _add_content_type(pkg, f'<Default Extension="vml" ContentType="{_CT_VML}"/>')
    return wanted


# --------------------------------------------------------------------------- ribbon

def ribbon_xml() -> str:
    """A tab *Action plan* after Home, one button per job (customUI 2006 schema)."""
    buttons = "".join(
        f'<button id="cqcxl{macro}" label="{label}" size="large" imageMso="{image}" '
        f'onAction="{callback}" screentip="{label}" '
        f'supertip="Runs {macro} (cqcxl) on this workbook."/>'
        for callback, macro, label, image in RIBBON)
    return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<customUI xmlns="http://schemas.microsoft.com/office/2006/01/customui">'
            '<ribbon><tabs><tab id="cqcxlTab" label="Action plan" insertAfterMso="TabHome">'
            f'<group id="cqcxlJobs" label="cqcxl">{buttons}</group>'
            '</tab></tabs></ribbon></customUI>')


def add_ribbon(pkg: _Package) -> bool:
    """Add the ribbon tab; False (and nothing changed) if the package has a ribbon."""
    if any(r.get("Type") == _REL_RIBBON for r in _rels(pkg, "")) or \
            "customUI/customUI.xml" in pkg:
        return False
    pkg.write("customUI/customUI.xml", ribbon_xml())
    _add_rel(pkg, "", _REL_RIBBON, "customUI/customUI.xml")
    return True


# --------------------------------------------------------------------------- xlwings.conf

#: Column D of the config sheet: what it is. xlwings reads only A (key) and B (value),
#: from A1 down to the first empty cell (xlwings.bas, GetConfigFromSheet).
def _config_notes() -> list[str]:
    return [
        "xlwings settings for this workbook's buttons (read by xlwings' RunPython; "
        "cqcxl writes this sheet).",
        "Column A: setting, column B: value. xlwings reads from A1 down to the first empty "
        "cell: no heading, no gaps, each setting once.",
        "ADD_WORKBOOK_TO_PYTHONPATH False: cqcxl is installed with pip, so the workbook's "
        "folder (a SharePoint/OneDrive https:// address) is not put on Python's path.",
        "INTERPRETER_WIN / INTERPRETER_MAC (optional): the Python to run, e.g. "
        r"%USERPROFILE%\cqcxl\.venv\Scripts\pythonw.exe. Left out: xlwings.conf in your user "
        "folder (xlwings config create), else python on PATH.",
        f"The VBA module xlwings comes from xlwings {xlwings_vba_version()}: install that "
        "version (pip install xlwings==" + xlwings_vba_version() + "); on a Mac also run: "
        "xlwings runpython install.",
    ]


def _inline(ref: str, text: str) -> str:
    space = ' xml:space="preserve"' if text != text.strip() else ""
    return f'<c r="{ref}" t="inlineStr"><is><t{space}>{escape(text)}</t></is></c>'


def _config_sheet_data(settings: Sequence[tuple[str, str]]) -> tuple[str, str]:
    """(``<sheetData>`` element, dimension ref) of the config sheet."""
    notes = _config_notes()
    rows = []
    for r in range(1, max(len(settings), len(notes)) + 1):
        cells = ""
        if r <= len(settings):
            cells += _inline(f"A{r}", settings[r - 1][0]) + _inline(f"B{r}", settings[r - 1][1])
        if r <= len(notes):
            cells += _inline(f"D{r}", notes[r - 1])
        rows.append(f'<row r="{r}">{cells}</row>')
    return f"<sheetData>{''.join(rows)}</sheetData>", f"A1:D{len(rows)}"


def _config_sheet_xml(settings: Sequence[tuple[str, str]]) -> str:
    data, ref = _config_sheet_data(settings)
    return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<worksheet xmlns="{_NS_MAIN}" xmlns:r="{_NS_R}">'
            f'<sheetPr><tabColor rgb="FF{T.CONFIG_TAB}"/></sheetPr>'
            f'<dimension ref="{ref}"/><sheetViews><sheetView workbookViewId="0"/></sheetViews>'
            '<sheetFormatPr defaultRowHeight="15"/>'
            '<cols><col min="1" max="1" width="32" customWidth="1"/>'
            '<col min="2" max="2" width="48" customWidth="1"/>'
            '<col min="3" max="3" width="3" customWidth="1"/>'
            '<col min="4" max="4" width="120" customWidth="1"/></cols>'
            f'{data}<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" '
            'header="0.3" footer="0.3"/></worksheet>')


def config_settings(interpreter_win: str | None = None, interpreter_mac: str | None = None
                    ) -> list[tuple[str, str]]:
    """The settings a new workbook's xlwings.conf sheet holds, in order."""
    out = [("ADD_WORKBOOK_TO_PYTHONPATH", "False")]
    if interpreter_win:
        out.append(("INTERPRETER_WIN", interpreter_win))
    if interpreter_mac:
        out.append(("INTERPRETER_MAC", interpreter_mac))
    return out


def add_config_sheet(pkg: _Package, settings: Sequence[tuple[str, str]]) -> str:
    """Add the hidden xlwings.conf sheet, last; returns its part name."""
    if any(name.casefold() == CONFIG_SHEET for name, _ in _sheets(pkg)):
        raise BookError(f"the workbook already has a sheet called {CONFIG_SHEET}: use "
                        "set_interpreter to change it.")
    book = _workbook_part(pkg)
    part = _free_name(pkg, "xl/worksheets/sheet{}.xml")
    pkg.write(part, _config_sheet_xml(settings))
    rid = _add_rel(pkg, book, _REL_SHEET, part)
    _add_content_type(pkg, f'<Override PartName="/{part}" ContentType="{_CT_SHEET}"/>')
    text = pkg.text(book)
    ids = [int(n) for n in re.findall(r"<(?:\w+:)?sheet\b[^>]*?\bsheetId=\"(\d+)\"", text)]
    sheets_end = re.search(r"</((?:\w+:)?)sheets>", text)
    if sheets_end is None:
        raise BookError("the workbook lists no sheets.")
    tag = (f'<{sheets_end.group(1)}sheet xmlns:r="{_NS_R}" name="{CONFIG_SHEET}" '
           f'sheetId="{max(ids, default=0) + 1}" state="hidden" r:id="{rid}"/>')
    pkg.write(book, text[:sheets_end.start()] + tag + text[sheets_end.start():])
    return part


def _cell_text(cell, shared: list[str]) -> str:
    kind = cell.get("t", "n")
    if kind == "inlineStr":
        return "".join(t.text or "" for t in cell.iter(f"{{{_NS_MAIN}}}t"))
    value = cell.find(f"{{{_NS_MAIN}}}v")
    text = value.text or "" if value is not None else ""
    if kind == "s" and text:
        return shared[int(text)]
    if kind == "b":
        return "True" if text == "1" else "False"
    return text


def read_config(xlsm_path: str | os.PathLike) -> list[tuple[str, str]]:
    """The settings of the xlwings.conf sheet, as xlwings reads them (A1 down, A and B)."""
    pkg = _Package(Path(xlsm_path))
    return _read_config(pkg, _config_part(pkg))


def _config_part(pkg: _Package) -> str:
    for name, part in _sheets(pkg):
        if name.casefold() == CONFIG_SHEET:
            return part
    raise BookError(f"this workbook has no {CONFIG_SHEET} sheet: rebuild it with "
                    "python -m cqcxl.xlsm (or cqcxl's xlsm command).")


def _read_config(pkg: _Package, part: str) -> list[tuple[str, str]]:
    shared: list[str] = []
    for rel in _rels(pkg, _workbook_part(pkg)):
        if rel.get("Type", "").endswith("/sharedStrings") and rel.get("part") in pkg:
            for si in _parse(pkg.read(rel["part"])):
                shared.append("".join(t.text or "" for t in si.iter(f"{{{_NS_MAIN}}}t")))
    cells: dict[tuple[int, int], str] = {}
    for cell in _parse(pkg.read(part)).iter(f"{{{_NS_MAIN}}}c"):
        ref = cell.get("r", "")
        col, row = _col_index(ref), int(re.sub(r"\D", "", ref) or 0)
        if col in (0, 1):
            cells[row, col] = _cell_text(cell, shared)
    out = []
    row = 1
    while cells.get((row, 0), "") != "":
        out.append((cells[row, 0], cells.get((row, 1), "")))
        row += 1
    return out


def set_interpreter(xlsm_path: str | os.PathLike, win: str | None = None,
                    mac: str | None = None) -> Path:
    """Set ``INTERPRETER_WIN`` / ``INTERPRETER_MAC`` in the xlwings.conf sheet of an
    existing .xlsm, in place. ``None`` leaves a setting as it is; ``""`` removes it (then
    xlwings falls back to the user's xlwings.conf, else ``python`` on PATH).

    Only that sheet's XML changes (its cells are rewritten: every setting in A/B is kept,
    in order; the notes in column D are written again); every other part keeps its
    bytes. The file is replaced atomically.
    """
    path = Path(xlsm_path)
    if path.suffix.lower() not in (".xlsm", ".xltm"):
        raise BookError(f"{path}: give the macro-enabled workbook (.xlsm).")
    pkg = _Package(path)
    part = _config_part(pkg)
    settings = _read_config(pkg, part)
    for key, value in (("INTERPRETER_WIN", win), ("INTERPRETER_MAC", mac)):
        if value is None:
            continue
        keys = [k.upper() for k, _ in settings]
        if key in keys:
            i = keys.index(key)
            if value:
                settings[i] = (settings[i][0], value)
            else:
                del settings[i]
        elif value:
            settings.append((key, value))
    sheet = pkg.read(part)
    data, ref = _config_sheet_data(settings)
    where = next((s, e) for name, s, e in _scan(sheet).children if name == "sheetData")
    sheet = sheet[:where[0]] + data.encode() + sheet[where[1]:]
    sheet = re.sub(rb'(<(?:\w+:)?dimension\b[^>]*?\bref=")[^"]*"',
                   lambda m: m[1] + ref.encode() + b'"', sheet, count=1)
    pkg.write(part, sheet)
    pkg.save(path)
    return path


# --------------------------------------------------------------------------- the build

def _check(xlsx: Path, out: Path) -> None:
    if xlsx.suffix.lower() != ".xlsx" or not xlsx.is_file():
        raise BookError(f"{xlsx}: give the workbook as an existing .xlsx file.")
    if out.suffix.lower() != ".xlsm":
        raise BookError(f"{out}: a workbook with macros must be saved as .xlsm.")


def _macro_enabled(pkg: _Package) -> None:
    """Give the main part the macro-enabled content type (what Excel's "Save as .xlsm"
    changes)."""
    book = _workbook_part(pkg)
    _, overrides = _content_types(pkg)
    if overrides.get(book) != _CT_XLSX:
        raise BookError("the workbook is not a plain .xlsx workbook (main content type "
                        f"{overrides.get(book)!r}).")
    text = pkg.text("[Content_Types].xml")
    at = re.search(r'<Override\b[^>]*\bPartName="/' + re.escape(book) + '"[^>]*>', text)
    pkg.write("[Content_Types].xml", text[:at.start()] +
              at.group(0).replace(_CT_XLSX, _CT_XLSM) + text[at.end():])


def build_xlsm(out: str | os.PathLike, *, source_xlsx: str | os.PathLike | None = None,
               interpreter_win: str | None = None, interpreter_mac: str | None = None,
               macros: Path = MACROS, button_sheets: Iterable[str] | None = None,
               ribbon: bool = True) -> Path:
    """Write ``out`` (.xlsm): ``source_xlsx`` (default: workbook_template.xlsx) with the VBA
    project, the buttons, the ribbon tab and the xlwings.conf sheet. No Excel needed.

    ``button_sheets``: the sheets that get buttons (default: the Plan sheet and every
    workstream sheet, i.e. every sheet but those in :data:`NO_BUTTONS`).
    """
    src = Path(source_xlsx) if source_xlsx is not None else TEMPLATE
    dst = Path(out)
    if source_xlsx is None and not src.is_file():
        raise BookError(f"{src} not found: write it with 'cqcxl template' or give the "
                        "workbook to convert.")
    _check(src, dst)
    pkg = _Package(src)
    _macro_enabled(pkg)
    add_config_sheet(pkg, config_settings(interpreter_win, interpreter_mac))

    def write(tmp: Path) -> None:
        pkg._write(tmp)
        _add_vba(tmp, macros)                 # the project, code names on each sheet
        done = _Package(tmp)
        vba = next(r["part"] for r in _rels(done, _workbook_part(done))
                   if r.get("Type", "").endswith("/vbaProject"))
        done.write(vba, spec_vba_project(done.read(vba)))
        add_buttons(done, button_sheets)
        if ribbon:
            add_ribbon(done)
        done._write(tmp)

    _atomic_write(dst, write)
    return dst


def assemble(xlsx: str | os.PathLike, out: str | os.PathLike, macros: Path = MACROS) -> Path:
    """Write ``out`` (.xlsm): ``xlsx`` made ready for the buttons (see :func:`build_xlsm`)."""
    return build_xlsm(out, source_xlsx=xlsx, macros=macros)


def assemble_with_excel(xlsx: str | os.PathLike, out: str | os.PathLike,
                        macros: Path = MACROS) -> Path:  # pragma: no cover - needs Excel
    """Write ``out`` (.xlsm) with Excel itself (Windows): import the modules, add a row of
    buttons on the Plan sheet and on each workstream sheet and the xlwings.conf sheet,
    save as .xlsm. No ribbon tab (Excel's object model cannot add one)."""
    import xlwings as xw

    src, dst = Path(xlsx).resolve(), Path(out).resolve()
    _check(src, dst)
    with xw.App(visible=False, add_book=False) as app:
        book = app.books.open(src)
        try:
            components = book.api.VBProject.VBComponents
        except Exception as exc:
            raise BookError("Excel refused access to the VBA project: turn on File > "
                            "Options > Trust Center > Trust Center Settings > Macro "
                            "Settings > 'Trust access to the VBA project object model', "
                            "then try again.") from exc
        for _name, path in modules(macros):
            components.Import(str(path))
        for sheet in book.sheets:
            if sheet.name in NO_BUTTONS:
                continue
            # Right of the sheet's table, on row 1: no button covers a cell in use.
            left = sheet.range((1, sheet.used_range.last_cell.column + 2)).left
            for macro, caption in BUTTONS:
                button = sheet.api.Buttons().Add(left, 2, 105, 27)
                button.OnAction = macro
                button.Caption = caption
                left += 111
        conf = book.sheets.add(CONFIG_SHEET, after=book.sheets[-1])
        conf["A1"].value = [[k, v] for k, v in config_settings()]
        conf.api.Visible = 0  # xlSheetHidden
        book.api.SaveAs(str(dst), FileFormat=52)  # xlOpenXMLWorkbookMacroEnabled
        book.close()
    return dst


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        prog="python -m cqcxl.xlsm",
        description="Build the macro-enabled workbook (.xlsm): VBA, buttons, ribbon tab and "
        "xlwings settings, without Excel. Given an .xlsm, change its interpreters in place.")
    p.add_argument("xlsx", type=Path, nargs="?", default=TEMPLATE,
                   help="the workbook (default: workbook_template.xlsx); an .xlsm: set "
                   "--interpreter-win/--interpreter-mac in its xlwings.conf sheet ('' removes)")
    p.add_argument("-o", "--output", type=Path, help="default: the same name, .xlsm")
    p.add_argument("--interpreter-win", metavar="PATH", help="INTERPRETER_WIN for xlwings")
    p.add_argument("--interpreter-mac", metavar="PATH", help="INTERPRETER_MAC for xlwings")
    p.add_argument("--no-ribbon", action="store_true", help="no 'Action plan' ribbon tab")
    p.add_argument("--with-excel", action="store_true",
                   help="use Excel through xlwings instead (Windows)")
    args = p.parse_args(argv)
    out = args.output or args.xlsx.with_suffix(".xlsm")
    try:
        if args.xlsx.suffix.lower() == ".xlsm":
            set_interpreter(args.xlsx, win=args.interpreter_win, mac=args.interpreter_mac)
            settings = "; ".join(f"{k} = {v}" for k, v in read_config(args.xlsx))
            print(f"updated {args.xlsx} ({CONFIG_SHEET}: {settings})", file=sys.stderr)
            return 0
        if args.with_excel:
            assemble_with_excel(args.xlsx, out)
        else:
            build_xlsm(out, source_xlsx=args.xlsx, interpreter_win=args.interpreter_win,
                       interpreter_mac=args.interpreter_mac, ribbon=not args.no_ribbon)
    except BookError as exc:
        print(f"cqcxl: {exc}", file=sys.stderr)
        return 2
    names = ", ".join(name for name, _ in modules())
    print(f"wrote {out} (VBA modules: {names}; xlwings {xlwings_vba_version()})",
          file=sys.stderr)
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
