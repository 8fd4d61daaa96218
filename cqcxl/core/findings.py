"""Problems are data: a Finding says what is wrong, where, and what to do.

Whoever shows a finding (a note on the cell, the Validation sheet, JSON, the terminal)
renders it; the rules only create them. Codes are stable: users and tests rely on them.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

ERROR = "error"
WARNING = "warning"
INFO = "info"
SEVERITY_ORDER = {ERROR: 0, WARNING: 1, INFO: 2}

#: code -> (severity, short title). The message of each finding says the specifics.
CODES: dict[str, tuple[str, str]] = {
    "missing-required": (ERROR, "A required entry is empty"),
    "invalid-rag": (ERROR, "RAG is not Red, Amber, Green or Blue"),
    "rag-spelling": (INFO, "RAG read with different capitals or spaces"),
    "unparseable-date": (ERROR, "Date cannot be read"),
    "invalid-value": (ERROR, "Entry has the wrong kind of value"),
    "text-too-long": (ERROR, "Entry is longer than Excel can hold"),
    "excel-error": (ERROR, "Cell shows an Excel error"),
    "overdue-not-moderated": (ERROR, "Past its date but not Blue, Red or a change request"),
    "red-without-mitigation": (ERROR, "Red with no mitigation"),
    "red-without-revised-date": (ERROR, "Red with no revised date"),
    "mitigation-in-narrative": (WARNING, "Red: what is being done is in the narrative, not "
                                "in Mitigation"),
    "revised-date-passed": (WARNING, "Revised date has passed too"),
    "revised-date-earlier": (ERROR, "Revised date earlier than the date to complete"),
    "request-date-passed": (ERROR, "Change request asks for a date that has passed"),
    "change-request-incomplete": (ERROR, "Timescale change request with no revised date"),
    "change-request-unclear": (WARNING, "Timescale change request states no date or removal"),
    "invalid-decision": (ERROR, "Decision is not Requested, Agreed or Declined"),
    "decision-without-date": (WARNING, "Agreed or Declined with no Board meeting date"),
    "change-in-narrative": (WARNING, "Narrative says the date changed; no change request"),
    "slipped-date": (WARNING, "Date moved later with no agreed change request"),
    "extended-twice": (WARNING, "Deadline moved later two periods running"),
    "blue-without-evidence": (WARNING, "Blue with no narrative of completion"),
    "blue-before-date": (WARNING, "Blue before its date, narrative does not say complete"),
    "complete-not-blue": (WARNING, "Date says Complete but RAG is not Blue"),
    "duplicate-task-id": (ERROR, "The same Task ID twice in one workstream"),
    "broken-reference": (WARNING, "Link to a workstream, action or task that does not exist"),
    "risk-without-mitigation": (ERROR, "Red or Amber risk with no mitigation"),
    "no-risks": (WARNING, "A workstream with no key risk recorded"),
    "risk-rag-differs": (WARNING, "The same risk rated differently in other workstreams"),
    "duplicate-workstream": (ERROR, "Two sheets use the same workstream number"),
    "missing-sheet": (ERROR, "A workstream sheet listed on the Plan sheet is missing"),
    "unlisted-sheet": (WARNING, "A workstream sheet not listed on the Plan sheet (counted)"),
    "missing-column": (ERROR, "A key-task column is missing"),
    "missing-plan-sheet": (WARNING, "The Plan sheet is missing"),
    "no-reporting-date": (WARNING, "No reporting date on the Plan sheet"),
    "no-tasks": (WARNING, "A workstream sheet has no key tasks"),
    "note-not-added": (INFO, "Cell already has your own comment"),
}

#: The headline flag: overdue and no mitigation narrative.
HEADLINE_CODES = ("overdue-not-moderated", "red-without-mitigation")


@dataclass(frozen=True)
class Finding:
    code: str
    severity: str
    sheet: str
    cell: str
    task_id: str
    message: str
    #: True for the product's headline flag: an overdue action with no mitigation.
    overdue_no_mitigation: bool = False

    def to_json(self) -> dict:
        return asdict(self)

    @property
    def title(self) -> str:
        return CODES.get(self.code, (self.severity, self.code))[1]

    def sort_key(self, sheet_order: dict[str, int] | None = None) -> tuple:
        from ..grid import cell_key

        order = sheet_order or {}
        return (
            SEVERITY_ORDER.get(self.severity, 9),
            not self.overdue_no_mitigation,
            order.get(self.sheet, 999),
            self.sheet,
            cell_key(self.cell),
            self.code,
        )


def make(
    code: str,
    sheet: str,
    cell: str,
    task_id: str,
    message: str,
    *,
    severity: str | None = None,
    overdue_no_mitigation: bool = False,
) -> Finding:
    """A finding with the catalogue's severity unless one is given."""
    if code not in CODES:
        raise KeyError(f"unknown finding code {code!r}")
    return Finding(
        code, severity or CODES[code][0], sheet, cell, task_id, message, overdue_no_mitigation
    )


def counts(findings: list[Finding]) -> dict[str, int]:
    out = {ERROR: 0, WARNING: 0, INFO: 0}
    for f in findings:
        out[f.severity] = out.get(f.severity, 0) + 1
    return out
