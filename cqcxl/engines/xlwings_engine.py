"""The live engine: read the open workbook into grids and apply edits, through xlwings.

The same edits as the file engine (``openpyxl_engine``), applied through xlwings' public
API (``Book``, ``Sheet``, ``Range``, ``Note``, ``Chart``) so that it works on every xlwings
engine: desktop Excel on Windows/macOS (``RunPython``), and the remote engine behind
xlwings Lite and xlwings Server. Imports only the contract (grid, edits, errors) and
xlwings; no openpyxl here.

Excel operations are grouped so that their number depends on sheets, colours and
rectangles, not rows:

- reading: one ``range.value`` per sheet (from A1 to the used range's last cell);
- cell colours: one ``set_colors`` per RAG column on the remote engine (contiguous runs of
  one colour on desktop Excel), font colours in runs of one colour;
- a sheet cqcxl owns: one ``range.value`` for all its blocks; each formatting property
  painted over maximal rectangles of equal value; single-row merges stacked into one
  ``merge(across=True)``; equal column widths / row heights in runs.

Limits, by engine (what :func:`apply` could not do is listed in the returned Report):

- The remote engine (Lite, Server) cannot read a note's text or author, nor a cell's fill:
  notes are read as ``Note(None, None)`` (the sheets decide whose they are), and a cell
  whose colour is to be taken off keeps its fill (it could be the user's). Pie slices
  cannot be coloured there, so the pies are left out rather than drawn in Excel's default
  colours (Red would show as gold).
- Column widths are characters on desktop Excel and points on the remote engine.
- Freeze panes, tab colour, autofilter, page orientation/fit and print titles have no
  xlwings API on the desktop engines; they go through Excel's object model (``.api``) on
  Windows, else they are skipped and reported.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

import xlwings as xw

from ..edits import (
    AppendRows,
    Block,
    Edit,
    Formula,
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


def _last_cell(book: xw.Book, sheet: xw.Sheet) -> tuple[int, int]:
    """Row and column of the used range's last cell. On Windows through Excel's object
    model (7 COM calls; xlwings' used_range.last_cell builds two Range objects, ~20)."""
    if _windows_desktop(book):
        used = sheet.api.UsedRange
        return used.Row + used.Rows.Count - 1, used.Column + used.Columns.Count - 1
    last = sheet.used_range.last_cell
    return last.row, last.column


def _sheet_values(book: xw.Book, sheet: xw.Sheet) -> list[list[Any]]:
    """The sheet from A1 to the used range's last cell, in one read."""
    last_row, last_col = _last_cell(book, sheet)
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
        notes = list(sheet.notes)
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
    sheets = list(book.sheets)
    return BookGrid(book.name, [SheetGrid(s.name, _sheet_values(book, s), _notes(s),
                                          not s.visible) for s in sheets])


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
        # Desktop: one call per colour, over a multi-area range ("F14:F16,F20,…"); on
        # Windows straight through Excel's object model (xlwings' Range costs ~6 calls)
        api = sheet.api if _windows_desktop(book) else None
        for fill in sorted({c.fill for c in rated.values()}):
            rects = rectangles([rc for rc, x in rated.items() if x.fill == fill])
            for address in areas([_ref(*rect) for rect in rects]):
                if api is not None:
                    api.Range(address).Interior.Color = _bgr(fill)
                else:
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
        # desktop: each font colour's cells (disjoint sets) in one multi-area call
        api = sheet.api if _windows_desktop(book) else None
        for font in sorted({c.font for c in rated.values()}):
            rects = rectangles([rc for rc, x in rated.items() if x.font == font])
            for address in areas([_ref(*rect) for rect in rects]):
                if api is not None:
                    api.Range(address).Font.Color = _bgr(font)
                else:
                    sheet.range(address).font.color = _hex(font)
    if not unrated:
        return
    if remote:
        report.skip("cells whose colour cqcxl would take off keep their fill: this engine "
                    "cannot read a fill to tell cqcxl's colour from the user's")
        return
    for r, c in unrated:  # desktop: read each one and take off only a removable colour
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
    # On Windows, Excel's object model directly: ~2 COM calls a note instead of ~10
    api = sheet.api if _windows_desktop(book) else None
    for addr in edit.remove:
        if addr.upper() in existing:
            if api is not None:
                api.Range(addr).Comment.Delete()
            else:
                sheet.range(addr).note.delete()
    for addr, note in edit.notes.items():
        had = existing.get(addr.upper())
        if had is not None and addr not in edit.remove:
            if had.text == note.text:
                continue  # unchanged notes cost no call
            if api is not None:
                api.Range(addr).Comment.Text(note.text)
            else:
                sheet.range(addr).note.text = note.text
        elif api is not None:
            api.Range(addr).AddComment(note.text)
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


def _pies(book: xw.Book, sheet: xw.Sheet, spec: SheetSpec, report: Report) -> None:
    """Native pies. Slices are coloured one by one where Excel's object model is there
    (Windows); elsewhere a pie varies its colours by point through the workbook theme's
    accents 1-4, which a workbook made by cqcxl sets to the slice colours."""
    if not spec.charts:
        return
    explicit = _windows_desktop(book)
    for ch in spec.charts:
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
        if explicit and not _colour_slices(chart, ch.colors):
            explicit = False
    if not explicit:
        report.skip(f"{spec.name}: pie slices take the workbook theme's colours (accents 1-4;"
                    " Blue, Green, Amber, Red in a workbook made by cqcxl), not set one by one")


def _bgr(color: str) -> int:
    r, g, b = int(color[-6:-4], 16), int(color[-4:-2], 16), int(color[-2:], 16)
    return r + (g << 8) + (b << 16)


def _colour_slices(chart: Any, colors: tuple[str, ...]) -> bool:
    """Slice colours and percentage labels: no public xlwings API, so Excel's own object
    model on Windows (``chart.api`` is ``(ChartObject, Chart)`` there)."""
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
    if not _windows_desktop(book):
        report.skip(f"{spec.name}: autofilter, landscape, fit to width and print titles need "
                    "Excel for Windows (no xlwings API for them)")
        return
    try:
        api = sheet.api
        if spec.autofilter:
            api.Range(spec.autofilter).AutoFilter()
        ps = api.PageSetup
        page = spec.page
        ps.Orientation = 2 if page.landscape else 1  # xlLandscape, xlPortrait
        if page.paper == "A4":
            ps.PaperSize = 9  # xlPaperA4
        if page.fit_width:
            ps.Zoom = False
            ps.FitToPagesWide = 1
            ps.FitToPagesTall = False
        left, right, top, bottom = page.margins
        ps.LeftMargin, ps.RightMargin = left * 72, right * 72  # inches -> points
        ps.TopMargin, ps.BottomMargin = top * 72, bottom * 72
        if spec.print_title_rows:
            a, _, b = spec.print_title_rows.partition(":")
            ps.PrintTitleRows = f"${a}:${b or a}"
    except Exception as exc:  # printing set-up is a nicety: never fail the job for it
        report.skip(f"{spec.name}: page set-up not applied ({exc})")


def _freeze(book: xw.Book, sheet: xw.Sheet, ref: str, report: Report) -> None:
    """Freeze the rows above and the columns left of ``ref``. xlwings has this on its remote
    engine only; desktop Excel freezes through the active window."""
    try:
        sheet.freeze_panes.freeze_at(ref)
        return
    except (NotImplementedError, AttributeError):
        pass
    if not _windows_desktop(book):
        report.skip(f"{sheet.name}: panes not frozen (no way to do it on this engine)")
        return
    try:
        row, col = parse_a1(ref)
        sheet.activate()
        window = book.app.api.ActiveWindow
        window.FreezePanes = False
        window.SplitColumn = col - 1
        window.SplitRow = row - 1
        window.FreezePanes = True
    except Exception as exc:  # a nicety: never fail the job for it
        report.skip(f"{sheet.name}: panes not frozen ({exc})")


def _tab_colour(book: xw.Book, sheet: xw.Sheet, colour: str, report: Report) -> None:
    """xlwings has no tab-colour API on any engine: Excel's object model on Windows."""
    if not _windows_desktop(book):
        report.skip(f"{sheet.name}: tab colour not set on this engine")
        return
    try:
        sheet.api.Tab.Color = _bgr(colour)
    except Exception as exc:  # a nicety: never fail the job for it
        report.skip(f"{sheet.name}: tab colour not set ({exc})")


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
        _freeze(book, sheet, spec.freeze, report)
    if not spec.gridlines:
        sheet.show_gridlines = False
    if spec.tab_color:
        _tab_colour(book, sheet, spec.tab_color, report)
    _page_setup(book, sheet, spec, report)


def _append(book: xw.Book, edit: AppendRows) -> None:
    sheet = _find(book, edit.sheet) or _add_sheet(book, edit.sheet, None)
    _write_values(sheet, [edit.block])
    _paint(sheet, edit.styles)
    _widths(sheet, dict(edit.col_widths), is_remote(book))


def apply(book: xw.Book, edits: Iterable[Edit], *, grid: BookGrid | None = None) -> Report:
    """Apply edits to the open workbook. ``grid`` is what :func:`read` returned for this
    book (it says which cells already hold a note; without it the notes are read again)."""
    report = Report()
    edits = list(edits)
    for e in edits:
        if isinstance(e, SetCellColours):
            _cell_colours(book, e, report)
        elif isinstance(e, SetNotes):
            _set_notes(book, e, grid.sheet(e.sheet) if grid is not None else None)
        elif isinstance(e, ReplaceSheet):
            _replace(book, e.spec, report)
        elif isinstance(e, AppendRows):
            _append(book, e)
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

    def read(self) -> BookGrid:
        self.grid = read(self.book)
        return self.grid

    def apply(self, edits: Iterable[Edit]) -> Report:
        return apply(self.book, edits, grid=self.grid)
