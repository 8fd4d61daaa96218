"""What an engine writes: workbook edits as plain data, fully resolved.

This module and :mod:`cqcxl.grid` are the whole contract between the domain and the
engines. The sheets turn facts into a list of these edits; each engine (openpyxl for files,
xlwings for the open workbook, …) applies the list. Every value here is resolved — RGB hex
colours, note text and size in points, column widths in characters, page settings — so an
engine decides nothing: it never needs to know what a RAG is, which notes are cqcxl's, or
what the cover looks like.

Edits never carry a user's data: they colour RAG cells, put cqcxl's notes on cells, and
write the sheets cqcxl owns (Summary, Validation, History).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from .grid import a1, col_letter, quote_sheet

Value = str | int | float | date | datetime | None


@dataclass(frozen=True)
class Style:
    """Formatting of a rectangle of cells. ``None`` leaves that property alone.

    A font property (colour, bold, italic, size) replaces the whole font; alignment is
    always replaced; fill, border and number format only when given."""

    fill: str | None = None
    font_color: str | None = None
    bold: bool = False
    italic: bool = False
    size: float | None = None
    wrap: bool = False
    halign: str | None = None
    valign: str | None = "top"
    #: colour of a thin border on all four sides, or None for no border
    border: str | None = None
    number_format: str | None = None


@dataclass(frozen=True)
class Block:
    """A rectangle of values written in one go, top-left at (row, col)."""

    row: int
    col: int
    values: tuple[tuple[Value, ...], ...]

    @property
    def ref(self) -> str:
        rows = len(self.values)
        cols = max((len(r) for r in self.values), default=1)
        return f"{a1(self.row, self.col)}:{a1(self.row + rows - 1, self.col + cols - 1)}"


@dataclass(frozen=True)
class PieChart:
    """A native pie chart of four counts, placed by position (points) from the top-left
    of column A in ``row``, so every engine can place it (xlwings takes points; openpyxl
    converts to an absolute anchor)."""

    title: str
    row: int
    x_pt: float
    y_pt: float
    #: ranges on the same sheet: the category labels and the counts
    categories: str
    values: str
    #: slice colours in order, and the slices' outline colour
    colors: tuple[str, ...]
    outline: str | None = None
    width_pt: float = 150.0
    height_pt: float = 165.0
    legend: bool = False


@dataclass(frozen=True)
class LineSeries:
    """One line: its name, its values (a range on the same sheet) and its colour."""

    name: str
    values: str
    color: str


@dataclass(frozen=True)
class LineChart:
    """A native line chart of shares in percent (0-100) over the periods in
    ``categories``, placed like :class:`PieChart`."""

    title: str
    row: int
    x_pt: float
    y_pt: float
    categories: str
    series: tuple[LineSeries, ...]
    width_pt: float = 500.0
    height_pt: float = 220.0
    y_title: str = "% of key tasks"
    #: the same numbers as one block (a header row of series names, the categories in its
    #: first column), for engines that take a chart's data as one range
    table: str = ""


Chart = PieChart | LineChart


@dataclass(frozen=True)
class PageSetup:
    """How a sheet prints: A4 or A3, landscape or portrait, one page wide, margins in
    inches, and what prints at the foot of every page."""

    landscape: bool = True
    fit_width: bool = True
    paper: str = "A4"
    margins: tuple[float, float, float, float] = (0.4, 0.4, 0.5, 0.5)  # left right top bottom
    #: the page footer in Excel's header/footer codes (``&L`` left, ``&R`` right, ``&A`` the
    #: sheet's name, ``&P`` the page, ``&N`` the pages); "" for none
    footer: str = ""
    #: inches from the paper's foot to the footer (inside the bottom margin)
    footer_margin: float = 0.3


@dataclass(frozen=True)
class ListValidation:
    """A drop-down list on a range (the template's RAG column)."""

    ref: str
    choices: tuple[str, ...]
    prompt_title: str = ""
    prompt: str = ""
    error: str = ""


@dataclass(frozen=True)
class TableSpec:
    """An Excel Table (ListObject) over ``ref`` with its header row first."""

    name: str
    ref: str
    style: str = "TableStyleLight9"


@dataclass
class SheetSpec:
    """A sheet cqcxl owns, written from scratch."""

    name: str
    #: 0-based tab position; None puts it last
    position: int | None = None
    blocks: list[Block] = field(default_factory=list)
    styles: list[tuple[str, Style]] = field(default_factory=list)
    merges: list[str] = field(default_factory=list)
    #: column -> width in characters (Excel's unit; see :func:`width_points`)
    col_widths: dict[int, float] = field(default_factory=dict)
    #: row -> height in points
    row_heights: dict[int, float] = field(default_factory=dict)
    freeze: str | None = None
    charts: list[Chart] = field(default_factory=list)
    autofilter: str | None = None
    page: PageSetup = field(default_factory=PageSetup)
    print_area: str | None = None
    print_title_rows: str | None = None
    #: rows that end a printed page (a manual page break after each): the sheets place
    #: them so that a heading never sits alone at the bottom of a page
    row_breaks: list[int] = field(default_factory=list)
    gridlines: bool = False
    tab_color: str | None = None
    #: make this the active sheet after the job (what the user sees first)
    activate: bool = False
    #: only for new workbooks (the template): drop-downs and Excel Tables
    validations: list[ListValidation] = field(default_factory=list)
    tables: list[TableSpec] = field(default_factory=list)
    #: default row height in points for rows not in ``row_heights``
    default_row_pt: float = 15.0

    def chart_top(self, chart: Chart) -> float:
        """Points from the top of the sheet to the chart: every row above a chart has an
        explicit height in the spec, so every engine and viewer agrees."""
        return sum(self.row_heights.get(r, self.default_row_pt)
                   for r in range(1, chart.row)) + chart.y_pt


@dataclass(frozen=True)
class CellColour:
    fill: str
    font: str


@dataclass(frozen=True)
class SetCellColours:
    """Colour cells on a user's sheet (the RAG cells): A1 -> fill and font colour, or None
    to take off a colour cqcxl put there. A cell whose current fill is not one of
    ``removable`` keeps it when its value is None (that fill is the user's); its font goes
    back to ``plain_font`` when cqcxl's fill is taken off."""

    sheet: str
    cells: dict[str, CellColour | None]
    removable: tuple[str, ...] = ()
    plain_font: str | None = None

    def is_removable(self, rgb: object) -> bool:
        """Whether a fill read from the workbook (ARGB or RGB hex) is one cqcxl may take
        off."""
        return isinstance(rgb, str) and rgb[-6:].upper() in {c.upper() for c in
                                                              self.removable}


@dataclass(frozen=True)
class NoteText:
    text: str
    width_pt: float = 320.0
    height_pt: float = 70.0
    #: background colour (RGB hex) where the engine draws the note itself; None: Excel's
    fill: str | None = None


@dataclass(frozen=True)
class SetNotes:
    """cqcxl's notes on one sheet. ``notes``: A1 -> the note to put there (replacing
    cqcxl's earlier note on that cell); ``remove``: cells whose earlier cqcxl note goes
    (the problem was fixed). ``author`` signs new notes. Cells holding a user's own note are
    never in either (the sheets decided that from the grid)."""

    sheet: str
    notes: dict[str, NoteText]
    remove: tuple[str, ...] = ()
    author: str = "cqcxl"


@dataclass(frozen=True)
class FitRows:
    """Make rows on a user's sheet tall enough for their wrapped text: row -> height in
    points. The sheets put a row here only when its text needs more than it has and its
    height is not one the user chose; an engine sets each height as given."""

    sheet: str
    heights: dict[int, float]


@dataclass(frozen=True)
class ReplaceSheet:
    spec: SheetSpec


@dataclass(frozen=True)
class AppendRows:
    """Write ``block`` on ``sheet`` (created last when missing) without clearing anything:
    the History sheet is append-only."""

    sheet: str
    block: Block
    styles: tuple[tuple[str, Style], ...] = ()
    col_widths: tuple[tuple[int, float], ...] = ()
    #: how the sheet prints (set again on every append); None leaves it alone
    page: PageSetup | None = None


Edit = SetCellColours | SetNotes | FitRows | ReplaceSheet | AppendRows


class Formula(str):
    """A value that is meant to be a formula. Every other text that starts with '=' is
    written as text, so a Task ID typed as '=1+1' can never become a formula on our
    sheets."""


def link_formula(sheet: str, cell: str, label: str) -> Formula:
    """A HYPERLINK formula to a cell in this workbook. A formula (not a cell hyperlink
    object) so that a whole list of links is one block write in Excel."""
    target = f"#{quote_sheet(sheet)}!{cell}".replace('"', '""')
    return Formula(f'=HYPERLINK("{target}","{label.replace(chr(34), chr(34) * 2)}")')


def width_points(chars: float) -> float:
    """A column width in characters (Excel's unit) in points: Calibri 11 is 7 px a
    character plus 5 px padding, 0.75 pt a pixel."""
    return (chars * 7 + 5) * 0.75


def rect(row: int, col: int, rows: int = 1, cols: int = 1) -> str:
    return f"{col_letter(col)}{row}:{col_letter(col + cols - 1)}{row + rows - 1}"


def block(row: int, col: int, rows: list[list[Value]] | list[tuple[Value, ...]]) -> Block:
    width = max((len(r) for r in rows), default=0)
    return Block(row, col, tuple(tuple(r) + (None,) * (width - len(r)) for r in rows))
