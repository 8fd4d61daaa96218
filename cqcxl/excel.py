"""What the buttons in Excel call: the same jobs as the command line, on the open workbook.

Each entry point works on the workbook that called it (``xw.Book.caller()``: a button
wired to ``RunPython`` on desktop Excel), or on the ``book`` it is given (xlwings Lite's
scripts, xlwings Server, the tests). It reads the workbook through the xlwings adapter,
runs the same core as the CLI (``validate.run``, ``summary.run``,
``history.close_period``) and writes the edits back into the open workbook: nothing is
saved or closed, the user sees the result at once.

A problem the user can fix (a missing sheet, an unreadable reporting date, a period
already closed…) becomes a message box saying what to do, never a Python traceback.
The reporting date is the Plan sheet's, else today (Validate, Build summary sheet); Close
period needs the Plan sheet's date and says so when it is missing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

import xlwings as xw

from . import history
from . import summary as summary_job
from . import validate as validate_job
from .errors import BookError
from .io import xlwings_book

TITLE = "cqcxl"


@dataclass
class Outcome:
    """What a button did: the core's result (None when the job stopped on a problem), the
    message shown, and what the engine could not do."""

    job: str
    result: Any = None
    message: str = ""
    skipped: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.result is not None


def _book(book: xw.Book | None) -> xw.Book:
    return book if book is not None else xw.Book.caller()


def _alert(book: xw.Book, message: str, *, mode: str = "info") -> None:
    book.app.alert(message, title=TITLE, buttons="ok", mode=mode)


def _apply(book: xw.Book, edits, grid) -> xlwings_book.Report:
    """Apply the edits; on desktop Excel with the screen frozen until they are all done."""
    freeze = not xlwings_book.is_remote(book)
    if freeze:
        try:
            book.app.screen_updating = False
        except Exception:  # an engine without the setting: apply as it is
            freeze = False
    try:
        return xlwings_book.apply(book, edits, grid=grid)
    finally:
        if freeze:
            book.app.screen_updating = True


def _stopped(book: xw.Book, job: str, exc: BookError) -> Outcome:
    message = f"{job}: nothing was changed.\n\n{exc}"
    _alert(book, message, mode="critical")
    return Outcome(job, None, message)


def validate(book: xw.Book | None = None, *, as_of: date | None = None,
             today: date | None = None) -> Outcome:
    """Validate: colour the RAG cells, put a note on each problem cell, rebuild the
    Validation sheet (and show it)."""
    book = _book(book)
    try:
        grid = xlwings_book.read(book)
        result = validate_job.run(grid, as_of, today=today)
    except BookError as exc:
        return _stopped(book, "Validate", exc)
    report = _apply(book, result.edits, grid)
    message = (f"{len(result.plan.tasks)} key tasks checked as at {result.as_of:%d %B %Y}: "
               f"{result.errors} errors; {len(result.headline)} overdue with no mitigation.")
    return Outcome("Validate", result, message, report.skipped)


def build_summary(book: xw.Book | None = None, *, as_of: date | None = None,
                  today: date | None = None) -> Outcome:
    """Build summary sheet: rebuild the Summary sheet as the first tab (and show it)."""
    book = _book(book)
    try:
        grid = xlwings_book.read(book)
        result = summary_job.run(grid, as_of, today=today)
    except BookError as exc:
        return _stopped(book, "Build summary sheet", exc)
    report = _apply(book, result.edits, grid)
    s = result.summary
    message = f"{s.total.tasks} key tasks as at {s.as_of:%d %B %Y}: " + ", ".join(
        f"{n} {r}" for r, n in s.total.counts_by_name().items())
    return Outcome("Build summary sheet", result, message, report.skipped)


def close_period(book: xw.Book | None = None, *, as_of: date | None = None) -> Outcome:
    """Close period: add this period's RAGs to the History sheet, then say so."""
    book = _book(book)
    try:
        grid = xlwings_book.read(book)
        result = history.close_period(grid, as_of)
    except BookError as exc:
        return _stopped(book, "Close period", exc)
    report = _apply(book, result.edits, grid)
    message = result.message[:1].upper() + result.message[1:]
    _alert(book, message)
    return Outcome("Close period", result, message, report.skipped)


__all__ = ["Outcome", "build_summary", "close_period", "validate"]
