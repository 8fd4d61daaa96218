"""The plan as pandas DataFrames, for analysts (``pip install 'cqcxl[pandas]'``).

::

    from cqcxl import frames
    tasks = frames.tasks("plan.xlsx")                 # one row per key task
    found = frames.findings("plan.xlsx", as_of=date(2018, 11, 15))
    hist = frames.history("plan.xlsx")                # one row per task per closed period

The rows are the ones ``cqcxl export --table …`` writes (:mod:`cqcxl.export`), read by
the same reader and worked out by the same :class:`~cqcxl.jobs.Run` as every job, so a
DataFrame never disagrees with the Validation sheet or the cover. Dates are
``datetime64[s]`` (NaT where a cell holds no date), whole numbers ``Int64`` and flags
``boolean``. pandas is optional: without it these functions raise :class:`PandasMissing`
(an ImportError the command line prints as one line).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING, Any

from .errors import BookError
from .export import BOOL_COLUMNS, DATE_COLUMNS, INT_COLUMNS, TABLES, Row

if TYPE_CHECKING:  # pragma: no cover - types only
    import pandas as pd

    from .jobs import Run

INSTALL = "pip install 'cqcxl[pandas]'"


class PandasMissing(BookError, ImportError):
    """pandas (or pyarrow, for Parquet) is not installed: the message says what to run."""


def _pandas() -> Any:
    try:
        import pandas
    except ImportError:
        raise PandasMissing(f"this needs pandas, which is not installed: {INSTALL}") from None
    return pandas


def open_run(book: str | os.PathLike | Run, as_of: date | None = None) -> Run:
    """A :class:`Run` over ``book`` (a path), read once; a Run is passed through."""
    from .jobs import Run

    if isinstance(book, Run):
        return book
    from .engines.fast_reader import read_book

    return Run(read_book(book), as_of)


def frame(columns: Sequence[str], rows: list[Row]) -> pd.DataFrame:
    """Rows as a typed DataFrame: dates, nullable whole numbers and flags."""
    pd = _pandas()
    import numpy  # pandas' own dependency

    data: dict[str, Any] = {}
    for c in columns:
        values = [row.get(c) for row in rows]
        if c in DATE_COLUMNS:  # seconds: any date Excel holds (to 9999-12-31) fits
            data[c] = numpy.array([numpy.datetime64(v, "s") if v is not None
                                   else numpy.datetime64("NaT", "s") for v in values],
                                  dtype="datetime64[s]")
        elif c in INT_COLUMNS:
            data[c] = pd.array(values, dtype="Int64")
        elif c in BOOL_COLUMNS:
            data[c] = pd.array(values, dtype="boolean")
        else:
            data[c] = pd.array(["" if v is None else str(v) for v in values],
                               dtype="string")
    return pd.DataFrame(data, columns=list(columns))


def table(name: str, book: str | os.PathLike | Run, as_of: date | None = None
          ) -> pd.DataFrame:
    """Table ``name`` ('tasks', 'findings' or 'history') of ``book`` as a DataFrame."""
    _pandas()  # say so before reading the workbook
    columns, rows_of = TABLES[name]
    return frame(columns, rows_of(open_run(book, as_of)))


def tasks(book: str | os.PathLike | Run) -> pd.DataFrame:
    """One row per key task: workstream, IDs, owner(s), RAG, dates (as typed and as
    read), the deadline, narrative, mitigation and the change request."""
    return table("tasks", book)


def findings(book: str | os.PathLike | Run, as_of: date | None = None) -> pd.DataFrame:
    """One row per problem Validate finds as at ``as_of`` (default: the Plan sheet's
    reporting date, else today), errors and the overdue-with-no-mitigation alarm first."""
    return table("findings", book, as_of)


def history(book: str | os.PathLike | Run) -> pd.DataFrame:
    """One row per key task per period closed in the History sheet, oldest first: how
    each task's RAG and dates moved."""
    return table("history", book)


def write_parquet(columns: Sequence[str], rows: list[Row], path: os.PathLike) -> None:
    """Rows as a Parquet file, typed: dates as Parquet dates, whole numbers, flags and
    text. Needs pyarrow."""
    _pandas()
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        raise PandasMissing(f"writing Parquet needs pyarrow, which is not installed: "
                            f"{INSTALL}") from None
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_pandas(frame(columns, rows), preserve_index=False)
    for c in columns:
        if c in DATE_COLUMNS:  # a Parquet date, so Power BI shows a Date, not a DateTime
            i = table.schema.get_field_index(c)
            table = table.set_column(i, c, table.column(c).cast(pa.date32()))
    pq.write_table(table, path)
