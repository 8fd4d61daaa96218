"""The one exception a job raises for a problem the user can fix.

Every engine, the parser and the jobs raise :class:`BookError` with a one-line message
written for the person at the keyboard (which file, sheet and cell, and what to do); the
CLI prints it and exits 2, the Excel buttons show it in a message box. Nothing else in
cqcxl should reach a user as a traceback.
"""

from __future__ import annotations


class BookError(Exception):
    """A problem with the workbook that stops the job; the message says what to do."""

    def __init__(self, message: str, *, sheet: str = "", cell: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.sheet = sheet
        self.cell = cell

    def __str__(self) -> str:
        where = ", ".join(x for x in (f"sheet '{self.sheet}'" if self.sheet else "",
                                      f"cell {self.cell}" if self.cell else "") if x)
        return f"{where}: {self.message}" if where else self.message
