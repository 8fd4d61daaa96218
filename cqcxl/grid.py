"""What an engine reads: the workbook as plain grids of values, its notes, A1 helpers.

This module and :mod:`cqcxl.edits` are the contract between the domain and the engines.
An engine reads each sheet in one block into a :class:`SheetGrid`; nothing above the
engines ever asks a workbook for a single cell.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

_A1 = re.compile(r"^\$?([A-Z]{1,3})\$?(\d+)$")


def col_letter(col: int) -> str:
    """1 -> A, 27 -> AA."""
    out = ""
    while col > 0:
        col, rem = divmod(col - 1, 26)
        out = chr(65 + rem) + out
    return out


def col_index(letters: str) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + ord(ch) - 64
    return n


def a1(row: int, col: int) -> str:
    return f"{col_letter(col)}{row}"


def parse_a1(ref: str) -> tuple[int, int]:
    """'F12' -> (12, 6)."""
    m = _A1.match(ref.upper())
    if not m:
        raise ValueError(f"not a cell address: {ref!r}")
    return int(m[2]), col_index(m[1])


def cell_key(ref: str) -> tuple[int, int]:
    try:
        return parse_a1(ref)
    except ValueError:
        return (0, 0)


def quote_sheet(name: str) -> str:
    """Sheet name as it must appear in a formula or link: ``'WS1 ICT'``."""
    return "'" + name.replace("'", "''") + "'"


#: Excel's error values, as every engine sees them in a cell.
ERROR_VALUES = frozenset({"#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A",
                          "#GETTING_DATA", "#SPILL!", "#CALC!", "#FIELD!", "#BLOCKED!",
                          "#UNKNOWN!", "#DATA!"})


#: Stands for a formula whose result was never saved (the file was last written by a
#: program, not Excel): cqcxl cannot know its value and says so.
NOT_CALCULATED = "#NOT-CALCULATED"


def rows_from_cells(cells: Iterable[tuple[tuple[int, int], Any]]) -> list[list[Any]]:
    """(row, col) -> value pairs of the cells that hold something, as the ragged rows of a
    :class:`SheetGrid` (each row as long as its last value; gaps are None)."""
    present = list(cells)
    rows: list[list[Any]] = [[] for _ in range(max((r for (r, _), _ in present), default=0))]
    for (r, c), v in present:
        row = rows[r - 1]
        if len(row) < c:
            row.extend([None] * (c - len(row)))
        row[c - 1] = v
    return rows


@dataclass(frozen=True)
class CellError:
    """An Excel error value such as ``#REF!`` or ``#N/A``."""

    code: str

    def __str__(self) -> str:
        return self.code


@dataclass
class Note:
    """A note (comment) already on a cell. ``None`` where the engine cannot read it (xlwings'
    remote engine sees that a note exists, not what it says)."""

    author: str | None
    text: str | None


@dataclass
class SheetGrid:
    """One sheet's used range as rows of values (1-based access through :meth:`get`)."""

    name: str
    rows: list[list[Any]]
    #: A1 -> note already on the cell (author and text, where the engine can read them)
    notes: dict[str, Note] = field(default_factory=dict)
    hidden: bool = False
    #: the sheet's layout, where the engine reads it (None: it does not): column -> width
    #: in characters of the columns given a width; row -> height in points of the rows given
    #: a height (Excel's customHeight); the sheet's defaults for the others
    col_widths: dict[int, float] | None = None
    row_heights: dict[int, float] | None = None
    default_col_width: float = 8.43
    default_row_pt: float = 15.0

    def get(self, row: int, col: int) -> Any:
        if 1 <= row <= len(self.rows):
            r = self.rows[row - 1]
            if 1 <= col <= len(r):
                return r[col - 1]
        return None

    @property
    def max_row(self) -> int:
        return len(self.rows)

    @property
    def max_col(self) -> int:
        return max((len(r) for r in self.rows), default=0)


@dataclass
class BookGrid:
    """What an engine read from a workbook: its name and every sheet, in tab order."""

    name: str
    sheets: list[SheetGrid]

    def sheet(self, name: str) -> SheetGrid | None:
        for s in self.sheets:
            if s.name == name:
                return s
        folded = name.strip().lower()
        for s in self.sheets:
            if s.name.strip().lower() == folded:
                return s
        return None

    @property
    def names(self) -> list[str]:
        return [s.name for s in self.sheets]
