"""The file engine: read a workbook into grids, apply edits, save safely. openpyxl only.

Reading visits only the cells that exist; formulas are replaced by the values Excel last
saved (a second, data-only load, only when there are formulas). Applying edits touches
only the cells the edits name (RAG colours, cqcxl's notes) and the sheets cqcxl owns.
:func:`new_workbook` writes sheet specs into a new workbook (the template, the example).
Imports only the contract (grid, edits, errors) and openpyxl.
"""

from __future__ import annotations

import os
import re
import tempfile
import warnings
import zipfile
import zlib
from collections.abc import Iterable
from copy import copy
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import ParseError

import openpyxl
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, MergedCell
from openpyxl.chart import LineChart as XLLine
from openpyxl.chart import PieChart as XLPie
from openpyxl.chart import Reference
from openpyxl.chart.label import DataLabelList
from openpyxl.chart.series import DataPoint, SeriesLabel
from openpyxl.chart.shapes import GraphicalProperties
from openpyxl.chart.text import RichText, Text
from openpyxl.chart.title import Title
from openpyxl.comments import Comment
from openpyxl.drawing.spreadsheet_drawing import AbsoluteAnchor
from openpyxl.drawing.text import (
    CharacterProperties,
    Paragraph,
    ParagraphProperties,
    RegularTextRun,
)
from openpyxl.drawing.xdr import XDRPoint2D, XDRPositiveSize2D
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.header_footer import HeaderFooterItem
from openpyxl.worksheet.merge import MergedCellRange
from openpyxl.worksheet.pagebreak import Break
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.table import Table, TableStyleInfo
from openpyxl.xml.functions import Element

from ..edits import (
    AppendRows,
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
)
from ..errors import BookError
from ..grid import (
    ERROR_VALUES,
    NOT_CALCULATED,
    BookGrid,
    CellError,
    Note,
    SheetGrid,
    parse_a1,
    rows_from_cells,
)
from .base import Report
from .safety import broken_part, check_file, fsync_dir, lock_file
from .safety import copy_atomic as _copy
from .safety import remove_quietly as _remove
from .safety import umask as _umask


@dataclass
class LoadedBook:
    path: Path
    wb: Workbook

    @property
    def has_vba(self) -> bool:
        return getattr(self.wb, "vba_archive", None) is not None

    #: sheet -> (row, col) -> the value Excel saved with a formula; written back on save,
    #: because openpyxl writes formulas without their results
    cached: dict[str, dict[tuple[int, int], Any]] = field(default_factory=dict)


def load(path: str | os.PathLike) -> LoadedBook:
    """Open a workbook for reading and editing, or raise BookError saying why not."""
    p = Path(path)
    check_file(p)
    keep_vba = p.suffix.lower() in (".xlsm", ".xltm")
    try:
        # openpyxl warns about what it would drop on save; a file is never saved through
        # openpyxl's model by the command line, so the warnings are kept off the screen
        with warnings.catch_warnings(record=True):
            warnings.simplefilter("always")
            wb = openpyxl.load_workbook(p, keep_vba=keep_vba, rich_text=False)
    except PermissionError as exc:
        raise BookError(f"{p}: cannot open the file ({exc.strerror}). If it is open in "
                        "Excel, close it and try again.") from exc
    except (ParseError, ValueError, KeyError, zipfile.BadZipFile, EOFError, TypeError,
            AttributeError, IndexError, OverflowError, OSError, zlib.error,
            RecursionError) as exc:
        detail = str(exc).splitlines()[0][:160] if str(exc) else type(exc).__name__
        where = broken_part(p)
        where = f" The damage is in {where}." if where else ""
        raise BookError(f"{p}: the file is damaged or not a normal workbook, so cqcxl "
                        f"could not read it ({detail}).{where} Open it in Excel, save it "
                        "again as .xlsx, and retry.") from exc
    for ws in wb.worksheets:
        if ws._cells and (max(r for r, _ in ws._cells) > 1_048_576
                          or max(c for _, c in ws._cells) > 16_384):
            raise BookError(f"{p}: sheet '{ws.title}' has cells beyond Excel's last row "
                            "(1,048,576) or column (XFD), so it was not made by Excel. Open "
                            "and save it in Excel, or use an earlier copy.", sheet=ws.title)
        for cell in ws._cells.values():
            if cell.data_type == "d" and cell.value is None:
                cell.data_type = "n"  # an empty date cell: openpyxl could not save it
    return LoadedBook(p, wb)


def _cell_value(v: Any) -> Any:
    if isinstance(v, str) and v in ERROR_VALUES:
        return CellError(v)
    return v


def _is_formula(cell) -> bool:
    return cell.data_type == "f"


def read(book: LoadedBook) -> BookGrid:
    """Every sheet's values (formulas replaced by their saved results) and notes. Only the
    cells that exist are visited, so formatted-but-empty rows cost nothing."""
    wb = book.wb
    sheets: list[SheetGrid] = []
    formulas: dict[str, list[tuple[int, int]]] = {}
    for ws in wb.worksheets:
        values = []
        for rc, cell in ws._cells.items():
            if cell.value is None:
                continue
            if _is_formula(cell):
                formulas.setdefault(ws.title, []).append(rc)
                values.append((rc, CellError(NOT_CALCULATED)))
            else:
                values.append((rc, _cell_value(cell.value)))
        rows = rows_from_cells(values)
        notes = {c.coordinate: Note(c.comment.author or "", c.comment.text or "")
                 for c in ws._cells.values() if c.comment is not None}
        grid = SheetGrid(ws.title, rows, notes, ws.sheet_state != "visible")
        _layout(ws, grid)
        sheets.append(grid)
    if formulas:
        book.cached = _fill_cached_values(book.path, sheets, formulas)
    return BookGrid(book.path.name, sheets)


def _layout(ws, grid: SheetGrid) -> None:
    """Column widths and row heights the workbook sets, and the sheet's defaults."""
    widths: dict[int, float] = {}
    for dim in ws.column_dimensions.values():
        if dim.customWidth and dim.width and dim.min and dim.max:
            for col in range(dim.min, min(dim.max, 16384) + 1):
                widths[col] = float(dim.width)
    grid.col_widths = widths
    grid.row_heights = {r: float(d.ht) for r, d in ws.row_dimensions.items()
                        if d.customHeight and d.ht is not None}
    fmt = ws.sheet_format
    if fmt.defaultColWidth:
        grid.default_col_width = float(fmt.defaultColWidth)
    elif fmt.baseColWidth:
        grid.default_col_width = float(fmt.baseColWidth) + 0.43
    if fmt.defaultRowHeight:
        grid.default_row_pt = float(fmt.defaultRowHeight)


def _fill_cached_values(path: Path, sheets: list[SheetGrid],
                        formulas: dict[str, list[tuple[int, int]]]
                        ) -> dict[str, dict[tuple[int, int], Any]]:
    """Replace formulas by the values Excel saved with them; a formula with no saved value
    stays CellError(NOT_CALCULATED). Returns the saved values found."""
    found: dict[str, dict[tuple[int, int], Any]] = {}
    try:
        values = openpyxl.load_workbook(path, data_only=True)
    except Exception:  # noqa: BLE001 - the first load worked; keep NOT_CALCULATED
        return found
    for grid in sheets:
        if grid.name not in formulas or grid.name not in values.sheetnames:
            continue
        cells = values[grid.name]._cells
        for r, c in formulas[grid.name]:
            cell = cells.get((r, c))
            if cell is not None and cell.value is not None:
                grid.rows[r - 1][c - 1] = _cell_value(cell.value)
                found.setdefault(grid.name, {})[(r, c)] = cell.value
    return found


def _xml_value(v: Any) -> tuple[str, str] | None:
    """(type attribute, <v> text) for a saved formula result."""
    from xml.sax.saxutils import escape

    from openpyxl.utils.datetime import to_excel

    if isinstance(v, bool):
        return ' t="b"', "1" if v else "0"
    if isinstance(v, int | float):
        return "", repr(float(v)) if isinstance(v, float) else str(v)
    if hasattr(v, "year"):
        return "", repr(float(to_excel(v)))
    if isinstance(v, str):
        return (' t="e"', v) if v in ERROR_VALUES else (' t="str"', escape(v))
    return None


_SHEET_PART = re.compile(r"xl/worksheets/sheet(\d+)\.xml")
_FORMULA_CELL = re.compile(
    r'<c r="(?P<ref>[A-Z]+\d+)"(?P<attrs>[^>]*)>(?P<f><f>.*?</f>|<f[^>]*/>)<v ?/></c>')


def _restore_cached_values(tmp: str, book: LoadedBook) -> None:
    """Put the results Excel saved with each formula back into the file openpyxl wrote
    (it writes ``<f>…</f><v />``), so the next run — and any reader that does not
    recalculate — sees the same values."""
    wanted = {book.wb.worksheets.index(book.wb[name]) + 1: cells
              for name, cells in book.cached.items() if name in book.wb.sheetnames}
    if not wanted:
        return
    src = tmp + ".part"
    os.replace(tmp, src)
    try:
        with zipfile.ZipFile(src) as zin, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zout:
            for info in zin.infolist():
                data = zin.read(info.filename)
                m = _SHEET_PART.fullmatch(info.filename)
                if m and int(m[1]) in wanted:
                    cells = wanted[int(m[1])]
                    text = data.decode("utf-8")

                    def fill(mo, cells=cells):
                        from openpyxl.utils.cell import coordinate_to_tuple

                        rc = coordinate_to_tuple(mo["ref"])
                        xv = _xml_value(cells.get(rc)) if rc in cells else None
                        if xv is None or ' t="' in mo["attrs"]:
                            return mo[0]
                        return f'<c r="{mo["ref"]}"{mo["attrs"]}{xv[0]}>{mo["f"]}<v>{xv[1]}</v></c>'

                    text = _FORMULA_CELL.sub(fill, text)
                    data = text.encode("utf-8")
                zout.writestr(info, data)
    finally:
        os.unlink(src)


# --- applying edits -------------------------------------------------------------------

def _apply_style_slow(cell, st: Style) -> None:
    if st.fill:
        cell.fill = PatternFill("solid", fgColor=st.fill)
    if st.font_color or st.bold or st.italic or st.size:
        cell.font = Font(name="Calibri", bold=st.bold, italic=st.italic,
                         color=st.font_color, size=st.size or 11)
    cell.alignment = Alignment(wrap_text=st.wrap, horizontal=st.halign, vertical=st.valign)
    if st.border:
        side = Side(style="thin", color=st.border)
        cell.border = Border(left=side, right=side, top=side, bottom=side)
    if st.number_format:
        cell.number_format = st.number_format


class _Styler:
    """Apply a Style to many cells cheaply: openpyxl hashes every style object it is given,
    so the result for (style, the cell's current style) is worked out once and copied."""

    def __init__(self) -> None:
        self._cache: dict[tuple, object] = {}

    def __call__(self, cell, st: Style) -> None:
        key = (st, tuple(cell._style) if cell._style is not None else None)  # None: default
        done = self._cache.get(key)
        if done is None:
            _apply_style_slow(cell, st)
            self._cache[key] = copy(cell._style)
        else:
            cell._style = copy(done)


def _cells_in(ws, ref: str) -> Iterable:
    rng = ws[ref]
    if not isinstance(rng, tuple):
        yield rng
        return
    for row in rng:
        if isinstance(row, tuple):
            yield from row
        else:
            yield row


def _recolour(font: Font, color: str | None) -> Font:
    f = copy(font)
    f.color = color
    return f


def _cell_colours(wb: Workbook, edit: SetCellColours) -> None:
    ws = wb[edit.sheet]
    done: dict[tuple, object] = {}  # (colour, cell's style) -> new style: see _Styler
    for ref, colour in edit.cells.items():
        cell = ws[ref]
        if isinstance(cell, MergedCell):
            continue
        key = (colour, tuple(cell._style) if cell._style is not None else None)
        if key in done:
            if done[key] is not None:
                cell._style = copy(done[key])
            continue
        current = (cell.fill.fgColor.rgb or "") if cell.fill and cell.fill.fill_type else ""
        if colour is None:
            if not edit.is_removable(current):
                done[key] = None
                continue
            cell.fill = PatternFill(fill_type=None)
            cell.font = _recolour(cell.font, None)
        else:
            cell.fill = PatternFill("solid", fgColor=colour.fill)
            cell.font = _recolour(cell.font, colour.font)
        done[key] = copy(cell._style)


def _notes(wb: Workbook, edit: SetNotes) -> None:
    ws = wb[edit.sheet]
    for ref in edit.remove:
        cell = ws[ref]
        if not isinstance(cell, MergedCell) and cell.comment is not None:
            cell.comment = None
    for ref, note in edit.notes.items():
        cell = ws[ref]
        if isinstance(cell, MergedCell):
            continue
        text = ILLEGAL_CHARACTERS_RE.sub("", note.text)
        cell.comment = Comment(text, edit.author, height=round(note.height_pt),
                               width=round(note.width_pt))


def _place(wb: Workbook, name: str, position: int | None):
    if name in wb.sheetnames:
        idx = wb.sheetnames.index(name)
        del wb[name]
        if position is None:
            position = idx
    ws = wb.create_sheet(name, position if position is not None else len(wb.sheetnames))
    return ws


def _write(ws, row: int, col: int, v) -> None:
    """Write one value: text stays text (even '=…'), minus characters XML cannot hold."""
    if isinstance(v, Formula):
        ws.cell(row, col, str(v))
    elif isinstance(v, str):
        cell = ws.cell(row, col)
        cell.value = ILLEGAL_CHARACTERS_RE.sub("", v)
        if cell.data_type == "f":
            cell.data_type = "s"
    else:
        ws.cell(row, col, v)


def write_sheet(wb: Workbook, spec: SheetSpec) -> None:
    """Write ``spec`` into ``wb`` as a new sheet (replacing one of that name)."""
    ws = _place(wb, spec.name, spec.position)
    style = _Styler()
    for b in spec.blocks:
        for i, row in enumerate(b.values):
            for j, v in enumerate(row):
                if v is not None:
                    _write(ws, b.row + i, b.col + j, v)
    for ref, st in spec.styles:
        for cell in _cells_in(ws, ref):
            if not isinstance(cell, MergedCell):
                style(cell, st)
    for ref in spec.merges:
        # the covered cells are empty on a new sheet: skip openpyxl's slow clean-up
        # and openpyxl's O(n) duplicate check per range (ours are disjoint by design)
        ws.merged_cells.ranges.add(MergedCellRange(ws, ref))
    for col, w in spec.col_widths.items():
        ws.column_dimensions[openpyxl.utils.get_column_letter(col)].width = w
    for row, h in spec.row_heights.items():
        ws.row_dimensions[row].height = h
    if spec.freeze:
        ws.freeze_panes = spec.freeze
    if spec.autofilter:
        ws.auto_filter.ref = spec.autofilter
    for ch in spec.charts:
        chart = _pie(ws, ch) if isinstance(ch, PieChart) else _line(ws, ch)
        chart.anchor = _anchor(spec, ch)
        ws.add_chart(chart)
    for v in spec.validations:
        dv = DataValidation(type="list", formula1='"' + ",".join(v.choices) + '"',
                            allow_blank=True, showErrorMessage=True, errorStyle="warning",
                            error=v.error or None, errorTitle=v.prompt_title or None,
                            promptTitle=v.prompt_title or None, prompt=v.prompt or None,
                            showInputMessage=bool(v.prompt))
        dv.add(v.ref)
        ws.add_data_validation(dv)
    for t in spec.tables:
        tab = Table(displayName=t.name, ref=t.ref)
        tab.tableStyleInfo = TableStyleInfo(name=t.style, showRowStripes=True)
        ws.add_table(tab)
    ws.sheet_view.showGridLines = spec.gridlines
    ws.print_options.gridLines = False
    _page(ws, spec.page)
    if spec.print_area:
        ws.print_area = spec.print_area
    if spec.print_title_rows:
        ws.print_title_rows = spec.print_title_rows
    for r in spec.row_breaks:
        ws.row_breaks.append(Break(id=r))  # OOXML: the page ends after row ``r``
    if spec.tab_color:
        ws.sheet_properties.tabColor = spec.tab_color
    if spec.activate:
        for other in wb.worksheets:
            other.sheet_view.tabSelected = False
        wb.active = wb.sheetnames.index(spec.name)
        ws.sheet_view.tabSelected = True


def _page(ws, page: PageSetup) -> None:
    ws.page_setup.orientation = "landscape" if page.landscape else "portrait"
    if page.paper in PAPER:
        ws.page_setup.paperSize = PAPER[page.paper]
    if page.fit_width:
        ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 0
    left, right, top, bottom = page.margins
    ws.page_margins.left, ws.page_margins.right = left, right
    ws.page_margins.top, ws.page_margins.bottom = top, bottom
    if page.footer:
        ws.page_margins.footer = page.footer_margin
        tag = Element("oddFooter")
        tag.text = page.footer
        ws.HeaderFooter.oddFooter = HeaderFooterItem.from_tree(tag)


#: OOXML paper size codes
PAPER = {"A4": 9, "A3": 8}
_EMU_PT = 12700


def _anchor(spec: SheetSpec, ch) -> AbsoluteAnchor:
    """Points from the top-left of A{row} -> an absolute position on the sheet. Every row
    above a chart has an explicit height in the spec, so Excel and LibreOffice agree."""
    y = spec.chart_top(ch)
    return AbsoluteAnchor(pos=XDRPoint2D(int(ch.x_pt * _EMU_PT), int(y * _EMU_PT)),
                          ext=XDRPositiveSize2D(int(ch.width_pt * _EMU_PT),
                                                int(ch.height_pt * _EMU_PT)))


def _title(text: str) -> Title:
    cp = CharacterProperties(sz=1000, b=True)
    para = Paragraph(pPr=ParagraphProperties(defRPr=cp), r=[RegularTextRun(rPr=cp, t=text)])
    return Title(tx=Text(rich=RichText(p=[para])), overlay=False)


def _ref(ws, ref: str) -> Reference:
    (r1, c1), (r2, c2) = (parse_a1(x) for x in ref.split(":"))
    return Reference(ws, min_col=c1, min_row=r1, max_col=c2, max_row=r2)


def _line(ws, spec: LineChart) -> XLLine:
    """Lines of Blue, Green, Amber and Red shares over the periods, 0-100%."""
    chart = XLLine()
    chart.title = _title(spec.title)
    chart.width, chart.height = spec.width_pt / 28.3465, spec.height_pt / 28.3465
    for s in spec.series:
        chart.add_data(_ref(ws, s.values), titles_from_data=False)
        series = chart.series[-1]
        series.tx = SeriesLabel(v=s.name)
        series.graphicalProperties.line.solidFill = s.color
        series.graphicalProperties.line.width = 28575  # 2.25 pt
        series.marker.symbol = "circle"
        series.marker.size = 6
        series.marker.graphicalProperties = GraphicalProperties(solidFill=s.color)
        series.marker.graphicalProperties.line.solidFill = s.color
        series.smooth = False
    chart.set_categories(_ref(ws, spec.categories))
    chart.y_axis.scaling.min, chart.y_axis.scaling.max = 0, 100
    chart.y_axis.majorUnit = 25
    chart.y_axis.title = spec.y_title
    chart.y_axis.delete = False
    chart.x_axis.delete = False
    chart.legend.position = "b"
    return chart


def _pie(ws, spec) -> XLPie:
    chart = XLPie()
    chart.title = _title(spec.title)
    chart.width, chart.height = spec.width_pt / 28.3465, spec.height_pt / 28.3465
    (r1, c1), (r2, _) = (parse_a1(x) for x in spec.values.split(":"))
    (cr1, cc1), (cr2, _) = (parse_a1(x) for x in spec.categories.split(":"))
    data = Reference(ws, min_col=c1, min_row=r1, max_row=r2)
    cats = Reference(ws, min_col=cc1, min_row=cr1, max_row=cr2)
    chart.add_data(data, titles_from_data=False)
    chart.set_categories(cats)
    series = chart.series[0]
    for i, color in enumerate(spec.colors):
        pt = DataPoint(idx=i)
        pt.graphicalProperties.solidFill = color
        if spec.outline:
            pt.graphicalProperties.line.solidFill = spec.outline
        series.dPt.append(pt)
    series.dLbls = DataLabelList()
    series.dLbls.showPercent = True
    series.dLbls.showVal = False
    series.dLbls.showCatName = False
    series.dLbls.showSerName = False
    series.dLbls.showLeaderLines = False
    series.dLbls.showLegendKey = False
    if spec.legend:
        chart.legend.position = "b"
    else:
        chart.legend = None
    return chart


def _append(wb: Workbook, edit: AppendRows) -> None:
    ws = wb[edit.sheet] if edit.sheet in wb.sheetnames else wb.create_sheet(edit.sheet)
    b = edit.block
    for i, row in enumerate(b.values):
        for j, v in enumerate(row):
            if v is not None:
                _write(ws, b.row + i, b.col + j, v)
    style = _Styler()
    for ref, st in edit.styles:
        for cell in _cells_in(ws, ref):
            style(cell, st)
    for col, w in edit.col_widths:
        ws.column_dimensions[openpyxl.utils.get_column_letter(col)].width = w
    if edit.page is not None:
        _page(ws, edit.page)


def apply(book: LoadedBook, edits: Iterable[Edit]) -> Report:
    """Apply edits to the loaded workbook (in memory; :func:`save` writes it). This engine
    does everything the edits ask, so the report is always empty."""
    for e in edits:
        if isinstance(e, SetCellColours):
            _cell_colours(book.wb, e)
        elif isinstance(e, SetNotes):
            _notes(book.wb, e)
        elif isinstance(e, FitRows):
            ws = book.wb[e.sheet]
            for row, pt in e.heights.items():
                ws.row_dimensions[row].height = pt
        elif isinstance(e, ReplaceSheet):
            write_sheet(book.wb, e.spec)
        elif isinstance(e, AppendRows):
            _append(book.wb, e)
        else:  # pragma: no cover - a programming error, not a user's
            raise TypeError(f"unknown edit {e!r}")
    return Report()


def theme_with_accents(accents: tuple[str, ...]) -> str:
    """openpyxl's default theme with its first accent colours replaced. A chart that varies
    colours by point takes accent1, accent2… in order, on every engine (even where slices
    cannot be coloured one by one)."""
    from openpyxl.writer.theme import theme_xml

    out = theme_xml
    for i, rgb in enumerate(accents[:6], start=1):
        out = re.sub(rf"(<a:accent{i}>\s*<a:srgbClr val=\")[0-9A-Fa-f]{{6}}", rf"\g<1>{rgb}", out)
    return out


def new_workbook(specs: Iterable[SheetSpec], *, accents: tuple[str, ...] = ()) -> Workbook:
    """A new workbook holding ``specs`` in order (the template, the example plan), its
    theme's first accent colours set to ``accents``."""
    wb = Workbook()
    if accents:
        wb.loaded_theme = theme_with_accents(accents).encode("utf-8")
    first = wb.active
    for spec in specs:
        write_sheet(wb, spec)
    wb.remove(first)
    active = next((i for i, ws in enumerate(wb.worksheets) if ws.sheet_view.tabSelected), 0)
    wb.active = active
    return wb


# --- saving -----------------------------------------------------------------------------

def save(book: LoadedBook, target: str | os.PathLike, *, backup: bool = False) -> Path:
    """Write atomically: a temporary file in the target's folder, then one rename. With
    ``backup`` the file being replaced is kept as ``NAME.bak.xlsx``. The original is never
    touched until the new file is complete."""
    out = Path(target)
    if out.exists() and (lock := lock_file(out)) is not None:
        raise BookError(f"{out}: the workbook is open in Excel (lock file {lock.name}). "
                        "Close the workbook in Excel and try again.")
    folder = out.resolve().parent
    if not folder.is_dir():
        raise BookError(f"{out}: the folder {folder} does not exist.")
    fd, tmp = tempfile.mkstemp(prefix=".cqcxl-", suffix=out.suffix or ".xlsx", dir=folder)
    os.close(fd)
    try:
        book.wb.save(tmp)
        if book.cached:
            _restore_cached_values(tmp, book)
        mode = out.stat().st_mode & 0o777 if out.exists() else 0o666 & ~_umask()
        os.chmod(tmp, mode)
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        if backup and out.exists():
            bak = out.with_name(out.stem + ".bak" + out.suffix)
            _copy(out, bak)
        os.replace(tmp, out)
    except PermissionError as exc:
        _remove(tmp)
        raise BookError(f"{out}: cannot write the file ({exc.strerror}). If it is open in "
                        "Excel, close the workbook in Excel and try again.") from exc
    except OSError as exc:
        _remove(tmp)
        raise BookError(f"{out}: the file could not be saved ({exc.strerror or exc}); the "
                        "original is unchanged. Free some disk space and try again.") from exc
    except Exception as exc:
        _remove(tmp)
        raise BookError(f"{out}: the workbook could not be written ({type(exc).__name__}: "
                        f"{str(exc)[:120]}); the original is unchanged. Open it in Excel, save "
                        "it again, and retry.") from exc
    except BaseException:
        _remove(tmp)
        raise
    fsync_dir(folder)
    return out


class FileBook:
    """A workbook file as an engine: read, apply, save atomically."""

    def __init__(self, path: str | os.PathLike) -> None:
        self.loaded = load(path)

    @property
    def path(self) -> Path:
        return self.loaded.path

    def read(self) -> BookGrid:
        return read(self.loaded)

    def apply(self, edits: Iterable[Edit]) -> Report:
        return apply(self.loaded, edits)

    def save(self, target: str | os.PathLike, *, backup: bool = False) -> Path:
        return save(self.loaded, target, backup=backup)
