"""The plan as flat tables, and as CSV for people who open it in Excel.

Three long-form tables for Power BI and pandas users, built from the same :class:`Run` the
jobs use (no second reader): ``tasks`` (one row per key task), ``findings`` (one row per
problem Validate finds) and ``history`` (one row per task per closed period). Each row is
a dict of plain Python values (str, int, bool, date or None), so the stdlib writes them
as CSV and :mod:`cqcxl.frames` turns them into DataFrames without pandas being needed here.

CSV is for people who open it in Excel: text that Excel would read as a formula (a
leading =, +, -, @, tab or line break) gets a leading apostrophe (OWASP's CSV injection
advice). JSON and Parquet are data, not a spreadsheet, and are left as typed.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Sequence
from datetime import date
from typing import TYPE_CHECKING, Any

from .core.dates import DateReading
from .core.findings import Finding
from .core.people import split_sponsors

if TYPE_CHECKING:  # pragma: no cover - types only
    from .jobs import Run

_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n")
COLUMNS = ("severity", "code", "sheet", "cell", "task_id", "message", "overdue_no_mitigation")

Row = dict[str, Any]


def safe_cell(value: object) -> str:
    s = "" if value is None else str(value)
    return "'" + s if s.startswith(_TRIGGERS) else s


def findings_csv(findings: Iterable[Finding]) -> str:
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\r\n")
    w.writerow(COLUMNS)
    for f in findings:
        row = f.to_json()
        w.writerow([safe_cell(row[c]) for c in COLUMNS])
    return out.getvalue()


# --- long-form tables ----------------------------------------------------------------------

TASK_COLUMNS = (
    "workstream", "workstream_name", "sponsors", "sheet", "row", "cell", "action", "task_id",
    "key_task", "owner", "owners", "rag", "date_to_complete", "date_to_complete_text",
    "revised_date", "revised_date_text", "deadline", "expected_outcome", "narrative",
    "mitigation", "change_request", "request_kind", "request_status", "decision", "removed",
    "last_updated", "last_updated_text")
FINDING_COLUMNS = (
    "as_of", "workstream", "sheet", "cell", "task_id", "severity", "code", "title", "message",
    "overdue_no_mitigation")
HISTORY_COLUMNS = (
    "period", "workstream", "workstream_name", "task_id", "occurrence", "rag", "key_task",
    "date_to_complete", "date_to_complete_text", "revised_date", "revised_date_text",
    "deadline", "change_request", "decision")
#: Columns that hold dates (a ``date`` or None), for typed outputs (Parquet, DataFrames).
DATE_COLUMNS = frozenset({"as_of", "period", "date_to_complete", "revised_date", "deadline",
                          "last_updated"})
#: Columns that hold whole numbers (or None).
INT_COLUMNS = frozenset({"workstream", "row", "occurrence"})
#: Columns that hold True/False.
BOOL_COLUMNS = frozenset({"removed", "overdue_no_mitigation"})


def _day(reading: DateReading) -> date | None:
    return reading.date if reading.has_deadline else None


def task_rows(run: Run) -> list[Row]:
    """One row per key task, in workbook order."""
    rows: list[Row] = []
    for ws in run.plan.workstreams:
        sponsors = "; ".join(split_sponsors(ws.sponsor))
        for t in ws.tasks:
            req = t.request
            rows.append({
                "workstream": ws.number, "workstream_name": ws.name, "sponsors": sponsors,
                "sheet": t.sheet, "row": t.row, "cell": t.cells.get("task_id", f"A{t.row}"),
                "action": t.action, "task_id": t.task_id, "key_task": t.key_task,
                "owner": t.owner, "owners": "; ".join(t.owners),
                "rag": t.rag.value if t.rag else t.rag_text,
                "date_to_complete": _day(t.date_to_complete),
                "date_to_complete_text": t.date_to_complete.raw,
                "revised_date": _day(t.revised_date), "revised_date_text": t.revised_date.raw,
                "deadline": t.deadline, "expected_outcome": t.expected_outcome,
                "narrative": t.narrative, "mitigation": t.mitigation,
                "change_request": t.change_request, "request_kind": req.kind or "empty",
                "request_status": req.status or "none", "decision": t.decision,
                "removed": t.removed, "last_updated": _day(t.last_updated),
                "last_updated_text": t.last_updated.raw,
            })
    return rows


def finding_rows(run: Run) -> list[Row]:
    """One row per finding, as Validate orders them (errors and the alarm first)."""
    as_of = run.when[0]
    number = {ws.sheet: ws.number for ws in run.plan.workstreams}
    return [{"as_of": as_of, "workstream": number.get(f.sheet), "sheet": f.sheet,
             "cell": f.cell, "task_id": f.task_id, "severity": f.severity, "code": f.code,
             "title": f.title, "message": f.message,
             "overdue_no_mitigation": f.overdue_no_mitigation} for f in run.findings]


def history_rows(run: Run) -> list[Row]:
    """One row per key task per closed period in the History sheet, oldest period first.
    (Blocks written before History kept dates have no date columns.)"""
    names = {ws.number: ws.name for ws in run.plan.workstreams}
    rows: list[Row] = []
    for snap in sorted(run.snapshots, key=lambda s: s.when):
        for (number, _key, occurrence), r in snap.tasks.items():
            rows.append({
                "period": snap.when, "workstream": number,
                "workstream_name": names.get(number, ""), "task_id": r.task_id,
                "occurrence": occurrence, "rag": r.rag, "key_task": r.key_task,
                "date_to_complete": r.dtc_date, "date_to_complete_text": r.dtc_raw,
                "revised_date": r.rev_date, "revised_date_text": r.rev_raw,
                "deadline": r.deadline, "change_request": r.change_request,
                "decision": r.decision,
            })
    return rows


#: table name -> (its columns, the function that makes its rows)
TABLES: dict[str, tuple[Sequence[str], Callable[[Run], list[Row]]]] = {
    "tasks": (TASK_COLUMNS, task_rows),
    "findings": (FINDING_COLUMNS, finding_rows),
    "history": (HISTORY_COLUMNS, history_rows),
}


def _csv_value(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str):
        return safe_cell(value)
    return str(value)


def table_csv(columns: Sequence[str], rows: Iterable[Row], *,
              lineterminator: str = "\r\n") -> str:
    """Rows as CSV: a header line, dates as YYYY-MM-DD, TRUE/FALSE, and text that Excel
    would run as a formula made safe (:func:`safe_cell`)."""
    out = io.StringIO()
    w = csv.writer(out, lineterminator=lineterminator)
    w.writerow(columns)
    for row in rows:
        w.writerow([_csv_value(row.get(c)) for c in columns])
    return out.getvalue()


def table_json(columns: Sequence[str], rows: Iterable[Row]) -> list[dict]:
    """Rows as JSON-ready records (dates as YYYY-MM-DD)."""
    return [{c: (v.isoformat() if isinstance(v, date) else v)
             for c in columns for v in (row.get(c),)} for row in rows]
