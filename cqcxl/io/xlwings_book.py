"""The live-Excel adapter: read the open workbook into grids, apply edits, through xlwings.

The same edits as the file adapter (``openpyxl_book``), applied through xlwings' public
API (``Book``, ``Sheet``, ``Range``, ``Note``, ``Chart``) so that it works on every xlwings
engine: desktop Excel on Windows/macOS (``RunPython``), and the remote engine behind
xlwings Lite and xlwings Server. No openpyxl here.

Excel operations are grouped so that their number depends on sheets, colours and
rectangles, not rows:

- reading: one ``range.value`` per sheet (from A1 to the used range's last cell);
- RAG fills: one ``set_colors`` per RAG column on the remote engine (contiguous runs of
  one colour on desktop Excel), font colours in runs of one colour;
- a sheet cqcxl owns: one ``range.value`` for all its blocks; each formatting property
  painted over maximal rectangles of equal value; single-row merges stacked into one
  ``merge(across=True)``; equal column widths / row heights in runs.

Limits, by engine (what :func:`apply` could not do is listed in :attr:`Report.skipped`):

- The remote engine (Lite, Server) cannot read a note's text or author, nor a cell's fill.
  A note there counts as cqcxl's when the previous Validation sheet lists its cell (cqcxl
  put a note on every cell it listed, except the ``note-not-added`` ones); any other note
  counts as the user's and is never touched. A RAG cell left without a RAG keeps its fill
  (it could be the user's). Pie slices cannot be coloured there, so the pies are left out
  rather than drawn in Excel's default colours (Red would show as gold).
- Column widths are characters on desktop Excel and points on the remote engine.
- Autofilter, page orientation/fit and print titles have no public xlwings API; they are
  set through ``sheet.api`` on desktop Excel for Windows only, else skipped.
"""

from __future__ import annotations

import datetime as dt
import re
import sys
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import xlwings as xw

from .. import layout as L
from ..cells import ERROR_VALUES, BookGrid, CellError, Note, SheetGrid, col_letter, parse_a1
from ..edits import (
    AppendRows,
    Block,
    Edit,
    ReplaceSheet,
    SetNotes,
    SetRagFills,
    SheetSpec,
    Style,
)

_BORDER = "#BFBFBF"


def is_remote(book: xw.Book) -> bool:
    """True on xlwings' remote engine (xlwings Lite, xlwings Server, tests)."""
    try:
        return book.app.engine.type == "remote"
    except AttributeError:
        return False


def _windows_desktop(book: xw.Book) -> bool:
    return sys.platform.startswith("win") and not is_remote(book)


# --- reading ----------------------------------------------------------------------------

def _cell(v: Any) -> Any:
    if isinstance(v, str):
        if v in ERROR_VALUES:
            return CellError(v)
        return v
    if isinstance(v, float) and v.is_integer() and abs(v) < 1e15:
        return int(v)  # Excel hands every number over as a float; openpyxl gives ints
    if isinstance(v, dt.datetime) and v.tzinfo is not None:
        return v.replace(tzinfo=None)
    return v


def _sheet_values(sheet: xw.Sheet) -> list[list[Any]]:
    """The sheet from A1 to the used range's last cell, in one read."""
    last = sheet.used_range.last_cell
    rows = sheet.range((1, 1), (last.row, last.column)).options(
        ndim=2, err_to_str=True).value or []
    out = [[_cell(v) for v in row] for row in rows]
    while out and all(v is None for v in out[-1]):
        out.pop()
    return out


def _address(note: Any) -> str | None:
    """A note's cell as 'B2'; the remote engine only has it in the note's payload."""
    try:
        addr = note.location.address
    except NotImplementedError:
        api = note.api
        addr = api.get("address") if isinstance(api, dict) else None
    return addr.replace("$", "").split("!")[-1].upper() if addr else None


def _listed_cells(grid: SheetGrid | None) -> set[tuple[str, str]]:
    """(sheet, cell) of every finding the previous Validation sheet lists as having got a
    note: the cells where cqcxl put its notes last time."""
    out: set[tuple[str, str]] = set()
    if grid is None:
        return out
    cell_col = code_col = None
    for row in grid.rows:
        texts = [str(v).strip() if v is not None else "" for v in row]
        if cell_col is None:
            if "Cell" in texts and "Code" in texts:
                cell_col, code_col = texts.index("Cell"), texts.index("Code")
            continue
        where = texts[cell_col] if cell_col < len(texts) else ""
        code = texts[code_col] if code_col < len(texts) else ""
        if code == "note-not-added" or "!" not in where:
            continue
        if where.startswith("="):  # a HYPERLINK formula read as a formula: take its label
            labels = re.findall(r'"((?:[^"]|"")*)"', where)
            where = labels[-1].replace('""', '"') if labels else ""
        sheet, _, cell = where.rpartition("!")
        if sheet and cell:
            out.add((sheet, cell.replace("$", "").upper()))
    return out


def _notes(sheet: xw.Sheet, listed: set[tuple[str, str]]) -> dict[str, Note]:
    try:
        notes = list(sheet.notes)
    except (NotImplementedError, AttributeError):
        return {}
    out: dict[str, Note] = {}
    for note in notes:
        addr = _address(note)
        if not addr:
            continue
        try:
            text = note.text or ""
            author = note.author or ""
        except NotImplementedError:
            # The engine cannot say what the note is: the previous Validation sheet can.
            ours = (sheet.name, addr) in listed
            out[addr] = Note(L.NOTE_AUTHOR if ours else "", "")
            continue
        ours = author == L.NOTE_AUTHOR or text.lstrip().startswith(L.NOTE_PREFIX)
        out[addr] = Note(L.NOTE_AUTHOR if ours else author, text)
    return out


def read(book: xw.Book) -> BookGrid:
    """Every sheet's values (one read per sheet) and the notes on it."""
    sheets = list(book.sheets)
    grids = [SheetGrid(s.name, _sheet_values(s), {}, not s.visible) for s in sheets]
    by_name = {g.name: g for g in grids}
    listed = _listed_cells(by_name.get(L.VALIDATION))
    for s, g in zip(sheets, grids, strict=True):
        g.notes = _notes(s, listed)
    return BookGrid(book.name, grids)


# --- applying edits -----------------------------------------------------------------------

@dataclass
class Report:
    """What :func:`apply` did not do on this engine, and why (for the log and the tests)."""

    skipped: list[str] = field(default_factory=list)

    def skip(self, what: str) -> None:
        if what not in self.skipped:
            self.skipped.append(what)


def _hex(color: str) -> str:
    return "#" + color[-6:].upper()


def _runs(rows: list[int]) -> list[tuple[int, int]]:
    """Sorted row numbers -> (first, last) of each run of consecutive rows."""
    out: list[tuple[int, int]] = []
    for r in sorted(rows):
        if out and r == out[-1][1] + 1:
            out[-1] = (out[-1][0], r)
        else:
            out.append((r, r))
    return out


_MAX_MATRIX = 10_000  # xlwings' limit for one set_colors call


def _font_runs(rows: dict[int, str]) -> list[tuple[int, int, str]]:
    """Font colours for cells of one column as few (first, last, colour) writes: each run
    of consecutive cells is painted in its commonest colour, then the other colours' runs
    are painted on top (later writes win)."""
    out: list[tuple[int, int, str]] = []
    for a, b in _runs(list(rows)):
        colours = [rows[r] for r in range(a, b + 1)]
        base = max(sorted(set(colours)), key=colours.count)
        out.append((a, b, base))
        for colour in sorted(set(colours) - {base}):
            out.extend((x, y, colour) for x, y in
                       _runs([r for r in range(a, b + 1) if rows[r] == colour]))
    return out


def _rag_fills(book: xw.Book, edit: SetRagFills, report: Report) -> None:
    sheet = book.sheets[edit.sheet]
    remote = is_remote(book)
    cells = {parse_a1(ref): rag for ref, rag in edit.cells.items()}
    rated = {rc: rag for rc, rag in cells.items() if rag is not None}
    unrated = sorted(rc for rc, rag in cells.items() if rag is None)
    if remote and rated:
        # One set_colors over the rectangle holding every RAG cell of the sheet ('...'
        # keeps a cell's fill as it is), cut in slices of at most 10,000 cells.
        c1 = min(c for _, c in rated)
        c2 = max(c for _, c in rated)
        top, bottom = min(r for r, _ in rated), max(r for r, _ in rated)
        step = max(1, _MAX_MATRIX // (c2 - c1 + 1))
        for r1 in range(top, bottom + 1, step):
            r2 = min(bottom, r1 + step - 1)
            sheet.range(_ref(r1, c1, r2, c2)).set_colors(
                [[_hex(L.RAG_FILL[rated[(r, c)]]) if (r, c) in rated else ...
                  for c in range(c1, c2 + 1)] for r in range(r1, r2 + 1)])
    elif rated:
        for rag in sorted(set(rated.values())):
            for rect in rectangles([rc for rc, x in rated.items() if x == rag]):
                sheet.range(_ref(*rect)).color = _hex(L.RAG_FILL[rag])
    by_col: dict[int, dict[int, str]] = defaultdict(dict)
    for (r, c), rag in rated.items():
        by_col[c][r] = L.RAG_FONT[rag]
    for c, rows in sorted(by_col.items()):
        for a, b, colour in _font_runs(rows):
            sheet.range(_ref(a, c, b, c)).font.color = _hex(colour)
    if not unrated:
        return
    if remote:
        report.skip("RAG cells without a RAG keep their fill: this engine cannot read a "
                    "fill to tell cqcxl's colour from the user's")
        return
    for r, c in unrated:  # desktop: read each one and take off only a RAG colour
        rng = sheet.range((r, c))
        current = rng.color
        if current is not None and L.is_rag_fill("{:02X}{:02X}{:02X}".format(*current)):
            rng.color = None
            rng.font.color = "#000000"


def _sheet_notes(grid: SheetGrid | None, sheet: xw.Sheet) -> dict[str, Note]:
    if grid is not None:
        return grid.notes
    return _notes(sheet, set())


def _set_notes(book: xw.Book, edit: SetNotes, grid: SheetGrid | None) -> None:
    sheet = book.sheets[edit.sheet]
    existing = _sheet_notes(grid, sheet)
    for addr, note in sorted(existing.items()):
        if note.author == L.NOTE_AUTHOR and addr not in edit.notes:
            sheet.range(addr).note.delete()
    for addr, text in edit.notes.items():
        note = existing.get(addr.upper())
        if note is None:
            sheet.range(addr).add_note(text)
        elif note.author == L.NOTE_AUTHOR:
            sheet.range(addr).note.text = text
        # else: a user's own comment, never touched (the core listed the problem instead)


# --- a sheet cqcxl owns: values, then formatting painted over rectangles -------------------

def _blocks_matrix(blocks: Iterable[Block]) -> tuple[int, int, list[list[Any]]] | None:
    """All blocks as one rectangle of values; a later block's None keeps an earlier value
    (as the file adapter, which skips None)."""
    cells: dict[tuple[int, int], Any] = {}
    for b in blocks:
        for i, row in enumerate(b.values):
            for j, v in enumerate(row):
                if v is not None:
                    cells[(b.row + i, b.col + j)] = v
                else:
                    cells.setdefault((b.row + i, b.col + j), None)
    if not cells:
        return None
    r0 = min(r for r, _ in cells)
    c0 = min(c for _, c in cells)
    r1 = max(r for r, _ in cells)
    c1 = max(c for _, c in cells)
    matrix = [[cells.get((r, c)) for c in range(c0, c1 + 1)] for r in range(r0, r1 + 1)]
    return r0, c0, matrix


def _write_values(sheet: xw.Sheet, blocks: Iterable[Block]) -> None:
    found = _blocks_matrix(blocks)
    if found is not None:
        r0, c0, matrix = found
        sheet.range((r0, c0)).value = matrix


def _cells(ref: str) -> Iterable[tuple[int, int]]:
    a, _, b = ref.partition(":")
    (r1, c1), (r2, c2) = parse_a1(a), parse_a1(b or a)
    for r in range(min(r1, r2), max(r1, r2) + 1):
        for c in range(min(c1, c2), max(c1, c2) + 1):
            yield r, c


#: Each property's value on a cell nobody formatted; those are never written.
_DEFAULTS = {"fill": None, "bold": False, "italic": False, "font_color": None, "size": 11,
             "wrap": False, "halign": None, "valign": None, "border": False,
             "number_format": None}


def _final_formats(styles: Iterable[tuple[str, Style]]) -> dict[tuple[int, int], dict]:
    """Each cell's formatting after all styles, with the file adapter's rules: a font
    property replaces the whole font, alignment is always replaced, fill/border/number
    format only when given."""
    out: dict[tuple[int, int], dict] = {}
    for ref, st in styles:
        for rc in _cells(ref):
            f = out.setdefault(rc, dict(_DEFAULTS))
            if st.fill:
                f["fill"] = st.fill
            if st.font_color or st.bold or st.italic or st.size:
                f.update(bold=st.bold, italic=st.italic, font_color=st.font_color,
                         size=st.size or 11)
            f.update(wrap=st.wrap, halign=st.halign, valign=st.valign)
            if st.border:
                f["border"] = True
            if st.number_format:
                f["number_format"] = st.number_format
    return out


def rectangles(cells: Iterable[tuple[int, int]]) -> list[tuple[int, int, int, int]]:
    """Cover a set of cells with few rectangles (r1, c1, r2, c2): runs along each row,
    stacked where consecutive rows have the same run."""
    by_row: dict[int, list[int]] = defaultdict(list)
    for r, c in cells:
        by_row[r].append(c)
    open_: dict[tuple[int, int], tuple[int, int]] = {}  # (c1, c2) -> (r1, last row)
    out: list[tuple[int, int, int, int]] = []
    for r in sorted(by_row):
        runs = [(a, b) for a, b in _runs(by_row[r])]
        for key in list(open_):
            r1, last = open_[key]
            if key not in runs or last != r - 1:
                out.append((r1, key[0], last, key[1]))
                del open_[key]
        for key in runs:
            r1, _ = open_.get(key, (r, r))
            open_[key] = (r1, r)
    out.extend((r1, key[0], last, key[1]) for key, (r1, last) in open_.items())
    return sorted(out)


def _ref(r1: int, c1: int, r2: int, c2: int) -> str:
    return f"{col_letter(c1)}{r1}:{col_letter(c2)}{r2}"


def _set_format(rng: xw.Range, prop: str, value: Any) -> None:
    if prop == "fill":
        rng.color = _hex(value)
    elif prop == "font_color":
        rng.font.color = _hex(value)
    elif prop in ("bold", "italic", "size"):
        setattr(rng.font, prop, value)
    elif prop == "wrap":
        rng.wrap_text = value
    elif prop == "halign":
        rng.horizontal_alignment = value
    elif prop == "valign":
        rng.vertical_alignment = value
    elif prop == "border":
        rng.borders.line_style = "continuous"
        rng.borders.color = _BORDER
    elif prop == "number_format":
        rng.number_format = value


def _paint(sheet: xw.Sheet, styles: Iterable[tuple[str, Style]]) -> None:
    formats = _final_formats(styles)
    for prop, default in _DEFAULTS.items():
        groups: dict[Any, list[tuple[int, int]]] = defaultdict(list)
        for rc, f in formats.items():
            if f[prop] != default:
                groups[f[prop]].append(rc)
        for value in sorted(groups, key=str):
            for rect in rectangles(groups[value]):
                _set_format(sheet.range(_ref(*rect)), prop, value)


def _merges(sheet: xw.Sheet, merges: Iterable[str]) -> None:
    """Single-row merges of the same columns on consecutive rows: one merge(across=True)."""
    single: dict[tuple[int, int], list[int]] = defaultdict(list)
    for ref in merges:
        a, _, b = ref.partition(":")
        (r1, c1), (r2, c2) = parse_a1(a), parse_a1(b or a)
        if r1 == r2:
            single[(c1, c2)].append(r1)
        else:
            sheet.range(ref).merge()
    for (c1, c2), rows in sorted(single.items()):
        for a, b in _runs(rows):
            sheet.range(_ref(a, c1, b, c2)).merge(across=True)


def column_width(chars: float, remote: bool) -> float:
    """Characters (Excel's unit, the spec's) -> what the engine takes: characters on
    desktop Excel, points on the remote engine (Calibri 11: 7 px a character + 5 px
    padding, 0.75 pt a pixel)."""
    return round(L.width_points(chars), 2) if remote else chars


def _widths(sheet: xw.Sheet, widths: dict[int, float], remote: bool) -> None:
    cols = sorted(widths)
    i = 0
    while i < len(cols):
        j = i
        while j + 1 < len(cols) and cols[j + 1] == cols[j] + 1 and \
                widths[cols[j + 1]] == widths[cols[i]]:
            j += 1
        sheet.range(f"{col_letter(cols[i])}:{col_letter(cols[j])}").column_width = \
            column_width(widths[cols[i]], remote)
        i = j + 1


def _heights(sheet: xw.Sheet, heights: dict[int, float]) -> None:
    by_height: dict[float, list[int]] = defaultdict(list)
    for r, h in heights.items():
        by_height[h].append(r)
    for h, rows in sorted(by_height.items()):
        for a, b in _runs(rows):
            sheet.range(f"{a}:{b}").row_height = h


def _pies(book: xw.Book, sheet: xw.Sheet, spec: SheetSpec, report: Report) -> None:
    if not spec.charts:
        return
    if is_remote(book):
        report.skip(f"{spec.name}: pies left out: this engine cannot colour pie slices, and "
                    "Excel's default colours would show Red as gold (the table has the counts)")
        return
    for ch in spec.charts:
        try:
            chart = sheet.charts.add(ch.x_pt, spec.chart_top(ch), ch.width_pt, ch.height_pt)
            chart.set_source_data(sheet.range(ch.values))
            chart.set_x_axis_values(sheet.range(ch.categories))
            chart.chart_type = "pie"
            chart.title = ch.title
            chart.legend.visible = ch.legend
        except Exception as exc:  # an engine without charts: the table still has the counts
            report.skip(f"{spec.name}: pies left out ({type(exc).__name__}: {exc})")
            return
        if not _colour_slices(chart, ch.colors):
            report.skip(f"{spec.name}: pie slices keep Excel's colours (slice colours need "
                        "Excel for Windows)")


def _bgr(color: str) -> int:
    r, g, b = int(color[-6:-4], 16), int(color[-4:-2], 16), int(color[-2:], 16)
    return r + (g << 8) + (b << 16)


def _colour_slices(chart: Any, colors: tuple[str, ...]) -> bool:
    """Slice colours and percentage labels: no public xlwings API, so Excel's own object
    model on Windows (``chart.api`` is ``(ChartObject, Chart)`` there)."""
    if not sys.platform.startswith("win"):
        return False
    try:
        series = chart.api[1].SeriesCollection(1)
        for i, color in enumerate(colors, start=1):
            series.Points(i).Format.Fill.ForeColor.RGB = _bgr(color)
        series.HasDataLabels = True
        series.DataLabels().ShowPercentage = True
        series.DataLabels().ShowValue = False
        return True
    except Exception:
        return False


def _page_setup(book: xw.Book, sheet: xw.Sheet, spec: SheetSpec, report: Report) -> None:
    if spec.print_area:
        sheet.page_setup.print_area = spec.print_area
    wants = spec.autofilter or spec.print_title_rows or spec.landscape or spec.fit_width
    if not wants:
        return
    if not _windows_desktop(book):
        report.skip(f"{spec.name}: autofilter, landscape, fit to width and print titles need "
                    "Excel for Windows (no xlwings API for them)")
        return
    try:
        api = sheet.api
        if spec.autofilter:
            api.Range(spec.autofilter).AutoFilter()
        ps = api.PageSetup
        ps.Orientation = 2 if spec.landscape else 1
        if spec.fit_width:
            ps.Zoom = False
            ps.FitToPagesWide = 1
            ps.FitToPagesTall = False
        if spec.print_title_rows:
            a, _, b = spec.print_title_rows.partition(":")
            ps.PrintTitleRows = f"${a}:${b or a}"
    except Exception as exc:  # printing set-up is a nicety: never fail the job for it
        report.skip(f"{spec.name}: page set-up not applied ({exc})")


def _add_sheet(book: xw.Book, name: str, position: int | None) -> xw.Sheet:
    """A new sheet at a 0-based tab position (None: last). Uses ``after=``: the remote
    engine places ``before=`` one tab early."""
    sheets = book.sheets
    n = len(sheets)
    if position is None or position >= n:
        return sheets.add(name, after=sheets[n - 1])
    if position <= 0:
        return sheets.add(name, before=sheets[0])
    return sheets.add(name, after=sheets[position - 1])


def _find(book: xw.Book, name: str) -> xw.Sheet | None:
    """The sheet called ``name``; Excel's sheet names ignore case."""
    for s in book.sheets:
        if s.name.casefold() == name.casefold():
            return s
    return None


def _replace(book: xw.Book, spec: SheetSpec, report: Report) -> None:
    remote = is_remote(book)
    position = spec.position
    old = _find(book, spec.name)
    if old is not None:
        if position is None:
            position = old.index - 1
        if len(book.sheets) == 1:  # Excel keeps at least one sheet
            old.name = f"{spec.name[:24]} (old)"
            sheet = _add_sheet(book, spec.name, position)
            old.delete()
        else:
            old.delete()
            sheet = _add_sheet(book, spec.name, position)
    else:
        sheet = _add_sheet(book, spec.name, position)
    _write_values(sheet, spec.blocks)
    _paint(sheet, spec.styles)
    _merges(sheet, spec.merges)
    _widths(sheet, spec.col_widths, remote)
    _heights(sheet, spec.row_heights)
    _pies(book, sheet, spec, report)
    if spec.freeze:
        sheet.freeze_panes.freeze_at(spec.freeze)
    if not spec.gridlines:
        sheet.show_gridlines = False
    if spec.tab_color:
        try:
            sheet.tab_color = _hex(spec.tab_color)
        except (NotImplementedError, AttributeError):
            report.skip(f"{spec.name}: tab colour not set on this engine")
    _page_setup(book, sheet, spec, report)
    if spec.activate:
        sheet.activate()


def _append(book: xw.Book, edit: AppendRows) -> None:
    sheet = _find(book, edit.sheet) or _add_sheet(book, edit.sheet, None)
    _write_values(sheet, [edit.block])
    _paint(sheet, edit.styles)
    _widths(sheet, dict(edit.col_widths), is_remote(book))


def apply(book: xw.Book, edits: Iterable[Edit], *, grid: BookGrid | None = None) -> Report:
    """Apply edits to the open workbook. ``grid`` is what :func:`read` returned for this
    book (it says which notes are cqcxl's; without it the notes are read again)."""
    report = Report()
    for e in edits:
        if isinstance(e, SetRagFills):
            _rag_fills(book, e, report)
        elif isinstance(e, SetNotes):
            _set_notes(book, e, grid.sheet(e.sheet) if grid is not None else None)
        elif isinstance(e, ReplaceSheet):
            _replace(book, e.spec, report)
        elif isinstance(e, AppendRows):
            _append(book, e)
        else:  # pragma: no cover - a programming error, not a user's
            raise TypeError(f"unknown edit {e!r}")
    return report
