"""The live engine: read the open workbook into grids and apply edits, through xlwings.

Two routes to the same result:

- Excel for Windows (``RunPython``): Excel's own object model through ``book.api``
  (:class:`WindowsBook`). Every property get or put and every method call there is one COM
  round trip into the Excel process, and xlwings' ``Range`` costs several of them each (it
  looks up its sheet, book and application), so this route talks to COM directly, keeps the
  handles it already has (sheets, notes, the window) and groups what it writes:

  - reading: per sheet its name, visibility and ``Range("A1", UsedRange).Value`` (one read
    for all values); its notes through the ``Comments`` collection (count, then per note its
    cell, author and text) when the job first looks at them (Validate does, Build summary
    sheet and Close period never do); nothing per cell;
  - cell colours: one write per colour and sheet over a multi-area range (``"F14:F16,F20"``,
    at most 255 characters an address); fill and font colour share the range when they
    cover the same cells; a colour to take off is read over all such cells at once (a
    multi-cell ``Interior.Color`` is the colour when they share it, else null) and split
    only where they differ;
  - notes: one call each, only where the text changed (a changed or removed note through the
    ``Comment`` read, a new one through ``Range.AddComment``);
  - in a macro-enabled workbook (``.xlsm`` built by :mod:`cqcxl.xlsm`), the colour and note
    writes above, all of a job's, go to Excel in ONE ``Application.Run`` of the workbook's
    own ``cqcxl_batch.CqcxlApply`` (``macros/cqcxl_batch.bas``) as four arrays (sheet,
    write, address, value), and Excel makes them in-process; cqcxl still decides every write
    (which cells, which colours, which notes change, whose fill comes off). Where that
    procedure is missing or fails (a ``.xlsx``, macros off, an older ``.xlsm``) the writes
    are made one call at a time as above;
  - a sheet cqcxl owns: one ``Value`` for all its blocks; each formatting property painted
    over multi-area ranges of equal value (properties covering the same cells share one
    range); column widths and row heights one write per value; pies with ``Point.Interior``
    slice colours and ``ApplyDataLabels``; alerts and printer communication off meanwhile.

- Every other xlwings engine (macOS through AppleScript, and the remote engine behind xlwings
  Lite and xlwings Server): xlwings' public API (``Book``, ``Sheet``, ``Range``, ``Note``,
  ``Chart``). Reading is one ``range.value`` per sheet; cell colours one ``set_colors`` per
  RAG column on the remote engine (multi-area ranges on macOS); font colours in runs.

Limits, by engine (what :func:`apply` could not do is listed in the returned Report):

- The remote engine (Lite, Server) cannot read a note's text or author, nor a cell's fill:
  notes are read as ``Note(None, None)`` (the sheets decide whose they are), and a cell
  whose colour is to be taken off keeps its fill (it could be the user's). Pie slices take
  the workbook theme's accent colours there.
- Column widths are characters on desktop Excel and points on the remote engine.
- Freeze panes, tab colour, autofilter, page orientation/fit and print titles have no
  xlwings API on the desktop engines: Windows sets them through Excel's object model, macOS
  skips and reports them.
- Notes keep Excel's default size on desktop Excel (``NoteText.width_pt``/``height_pt`` are
  not applied: two more calls a note).
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from decimal import Decimal
from typing import Any

import xlwings as xw

from ..edits import (
    AppendRows,
    Block,
    Edit,
    FitRows,
    Formula,
    LineChart,
    PageSetup,
    PieChart,
    ReplaceSheet,
    SetCellColours,
    SetNotes,
    SheetSpec,
    Style,
    width_points,
)
from ..grid import ERROR_VALUES, BookGrid, CellError, Note, SheetGrid, col_letter, parse_a1
from .base import Report


def is_remote(book: xw.Book) -> bool:
    """True on xlwings' remote engine (xlwings Lite, xlwings Server, tests). Told from the
    engine module behind the book: no call into Excel."""
    return type(book.impl).__module__.endswith("_xlremote")


def _windows_desktop(book: xw.Book) -> bool:
    """Excel for Windows (COM): Excel's own object model is there through ``.api``."""
    return type(book.impl).__module__.endswith("_xlwindows")


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
    last_row, last_col = last.row, last.column
    rows = sheet.range((1, 1), (last_row, last_col)).options(
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


def _notes(sheet: xw.Sheet) -> dict[str, Note]:
    """A1 -> the note on it; ``Note(None, None)`` where the engine cannot read notes."""
    try:
        # not list(): it asks len() first, which walks every note once more
        notes = [note for note in sheet.notes]  # noqa: C416
    except (NotImplementedError, AttributeError):
        return {}
    out: dict[str, Note] = {}
    for note in notes:
        addr = _address(note)
        if not addr:
            continue
        try:
            out[addr] = Note(note.author or "", note.text or "")
        except NotImplementedError:
            out[addr] = Note(None, None)
    return out


def read(book: xw.Book) -> BookGrid:
    """Every sheet's values (one read per sheet) and the notes on it."""
    if _windows_desktop(book):
        return WindowsBook(book).read()
    sheets = list(book.sheets)
    return BookGrid(book.name, [SheetGrid(s.name, _sheet_values(s), _notes(s), not s.visible)
                                for s in sheets])


# --- applying edits -----------------------------------------------------------------------

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


def _cell_colours(book: xw.Book, edit: SetCellColours, report: Report) -> None:
    sheet = book.sheets[edit.sheet]
    remote = is_remote(book)
    cells = {parse_a1(ref): colour for ref, colour in edit.cells.items()}
    rated = {rc: c for rc, c in cells.items() if c is not None}
    unrated = sorted(rc for rc, c in cells.items() if c is None)
    if remote and rated:
        # One set_colors over the rectangle holding every coloured cell of the sheet
        # ('...' keeps a cell's fill as it is), cut in slices of at most 10,000 cells.
        c1 = min(c for _, c in rated)
        c2 = max(c for _, c in rated)
        top, bottom = min(r for r, _ in rated), max(r for r, _ in rated)
        step = max(1, _MAX_MATRIX // (c2 - c1 + 1))
        for r1 in range(top, bottom + 1, step):
            r2 = min(bottom, r1 + step - 1)
            sheet.range(_ref(r1, c1, r2, c2)).set_colors(
                [[_hex(rated[(r, c)].fill) if (r, c) in rated else ...
                  for c in range(c1, c2 + 1)] for r in range(r1, r2 + 1)])
    elif rated:
        # macOS: one call per colour, over a multi-area range ("F14:F16,F20,…")
        for fill in sorted({c.fill for c in rated.values()}):
            rects = rectangles([rc for rc, x in rated.items() if x.fill == fill])
            for address in areas([_ref(*rect) for rect in rects]):
                sheet.range(address).color = _hex(fill)
    if remote:
        # no multi-area ranges there: runs per column, the commonest colour first and the
        # others painted over it (later writes win)
        by_col: dict[int, dict[int, str]] = defaultdict(dict)
        for (r, c), colour in rated.items():
            by_col[c][r] = colour.font
        for c, rows in sorted(by_col.items()):
            for a, b, font in _font_runs(rows):
                sheet.range(_ref(a, c, b, c)).font.color = _hex(font)
    else:
        # macOS: each font colour's cells (disjoint sets) in one multi-area call
        for font in sorted({c.font for c in rated.values()}):
            rects = rectangles([rc for rc, x in rated.items() if x.font == font])
            for address in areas([_ref(*rect) for rect in rects]):
                sheet.range(address).font.color = _hex(font)
    if not unrated:
        return
    if remote:
        report.skip("cells whose colour cqcxl would take off keep their fill: this engine "
                    "cannot read a fill to tell cqcxl's colour from the user's")
        return
    for r, c in unrated:  # macOS: read each one and take off only a removable colour
        rng = sheet.range((r, c))
        current = rng.color
        if current is not None and edit.is_removable("{:02X}{:02X}{:02X}".format(*current)):
            rng.color = None
            if edit.plain_font:
                rng.font.color = _hex(edit.plain_font)


def _set_notes(book: xw.Book, edit: SetNotes, grid: SheetGrid | None) -> None:
    """cqcxl's notes: delete the ones the edit removes, replace or add the rest. Which
    cells already hold a note comes from what :func:`read` saw (else read again)."""
    sheet = book.sheets[edit.sheet]
    existing = grid.notes if grid is not None else _notes(sheet)
    for addr in edit.remove:
        if addr.upper() in existing:
            sheet.range(addr).note.delete()
    for addr, note in edit.notes.items():
        had = existing.get(addr.upper())
        if had is not None and addr not in edit.remove:
            if had.text == note.text:
                continue  # unchanged notes cost no call
            sheet.range(addr).note.text = note.text
        else:
            sheet.range(addr).add_note(note.text)


# --- a sheet cqcxl owns: values, then formatting painted over rectangles -------------------

#: Text Excel would turn into something else when written through Range.Value, as if typed:
#: a formula ("=…"), a number ("1.10", "+44…", "(3)"), an error ("#N/A"), TRUE/FALSE, a date
#: ("Dec 18", "1/2/2018", "2018-11-15").
_PARSED = re.compile(r"^\s*(?:[=+\-@#.(0-9]|(?:true|false)\s*$|(?:jan|feb|mar|apr|may|jun|jul|"
                     r"aug|sep|oct|nov|dec)[a-z]*[\s\-/.,]*\d)", re.I)


def _as_text(v: Any) -> Any:
    """Text stays text: a leading apostrophe (Excel's own "this is text" mark, not shown
    and not part of the value) where Excel would otherwise parse it."""
    if isinstance(v, str) and not isinstance(v, Formula) and _PARSED.match(v):
        return "'" + v
    return v


def _blocks_matrix(blocks: Iterable[Block]) -> tuple[int, int, list[list[Any]]] | None:
    """All blocks as one rectangle of values; a later block's None keeps an earlier value
    (as the file engine, which skips None)."""
    cells: dict[tuple[int, int], Any] = {}
    for b in blocks:
        for i, row in enumerate(b.values):
            for j, v in enumerate(row):
                if v is not None:
                    cells[(b.row + i, b.col + j)] = _as_text(v)
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
             "wrap": False, "halign": None, "valign": None, "border": None,
             "number_format": None}


def _final_formats(styles: Iterable[tuple[str, Style]]) -> dict[tuple[int, int], dict]:
    """Each cell's formatting after all styles, with the file engine's rules: a font
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
                f["border"] = st.border
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


#: Excel refuses a range address longer than this (``Range("A1,B2,…")``).
MAX_ADDRESS = 255


def areas(refs: list[str]) -> list[str]:
    """Cell references joined into as few multi-area addresses as Excel accepts."""
    out: list[str] = []
    cur = ""
    for ref in refs:
        if cur and len(cur) + 1 + len(ref) > MAX_ADDRESS:
            out.append(cur)
            cur = ref
        else:
            cur = f"{cur},{ref}" if cur else ref
    if cur:
        out.append(cur)
    return out


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
        rng.borders.color = _hex(value)
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
    return round(width_points(chars), 2) if remote else chars


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


def _pies(sheet: xw.Sheet, spec: SheetSpec, report: Report) -> None:
    """Native pies through xlwings' chart API. Slices cannot be coloured one by one there: a
    pie varies its colours by point through the workbook theme's accents 1-4, which a
    workbook made by cqcxl sets to the slice colours."""
    pies = _only_pies(spec, report)
    if not pies:
        return
    for ch in pies:
        try:
            chart = sheet.charts.add(ch.x_pt, spec.chart_top(ch), ch.width_pt, ch.height_pt)
            chart.set_source_data(sheet.range(ch.values))
            chart.chart_type = "pie"
            try:
                chart.set_x_axis_values(sheet.range(ch.categories))
            except (NotImplementedError, AttributeError):
                pass  # the legend then shows 1-4: the table has the names
            chart.title = ch.title
            chart.legend.visible = ch.legend
        except Exception as exc:  # an engine without charts: the table still has the counts
            report.skip(f"{spec.name}: pies left out ({type(exc).__name__}: {exc})")
            return
    report.skip(f"{spec.name}: pie slices take the workbook theme's colours (accents 1-4;"
                " Blue, Green, Amber, Red in a workbook made by cqcxl), not set one by one")


def _only_pies(spec: SheetSpec, report: Report) -> list[PieChart]:
    """The spec's pies (line charts are drawn by ``_lines``); any other kind of chart is not
    drawn by this engine (the numbers it would show are on the sheet) and is reported."""
    for ch in spec.charts:
        if not isinstance(ch, PieChart | LineChart):
            report.skip(f"{spec.name}: chart '{getattr(ch, 'title', '')}' not drawn in Excel "
                        "(its numbers are on the sheet)")
    return [ch for ch in spec.charts if isinstance(ch, PieChart)]


def _lines(sheet: xw.Sheet, spec: SheetSpec, report: Report) -> None:
    """Line charts through xlwings' chart API, from their data as one block: the lines take
    the workbook theme's accents 1-4 in series order (Blue, Green, Amber, Red in a workbook
    made by cqcxl), as the pies' slices do."""
    lines = [ch for ch in spec.charts if isinstance(ch, LineChart)]
    for ch in lines:
        try:
            chart = sheet.charts.add(ch.x_pt, spec.chart_top(ch), ch.width_pt, ch.height_pt)
            chart.set_source_data(sheet.range(ch.table))
            chart.chart_type = "line_markers"
            chart.title = ch.title
        except Exception as exc:  # noqa: BLE001 - the numbers are on the sheet
            report.skip(f"{spec.name}: chart '{ch.title}' left out ({type(exc).__name__})")
            return
    if lines:
        report.skip(f"{spec.name}: line colours take the workbook theme's colours (accents "
                    "1-4), not set one by one")


def _bgr(color: str) -> int:
    """'RRGGBB' -> Excel's colour number (BGR)."""
    r, g, b = int(color[-6:-4], 16), int(color[-4:-2], 16), int(color[-2:], 16)
    return r + (g << 8) + (b << 16)


def _rgb(color: int) -> str:
    """Excel's colour number (BGR) -> 'RRGGBB'."""
    color = int(color)
    return f"{color & 0xFF:02X}{(color >> 8) & 0xFF:02X}{(color >> 16) & 0xFF:02X}"


def _page_setup(sheet: xw.Sheet, spec: SheetSpec, report: Report) -> None:
    if spec.print_area:
        sheet.page_setup.print_area = spec.print_area
    report.skip(f"{spec.name}: autofilter, landscape, fit to width and print titles need "
                "Excel for Windows (no xlwings API for them)")


def _freeze(sheet: xw.Sheet, ref: str, report: Report) -> None:
    """Freeze the rows above and the columns left of ``ref``: xlwings has this on its remote
    engine only."""
    try:
        sheet.freeze_panes.freeze_at(ref)
    except (NotImplementedError, AttributeError):
        report.skip(f"{sheet.name}: panes not frozen (no way to do it on this engine)")


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
    _pies(sheet, spec, report)
    _lines(sheet, spec, report)
    if spec.freeze:
        _freeze(sheet, spec.freeze, report)
    if not spec.gridlines:
        sheet.show_gridlines = False
    if spec.tab_color:
        report.skip(f"{sheet.name}: tab colour not set on this engine")
    _page_setup(sheet, spec, report)


def _append(book: xw.Book, edit: AppendRows, report: Report) -> None:
    sheet = _find(book, edit.sheet) or _add_sheet(book, edit.sheet, None)
    _write_values(sheet, [edit.block])
    _paint(sheet, edit.styles)
    _widths(sheet, dict(edit.col_widths), is_remote(book))
    if getattr(edit, "page", None) is not None:
        report.skip(f"{edit.sheet}: landscape and fit to width need Excel for Windows (no "
                    "xlwings API for them)")


# --- Excel for Windows: Excel's own object model, round trips counted ---------------------

#: Excel's cell errors as COM hands them over (an int: 0x800A0000 + the xlErr number)
_COM_ERRORS = {code - 2_146_828_288: text for code, text in {
    2000: "#NULL!", 2007: "#DIV/0!", 2015: "#VALUE!", 2023: "#REF!", 2029: "#NAME?",
    2036: "#NUM!", 2042: "#N/A", 2043: "#GETTING_DATA", 2045: "#SPILL!", 2046: "#CONNECT!",
    2047: "#BLOCKED!", 2048: "#UNKNOWN!", 2049: "#FIELD!", 2050: "#CALC!"}.items()}

XL_NONE = -4142  # xlNone / xlColorIndexNone
XL_SHEET_VISIBLE = -1
XL_PIE = 5
XL_LINE_MARKERS = 65
XL_DATA_LABELS_SHOW_PERCENT = 3
_PAPER = {"A4": 9, "A3": 8}  # xlPaperA4, xlPaperA3
_H_ALIGN = {"general": 1, "left": -4131, "center": -4108, "right": -4152, "fill": 5,
            "justify": -4130, "centerContinuous": 7, "distributed": -4117}
_V_ALIGN = {"top": -4160, "center": -4108, "bottom": -4107, "justify": -4130,
            "distributed": -4117}


def _from_com(v: Any) -> Any:
    """A cell value as COM hands it over -> the grid's: numbers arrive as floats, dates as
    tz-aware ``pywintypes`` datetimes, errors as ints, an empty text as ''."""
    if v is None or isinstance(v, bool):
        return v
    if isinstance(v, str):
        return v or None
    if isinstance(v, int):
        return CellError(_COM_ERRORS[v]) if v in _COM_ERRORS else v
    if isinstance(v, dt.datetime):  # pywintypes.datetime: a subclass, in UTC
        return dt.datetime(v.year, v.month, v.day, v.hour, v.minute, v.second, v.microsecond)
    if isinstance(v, Decimal):  # a Currency-formatted cell
        v = float(v)
    return _cell(v)


def _to_com(v: Any) -> Any:
    """A value for ``Range.Value`` as xlwings hands it over: no value -> '' (an empty cell),
    dates as datetimes with a timezone (pywin32 needs one; UTC leaves the time alone)."""
    if v is None:
        return ""
    if isinstance(v, dt.datetime):
        return v.replace(tzinfo=dt.UTC)
    if isinstance(v, dt.date):
        return dt.datetime(v.year, v.month, v.day, tzinfo=dt.UTC)
    return v


#: The workbook's own VBA procedure that makes a job's colour and note writes in one
#: ``Application.Run`` (``macros/cqcxl_batch.bas``): module-qualified, called by workbook.
BATCH_MACRO = "cqcxl_batch.CqcxlApply"
#: Workbooks that can hold VBA; on any other (a ``.xlsx``) no ``Application.Run`` is tried.
MACRO_FILES = (".xlsm", ".xlsb", ".xltm", ".xls")


def _colour_ranges(edit: SetCellColours) -> list[tuple[str, int | None, int | None]]:
    """(multi-area address, fill, font colour as Excel's numbers, or None) for the coloured
    cells of ``edit``: a range per fill colour, with its font colour when the font colour
    covers exactly the same cells (Blue's white text), then a range per remaining font."""
    cells = {parse_a1(ref): colour for ref, colour in edit.cells.items()}
    fills: dict[str, list[tuple[int, int]]] = defaultdict(list)
    fonts: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for rc, colour in sorted(cells.items()):
        if colour is not None:
            fills[colour.fill].append(rc)
            fonts[colour.font].append(rc)
    font_of = {tuple(rcs): font for font, rcs in fonts.items()}
    out: list[tuple[str, int | None, int | None]] = []
    for fill, rcs in sorted(fills.items()):
        font = font_of.pop(tuple(rcs), None)
        out.extend((address, _bgr(fill), None if font is None else _bgr(font))
                   for address in _address_chunks(rcs))
    for rcs, font in sorted(font_of.items(), key=lambda kv: kv[1]):
        out.extend((address, None, _bgr(font)) for address in _address_chunks(rcs))
    return out


def _note_writes(edit: SetNotes, existing: dict[str, Note]
                 ) -> list[tuple[str, str, str]]:
    """(write, A1, text) for cqcxl's notes on one sheet: "delete" a note the edit removes,
    "text" where a note is there with another text, "add" where none is (an unchanged note
    is no write). ``existing``: the notes on the sheet now."""
    out: list[tuple[str, str, str]] = []
    for addr in edit.remove:
        if addr.upper() in existing:
            out.append(("delete", addr.upper(), ""))
    for addr, note in edit.notes.items():
        a = addr.upper()
        had = existing.get(a)
        if had is not None and addr not in edit.remove:
            if had.text != note.text:
                out.append(("text", a, note.text))
        else:
            out.append(("add", a, note.text))
    return out


class _Batch:
    """The colour and note writes waiting for one ``Application.Run`` (and the edits they
    come from, applied one call at a time instead if the run fails)."""

    def __init__(self) -> None:
        self.writes: list[tuple[str, str, str, int | str]] = []  # sheet, write, address, value
        self.edits: list[SetCellColours | SetNotes] = []
        self.coloured: set[str] = set()  # sheets (casefolded) with a SetCellColours here

    def add(self, sheet: str, write: str, address: str, value: int | str = "") -> None:
        self.writes.append((sheet, write, address, value))

    def take(self) -> tuple[list[tuple[str, str, str, int | str]],
                            list[SetCellColours | SetNotes]]:
        """The writes and edits gathered so far; the batch starts again empty."""
        out = self.writes, self.edits
        self.writes, self.edits, self.coloured = [], [], set()
        return out


def _address_chunks(cells: Iterable[tuple[int, int]]) -> list[str]:
    """Cells as few multi-area addresses as Excel accepts (rectangles, 255 characters)."""
    return [address for address, _ in _chunks(cells)]


def _chunks(cells: Iterable[tuple[int, int]]
            ) -> list[tuple[str, list[tuple[int, int, int, int]]]]:
    """Cells as few multi-area addresses as Excel accepts, each with its rectangles."""
    out: list[tuple[str, list[tuple[int, int, int, int]]]] = []
    for rect in rectangles(cells):
        ref = _ref(*rect)
        if out and len(out[-1][0]) + 1 + len(ref) <= MAX_ADDRESS:
            out[-1] = (f"{out[-1][0]},{ref}", out[-1][1] + [rect])
        else:
            out.append((ref, [rect]))
    return out


def _line_runs(numbers: Iterable[int], letters: bool) -> list[str]:
    """Column numbers as 'A:C,E:E' parts, or row numbers as '3:5,7:7' parts."""
    name = col_letter if letters else str
    return [f"{name(a)}:{name(b)}" for a, b in _runs(list(numbers))]


class _LazyNotes(dict):
    """A sheet's notes, read from Excel the first time the job looks at them: Validate
    does, Build summary sheet and Close period never do (5 calls a note saved). Read before
    any edit is applied, as every job computes its edits first."""

    def __init__(self, load: Callable[[], dict[str, Note]]) -> None:
        super().__init__()
        self._load: Callable[[], dict[str, Note]] | None = load

    def _fill(self) -> None:
        if self._load is not None:
            load, self._load = self._load, None
            super().update(load())

    def __contains__(self, key: object) -> bool:
        self._fill()
        return super().__contains__(key)

    def __getitem__(self, key: str) -> Note:
        self._fill()
        return super().__getitem__(key)

    def __iter__(self) -> Iterator[str]:
        self._fill()
        return super().__iter__()

    def __len__(self) -> int:
        self._fill()
        return super().__len__()

    def __eq__(self, other: object) -> bool:
        self._fill()
        return super().__eq__(other)

    def __ne__(self, other: object) -> bool:
        self._fill()
        return super().__ne__(other)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        self._fill()
        return super().__repr__()

    def get(self, key: str, default: Any = None) -> Any:
        self._fill()
        return super().get(key, default)

    def keys(self) -> Any:
        self._fill()
        return super().keys()

    def values(self) -> Any:
        self._fill()
        return super().values()

    def items(self) -> Any:
        self._fill()
        return super().items()

    def copy(self) -> dict[str, Note]:
        self._fill()
        return dict(super().items())


class WindowsBook:
    """The open workbook through Excel's object model on Windows (``book.api``), with the
    handles read so far: the sheets in tab order, each note's ``Comment``, the window.

    Every attribute get, put and method call on a COM object is a round trip into Excel;
    handles kept here cost none. Sheets are found by name (case-insensitive, as Excel's).
    The grid's notes are read when first looked at (:class:`_LazyNotes`), which every job
    does before its edits are applied."""

    def __init__(self, book: xw.Book) -> None:
        self.book = book
        self.wb = book.api
        self._worksheets: Any = None
        self._tabs: list[tuple[str, Any]] | None = None  # (name, Worksheet) in tab order
        #: sheet name (casefolded) -> A1 -> the note's Comment object, for what was read
        self.comments: dict[str, dict[str, Any]] = {}
        self._app: Any = None
        self._window: Any = None
        self._active: Any = None  # the sheet this object last made active
        self._restore: list[tuple[str, Any]] = []  # Application settings to put back
        self._name: str | None = None  # the workbook's name, as read
        #: whether the batch procedure may be called: None until it is, False once it failed
        self._batch_ok: bool | None = None

    # sheets ------------------------------------------------------------------------------------
    def worksheets(self) -> Any:
        if self._worksheets is None:
            self._worksheets = self.wb.Worksheets
        return self._worksheets

    def tabs(self) -> list[tuple[str, Any]]:
        """The worksheets in tab order: ``Worksheets.Count``, then per sheet ``Item``, ``Name``."""
        if self._tabs is None:
            coll = self.worksheets()
            handles = [coll.Item(i) for i in range(1, coll.Count + 1)]
            self._tabs = [(ws.Name, ws) for ws in handles]
        return self._tabs

    def _index(self, name: str) -> int | None:
        folded = name.casefold()
        return next((i for i, (n, _) in enumerate(self.tabs()) if n.casefold() == folded),
                    None)

    def sheet(self, name: str) -> Any:
        i = self._index(name)
        if i is None:
            raise KeyError(name)
        return self.tabs()[i][1]

    def app(self) -> Any:
        if self._app is None:
            self._app = self.wb.Application
        return self._app

    def window(self) -> Any:
        """The workbook's own window (not Excel's active window, which may show another)."""
        if self._window is None:
            self._window = self.wb.Windows(1)
        return self._window

    def _setting(self, name: str, value: Any) -> None:
        """An Application setting for the rest of :meth:`apply` (put back afterwards)."""
        if any(n == name for n, _ in self._restore):
            return
        app = self.app()
        try:
            before = getattr(app, name)
            setattr(app, name, value)
        except Exception:  # noqa: BLE001 - an Excel without the setting: go on without
            return
        self._restore.append((name, before))

    def _activate(self, ws: Any) -> None:
        if self._active is not ws:
            ws.Activate()
            self._active = ws

    # reading ---------------------------------------------------------------------------------
    def read(self) -> BookGrid:
        """Every worksheet's values (6 calls a sheet) and notes (2 calls a sheet and 5 a
        note, when the job first looks at them)."""
        name = self._name = self.wb.Name
        return BookGrid(name, [self._read_sheet(n, ws) for n, ws in self.tabs()])

    def _read_sheet(self, name: str, ws: Any) -> SheetGrid:
        hidden = ws.Visible != XL_SHEET_VISIBLE
        block = ws.Range("A1", ws.UsedRange).Value
        rows = block if isinstance(block, tuple) else ((block,),)
        out = [[_from_com(v) for v in row] for row in rows]
        while out and all(v is None for v in out[-1]):
            out.pop()
        notes = _LazyNotes(lambda: self._read_notes(name, ws))
        return SheetGrid(name, out, notes, hidden)

    def _read_notes(self, name: str, ws: Any) -> dict[str, Note]:
        """The sheet's notes from its ``Comments`` collection (one ``Count``, then each by
        index: its cell, author and text); keeps each ``Comment`` for :meth:`notes`."""
        comments = ws.Comments
        handles: dict[str, Any] = {}
        out: dict[str, Note] = {}
        for i in range(1, comments.Count + 1):
            c = comments.Item(i)
            addr = c.Parent.Address.replace("$", "").upper()
            out[addr] = Note(c.Author or "", c.Text() or "")
            handles[addr] = c
        self.comments[name.casefold()] = handles
        return out

    # applying ------------------------------------------------------------------------------
    def apply(self, edits: list[Edit], grid: BookGrid | None) -> Report:
        """Apply the edits in order. In a workbook with the batch procedure, consecutive colour
        and note edits (all of Validate's) are gathered and made in one call
        (:meth:`_flush`) before the next other edit."""
        report = Report()
        try:
            batch = _Batch() if self._may_batch() else None
            for e in edits:
                gather = batch is not None and isinstance(e, (SetCellColours, SetNotes))
                if gather and isinstance(e, SetCellColours) and \
                        e.sheet.casefold() in batch.coloured:
                    self._flush(batch, grid)  # its take-off reads must see the first
                if gather and self._batch_ok is not False:  # not again once it failed
                    self._gather(e, grid, batch)
                    continue
                if batch is not None:
                    self._flush(batch, grid)
                if isinstance(e, SetCellColours):
                    self.colours(e)
                elif isinstance(e, SetNotes):
                    self.notes(e, grid.sheet(e.sheet) if grid is not None else None)
                elif isinstance(e, ReplaceSheet):
                    self.replace(e.spec, report)
                elif isinstance(e, AppendRows):
                    self.append(e, report)
                elif isinstance(e, FitRows):
                    self._heights(self.sheet(e.sheet), e.heights)
                else:  # pragma: no cover - a programming error, not a user's
                    raise TypeError(f"unknown edit {e!r}")
            if batch is not None:
                self._flush(batch, grid)
            # Excel activates every sheet it adds: show the one the job wants shown, last
            shown = [e.spec.name for e in edits if isinstance(e, ReplaceSheet)
                     and e.spec.activate]
            if shown and self._index(shown[-1]) is not None:
                self._activate(self.sheet(shown[-1]))
        finally:
            for name, before in reversed(self._restore):
                try:
                    setattr(self._app, name, before)
                except Exception:  # noqa: BLE001 - never hide what went wrong before
                    report.skip(f"Excel's {name} setting not put back")
            self._restore.clear()
        return report

    def colours(self, edit: SetCellColours, batch: _Batch | None = None) -> None:
        """One write per fill colour and per font colour, over multi-area ranges; a fill and a
        font colour over the same cells (Blue's white text) share the range. With ``batch``
        the writes are gathered there instead (the take-off reads are made now)."""
        ws = self.sheet(edit.sheet)
        name = self.tabs()[self._index(edit.sheet)][0]
        for address, fill, font in _colour_ranges(edit):
            if batch is not None:
                if fill is not None:
                    batch.add(name, "fill", address, fill)
                if font is not None:
                    batch.add(name, "font", address, font)
                continue
            rng = ws.Range(address)
            if fill is not None:
                rng.Interior.Color = fill
            if font is not None:
                rng.Font.Color = font
        cells = {parse_a1(ref): colour for ref, colour in edit.cells.items()}
        unrated = sorted(rc for rc, colour in cells.items() if colour is None)
        if unrated:
            self._take_off(ws, unrated, edit, batch, name)

    def _take_off(self, ws: Any, cells: list[tuple[int, int]], edit: SetCellColours,
                  batch: _Batch | None = None, name: str = "") -> None:
        """Take cqcxl's fill off these cells where it is there, never a user's own fill. The
        fill is read over all the cells at once (Excel answers the colour they share, or
        null when they differ); only cells that differ are split and read again."""
        for address, rects in _chunks(cells):
            rng = ws.Range(address)
            interior = rng.Interior
            colour = interior.Color
            if colour is None:  # fills differ: halve and look again
                inside = sorted((r, c) for r1, c1, r2, c2 in rects
                                for r in range(r1, r2 + 1) for c in range(c1, c2 + 1))
                if len(inside) > 1:
                    half = len(inside) // 2
                    self._take_off(ws, inside[:half], edit, batch, name)
                    self._take_off(ws, inside[half:], edit, batch, name)
            elif edit.is_removable(_rgb(colour)):
                if batch is not None:
                    # the font first: should the run stop between the two, the fill is
                    # still there, so the writes made one by one afterwards redo both
                    if edit.plain_font:
                        batch.add(name, "font", address, _bgr(edit.plain_font))
                    batch.add(name, "nofill", address)
                    continue
                interior.ColorIndex = XL_NONE
                if edit.plain_font:
                    rng.Font.Color = _bgr(edit.plain_font)

    def notes(self, edit: SetNotes, grid: SheetGrid | None) -> None:
        """cqcxl's notes, one call each where something changes: a changed text or a
        removal through the ``Comment`` read, a new note through ``Range.AddComment``."""
        ws = self.sheet(edit.sheet)
        # the notes read (and their Comment objects kept), else read now
        existing = grid.notes if grid is not None else self._read_notes(edit.sheet, ws)
        handles = self.comments.setdefault(edit.sheet.casefold(), {})
        for write, a, text in _note_writes(edit, existing):
            if write == "delete":
                comment = handles.pop(a, None)
                (comment if comment is not None else ws.Range(a).Comment).Delete()
            elif write == "text":
                comment = handles.get(a)
                (comment if comment is not None else ws.Range(a).Comment).Text(text)
            else:
                handles[a] = ws.Range(a).AddComment(text)

    # the batch: a job's colour and note writes in one Application.Run ---------------------------
    def _may_batch(self) -> bool:
        """Whether to try the batch procedure: not after it failed, never on a workbook that
        cannot hold VBA (told from its name: no call)."""
        if self._batch_ok is False:
            return False
        if self._name is None:
            self._name = self.wb.Name
        return self._name.lower().endswith(MACRO_FILES)

    def _gather(self, edit: SetCellColours | SetNotes, grid: BookGrid | None,
                batch: _Batch) -> None:
        """The edit's writes into ``batch``, decided exactly as :meth:`colours` and
        :meth:`notes` decide them."""
        if isinstance(edit, SetCellColours):
            self.colours(edit, batch)
            batch.coloured.add(edit.sheet.casefold())
        else:
            ws = self.sheet(edit.sheet)
            name = self.tabs()[self._index(edit.sheet)][0]
            sheet = grid.sheet(edit.sheet) if grid is not None else None
            existing = sheet.notes if sheet is not None else self._read_notes(edit.sheet, ws)
            for write, a, text in _note_writes(edit, existing):
                batch.add(name, write, a, text)
        batch.edits.append(edit)

    def _flush(self, batch: _Batch, grid: BookGrid | None) -> None:
        """Make the gathered writes in one ``Application.Run`` of :data:`BATCH_MACRO`. If it
        cannot run (no such procedure, macros off, Excel refuses) or reports a failed write,
        the same edits are applied one call at a time; the notes are read again first when
        some writes were already made."""
        writes, edits = batch.take()
        if not writes:
            return
        sheets, what, addresses, values = (tuple(column) for column in zip(*writes, strict=True))
        book = (self._name or "").replace("'", "''")
        try:
            # flat tuples of text and numbers: pywin32 passes each as a 1-D array of Variants
            done = self.app().Run(f"'{book}'!{BATCH_MACRO}", sheets, what, addresses, values)
        except Exception:  # noqa: BLE001 - no such procedure, macros off: write one by one
            done = -1
        if isinstance(done, int) and done == len(writes):
            self._batch_ok = True
            for sheet, write, a, _ in writes:  # a deleted note's Comment is gone
                if write == "delete":
                    self.comments.get(sheet.casefold(), {}).pop(a, None)
            return
        self._batch_ok = False
        made_some = not (isinstance(done, int) and done == -1)
        for e in edits:
            if isinstance(e, SetCellColours):
                self.colours(e)  # reads the fills again: a colour taken off stays off
            else:
                sheet = grid.sheet(e.sheet) if grid is not None and not made_some else None
                self.notes(e, sheet)

    def _add(self, name: str, position: int | None) -> Any:
        """A new worksheet at a 0-based tab position (None: last), named. Only ``Before=``, as
        xlwings does ("After" is broken in certain environments): a last sheet is added
        before the last one, which then moves before it."""
        tabs = self.tabs()
        coll = self.worksheets()
        n = len(tabs)
        if position is None or position >= n:
            last = tabs[-1][1]
            ws = coll.Add(Before=last)
            last.Move(Before=ws)
            self._active = None
            self._activate(ws)
            position = n
        else:
            ws = coll.Add(Before=tabs[max(position, 0)][1])
            position = max(position, 0)
            self._active = ws  # Excel activates the sheet it adds
        ws.Name = name
        tabs.insert(position, (name, ws))
        return ws

    def _delete(self, name: str) -> None:
        i = self._index(name)
        assert i is not None
        self._setting("DisplayAlerts", False)  # else Excel asks before deleting
        ws = self.tabs().pop(i)[1]
        ws.Delete()
        self.comments.pop(name.casefold(), None)
        if self._active is ws:
            self._active = None

    def replace(self, spec: SheetSpec, report: Report) -> None:
        position = spec.position
        i = self._index(spec.name)
        if i is not None:
            old_name, old = self.tabs()[i]
            if position is None:
                position = i
            if len(self.tabs()) == 1:  # Excel keeps at least one sheet
                renamed = f"{spec.name[:24]} (old)"
                old.Name = renamed
                self._tabs = [(renamed, old)]
                ws = self._add(spec.name, position)
                self._delete(renamed)
            else:
                self._delete(old_name)
                ws = self._add(spec.name, position)
        else:
            ws = self._add(spec.name, position)
        self._values(ws, spec.blocks)
        self._paint(ws, spec.styles)
        self._merges(ws, spec.merges)
        self._widths(ws, spec.col_widths)
        self._heights(ws, spec.row_heights)
        self._pies(ws, spec, report)
        self._lines(ws, spec, report)
        self._view(ws, spec, report)
        if spec.tab_color:
            try:
                ws.Tab.Color = _bgr(spec.tab_color)
            except Exception as exc:  # noqa: BLE001 - a nicety: never fail the job for it
                report.skip(f"{spec.name}: tab colour not set ({exc})")
        self._page_setup(ws, spec.name, spec.page, report, autofilter=spec.autofilter,
                         print_area=spec.print_area, title_rows=spec.print_title_rows)

    def append(self, edit: AppendRows, report: Report) -> None:
        i = self._index(edit.sheet)
        ws = self.tabs()[i][1] if i is not None else self._add(edit.sheet, None)
        self._values(ws, [edit.block])
        self._paint(ws, edit.styles)
        self._widths(ws, dict(edit.col_widths))
        page = getattr(edit, "page", None)
        if page is not None:
            self._page_setup(ws, edit.sheet, page, report)

    def _values(self, ws: Any, blocks: Iterable[Block]) -> None:
        found = _blocks_matrix(blocks)
        if found is not None:
            r0, c0, matrix = found
            ref = _ref(r0, c0, r0 + len(matrix) - 1, c0 + len(matrix[0]) - 1)
            ws.Range(ref).Value = tuple(tuple(_to_com(v) for v in row) for row in matrix)

    def _paint(self, ws: Any, styles: Iterable[tuple[str, Style]]) -> None:
        """Each property's value over all cells that have it, as multi-area ranges;
        properties that cover exactly the same cells are set on one range."""
        formats = _final_formats(styles)
        groups: dict[tuple[str, Any], list[tuple[int, int]]] = defaultdict(list)
        for rc, f in sorted(formats.items()):
            for prop, default in _DEFAULTS.items():
                if f[prop] != default:
                    groups[(prop, f[prop])].append(rc)
        same: dict[tuple[tuple[int, int], ...], list[tuple[str, Any]]] = defaultdict(list)
        for key, rcs in groups.items():
            same[tuple(rcs)].append(key)
        for rcs, props in same.items():
            for address in _address_chunks(rcs):
                _format(ws.Range(address), props)

    def _merges(self, ws: Any, merges: Iterable[str]) -> None:
        """Single-row merges of the same columns on consecutive rows: one Merge(Across)."""
        single: dict[tuple[int, int], list[int]] = defaultdict(list)
        for ref in merges:
            a, _, b = ref.partition(":")
            (r1, c1), (r2, c2) = parse_a1(a), parse_a1(b or a)
            if r1 == r2:
                single[(c1, c2)].append(r1)
            else:
                self._setting("DisplayAlerts", False)  # merging text cells asks otherwise
                ws.Range(ref).Merge()
        for (c1, c2), rows in sorted(single.items()):
            for a, b in _runs(rows):
                self._setting("DisplayAlerts", False)
                ws.Range(_ref(a, c1, b, c2)).Merge(True)

    def _widths(self, ws: Any, widths: dict[int, float]) -> None:
        by_width: dict[float, list[int]] = defaultdict(list)
        for c, w in widths.items():
            by_width[w].append(c)
        for w, cols in sorted(by_width.items()):
            for address in areas(_line_runs(cols, letters=True)):
                ws.Range(address).ColumnWidth = w

    def _heights(self, ws: Any, heights: dict[int, float]) -> None:
        by_height: dict[float, list[int]] = defaultdict(list)
        for r, h in heights.items():
            by_height[h].append(r)
        for h, rows in sorted(by_height.items()):
            for address in areas(_line_runs(rows, letters=False)):
                ws.Range(address).RowHeight = h

    def _lines(self, ws: Any, spec: SheetSpec, report: Report) -> None:
        """Native line charts, each line and its markers in its colour, from the series
        ranges (no per-point calls)."""
        lines = [ch for ch in spec.charts if isinstance(ch, LineChart)]
        if not lines:
            return
        try:
            objects = ws.ChartObjects()
            for ch in lines:
                chart = objects.Add(ch.x_pt, spec.chart_top(ch), ch.width_pt,
                                    ch.height_pt).Chart
                chart.ChartType = XL_LINE_MARKERS
                collection = chart.SeriesCollection()
                categories = ws.Range(ch.categories)
                for line in ch.series:
                    series = collection.NewSeries()
                    series.Name = line.name
                    series.Values = ws.Range(line.values)
                    series.XValues = categories
                    series.Format.Line.ForeColor.RGB = _bgr(line.color)
                    series.MarkerBackgroundColor = _bgr(line.color)
                    series.MarkerForegroundColor = _bgr(line.color)
                chart.HasTitle = True
                chart.ChartTitle.Text = ch.title
        except Exception as exc:  # noqa: BLE001 - the numbers are on the sheet
            report.skip(f"{spec.name}: line chart not finished ({type(exc).__name__}: {exc})")

    def _pies(self, ws: Any, spec: SheetSpec, report: Report) -> None:
        """Native pies, each slice in its colour (``Point.Interior``, the classic fill: three
        calls a slice where ``Format.Fill.ForeColor.RGB`` takes five), percentages shown."""
        pies = _only_pies(spec, report)
        if not pies:
            return
        try:
            objects = ws.ChartObjects()
            for ch in pies:
                chart = objects.Add(ch.x_pt, spec.chart_top(ch), ch.width_pt,
                                    ch.height_pt).Chart
                chart.SetSourceData(ws.Range(ch.values))
                chart.ChartType = XL_PIE
                series = chart.SeriesCollection(1)
                series.XValues = ws.Range(ch.categories)
                chart.HasTitle = True
                chart.ChartTitle.Text = ch.title
                chart.HasLegend = ch.legend
                for i, color in enumerate(ch.colors, start=1):
                    series.Points(i).Interior.Color = _bgr(color)
                series.ApplyDataLabels(XL_DATA_LABELS_SHOW_PERCENT)
        except Exception as exc:  # noqa: BLE001 - the table beside them has the counts
            report.skip(f"{spec.name}: pies not finished ({type(exc).__name__}: {exc})")

    def _view(self, ws: Any, spec: SheetSpec, report: Report) -> None:
        """Frozen panes and gridlines are the window's, for the sheet it shows."""
        if not spec.freeze and spec.gridlines:
            return
        try:
            self._activate(ws)
            window = self.window()
            if spec.freeze:  # a new sheet: not frozen, scrolled to A1
                row, col = parse_a1(spec.freeze)
                window.SplitColumn = col - 1
                window.SplitRow = row - 1
                window.FreezePanes = True
            if not spec.gridlines:
                window.DisplayGridlines = False
        except Exception as exc:  # noqa: BLE001 - a nicety: never fail the job for it
            report.skip(f"{spec.name}: panes or gridlines not set ({exc})")

    def _page_setup(self, ws: Any, name: str, page: PageSetup, report: Report, *,
                    autofilter: str | None = None, print_area: str | None = None,
                    title_rows: str | None = None) -> None:
        try:
            if autofilter:
                ws.Range(autofilter).AutoFilter()
            # each page set-up property talks to the printer driver unless this is off
            self._setting("PrintCommunication", False)
            ps = ws.PageSetup
            if print_area:
                ps.PrintArea = print_area
            ps.Orientation = 2 if page.landscape else 1  # xlLandscape, xlPortrait
            if page.paper in _PAPER:
                ps.PaperSize = _PAPER[page.paper]
            if page.fit_width:
                ps.Zoom = False
                ps.FitToPagesWide = 1
                ps.FitToPagesTall = False
            left, right, top, bottom = page.margins
            ps.LeftMargin, ps.RightMargin = left * 72, right * 72  # inches -> points
            ps.TopMargin, ps.BottomMargin = top * 72, bottom * 72
            if page.footer:
                ps.FooterMargin = page.footer_margin * 72
                for section, text in _footer_sections(page.footer).items():
                    setattr(ps, f"{section}Footer", text)
            if title_rows:
                a, _, b = title_rows.partition(":")
                ps.PrintTitleRows = f"${a}:${b or a}"
        except Exception as exc:  # noqa: BLE001 - printing set-up is a nicety
            report.skip(f"{name}: page set-up not applied ({exc})")


def _footer_sections(codes: str) -> dict[str, str]:
    """'&Lleft&Rright' -> {'Left': 'left', 'Center': '', 'Right': 'right'}: Excel's
    PageSetup takes each section on its own."""
    out = {"Left": "", "Center": "", "Right": ""}
    section = "Center"  # text before any section code is centred
    i = 0
    while i < len(codes):
        if codes[i] == "&" and i + 1 < len(codes) and codes[i + 1] in "LCR":
            section = {"L": "Left", "C": "Center", "R": "Right"}[codes[i + 1]]
            i += 2
            continue
        if codes[i] == "&" and i + 1 < len(codes) and codes[i + 1] == "&":
            out[section] += "&&"
            i += 2
            continue
        out[section] += codes[i]
        i += 1
    return out


def _format(rng: Any, props: list[tuple[str, Any]]) -> None:
    """Formatting properties on one range; its Font, Interior and Borders fetched once."""
    parts: dict[str, Any] = {}

    def part(attr: str) -> Any:
        if attr not in parts:
            parts[attr] = getattr(rng, attr)
        return parts[attr]
    for prop, value in props:
        if prop == "fill":
            part("Interior").Color = _bgr(value)
        elif prop == "font_color":
            part("Font").Color = _bgr(value)
        elif prop in ("bold", "italic", "size"):
            setattr(part("Font"), prop.capitalize(), value)
        elif prop == "wrap":
            rng.WrapText = value
        elif prop == "halign":
            rng.HorizontalAlignment = _H_ALIGN[value]
        elif prop == "valign":
            rng.VerticalAlignment = _V_ALIGN[value]
        elif prop == "border":  # thin lines round every cell, the inside ones too
            part("Borders").LineStyle = 1  # xlContinuous
            part("Borders").Color = _bgr(value)
        elif prop == "number_format":
            rng.NumberFormat = value


def apply(book: xw.Book, edits: Iterable[Edit], *, grid: BookGrid | None = None,
          windows: WindowsBook | None = None) -> Report:
    """Apply edits to the open workbook. ``grid`` is what :func:`read` returned for this
    book (it says which cells already hold a note; without it the notes are read again);
    ``windows`` the :class:`WindowsBook` that read it on Excel for Windows (its handles)."""
    edits = list(edits)
    if _windows_desktop(book):
        return (windows or WindowsBook(book)).apply(edits, grid)
    report = Report()
    for e in edits:
        if isinstance(e, SetCellColours):
            _cell_colours(book, e, report)
        elif isinstance(e, SetNotes):
            _set_notes(book, e, grid.sheet(e.sheet) if grid is not None else None)
        elif isinstance(e, ReplaceSheet):
            _replace(book, e.spec, report)
        elif isinstance(e, AppendRows):
            _append(book, e, report)
        elif isinstance(e, FitRows):
            if (sheet := _find(book, e.sheet)) is not None:
                _heights(sheet, e.heights)
        else:  # pragma: no cover - a programming error, not a user's
            raise TypeError(f"unknown edit {e!r}")
    # Excel activates every sheet it adds: show the one the job wants shown, last
    shown = [e.spec.name for e in edits if isinstance(e, ReplaceSheet) and e.spec.activate]
    if shown and (sheet := _find(book, shown[-1])) is not None:
        sheet.activate()
    return report


class LiveBook:
    """The workbook open in Excel as an engine: read, apply (nothing to save: the user
    sees the result at once)."""

    def __init__(self, book: xw.Book) -> None:
        self.book = book
        self.grid: BookGrid | None = None
        self.windows = WindowsBook(book) if _windows_desktop(book) else None

    def read(self) -> BookGrid:
        self.grid = self.windows.read() if self.windows is not None else read(self.book)
        return self.grid

    def apply(self, edits: Iterable[Edit]) -> Report:
        return apply(self.book, edits, grid=self.grid, windows=self.windows)
