"""Workbook edits as plain data: what to write, not how.

The core turns findings and the summary into a list of these; each adapter (openpyxl for
files, xlwings for the open workbook) applies the list. Layout and rules therefore live in
one place, and the xlwings adapter can group edits into few Excel calls (a block of values
is one write, a styled rectangle is one call).

Edits never carry a user's data: they colour RAG cells, put cqcxl's notes on cells, and
write the sheets cqcxl owns (Summary, Validation, History).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from .cells import a1, col_letter, quote_sheet

Value = str | int | float | date | datetime | None


@dataclass(frozen=True)
class Style:
    """Formatting of a rectangle of cells. ``None`` leaves that property alone."""

    fill: str | None = None
    font_color: str | None = None
    bold: bool = False
    italic: bool = False
    size: float | None = None
    wrap: bool = False
    halign: str | None = None
    valign: str | None = "top"
    border: bool = False
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
    """A native pie chart of four RAG counts, placed by position (points) from the top-left
    of column A in ``row``, so both adapters can place it (xlwings takes points; openpyxl
    converts to a cell and offset)."""

    title: str
    row: int
    x_pt: float
    y_pt: float
    #: ranges on the same sheet: four category labels and four counts
    categories: str
    values: str
    colors: tuple[str, ...]
    width_pt: float = 150.0
    height_pt: float = 165.0
    legend: bool = False


@dataclass
class SheetSpec:
    """A sheet cqcxl owns, rebuilt from scratch."""

    name: str
    #: 0-based tab position; None puts it last
    position: int | None = None
    blocks: list[Block] = field(default_factory=list)
    styles: list[tuple[str, Style]] = field(default_factory=list)
    merges: list[str] = field(default_factory=list)
    col_widths: dict[int, float] = field(default_factory=dict)
    row_heights: dict[int, float] = field(default_factory=dict)
    freeze: str | None = None
    charts: list[PieChart] = field(default_factory=list)
    autofilter: str | None = None
    landscape: bool = True
    fit_width: bool = True
    print_area: str | None = None
    print_title_rows: str | None = None
    gridlines: bool = False
    tab_color: str | None = None
    #: make this the active sheet after the job (what the user sees first)
    activate: bool = False

    def chart_top(self, chart: PieChart) -> float:
        """Points from the top of the sheet to the chart: every row above a chart has an
        explicit height in the spec, so every adapter and viewer agrees."""
        return sum(self.row_heights.get(r, 15.0) for r in range(1, chart.row)) + chart.y_pt


@dataclass(frozen=True)
class SetRagFills:
    """Colour RAG cells: A1 -> RAG name, or None to take off a RAG colour cqcxl put there
    (a fill that is not one of the four RAG colours is the user's and is left alone)."""

    sheet: str
    cells: dict[str, str | None]


@dataclass(frozen=True)
class SetNotes:
    """cqcxl's notes on one sheet: A1 -> text. Notes cqcxl wrote earlier that are not in
    ``notes`` are removed (the problem was fixed); a user's own comments are never touched
    (the core leaves those cells out, see ``render``)."""

    sheet: str
    notes: dict[str, str]


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


Edit = SetRagFills | SetNotes | ReplaceSheet | AppendRows


class Formula(str):
    """A value that is meant to be a formula. Every other text that starts with '=' is
    written as text, so a Task ID typed as '=1+1' can never become a formula on our
    sheets."""


def link_formula(sheet: str, cell: str, label: str) -> Formula:
    """A HYPERLINK formula to a cell in this workbook. A formula (not a cell hyperlink
    object) so that a whole list of links is one block write in Excel."""
    target = f"#{quote_sheet(sheet)}!{cell}".replace('"', '""')
    return Formula(f'=HYPERLINK("{target}","{label.replace(chr(34), chr(34) * 2)}")')


def rect(row: int, col: int, rows: int = 1, cols: int = 1) -> str:
    return f"{col_letter(col)}{row}:{col_letter(col + cols - 1)}{row + rows - 1}"


def block(row: int, col: int, rows: list[list[Value]] | list[tuple[Value, ...]]) -> Block:
    width = max((len(r) for r in rows), default=0)
    return Block(row, col, tuple(tuple(r) + (None,) * (width - len(r)) for r in rows))
