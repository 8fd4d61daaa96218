"""The action plan as plain data: plan, workstreams, key tasks, risks, RAG.

Every value keeps where it came from (``cells``: field -> A1 address on the sheet), so a
finding can point at the exact cell. Nothing here knows about workbooks or engines.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from functools import lru_cache

from .dates import NO_DATE, DateReading
from .people import split_owners, split_sponsors
from .requests import Request, request_of


class RAG(StrEnum):
    """The report's legend."""

    RED = "Red"
    AMBER = "Amber"
    GREEN = "Green"
    BLUE = "Blue"

    @property
    def meaning(self) -> str:
        return RAG_MEANING[self]

    @classmethod
    def read(cls, value: object) -> tuple[RAG | None, bool]:
        """(RAG, exact) for a cell value; case and surrounding spaces are forgiven, and
        ``exact`` says whether the text was already written exactly right."""
        if not isinstance(value, str):
            return None, False
        rag = _BY_FOLDED.get(value.strip().lower())
        return (rag, value == rag.value) if rag is not None else (None, False)


@lru_cache(maxsize=1024)
def _rag_of(text: str) -> RAG | None:
    """What a RAG cell's text reads as (the same few texts, read once each)."""
    return RAG.read(text)[0]


RAG_ORDER = (RAG.BLUE, RAG.GREEN, RAG.AMBER, RAG.RED)
_BY_FOLDED = {r.value.lower(): r for r in RAG}
RAG_MEANING = {
    RAG.RED: "Action planned and significant barriers to implementation identified",
    RAG.AMBER: "Action planned but yet to commence, or barriers to completion identified",
    RAG.GREEN: "Action underway and on target for completion within timescale",
    RAG.BLUE: "Action completed and signed off",
}


def text(value: object) -> str:
    """A cell value as the text a person sees (no trailing spaces); '' for empty."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, date):
        return value.isoformat()[:10]
    return str(value).strip()


def as_int(value: object) -> int | None:
    """A whole number typed in a cell ('3', 3.0), or None (text, inf, nan, empty)."""
    try:
        f = float(text(value))
    except (ValueError, OverflowError):
        return None
    return int(f) if f == f and abs(f) < 1e15 else None


def norm_id(task_id: str) -> str:
    """A Task ID folded for matching: spaces and case ignored (``a / b1`` = ``A/B1``)."""
    return "".join(task_id.split()).upper()


class RowCells(Mapping[str, str]):
    """field -> A1 address of one row's cells, worked out when asked for. Every task of a
    sheet shares one ``columns`` table (field -> column letters), so 20,000 tasks hold no
    260,000 address strings (13 MB) nor a dict each."""

    __slots__ = ("columns", "row")

    def __init__(self, columns: Mapping[str, str], row: int) -> None:
        self.columns = columns
        self.row = row

    def __getitem__(self, f: str) -> str:
        return f"{self.columns[f]}{self.row}"

    def __iter__(self) -> Iterator[str]:
        return iter(self.columns)

    def __len__(self) -> int:
        return len(self.columns)

    def __repr__(self) -> str:
        return repr(dict(self))


@dataclass(slots=True)
class KeyTask:
    sheet: str
    row: int
    action: str = ""
    task_id: str = ""
    key_task: str = ""
    owner: str = ""
    date_to_complete: DateReading = NO_DATE
    rag_text: str = ""
    expected_outcome: str = ""
    narrative: str = ""
    mitigation: str = ""
    revised_date: DateReading = NO_DATE
    change_request: str = ""
    #: the Board's decision on the change request: Requested / Agreed … / Declined …
    decision: str = ""
    last_updated: DateReading = NO_DATE
    #: field -> A1 address of the cell it was read from (a :class:`RowCells` when read)
    cells: Mapping[str, str] = field(default_factory=dict)
    #: field -> Excel error text (``#REF!``) where the cell holds an error value
    errors: dict[str, str] = field(default_factory=dict)
    @property
    def rag(self) -> RAG | None:
        return _rag_of(self.rag_text)

    @property
    def owners(self) -> list[str]:
        return split_owners(self.owner)

    @property
    def request(self) -> Request:
        """The timescale change request and the Board's decision, as read."""
        return request_of(self)

    @property
    def removed(self) -> bool:
        """Its removal from the plan was agreed by the Board: it leaves every count."""
        return self.request.removal_agreed

    @property
    def deadline(self) -> date | None:
        """The date the task is due: the revised date where one is recorded (unless the
        Board declined the change request), else the date to complete. None when there is
        no fixed deadline (ongoing, complete, unreadable)."""
        if self.revised_date.has_deadline and not self.request.declined:
            return self.revised_date.date
        return self.date_to_complete.date if self.date_to_complete.has_deadline else None

    def is_overdue(self, as_of: date) -> bool:
        """Past its deadline and not Blue (completed and signed off)."""
        d = self.deadline
        return d is not None and d < as_of and self.rag is not RAG.BLUE

    def is_blank(self) -> bool:
        return not any(
            (self.task_id, self.key_task, self.owner, self.rag_text, self.narrative,
             self.date_to_complete.raw, self.expected_outcome, self.mitigation,
             self.change_request, self.revised_date.raw, self.decision)
        )

    def to_json(self) -> dict:
        out: dict = {"sheet": self.sheet, "row": self.row}
        for name in ("action", "task_id", "key_task", "owner"):
            out[name] = getattr(self, name)
        out["owners"] = self.owners
        out["date_to_complete"] = self.date_to_complete.to_json()
        out["rag"] = self.rag.value if self.rag else self.rag_text
        for name in ("expected_outcome", "narrative", "mitigation"):
            out[name] = getattr(self, name)
        out["revised_date"] = self.revised_date.to_json()
        out["change_request"] = self.change_request
        out["decision"] = self.decision
        out["request"] = self.request.to_json()
        out["last_updated"] = self.last_updated.to_json()
        return out


@dataclass
class Risk:
    sheet: str
    row: int
    risk: str = ""
    rag_text: str = ""
    mitigation: str = ""
    cells: dict[str, str] = field(default_factory=dict)

    @property
    def rag(self) -> RAG | None:
        return RAG.read(self.rag_text)[0]

    def to_json(self) -> dict:
        return {
            "sheet": self.sheet,
            "row": self.row,
            "risk": self.risk,
            "rag": self.rag.value if self.rag else self.rag_text,
            "mitigation": self.mitigation,
        }


@dataclass
class Action:
    letter: str
    statement: str


@dataclass
class Workstream:
    number: int
    name: str
    sheet: str
    sponsor: str = ""
    actions: list[Action] = field(default_factory=list)
    tasks: list[KeyTask] = field(default_factory=list)
    risks: list[Risk] = field(default_factory=list)
    narrative: dict[str, str] = field(default_factory=dict)
    headline: str = ""
    #: A1 address of the RAG header cell and of the headline, for links
    cells: dict[str, str] = field(default_factory=dict)
    #: the key-task table as read: its header row and field -> column number
    header_row: int = 0
    columns: dict[str, int] = field(default_factory=dict)

    @property
    def sponsors(self) -> list[str]:
        return split_sponsors(self.sponsor)

    @property
    def title(self) -> str:
        return f"Workstream {self.number}: {self.name}"

    def to_json(self) -> dict:
        return {
            "number": self.number,
            "name": self.name,
            "sheet": self.sheet,
            "sponsor": self.sponsor,
            "sponsors": self.sponsors,
            "actions": [{"letter": a.letter, "statement": a.statement} for a in self.actions],
            "tasks": [t.to_json() for t in self.tasks],
            "risks": [r.to_json() for r in self.risks],
            "narrative": dict(self.narrative),
            "headline": self.headline,
        }


@dataclass
class Plan:
    title: str
    reporting_date: date | None = None
    previous_reporting_date: date | None = None
    programme: str = ""
    workstreams: list[Workstream] = field(default_factory=list)
    #: where the Plan sheet's values were read: "reporting_date" -> A1 (of the value cell)
    cells: dict[str, str] = field(default_factory=dict)

    @property
    def tasks(self) -> list[KeyTask]:
        return [t for ws in self.workstreams for t in ws.tasks]

    def to_json(self) -> dict:
        return {
            "title": self.title,
            "programme": self.programme,
            "reporting_date": self.reporting_date.isoformat() if self.reporting_date else None,
            "previous_reporting_date": (
                self.previous_reporting_date.isoformat() if self.previous_reporting_date else None
            ),
            "workstreams": [ws.to_json() for ws in self.workstreams],
        }
