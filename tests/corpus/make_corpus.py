"""Write the corpus of bad and awkward workbooks that cqcxl must survive (issue 6).

Each builder writes one file into a folder and returns its path; :data:`CORPUS` maps a name
to its builder and the behaviour the file must get. Nothing binary is committed: the tests
build the files into a temporary folder. To look at them in Excel or LibreOffice::

    python tests/corpus/make_corpus.py OUT_DIR          # every file
    python tests/corpus/make_corpus.py --table          # the README table

Files start from ``examples/cumbria-2018-11.xlsx`` and are changed either with openpyxl
(what a lead does in Excel) or by editing the package XML directly (what openpyxl cannot
write: cached formula values, error cells, shapes, form buttons, VBA, hostile XML).
Cells are found by header text, so a regenerated example keeps the corpus valid.
"""

from __future__ import annotations

import functools
import re
import shutil
import struct
import sys
import zipfile
from collections.abc import Callable
from copy import copy
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from xml.etree import ElementTree as ET

import openpyxl
from openpyxl.comments import Comment
from openpyxl.formatting.rule import CellIsRule
from openpyxl.styles import Border, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.utils.cell import range_boundaries
from openpyxl.utils.datetime import CALENDAR_MAC_1904
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.table import TableColumn

from cqcxl.sheets import layout as L

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "cumbria-2018-11.xlsx"
AS_OF = "2018-11-15"

WS1, WS2, WS3, WS4, WS5 = ("WS1 ICT", "WS2 Workforce", "WS3 Communication & Engagement",
                           "WS4 Commissioning", "WS5 System Development")
WS8, WS9 = "WS8 Reablement", "WS9 Cumberland Infirmary"

_NS_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_NS_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_NS_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_R = _NS_REL + "/"
_CT = "[Content_Types].xml"
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_STAMP = (2018, 11, 15, 0, 0, 0)


# --- where things are in the example -------------------------------------------------------

@dataclass(frozen=True)
class Table:
    """The key-task table of one example sheet: header row, task rows, field -> letter."""

    header: int
    first: int
    last: int
    col: dict[str, str]

    def cell(self, field: str, k: int = 0) -> str:
        """The cell of ``field`` in the k-th task row."""
        return f"{self.col[field]}{self.first + k}"


@functools.cache
def _example_book():
    return openpyxl.load_workbook(EXAMPLE)


@functools.cache
def table(sheet: str) -> Table:
    ws = _example_book()[sheet]
    for row in ws.iter_rows():
        fields = {L.task_field(c.value): c.column_letter for c in row if L.task_field(c.value)}
        if "task_id" in fields:
            header = row[0].row
            break
    else:  # pragma: no cover - the example always has one
        raise LookupError(f"no key-task table on {sheet}")
    tid = openpyxl.utils.column_index_from_string(fields["task_id"])
    last = header
    for r in range(header + 1, ws.max_row + 1):
        first = ws.cell(r, 1).value
        if L.norm_header(first) == L.norm_header(L.WS_RISKS_HEADING):
            break
        if ws.cell(r, tid).value not in (None, ""):
            last = r
    return Table(header, header + 1, last, fields)


# --- package (zip) editing ------------------------------------------------------------------

def _read_zip(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as zf:
        return {i.filename: zf.read(i) for i in zf.infolist()}


def _write_zip(path: Path, members: dict[str, bytes] | list[tuple[str, bytes]]) -> Path:
    items = members.items() if isinstance(members, dict) else members
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in items:
            zf.writestr(zipfile.ZipInfo(name, _STAMP), data, zipfile.ZIP_DEFLATED)
    return path


def _sheet_parts(m: dict[str, bytes]) -> dict[str, str]:
    """sheet title -> its part name, e.g. 'WS1 ICT' -> 'xl/worksheets/sheet4.xml'."""
    rels = ET.fromstring(m["xl/_rels/workbook.xml.rels"])
    target = {r.get("Id"): r.get("Target") for r in rels}
    wb = ET.fromstring(m["xl/workbook.xml"])
    out = {}
    for s in wb.iter(f"{{{_NS_MAIN}}}sheet"):
        t = target[s.get(f"{{{_NS_REL}}}id")].lstrip("/")
        out[s.get("name")] = t if t.startswith("xl/") else "xl/" + t
    return out


def _rels_name(part: str) -> str:
    folder, name = part.rsplit("/", 1)
    return f"{folder}/_rels/{name}.rels"


def _add_rel(m: dict[str, bytes], part: str, rid: str, rtype: str, target: str) -> None:
    name = _rels_name(part)
    rel = f'<Relationship Id="{rid}" Type="{rtype}" Target="{target}"/>'.encode()
    if name in m:
        m[name] = m[name].replace(b"</Relationships>", rel + b"</Relationships>")
    else:
        m[name] = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                   f'<Relationships xmlns="{_NS_PKG_REL}">').encode() + rel + \
            b"</Relationships>"


def _add_content_type(m: dict[str, bytes], xml: str) -> None:
    if xml.encode() not in m[_CT]:
        m[_CT] = m[_CT].replace(b"</Types>", xml.encode() + b"</Types>")


def _override(part: str, ctype: str) -> str:
    return f'<Override PartName="/{part}" ContentType="{ctype}"/>'


def _insert_before(xml: bytes, tags: tuple[str, ...], snippet: str) -> bytes:
    """Put ``snippet`` before the first of ``tags`` (schema order), else before the end."""
    for t in tags:
        i = xml.find(f"<{t}".encode())
        if i >= 0:
            return xml[:i] + snippet.encode() + xml[i:]
    i = xml.rfind(b"</worksheet>")
    return xml[:i] + snippet.encode() + xml[i:]


_AFTER_DRAWING = ("legacyDrawing", "legacyDrawingHF", "picture", "oleObjects", "controls",
                  "webPublishItems", "tableParts", "extLst")


def _col_num(ref: str) -> int:
    return openpyxl.utils.column_index_from_string(re.match(r"[A-Z]+", ref)[0])


def set_cell(xml: bytes, ref: str, inner: str, t: str | None = None) -> bytes:
    """Replace (or add) cell ``ref`` in a sheet's XML: ``inner`` is what goes inside ``<c>``
    (e.g. ``<f>1/0</f><v>#DIV/0!</v>``), ``t`` its type; the cell keeps its style."""
    pat = re.compile(rb'<c r="' + ref.encode() + rb'"(?P<a>[^>]*?)(?:/>|>.*?</c>)', re.S)
    m = pat.search(xml)
    style = ""
    if m:
        s = re.search(rb'\ss="(\d+)"', m["a"])
        style = f' s="{s[1].decode()}"' if s else ""
    new = f'<c r="{ref}"{style}{f" t={chr(34)}{t}{chr(34)}" if t else ""}>{inner}</c>'.encode()
    if m:
        return xml[:m.start()] + new + xml[m.end():]
    row = re.sub(r"[A-Z]+", "", ref)
    rm = re.search(rb'<row r="' + row.encode() + rb'"[^>]*?(?:/>|>(?P<body>.*?)</row>)', xml,
                   re.S)
    if rm is None:
        raise LookupError(f"row {row} is not in the sheet")
    if rm["body"] is None:  # <row .../>: open it
        start = rm.start()
        head = xml[start:rm.end() - 2]
        return xml[:start] + head + b">" + new + b"</row>" + xml[rm.end():]
    at = rm.end() - len(b"</row>")
    for cm in re.finditer(rb'<c r="([A-Z]+)\d+"', rm["body"]):
        if _col_num(cm[1].decode()) > _col_num(ref):
            at = rm.start("body") + cm.start()
            break
    return xml[:at] + new + xml[at:]


def _edit_sheet(m: dict[str, bytes], sheet: str, fn: Callable[[bytes], bytes]) -> None:
    part = _sheet_parts(m)[sheet]
    m[part] = fn(m[part])


def _inline(text: str) -> str:
    return f"<is><t xml:space=\"preserve\">{text}</t></is>"


# --- builders: helpers ------------------------------------------------------------------------

def _example(folder: Path, name: str = "plan.xlsx") -> Path:
    p = Path(folder) / name
    shutil.copy(EXAMPLE, p)
    return p


def _with_openpyxl(folder: Path, edit: Callable, name: str = "plan.xlsx") -> Path:
    wb = openpyxl.load_workbook(EXAMPLE)
    edit(wb)
    p = Path(folder) / name
    wb.save(p)
    return p


def _with_zip(folder: Path, edit: Callable[[dict[str, bytes]], None], name: str = "plan.xlsx",
              start: Path | None = None) -> Path:
    m = _read_zip(start or EXAMPLE)
    edit(m)
    return _write_zip(Path(folder) / name, m)


def _rewrite_table(ws, tbl: Table, order: list[int | tuple[str, list]], tname: str | None):
    """Rebuild the key-task table's columns (header row .. last task row) in ``order``: a
    source column number, or (header, values) for a new column. Like Excel's table column
    insert/move, only the table's own cells move; the Table and drop-downs follow."""
    rows = range(tbl.header, tbl.last + 1)
    old = {(r, c): (ws.cell(r, c).value, ws.cell(r, c)._style)
           for r in rows for c in range(1, ws.max_column + 1)}
    width = max(len(order), ws.max_column)
    for r in rows:
        for c in range(1, width + 1):
            ws.cell(r, c).value = None
    moved: dict[int, int] = {}
    for new_c, src in enumerate(order, start=1):
        if isinstance(src, int):
            moved[src] = new_c
        for i, r in enumerate(rows):
            cell = ws.cell(r, new_c)
            if isinstance(src, int):
                cell.value, cell._style = old[(r, src)][0], old[(r, src)][1]
            else:
                header, values = src
                cell.value = header if i == 0 else values[(i - 1) % len(values)]
                cell._style = old[(r, 3)][1]  # styled like the Key task column
    last_col = get_column_letter(len(order))
    if tname:
        t = ws.tables[tname]
        t.ref = f"A{tbl.header}:{last_col}{tbl.last}"
        t.tableColumns = [TableColumn(id=i, name=str(ws.cell(tbl.header, i).value))
                          for i in range(1, len(order) + 1)]
        t.autoFilter = None
    for dv in ws.data_validations.dataValidation:
        ranges = []
        for rng in str(dv.sqref).split():
            c1, r1, c2, r2 = range_boundaries(rng)
            if c1 == c2 and r1 >= tbl.header and r2 <= tbl.last + 1 and c1 in moved:
                c = get_column_letter(moved[c1])
                rng = f"{c}{r1}:{c}{r2}"
            ranges.append(rng)
        dv.sqref = openpyxl.worksheet.cell_range.MultiCellRange(" ".join(ranges))


def _table_name(ws) -> str | None:
    return next(iter(ws.tables), None)


def _insert_rows(ws, at: int, n: int) -> None:
    """Insert ``n`` empty rows before row ``at``, moving merges, Tables and drop-downs as
    Excel does (openpyxl's insert_rows moves only cells)."""
    ws.insert_rows(at, n)
    for mr in ws.merged_cells.ranges:
        if mr.min_row >= at:
            mr.shift(0, n)
    for t in ws.tables.values():
        c1, r1, c2, r2 = range_boundaries(t.ref)
        if r1 < at <= r2 + 1:
            t.ref = f"{get_column_letter(c1)}{r1}:{get_column_letter(c2)}{r2 + n}"
    for dv in ws.data_validations.dataValidation:
        out = []
        for rng in str(dv.sqref).split():
            c1, r1, c2, r2 = range_boundaries(rng)
            if r1 >= at:
                r1 += n
            if r2 >= at:
                r2 += n
            out.append(f"{get_column_letter(c1)}{r1}:{get_column_letter(c2)}{r2}")
        dv.sqref = openpyxl.worksheet.cell_range.MultiCellRange(" ".join(out))
    heights = {r: d.height for r, d in ws.row_dimensions.items() if d.height}
    for r in sorted(heights, reverse=True):
        if r >= at:
            ws.row_dimensions[r + n].height = heights[r]
            ws.row_dimensions[r].height = None


# --- builders: not a workbook -------------------------------------------------------------------

def pdf(folder):
    """A PDF saved with the workbook's name."""
    p = Path(folder) / "plan.xlsx"
    p.write_bytes(b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n")
    return p


def csv_renamed(folder):
    """A CSV export renamed to .xlsx."""
    p = Path(folder) / "plan.xlsx"
    p.write_text("Action,Task ID,Key task,RAG\nA,A1,Do the thing,Green\n", encoding="utf-8")
    return p


def empty(folder):
    """An empty file (0 bytes): a failed download or a full disk."""
    p = Path(folder) / "plan.xlsx"
    p.write_bytes(b"")
    return p


def truncated(folder):
    """The first half of the example: an e-mail attachment cut short."""
    p = Path(folder) / "plan.xlsx"
    data = EXAMPLE.read_bytes()
    p.write_bytes(data[: len(data) // 2])
    return p


def old_xls(folder):
    """An Excel 97-2003 file (OLE header D0CF11E0A1B11AE1), named .xls."""
    p = Path(folder) / "plan.xls"
    p.write_bytes(_OLE + bytes(range(256)) * 32)
    return p


def encrypted(folder):
    """An encrypted .xlsx is an OLE compound file (EncryptionInfo + EncryptedPackage)."""
    p = Path(folder) / "plan.xlsx"
    p.write_bytes(_OLE + b"\x3e\x00\x03\x00\xfe\xff" + b"EncryptedPackage".ljust(506, b"\0")
                  + bytes(4096))
    return p


def duplicate_part(folder):
    """The same part twice in the zip (a classic of broken or hostile packages)."""
    m = _read_zip(EXAMPLE)
    items = list(m.items())
    part = _sheet_parts(m)[WS1]
    items.append((part, m[part]))
    p = Path(folder) / "plan.xlsx"
    with zipfile.ZipFile(p, "w", zipfile.ZIP_DEFLATED) as zf:
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "Duplicate name": that is the point
            for name, data in items:
                zf.writestr(zipfile.ZipInfo(name, _STAMP), data, zipfile.ZIP_DEFLATED)
    return p


def xml_not_well_formed(folder):
    """A raw control character (illegal in XML 1.0) inside a sheet's XML."""
    t = table(WS1)
    return _with_zip(folder, lambda m: _edit_sheet(
        m, WS1, lambda x: set_cell(x, t.cell("narrative"), _inline("bad \x01 byte"),
                                   "inlineStr")))


def no_workbook_part(folder):
    """[Content_Types].xml no longer names the workbook part (a damaged package)."""
    def edit(m):
        m[_CT] = re.sub(rb'<Override PartName="/xl/workbook.xml"[^>]*/>', b"", m[_CT])
    return _with_zip(folder, edit)


def value_in_last_row(folder):
    """A stray value in the last row Excel has (A1048576): Ctrl+Down, then a typo."""
    def edit(wb):
        wb[WS1]["A1048576"] = "x"
    return _with_openpyxl(folder, edit)


def row_beyond_excel(folder):
    """A row numbered 1,048,577, one past Excel's last row (written by a broken tool)."""
    return _with_zip(folder, lambda m: _edit_sheet(m, L.SUMMARY, lambda x: x.replace(
        b"</sheetData>", b'<row r="1048577"><c r="A1048577"><v>1</v></c></row></sheetData>')))


# --- builders: sheets -----------------------------------------------------------------------

def ws_deleted(folder):
    """WS2 Workforce deleted by a lead; the Plan sheet still lists it."""
    return _with_openpyxl(folder, lambda wb: wb.remove(wb[WS2]))


def ws_renamed(folder):
    """WS2 Workforce renamed 'Workforce'; the Plan sheet still lists the old name."""
    def edit(wb):
        wb[WS2].title = "Workforce"
    return _with_openpyxl(folder, edit)


def ws_added(folder):
    """A lead's own copy of WS9 as 'WS10 Extra', not listed on the Plan sheet."""
    def edit(wb):
        ws = wb.copy_worksheet(wb[WS9])
        ws.title = "WS10 Extra"
    return _with_openpyxl(folder, edit)


def summary_deleted(folder):
    """The Summary sheet deleted."""
    return _with_openpyxl(folder, lambda wb: wb.remove(wb[L.SUMMARY]))


def plan_missing(folder):
    """The Plan sheet deleted (reporting date and workstream list gone)."""
    return _with_openpyxl(folder, lambda wb: wb.remove(wb[L.PLAN]))


def hidden_sheet(folder):
    """WS9 hidden."""
    def edit(wb):
        wb[WS9].sheet_state = "hidden"
    return _with_openpyxl(folder, edit)


def number_is_infinity(folder):
    """'inf' typed as a workstream number, on the Plan sheet and on WS1 (float('inf'))."""
    def edit(wb):
        plan = wb[L.PLAN]
        number_col = next(c.column for row in plan.iter_rows() for c in row
                          if L.norm_header(c.value) == "number")
        for row in plan.iter_rows():
            for c in row:
                if c.value == WS1:
                    plan.cell(c.row, number_col).value = "inf"
        ws = wb[WS1]
        for row in ws.iter_rows(max_row=table(WS1).header):
            if L.norm_header(row[0].value) == L.norm_header(L.WS_NUMBER_LABEL):
                for c in row[1:]:
                    if c.value is not None:
                        c.value = "inf"
    return _with_openpyxl(folder, edit)


# --- builders: headers and columns --------------------------------------------------------------

_HEADER_EDITS = {
    WS1: {"rag": "RAG Rating", "date_to_complete": "Date to Complete",
          "owner": "  Task   owner ", "narrative": "Narrative /\nupdate"},
    WS2: {"task_id": "Task ID ", "revised_date": "Revised Date\n", "rag": "rag status"},
}


def headers_edited(folder):
    """Header text edited: 'RAG Rating', 'Date to Complete', extra spaces, line breaks, 'rag
    status'."""
    def edit(wb):
        for sheet, edits in _HEADER_EDITS.items():
            ws, t = wb[sheet], table(sheet)
            for field, text in edits.items():
                ws[f"{t.col[field]}{t.header}"] = text
            if (name := _table_name(ws)) is not None:
                tab = ws.tables[name]
                for i, tc in enumerate(tab.tableColumns, start=1):
                    tc.name = str(ws.cell(t.header, i).value)
    return _with_openpyxl(folder, edit)


def _order(t: Table) -> list[int]:
    return [openpyxl.utils.column_index_from_string(t.col[f]) for f, _ in L.TASK_COLUMNS]


def columns_moved(folder):
    """On WS3: Task ID first, RAG before the date, Mitigation right after RAG."""
    def edit(wb):
        ws, t = wb[WS3], table(WS3)
        c = {f: openpyxl.utils.column_index_from_string(x) for f, x in t.col.items()}
        first = [c["task_id"], c["action"], c["key_task"], c["rag"], c["mitigation"],
                 c["date_to_complete"], c["owner"]]
        order = first + [x for x in _order(t) if x not in first]
        _rewrite_table(ws, t, order, _table_name(ws))
    return _with_openpyxl(folder, edit)


def column_inserted(folder):
    """On WS4: a 'Directorate' column inserted between Key task and Task owner."""
    def edit(wb):
        ws, t = wb[WS4], table(WS4)
        order: list = _order(t)
        order.insert(3, ("Directorate", ["Adults", "Health", "Both"]))
        _rewrite_table(ws, t, order, _table_name(ws))
    return _with_openpyxl(folder, edit)


def extra_user_columns(folder):
    """On WS5: three columns of the lead's own after the last one, inside the Table."""
    def edit(wb):
        ws, t = wb[WS5], table(WS5)
        order: list = _order(t)
        order += [("RAG last month", ["Green", "Amber"]), ("Finance code", ["FC-01", 42]),
                  ("Comments", ["see minutes", None])]
        _rewrite_table(ws, t, order, _table_name(ws))
    return _with_openpyxl(folder, edit)


def table_removed(folder):
    """Every Excel Table converted back to a plain range."""
    def edit(wb):
        for ws in wb.worksheets:
            for name in list(ws.tables):
                del ws.tables[name]
    return _with_openpyxl(folder, edit)


# --- builders: rows and cells --------------------------------------------------------------------

def merged_task_rows(folder):
    """On WS1: Action merged over two task rows, a narrative and a RAG over two tasks."""
    def edit(wb):
        ws, t = wb[WS1], table(WS1)
        for field, k in (("action", 0), ("narrative", 2), ("rag", 2)):
            ws.merge_cells(f"{t.cell(field, k)}:{t.cell(field, k + 1)}")
    return _with_openpyxl(folder, edit)


def blank_rows_in_table(folder):
    """On WS1: two empty rows in the middle of the task table, one at its end."""
    def edit(wb):
        ws, t = wb[WS1], table(WS1)
        _insert_rows(ws, t.first + 3, 2)
        _insert_rows(ws, t.last + 3, 1)
    return _with_openpyxl(folder, edit)


def formatted_rows_below(folder):
    """On WS2: 5,000 empty rows below everything, with fill and borders (Ctrl+Shift+Down,
    'format as before')."""
    def edit(wb):
        ws = wb[WS2]
        side = Side(style="thin", color="BFBFBF")
        border = Border(left=side, right=side, top=side, bottom=side)
        fill = PatternFill("solid", fgColor="FFF2CC")
        start = ws.max_row + 1
        proto = ws.cell(start, 1)
        proto.border, proto.fill = border, fill
        for r in range(start, start + 5000):
            for c in range(1, 13):
                ws.cell(r, c)._style = copy(proto._style)
    return _with_openpyxl(folder, edit)


def hidden_rows_and_columns(folder):
    """On WS1: a task row and two columns hidden."""
    def edit(wb):
        ws, t = wb[WS1], table(WS1)
        ws.row_dimensions[t.first + 1].hidden = True
        ws.column_dimensions[t.col["expected_outcome"]].hidden = True
        ws.column_dimensions[t.col["mitigation"]].hidden = True
    return _with_openpyxl(folder, edit)


def protected_sheet(folder):
    """WS1 protected with a password, WS2 without."""
    def edit(wb):
        wb[WS1].protection.sheet = True
        wb[WS1].protection.password = "cumbria"
        wb[WS2].protection.sheet = True
    return _with_openpyxl(folder, edit)


def formulas_cached(folder):
    """RAG and date cells holding formulas, with the values Excel saved beside them."""
    t = table(WS1)

    def sheet(x: bytes) -> bytes:
        x = set_cell(x, t.cell("rag", 0), '<f>"Bl"&amp;"ue"</f><v>Blue</v>', "str")
        x = set_cell(x, t.cell("date_to_complete", 1), "<f>DATE(2019,1,1)</f><v>43466</v>")
        return set_cell(x, t.cell("rag", 1), f'<f>IF({t.cell("date_to_complete", 1)}&gt;0,'
                        '"Green","Red")</f><v>Green</v>', "str")
    return _with_zip(folder, lambda m: _edit_sheet(m, WS1, sheet))


def formulas_uncached(folder):
    """The same formulas with no saved value (written by a tool that does not calculate)."""
    t = table(WS1)

    def sheet(x: bytes) -> bytes:
        x = set_cell(x, t.cell("rag", 0), '<f>"Bl"&amp;"ue"</f>')
        return set_cell(x, t.cell("date_to_complete", 1), "<f>DATE(2019,1,1)</f>")
    return _with_zip(folder, lambda m: _edit_sheet(m, WS1, sheet))


def error_values(folder):
    """#REF!, #N/A, #VALUE! in task cells and a formula showing #DIV/0!."""
    t = table(WS1)

    def sheet(x: bytes) -> bytes:
        x = set_cell(x, t.cell("rag", 1), "<v>#REF!</v>", "e")
        x = set_cell(x, t.cell("date_to_complete", 2), "<v>#N/A</v>", "e")
        x = set_cell(x, t.cell("narrative", 3), "<v>#VALUE!</v>", "e")
        return set_cell(x, t.cell("rag", 4), "<f>1/0</f><v>#DIV/0!</v>", "e")
    return _with_zip(folder, lambda m: _edit_sheet(m, WS1, sheet))


#: WS1 date cells as people really fill them, and whether cqcxl can read each
DATE_ENTRIES = (
    ("01/10/2018", True),      # text, UK order
    (43466, True),             # a number in General format: serial of 1 Jan 2019
    ("43466", False),          # a serial typed as text: never guessed
    (2019, False),             # a bare number that is not a serial in range
    ("Sept 2018", True),
    ("31/02/2019", False),     # no such day
    ("Q3", False),
)


def empty_typed_date_cell(folder):
    """A date cell of type t="d" with an empty value, as some exporters write blanks."""
    t = table(WS1)
    return _with_zip(folder, lambda m: _edit_sheet(m, WS1, lambda x: set_cell(
        x, t.cell("date_to_complete", 0), "<v></v>", "d")))


def dates_as_text_numbers_serials(folder):
    """Dates as text (UK order), numbers, Excel serials, serials typed as text, impossible days,
    t="d" ISO cells."""
    t = table(WS1)

    def edit(wb):
        ws = wb[WS1]
        for k, (v, _) in enumerate(DATE_ENTRIES):
            ws[t.cell("date_to_complete", k)] = v
            ws[t.cell("date_to_complete", k)].number_format = "General"
    p = _with_openpyxl(folder, edit, name="stage.xlsx")
    # and one ISO date cell of type t="d", as LibreOffice and some exporters write
    k = len(DATE_ENTRIES)
    out = _with_zip(folder, lambda m: _edit_sheet(m, WS1, lambda x: set_cell(
        x, t.cell("date_to_complete", k), "<v>2018-09-01T00:00:00</v>", "d")), start=p)
    p.unlink()
    return out


def date1904(folder):
    """The example in the 1904 date system (Excel for Mac, old), real dates."""
    def edit(wb):
        wb.epoch = CALENDAR_MAC_1904
    return _with_openpyxl(folder, edit)


def long_text(folder):
    """32,767 characters (Excel's limit) in one narrative; 32,768 in another (a file written
    by another tool can hold it, Excel cannot; openpyxl would cut it, so it is written into
    the sheet XML)."""
    t = table(WS1)

    def sheet(x: bytes) -> bytes:
        x = set_cell(x, t.cell("narrative", 0), _inline(("Progress update. " * 2000)[:32767]),
                     "inlineStr")
        return set_cell(x, t.cell("narrative", 1), _inline("x" * 32768), "inlineStr")
    return _with_zip(folder, lambda m: _edit_sheet(m, WS1, sheet))


UNICODE_SHEET = "WS2 Рабочая сила 👷"


def emoji_and_non_latin(folder):
    """Emoji and non-Latin text in tasks, and a sheet named 'WS2 Рабочая сила 👷'."""
    def edit(wb):
        ws, t = wb[WS1], table(WS1)
        ws[t.cell("owner", 0)] = "Zoë Ångström / Łukasz Żółć"
        ws[t.cell("narrative", 0)] = "进展顺利 ✅ 🚀 — Ελληνικά, العربية, हिन्दी, 🇬🇧, e\u0301"
        ws[t.cell("key_task", 1)] = "Μελέτη 📊 مراجعة 検討"
        wb[WS2].title = UNICODE_SHEET
        for row in wb[L.PLAN].iter_rows():
            for c in row:
                if c.value == WS2:
                    c.value = UNICODE_SHEET
    return _with_openpyxl(folder, edit)


def xml_escaped_control_chars(folder):
    """Characters XML cannot hold, written the way Excel does: ``_x0001_`` escapes."""
    t = table(WS1)

    def sheet(x: bytes) -> bytes:
        x = set_cell(x, t.cell("narrative", 0), _inline("Update_x0001_ with _x0008_ controls"),
                     "inlineStr")
        return set_cell(x, t.cell("owner", 1), _inline("Jane_x000B_Doe"), "inlineStr")
    return _with_zip(folder, lambda m: _edit_sheet(m, WS1, sheet))


def user_extras(folder):
    """What a lead adds that must survive: own comments (one where cqcxl wants a note),
    drop-downs, conditional formats, a defined name, their own sheet."""
    def edit(wb):
        ws, t = wb[WS1], table(WS1)
        ws[t.cell("key_task", 0)].comment = Comment("Check with Aaron", "Jane Lead")
        dv = DataValidation(type="list", formula1='"Yes,No"', allow_blank=True)
        ws.add_data_validation(dv)
        dv.add(f"M{t.first}:M{t.last}")
        ws.conditional_formatting.add(
            f"{t.col['narrative']}{t.first}:{t.col['narrative']}{t.last}",
            CellIsRule(operator="equal", formula=['"TBC"'], fill=PatternFill(
                "solid", fgColor="FFFF00")))
        wb.defined_names["MyTasks"] = DefinedName(
            "MyTasks", attr_text=f"'{WS1}'!$C${t.first}:$C${t.last}")
        t8 = table(WS8)
        wb[WS8][t8.cell("revised_date", 3)].comment = Comment("Waiting for the Board",
                                                              "Sam Lead")
        mine = wb.create_sheet("Lead notes")
        mine["A1"] = "Meeting"
        mine["B1"] = datetime(2018, 11, 1)
        mine["B1"].number_format = "d mmm yyyy"
        mine["C1"] = 0.25
        mine["C1"].number_format = "0%"
        mine["A2"] = "=COUNTA('WS1 ICT'!B:B)"
    return _with_openpyxl(folder, edit)


# --- builders: what openpyxl cannot carry over ---------------------------------------------------

_VBA = _OLE + b"\0" * 24 + b"cqcxl corpus: not a real VBA project" + bytes(range(256)) * 8


def xlsm(folder):
    """A macro-enabled workbook: xl/vbaProject.bin plus the content types that go with it."""
    def edit(m):
        m[_CT] = m[_CT].replace(
            b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
            b"application/vnd.ms-excel.sheet.macroEnabled.main+xml")
        _add_content_type(m, _override("xl/vbaProject.bin", "application/vnd.ms-office.vbaProject"))
        _add_rel(m, "xl/workbook.xml", "rIdVba",
                 "http://schemas.microsoft.com/office/2006/relationships/vbaProject",
                 "vbaProject.bin")
        m["xl/vbaProject.bin"] = _VBA
    return _with_zip(folder, edit, name="plan.xlsm")


def _drawing_on(m: dict[str, bytes], sheet: str, drawing_xml: str, n: int = 1) -> str:
    part = _sheet_parts(m)[sheet]
    name = f"xl/drawings/drawing{n}.xml"
    m[name] = drawing_xml.encode()
    _add_content_type(m, _override(
        name, "application/vnd.openxmlformats-officedocument.drawing+xml"))
    _add_rel(m, part, "rIdCorpusDr", _R + "drawing", f"../drawings/drawing{n}.xml")
    m[part] = _insert_before(m[part], _AFTER_DRAWING,
                             f'<drawing xmlns:r="{_NS_REL}" r:id="rIdCorpusDr"/>')
    return name


_XDR = ('<xdr:wsDr xmlns:xdr="http://schemas.openxmlformats.org/drawingml/2006/'
        'spreadsheetDrawing" xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" '
        f'xmlns:r="{_NS_REL}">')
_ANCHOR = ("<xdr:twoCellAnchor><xdr:from><xdr:col>13</xdr:col><xdr:colOff>0</xdr:colOff>"
           "<xdr:row>1</xdr:row><xdr:rowOff>0</xdr:rowOff></xdr:from><xdr:to><xdr:col>16"
           "</xdr:col><xdr:colOff>0</xdr:colOff><xdr:row>6</xdr:row><xdr:rowOff>0</xdr:rowOff>"
           "</xdr:to>")


def shape(folder):
    """A text box a lead drew on their sheet ('ask finance')."""
    xml = (_XDR + _ANCHOR + '<xdr:sp macro="" textlink=""><xdr:nvSpPr><xdr:cNvPr id="2" '
           'name="TextBox 1"/><xdr:cNvSpPr txBox="1"/></xdr:nvSpPr><xdr:spPr><a:xfrm>'
           '<a:off x="0" y="0"/><a:ext cx="1828800" cy="914400"/></a:xfrm><a:prstGeom '
           'prst="rect"><a:avLst/></a:prstGeom></xdr:spPr><xdr:txBody><a:bodyPr/><a:lstStyle/>'
           "<a:p><a:r><a:t>Ask finance about D3</a:t></a:r></a:p></xdr:txBody></xdr:sp>"
           "<xdr:clientData/></xdr:twoCellAnchor></xdr:wsDr>")
    return _with_zip(folder, lambda m: _drawing_on(m, WS1, xml))


def _png() -> bytes:
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))
    raw = b"".join(b"\0" + b"\xff\x00\x00" * 4 for _ in range(4))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 4, 4, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def image(folder):
    """A picture (a logo) on a workstream sheet."""
    xml = (_XDR + _ANCHOR + '<xdr:pic><xdr:nvPicPr><xdr:cNvPr id="2" name="Picture 1"/>'
           '<xdr:cNvPicPr><a:picLocks noChangeAspect="1"/></xdr:cNvPicPr></xdr:nvPicPr>'
           '<xdr:blipFill><a:blip r:embed="rId1"/><a:stretch><a:fillRect/></a:stretch>'
           '</xdr:blipFill><xdr:spPr><a:xfrm><a:off x="0" y="0"/><a:ext cx="381000" '
           'cy="381000"/></a:xfrm><a:prstGeom prst="rect"><a:avLst/></a:prstGeom></xdr:spPr>'
           "</xdr:pic><xdr:clientData/></xdr:twoCellAnchor></xdr:wsDr>")

    def edit(m):
        name = _drawing_on(m, WS1, xml)
        m["xl/media/image1.png"] = _png()
        _add_content_type(m, '<Default Extension="png" ContentType="image/png"/>')
        _add_rel(m, name, "rId1", _R + "image", "../media/image1.png")
    return _with_zip(folder, edit)


_VML_BUTTON = (
    '<xml xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:'
    'office" xmlns:x="urn:schemas-microsoft-com:office:excel"><o:shapelayout v:ext="edit">'
    '<o:idmap v:ext="edit" data="1"/></o:shapelayout><v:shapetype id="_x0000_t201" '
    'coordsize="21600,21600" o:spt="201" path="m,l,21600r21600,l21600,xe"><v:path '
    'shadowok="f" o:extrusionok="f" strokeok="f" fillok="f" o:connecttype="rect"/></v:shapetype>'
    '<v:shape id="_x0000_s1025" type="#_x0000_t201" style="position:absolute;margin-left:600pt;'
    'margin-top:10pt;width:100pt;height:25pt;z-index:1" o:button="t" fillcolor="buttonFace [67]"'
    ' strokecolor="windowText [64]" o:insetmode="auto"><v:textbox style="mso-direction-alt:auto"'
    ' o:singleclick="f"><div style="text-align:center"><font face="Calibri" size="220">Validate'
    '</font></div></v:textbox><x:ClientData ObjectType="Button"><x:Anchor>13, 0, 1, 0, 15, 0, '
    "3, 0</x:Anchor><x:PrintObject>False</x:PrintObject><x:AutoFill>False</x:AutoFill>"
    "<x:FmlaMacro>[0]!ValidateWorkbook</x:FmlaMacro><x:TextHAlign>Center</x:TextHAlign>"
    "<x:TextVAlign>Center</x:TextVAlign></x:ClientData></v:shape></xml>")


def _vml_button(m: dict[str, bytes]) -> None:
    part = _sheet_parts(m)[WS1]
    m["xl/drawings/vmlDrawing1.vml"] = _VML_BUTTON.encode()
    _add_content_type(m, '<Default Extension="vml" ContentType="application/vnd.openxmlformats-'
                         'officedocument.vmlDrawing"/>')
    _add_rel(m, part, "rIdCorpusVml", _R + "vmlDrawing", "../drawings/vmlDrawing1.vml")
    m[part] = _insert_before(m[part], _AFTER_DRAWING[1:],
                             f'<legacyDrawing xmlns:r="{_NS_REL}" r:id="rIdCorpusVml"/>')


def form_button_vml(folder):
    """A form-control button as Excel 2007 saved it: VML only."""
    return _with_zip(folder, _vml_button)


def form_button(folder):
    """A form-control button as Excel 2010+ saves it: VML plus xl/ctrlProps/."""
    def edit(m):
        _vml_button(m)
        part = _sheet_parts(m)[WS1]
        m["xl/ctrlProps/ctrlProp1.xml"] = (
            b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<formControlPr xmlns='
            b'"http://schemas.microsoft.com/office/spreadsheetml/2009/9/main" objectType="Button"'
            b' lockText="1"/>')
        _add_content_type(m, _override("xl/ctrlProps/ctrlProp1.xml",
                                       "application/vnd.ms-excel.controlproperties+xml"))
        _add_rel(m, part, "rIdCorpusCtrl", _R + "ctrlProp", "../ctrlProps/ctrlProp1.xml")
    return _with_zip(folder, edit)


def user_chart(folder):
    """A lead's own bar chart of their RAG column, on their sheet."""
    from openpyxl.chart import BarChart, Reference

    def edit(wb):
        ws, t = wb[WS1], table(WS1)
        ws["N1"], ws["O1"] = "RAG", "Tasks"
        for i, rag in enumerate(("Blue", "Green", "Amber", "Red"), start=2):
            ws[f"N{i}"] = rag
            ws[f"O{i}"] = f'=COUNTIF({t.col["rag"]}{t.first}:{t.col["rag"]}{t.last},N{i})'
        chart = BarChart()
        chart.title = "My RAGs"
        chart.add_data(Reference(ws, min_col=15, min_row=1, max_row=5), titles_from_data=True)
        chart.set_categories(Reference(ws, min_col=14, min_row=2, max_row=5))
        ws.add_chart(chart, "Q2")
    return _with_openpyxl(folder, edit)


def pivot_table(folder):
    """A lead's pivot table counting their RAGs (cache from the key-task table)."""
    t = table(WS1)
    src = f"{t.col['rag']}{t.header}:{t.col['rag']}{t.last}"
    cache = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<pivotCacheDefinition xmlns="{_NS_MAIN}" xmlns:r="{_NS_REL}" refreshOnLoad="1" '
        'createdVersion="6" refreshedVersion="6" minRefreshableVersion="3" recordCount="0" '
        'saveData="0"><cacheSource type="worksheet"><worksheetSource ref="' + src + '" sheet="'
        + WS1 + '"/></cacheSource><cacheFields count="1"><cacheField name="RAG" numFmtId="0">'
        '<sharedItems count="4"><s v="Blue"/><s v="Green"/><s v="Amber"/><s v="Red"/>'
        "</sharedItems></cacheField></cacheFields></pivotCacheDefinition>")
    pivot = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<pivotTableDefinition xmlns="{_NS_MAIN}" name="MyPivot" cacheId="7" '
        'applyNumberFormats="0" applyBorderFormats="0" applyFontFormats="0" '
        'applyPatternFormats="0" applyAlignmentFormats="0" applyWidthHeightFormats="1" '
        'dataCaption="Values" updatedVersion="6" minRefreshableVersion="3" '
        'useAutoFormatting="1" itemPrintTitles="1" createdVersion="6" indent="0" outline="1" '
        'outlineData="1"><location ref="N2:O7" firstHeaderRow="1" firstDataRow="1" '
        'firstDataCol="1"/><pivotFields count="1"><pivotField axis="axisRow" dataField="1" '
        'showAll="0"><items count="5"><item x="0"/><item x="1"/><item x="2"/><item x="3"/>'
        '<item t="default"/></items></pivotField></pivotFields><rowFields count="1"><field '
        'x="0"/></rowFields><rowItems count="5"><i><x/></i><i><x v="1"/></i><i><x v="2"/></i>'
        '<i><x v="3"/></i><i t="grand"><x/></i></rowItems><colItems count="1"><i/></colItems>'
        '<dataFields count="1"><dataField name="Count of RAG" fld="0" subtotal="count" '
        'baseField="0" baseItem="0"/></dataFields><pivotTableStyleInfo name="PivotStyleLight16"'
        ' showRowHeaders="1" showColHeaders="1" showRowStripes="0" showColStripes="0" '
        'showLastColumn="1"/></pivotTableDefinition>')

    def edit(m):
        part = _sheet_parts(m)[WS1]
        cpart, ppart = ("xl/pivotCache/pivotCacheDefinition1.xml",
                        "xl/pivotTables/pivotTable1.xml")
        m[cpart], m[ppart] = cache.encode(), pivot.encode()
        _add_content_type(m, _override(cpart, "application/vnd.openxmlformats-officedocument."
                                              "spreadsheetml.pivotCacheDefinition+xml"))
        _add_content_type(m, _override(ppart, "application/vnd.openxmlformats-officedocument."
                                              "spreadsheetml.pivotTable+xml"))
        _add_rel(m, "xl/workbook.xml", "rIdCorpusPc", _R + "pivotCacheDefinition",
                 "pivotCache/pivotCacheDefinition1.xml")
        _add_rel(m, ppart, "rId1", _R + "pivotCacheDefinition",
                 "../pivotCache/pivotCacheDefinition1.xml")
        _add_rel(m, part, "rIdCorpusPt", _R + "pivotTable", "../pivotTables/pivotTable1.xml")
        wb = m["xl/workbook.xml"]
        caches = (f'<pivotCaches><pivotCache xmlns:r="{_NS_REL}" cacheId="7" '
                  'r:id="rIdCorpusPc"/></pivotCaches>').encode()
        end = wb.find(b"/>", wb.find(b"<calcPr")) + 2
        m["xl/workbook.xml"] = wb[:end] + caches + wb[end:]
    return _with_zip(folder, edit)


# --- builders: hostile files -------------------------------------------------------------------

def _lol_dtd(root: str) -> str:
    ents = ['<!ENTITY lol "lollollollollollollollollollol">']
    ents += [f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'
             for i in range(1, 10)]
    return f"<!DOCTYPE {root} [{''.join(ents)}]>"


def _with_doctype(xml: bytes, doctype: str) -> bytes:
    if xml.startswith(b"<?xml"):
        end = xml.find(b"?>") + 2
        return xml[:end] + doctype.encode() + xml[end:]
    return doctype.encode() + xml


def entity_bomb_sheet(folder):
    """'Billion laughs' in a workstream sheet: 10^9 'lol's from a few hundred bytes."""
    t = table(WS1)

    def sheet(x: bytes) -> bytes:
        x = set_cell(x, t.cell("narrative", 0), "<is><t>&lol9;</t></is>", "inlineStr")
        return _with_doctype(x, _lol_dtd("worksheet"))
    return _with_zip(folder, lambda m: _edit_sheet(m, WS1, sheet))


def entity_bomb_shared_strings(folder):
    """'Billion laughs' in xl/sharedStrings.xml, which is parsed before any sheet."""
    def edit(m):
        m["xl/sharedStrings.xml"] = (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n' + _lol_dtd("sst")
            + f'<sst xmlns="{_NS_MAIN}" count="1" uniqueCount="1"><si><t>&lol9;</t></si></sst>'
        ).encode()
        _add_content_type(m, _override("xl/sharedStrings.xml", "application/vnd.openxmlformats-"
                                       "officedocument.spreadsheetml.sharedStrings+xml"))
        _add_rel(m, "xl/workbook.xml", "rIdCorpusSst", _R + "sharedStrings", "sharedStrings.xml")
    return _with_zip(folder, edit)


XXE_TARGET = "file:///etc/passwd"


def external_entity(folder):
    """An external entity (XXE): a cell whose text would be the content of /etc/passwd."""
    t = table(WS1)

    def sheet(x: bytes) -> bytes:
        x = set_cell(x, t.cell("narrative", 0), "<is><t>&xxe;</t></is>", "inlineStr")
        return _with_doctype(x, f'<!DOCTYPE worksheet [<!ENTITY xxe SYSTEM "{XXE_TARGET}">]>')
    return _with_zip(folder, lambda m: _edit_sheet(m, WS1, sheet))


BOMB_BYTES = 401 * 1024 * 1024


def zip_bomb(folder):
    """A sheet that unzips to 401 MiB (its XML followed by spaces): ~0.4 MB on disk."""
    m = _read_zip(EXAMPLE)
    part = _sheet_parts(m)[WS1]
    p = Path(folder) / "plan.xlsx"
    with zipfile.ZipFile(p, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        for name, data in m.items():
            if name != part:
                zf.writestr(zipfile.ZipInfo(name, _STAMP), data, zipfile.ZIP_DEFLATED)
                continue
            info = zipfile.ZipInfo(name, _STAMP)
            info.compress_type = zipfile.ZIP_DEFLATED
            with zf.open(info, "w") as fh:
                fh.write(data)
                block = b" " * (1 << 20)
                left = BOMB_BYTES - len(data)
                while left > 0:
                    fh.write(block[:left])
                    left -= len(block)
    return p


def zip_bomb_claimed(folder):
    """A part whose header claims 4 GB unzipped (a forged size, no real data)."""
    p = _example(folder)
    data = bytearray(p.read_bytes())
    part = _sheet_parts(_read_zip(p))[WS1].encode()
    claim = struct.pack("<I", 0xFFFFFFF0)
    i = data.find(b"PK\x01\x02")
    while i >= 0:
        name_len = struct.unpack_from("<H", data, i + 28)[0]
        if bytes(data[i + 46:i + 46 + name_len]) == part:
            data[i + 24:i + 28] = claim
            local = struct.unpack_from("<I", data, i + 42)[0]
            data[local + 22:local + 26] = claim
        i = data.find(b"PK\x01\x02", i + 4)
    p.write_bytes(bytes(data))
    return p


# --- the corpus ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Case:
    """One corpus file and the behaviour it must get from validate (and the other jobs)."""

    build: Callable[[Path], Path]
    behaviour: str
    #: exit 2: every one of these (case-insensitive) in the single stderr line
    message: tuple[str, ...] = ()
    #: findings that must be among validate's: (code, sheet, cell); "" matches any
    codes: tuple[tuple[str, str, str], ...] = ()
    #: the findings (code, task id) are exactly the example's
    same_as_example: bool = False
    #: something a save may not carry over: a regex the in-place refusal must match ...
    lost: str = ""
    #: ... and how to tell that it is still in a file
    present: Callable[[Path], bool] | None = None
    #: a hostile file: rejected quickly, also checked in a real process
    hostile: bool = False
    #: may hang or eat memory: only ever run in a separate, time- and memory-bounded process
    slow: bool = False

    @property
    def loads(self) -> bool:
        return not self.message


def _zip_has(pattern: str, content: bytes | None = None) -> Callable[[Path], bool]:
    def present(path: Path) -> bool:
        with zipfile.ZipFile(path) as zf:
            for n in zf.namelist():
                if re.fullmatch(pattern, n) and (content is None or content in zf.read(n)):
                    return True
        return False
    present.__doc__ = f"a part matching {pattern}" + (f" holding {content!r}" if content else "")
    return present


def _vba_kept(path: Path) -> bool:
    with zipfile.ZipFile(path) as zf:
        return "xl/vbaProject.bin" in zf.namelist() and zf.read("xl/vbaProject.bin") == _VBA


_T1, _T8 = table(WS1), table(WS8)

def example(folder):
    """The example plan itself, unchanged."""
    return _example(folder)


CORPUS: dict[str, Case] = {
    "example": Case(example, "validates: 121 tasks, 28 errors", same_as_example=True),
    # not a workbook at all
    "pdf": Case(pdf, "exit 2: 'this is a PDF'", message=("plan.xlsx", "PDF")),
    "csv-renamed": Case(csv_renamed, "exit 2: 'not an Excel workbook … CSV'",
                        message=("plan.xlsx", "not an Excel workbook", "CSV")),
    "empty-file": Case(empty, "exit 2: 'the file is empty'", message=("plan.xlsx", "empty")),
    "truncated-zip": Case(truncated, "exit 2: 'a download that did not finish'",
                          message=("plan.xlsx", "did not finish")),
    "old-xls": Case(old_xls, "exit 2: 'old Excel 97-2003 (.xls) … save it as .xlsx'",
                    message=("plan.xls", "97-2003", ".xlsx")),
    "encrypted": Case(encrypted, "exit 2: 'password-protected (encrypted)'",
                      message=("plan.xlsx", "password")),
    "duplicate-part": Case(duplicate_part, "exit 2: 'contents are malformed'",
                           message=("plan.xlsx", "malformed")),
    "xml-not-well-formed": Case(xml_not_well_formed,
                                "exit 2: 'damaged …', naming the sheet 'WS1 ICT'",
                                message=("plan.xlsx", "damaged", WS1)),
    "no-workbook-part": Case(no_workbook_part, "exit 2: 'damaged or not a normal workbook'",
                             message=("plan.xlsx", "damaged")),
    "row-beyond-excel": Case(row_beyond_excel, "exit 2 within seconds, naming the sheet",
                             message=("plan.xlsx", L.SUMMARY), slow=True),
    # sheets
    "ws-deleted": Case(ws_deleted, "validates; missing-sheet on the Plan sheet",
                       codes=(("missing-sheet", L.PLAN, ""),)),
    "ws-renamed": Case(ws_renamed, "validates; missing-sheet + unlisted-sheet 'Workforce'",
                       codes=(("missing-sheet", L.PLAN, ""),
                              ("unlisted-sheet", "Workforce", "A1"))),
    "ws-added": Case(ws_added, "validates; unlisted-sheet 'WS10 Extra' (still checked)",
                     codes=(("unlisted-sheet", "WS10 Extra", "A1"),)),
    "summary-deleted": Case(summary_deleted, "validates as the example; summary rebuilds it",
                            same_as_example=True),
    "plan-missing": Case(plan_missing, "validates; missing-plan-sheet; all 9 sheets read",
                         codes=(("missing-plan-sheet", L.PLAN, "A1"),)),
    "number-is-infinity": Case(number_is_infinity, "validates; the sheet is still read "
                               "(numbered from its name)", codes=(("", WS1, ""),)),
    "hidden-sheet": Case(hidden_sheet, "validates as the example (hidden sheet still checked)",
                         same_as_example=True),
    # headers and columns
    "headers-edited": Case(headers_edited, "validates as the example ('RAG Rating', 'Date to "
                           "Complete', spaces, line breaks)", same_as_example=True),
    "columns-moved": Case(columns_moved, "validates as the example", same_as_example=True),
    "column-inserted": Case(column_inserted, "validates as the example",
                            same_as_example=True),
    "extra-user-columns": Case(extra_user_columns, "validates as the example",
                               same_as_example=True),
    "table-removed": Case(table_removed, "validates as the example", same_as_example=True),
    # rows and cells
    "merged-task-rows": Case(merged_task_rows, "validates; the RAG under a merge is "
                             "missing-required", codes=(
                                 ("missing-required", WS1, _T1.cell("rag", 3)),)),
    "blank-rows-in-table": Case(blank_rows_in_table, "validates as the example",
                                same_as_example=True),
    "5000-formatted-rows": Case(formatted_rows_below, "validates as the example",
                                same_as_example=True),
    "value-in-last-row": Case(value_in_last_row, "validates as the example, within seconds",
                              same_as_example=True, slow=True),
    "hidden-rows-columns": Case(hidden_rows_and_columns, "validates as the example",
                                same_as_example=True),
    "protected-sheet": Case(protected_sheet, "validates as the example; still protected",
                            same_as_example=True),
    "formulas-cached": Case(formulas_cached, "validates as the example (saved values used)",
                            same_as_example=True),
    "formulas-uncached": Case(formulas_uncached, "validates; a finding on each formula cell "
                              "with no saved value", codes=(
                                  ("", WS1, _T1.cell("rag", 0)),
                                  ("", WS1, _T1.cell("date_to_complete", 1)))),
    "error-values": Case(error_values, "validates; excel-error on #REF!, #N/A, #VALUE!, "
                         "#DIV/0!", codes=tuple(("excel-error", WS1, _T1.cell(f, k)) for f, k in (
                             ("rag", 1), ("date_to_complete", 2), ("narrative", 3),
                             ("rag", 4)))),
    "dates-text-numbers-serials": Case(
        dates_as_text_numbers_serials, "validates; unparseable-date only where no date can "
        "be read ('43466' as text, 2019, 31/02/2019, Q3)", codes=tuple(
            ("unparseable-date", WS1, _T1.cell("date_to_complete", k))
            for k, (_, ok) in enumerate(DATE_ENTRIES) if not ok)),
    "empty-typed-date-cell": Case(empty_typed_date_cell, "validates; missing-required on "
                                  "the empty date; -o writes", codes=(
                                      ("missing-required", WS1,
                                       _T1.cell("date_to_complete", 0)),)),
    "date-1904": Case(date1904, "validates as the example (1904 date system)",
                      same_as_example=True),
    "long-text": Case(long_text, "validates; text-too-long only on the 32,768-character "
                      "narrative", codes=(("text-too-long", WS1, _T1.cell("narrative", 1)),)),
    "emoji-non-latin": Case(emoji_and_non_latin, "validates as the example (sheet "
                            f"'{UNICODE_SHEET}')", same_as_example=True),
    "xml-escaped-control-chars": Case(xml_escaped_control_chars,
                                      "validates as the example; _x0001_ text kept",
                                      same_as_example=True),
    "user-extras": Case(user_extras, "validates; note-not-added where the lead has a comment",
                        codes=(("note-not-added", WS8, _T8.cell("revised_date", 3)),)),
    # what openpyxl cannot carry over
    "xlsm-vba": Case(xlsm, "keeps the VBA: in place and -o .xlsm; refuses -o .xlsx",
                     lost="macros", present=_vba_kept),
    "shape": Case(shape, "in-place refused naming shapes; -o warns", lost="shapes",
                  present=_zip_has(r"xl/drawings/drawing\d+\.xml", b"<xdr:sp")),
    "image": Case(image, "kept, or in-place refused naming pictures; -o warns",
                  lost="picture|image", present=_zip_has(r"xl/media/.+")),
    "form-button-vml": Case(form_button_vml, "in-place refused naming form controls",
                            lost="form controls",
                            present=_zip_has(r".+\.vml", b'ObjectType="Button"')),
    "form-button": Case(form_button, "in-place refused naming form controls",
                        lost="form controls", present=_zip_has(r"xl/ctrlProps/.+")),
    "user-chart": Case(user_chart, "kept (openpyxl carries charts)", lost="chart",
                       present=_zip_has(r"xl/charts/chart\d+\.xml")),
    "pivot-table": Case(pivot_table, "kept (openpyxl carries pivot tables)", lost="pivot",
                        present=_zip_has(r"xl/pivotTables/pivotTable\d+\.xml")),
    # hostile
    "entity-bomb-sheet": Case(entity_bomb_sheet, "exit 2 within seconds: not a normal "
                              "workbook", message=("plan.xlsx", "not a normal workbook"),
                              hostile=True),
    "entity-bomb-shared-strings": Case(entity_bomb_shared_strings, "exit 2 within seconds",
                                       message=("plan.xlsx", "not a normal workbook"),
                                       hostile=True),
    "external-entity": Case(external_entity, "exit 2 within seconds; nothing of the target "
                            "file shown", message=("plan.xlsx", "not a normal workbook"),
                            hostile=True),
    "zip-bomb": Case(zip_bomb, "exit 2 before parsing: 'zip bomb'",
                     message=("plan.xlsx", "zip bomb"), hostile=True),
    "zip-bomb-claimed": Case(zip_bomb_claimed, "exit 2 before parsing: 'zip bomb'",
                             message=("plan.xlsx", "zip bomb"), hostile=True),
}


def build(name: str, folder: Path) -> Path:
    """Write corpus file ``name`` into ``folder`` (created when missing)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    return CORPUS[name].build(folder)


def build_all(folder: Path) -> dict[str, Path]:
    """Every corpus file, each in its own sub-folder (most are called plan.xlsx)."""
    return {name: build(name, Path(folder) / name) for name in CORPUS}


def main(argv: list[str]) -> int:
    if argv[:1] == ["--table"]:
        sys.stdout.write(markdown_table())
        return 0
    if len(argv) != 1:
        print(__doc__)
        return 2
    for name, path in build_all(Path(argv[0])).items():
        print(f"{name:28} {path}")
    return 0


def tests_for(name: str) -> list[str]:
    """The tests in tests/test_corpus.py that run corpus file ``name``."""
    c = CORPUS[name]
    if c.slow:
        return ["test_slow_file_is_handled_within_seconds"]
    out = ["test_corpus_file_gets_its_behaviour"]
    if not c.loads:
        out.append("test_unreadable_file_fails_alike_in_every_job")
    if c.hostile:
        out.append("test_hostile_file_is_rejected_quickly_in_a_real_process")
    if c.loads:
        out += ["test_nothing_lost", "test_findings_stable_after_the_chain"]
    if c.lost:
        out.append("test_what_a_save_cannot_carry_is_kept_or_refused")
    if name == "xlsm-vba":
        out += ["test_xlsm_keeps_its_macros_as_xlsm", "test_xlsm_is_not_written_as_xlsx"]
    return out


def markdown_table() -> str:
    rows = ["| corpus file | behaviour | tests (`tests/test_corpus.py`) |", "|---|---|---|"]
    for name, c in CORPUS.items():
        doc = " ".join((c.build.__doc__ or "").split())
        doc = re.split(r"(?<=[.!?])\s", doc, maxsplit=1)[0]
        what = f"`{name}`" + (f": {doc}" if doc else "")
        rows.append(f"| {what} | {c.behaviour} | {', '.join(tests_for(name))} |")
    return "\n".join(rows) + "\n"


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
