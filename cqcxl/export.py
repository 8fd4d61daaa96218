"""Findings as CSV for people who open them in Excel: text that Excel would read as a
formula (a leading =, +, -, @, tab or line break) gets a leading apostrophe (OWASP's CSV
injection advice). JSON output is data, not a spreadsheet, and is left as typed."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from .core.findings import Finding

_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n")
COLUMNS = ("severity", "code", "sheet", "cell", "task_id", "message", "overdue_no_mitigation")


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
