"""What the buttons in Excel call: the same jobs as the command line, on the open workbook.

Each entry point works on the workbook that called it (``xw.Book.caller()``: a button
wired to ``RunPython`` on desktop Excel), or on the ``book`` it is given (xlwings Lite's
scripts, xlwings Server, the tests). It reads the workbook through the xlwings engine,
runs the same job table as the CLI (:data:`cqcxl.jobs.JOBS`) and writes the edits back into
the open workbook: nothing is saved or closed, the user sees the result at once.

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

from .engines.xlwings_engine import LiveBook, is_remote
from .errors import BookError
from .jobs import JobResult, run_job

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


def _apply(book: xw.Book, live: LiveBook, result: JobResult) -> list[str]:
    """Apply the edits; on desktop Excel with the screen frozen until they are all done.
    Returns what the engine could not do."""
    freeze = not is_remote(book)
    if freeze:
        try:
            book.app.screen_updating = False
        except Exception:  # an engine without the setting: apply as it is
            freeze = False
    try:
        return live.apply(result.edits).skipped
    finally:
        if freeze:
            book.app.screen_updating = True


def _run(job: str, title: str, book: xw.Book | None, as_of: date | None,
         today: date | None, *, alert: bool = False) -> Outcome:
    """One button press: read the open workbook, run the job, write its edits back."""
    book = _book(book)
    live = LiveBook(book)
    try:
        result = run_job(job, live.read(), as_of, today=today)
    except BookError as exc:
        message = f"{title}: nothing was changed.\n\n{exc}"
        _alert(book, message, mode="critical")
        return Outcome(title, None, message)
    skipped = _apply(book, live, result)
    message = result.message[:1].upper() + result.message[1:]
    if skipped:
        message += "\n\nNot done on this version of Excel:\n" + "\n".join(
            f"• {s}" for s in skipped)
    if alert:
        _alert(book, message)
    return Outcome(title, result, message, skipped)


def validate(book: xw.Book | None = None, *, as_of: date | None = None,
             today: date | None = None) -> Outcome:
    """Validate: colour the RAG cells, put a note on each problem cell, rebuild the
    Validation sheet (and show it)."""
    return _run("validate", "Validate", book, as_of, today)


def build_summary(book: xw.Book | None = None, *, as_of: date | None = None,
                  today: date | None = None) -> Outcome:
    """Build summary sheet: rebuild the Summary sheet as the first tab (and show it)."""
    return _run("summary", "Build summary sheet", book, as_of, today)


def close_period(book: xw.Book | None = None, *, as_of: date | None = None) -> Outcome:
    """Close period: add this period's RAGs to the History sheet, then say so."""
    return _run("close-period", "Close period", book, as_of, None, alert=True)


__all__ = ["Outcome", "build_summary", "close_period", "validate"]
