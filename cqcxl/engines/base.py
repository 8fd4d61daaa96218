"""What an engine is: something that reads a workbook into a grid and applies edits to it.

An engine imports only the contract (:mod:`cqcxl.grid`, :mod:`cqcxl.edits`,
:mod:`cqcxl.errors`) and its own library; it knows nothing of rules or layouts. Engines may
be partial (a read-only engine, or one that cannot colour pie slices): what an engine could
not do is listed in the :class:`Report` that ``apply`` returns, and shown to the user —
never a traceback. As in xlwings' ``base_classes.py``, one small interface, one class per
backend:

- ``openpyxl_engine.FileBook`` — a file on disk (read, apply, atomic save);
- ``xlwings_engine.LiveBook`` — the workbook open in Excel (read, apply);
- a test-only JSON reader (``tests/test_engines.py``) shows a third engine needs nothing else.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from ..edits import Edit
from ..grid import BookGrid


@dataclass
class Report:
    """What ``apply`` did not do on this engine, and why (for the message and the tests)."""

    skipped: list[str] = field(default_factory=list)

    def skip(self, what: str) -> None:
        if what not in self.skipped:
            self.skipped.append(what)

    def extend(self, other: Report) -> None:
        for s in other.skipped:
            self.skip(s)


@runtime_checkable
class Reader(Protocol):
    """Reads a workbook: every sheet's values (one read per sheet) and notes."""

    def read(self) -> BookGrid: ...


@runtime_checkable
class Writer(Protocol):
    """Applies edits to the workbook it read (in memory or live)."""

    def apply(self, edits: Iterable[Edit]) -> Report: ...
