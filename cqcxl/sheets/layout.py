"""The workbook's layout, stated once: sheet names, column headers, labels.

The template, the reader and every sheet cqcxl writes use these names; the reader finds
columns by header *text* (never by letter), so a lead who inserts or moves a column breaks
nothing. Colours, fonts and widths are in :mod:`cqcxl.sheets.theme`.
"""

from __future__ import annotations

import re
from functools import lru_cache

GUIDE = "Guide"
PLAN = "Plan"
SUMMARY = "Summary"
VALIDATION = "Validation"
#: Not "History": Excel reserves that sheet name (it refuses to add or rename a sheet to it,
#: so Close period would fail on desktop Excel). Workbooks from cqcxl 0.1 have a sheet
#: called "History": it is read, and added to, under that name.
HISTORY = "Period history"
LEGACY_HISTORY = "History"
CHASE = "Chase list"
#: the History for people: periods as columns (rebuilt by Build summary sheet)
PROGRESS = "Progress by period"
#: Sheets cqcxl writes from scratch; every other sheet belongs to the users.
OWNED_SHEETS = (SUMMARY, VALIDATION, HISTORY, LEGACY_HISTORY, CHASE, PROGRESS)

#: Key-task table: (field, header) in template order.
TASK_COLUMNS: tuple[tuple[str, str], ...] = (
    ("action", "Action"),
    ("task_id", "Task ID"),
    ("key_task", "Key task"),
    ("owner", "Task owner"),
    ("date_to_complete", "Date to complete"),
    ("rag", "RAG"),
    ("expected_outcome", "Expected outcome / KPI"),
    ("narrative", "Narrative / update"),
    ("mitigation", "Mitigation"),
    ("revised_date", "Revised date"),
    ("change_request", "Timescale change request"),
    ("decision", "Decision"),
    ("last_updated", "Last updated"),
)
TASK_HEADERS = tuple(h for _, h in TASK_COLUMNS)
TASK_DATE_FIELDS = ("date_to_complete", "revised_date", "last_updated")

#: Risk table: (field, header).
RISK_COLUMNS: tuple[tuple[str, str], ...] = (
    ("risk", "Key risk"),
    ("rag", "RAG"),
    ("mitigation", "Mitigation"),
)

#: The six "additional narrative" fields of the report, then the headline.
NARRATIVE_FIELDS: tuple[tuple[str, str], ...] = (
    ("governance", "Workstream governance arrangements"),
    ("support_requirements", "Support requirements"),
    ("fit_with_existing", "Fit with existing workstreams"),
    ("impact_on_outcomes", "Impact on outcomes"),
    ("performance_management", "Performance management arrangements"),
    ("hwb_strategy", "Contribution to the HWB strategy delivery plan"),
)
HEADLINE_LABEL = "Recent activity / headlines"

#: Labels of the header block at the top of a workstream sheet.
WS_NUMBER_LABEL = "Workstream number"
WS_NAME_LABEL = "Workstream name"
WS_SPONSOR_LABEL = "Sponsor(s)"
WS_ACTIONS_LABEL = "Actions"
WS_TASKS_HEADING = "Key tasks"
WS_RISKS_HEADING = "Key risks"
WS_NARRATIVE_HEADING = "Additional narrative"

#: Plan sheet labels.
PLAN_TITLE_LABEL = "Programme title"
PLAN_PROGRAMME_LABEL = "Programme"
PLAN_DATE_LABEL = "Reporting date"
PLAN_PREVIOUS_LABEL = "Previous reporting date"
PLAN_WS_COLUMNS: tuple[tuple[str, str], ...] = (
    ("number", "Number"),
    ("name", "Workstream"),
    ("sponsor", "Sponsor"),
    ("sheet", "Sheet"),
)

#: Author of every note cqcxl writes; notes by anyone else are the users' own.
NOTE_AUTHOR = "cqcxl"
NOTE_PREFIX = "cqcxl:"

#: Header aliases people really type, mapped to the field they mean.
_ALIASES = {
    "rag rating": "rag",
    "rag status": "rag",
    "status": "rag",
    "task owner(s)": "owner",
    "task owners": "owner",
    "owner": "owner",
    "owners": "owner",
    "lead": "owner",
    "taskid": "task_id",
    "id": "task_id",
    "ref": "task_id",
    "key tasks": "key_task",
    "task": "key_task",
    "date to be completed": "date_to_complete",
    "completion date": "date_to_complete",
    "deadline": "date_to_complete",
    "due date": "date_to_complete",
    "target date": "date_to_complete",
    "expected outcome/kpi": "expected_outcome",
    "expected outcome": "expected_outcome",
    "kpi": "expected_outcome",
    "narrative": "narrative",
    "update": "narrative",
    "narrative/update": "narrative",
    "mitigation": "mitigation",
    "mitigating actions": "mitigation",
    "mitigation actions": "mitigation",
    "revised date to complete": "revised_date",
    "revised completion date": "revised_date",
    "new date": "revised_date",
    "timescale change requested": "change_request",
    "change request": "change_request",
    "change requested": "change_request",
    "board decision": "decision",
    "decision (board)": "decision",
    "decision by the board": "decision",
    "date last updated": "last_updated",
    "updated": "last_updated",
    "action letter": "action",
    "objective": "action",
    "key risks": "risk",
    "risk": "risk",
    "risks": "risk",
}


def norm_header(text: object) -> str:
    """Header text folded for comparison: case, spaces, line breaks and a trailing ':'."""
    if not isinstance(text, str) or len(text) > 80:  # no header or label is longer
        return ""
    return _fold_header(text)


@lru_cache(maxsize=4096)  # every cell of a sheet's top rows is asked: the same texts
def _fold_header(text: str) -> str:
    s = " ".join(text.replace("\u00a0", " ").split()).lower().rstrip(":").strip()
    return re.sub(r"\s*/\s*", " / ", s) if "/" in s else s


_TASK_BY_HEADER = {norm_header(h): f for f, h in TASK_COLUMNS}
_RISK_BY_HEADER = {norm_header(h): f for f, h in RISK_COLUMNS}


def task_field(header: object) -> str | None:
    """The key-task field a header cell names, or None."""
    h = norm_header(header)
    if h in _TASK_BY_HEADER:
        return _TASK_BY_HEADER[h]
    f = _ALIASES.get(h) or _ALIASES.get(h.replace(" / ", "/"))
    return f if f in dict(TASK_COLUMNS) else None


def risk_field(header: object) -> str | None:
    """The risk-table field a header cell names, or None."""
    h = norm_header(header)
    if h in _RISK_BY_HEADER:
        return _RISK_BY_HEADER[h]
    if h in ("rag rating", "rag status"):
        return "rag"
    if h in ("mitigation", "mitigating actions", "mitigation actions"):
        return "mitigation"
    return "risk" if h in ("key risks", "risk", "risks", "key risk") else None


_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")


def sheet_name_for(number: int, name: str) -> str:
    """A legal, at most 31-character sheet name: ``WS3 Communication and Engagement``
    becomes ``WS3 Communication & Engagement`` or is cut at a word boundary."""
    base = re.sub(r"\s+", " ", _BAD_SHEET_CHARS.sub(" ", f"WS{number} {name}")).strip()
    if len(base) <= 31:
        return base
    base = base.replace(" and ", " & ")
    if len(base) <= 31:
        return base
    cut = base[:31]
    return cut.rsplit(" ", 1)[0] if " " in cut[4:] else cut


#: The nine workstreams of the Cumbria plan, the template's starting point.
TEMPLATE_WORKSTREAMS: tuple[tuple[int, str], ...] = (
    (1, "ICT"),
    (2, "Workforce"),
    (3, "Communication and Engagement"),
    (4, "Commissioning"),
    (5, "System Development"),
    (6, "CHC"),
    (7, "Extended GP Access"),
    (8, "Reablement"),
    (9, "Cumberland Infirmary"),
)
#: Empty key-task rows the template's Table starts with (the drop-down reaches further).
TEMPLATE_EMPTY_ROWS = 15
#: How far below the table the RAG drop-down and date format reach, for rows added later.
VALIDATION_REACH = 300
DATE_FORMAT = "mmm-yy"
DAY_FORMAT = "d-mmm-yy"
