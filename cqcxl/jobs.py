"""The jobs, in one table: grid in, findings + edits + a message out.

``JOBS`` maps each job's name to a function of a :class:`Run`; the command line and the
Excel buttons both loop over it, so neither has job logic of its own, and jobs compose:
``run_jobs(["validate", "summary"], grid)`` reads the plan once, checks it once, and
returns both jobs' edits for one save.

Data flows one way: engine.read -> grid -> sheets.read -> plan -> core facts (each worked
out once, here) -> sheets -> edits -> engine.apply.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property

from .core.chase import Chase, chase_list
from .core.findings import ERROR, Finding, counts, make
from .core.history import Context, Snapshot, reporting_date
from .core.model import Plan
from .core.progress import Progress, progress
from .core.rules import check
from .core.summary import Summary, compute
from .core.words import n_of
from .edits import Edit, ReplaceSheet
from .errors import BookError
from .grid import BookGrid
from .sheets import chase as chase_sheet
from .sheets import cover, history, validation
from .sheets import layout as L
from .sheets import progress as progress_sheet
from .sheets.read import ReadResult, read_plan


@dataclass
class JobResult:
    """What one job found and what it would write. The same shape for every job."""

    job: str
    plan: Plan
    as_of: date
    as_of_source: str
    findings: list[Finding] = field(default_factory=list)
    edits: list[Edit] = field(default_factory=list)
    message: str = ""
    #: the cover's numbers (Build summary sheet only)
    summary: Summary | None = None

    @property
    def errors(self) -> int:
        return counts(self.findings)[ERROR]

    @property
    def headline(self) -> list[Finding]:
        return [f for f in self.findings if f.overdue_no_mitigation]


class Run:
    """The facts of one run over one workbook, each worked out once, on first use."""

    def __init__(self, grid: BookGrid, as_of: date | None = None, *,
                 today: date | None = None) -> None:
        self.grid = grid
        self.given = as_of
        self.today = today or date.today()

    @cached_property
    def read(self) -> ReadResult:
        return read_plan(self.grid)

    @property
    def plan(self) -> Plan:
        return self.read.plan

    @cached_property
    def when(self) -> tuple[date, str]:
        when, source = reporting_date(self.plan, self.given, self.today)
        assert when is not None  # today is always given here
        return when, source

    @cached_property
    def findings(self) -> list[Finding]:
        """Structure, schema and Board findings, errors and the alarm first."""
        when, _ = self.when
        found = list(self.read.findings)
        if self.plan.reporting_date is None and self.given is None and \
                self.grid.sheet(L.PLAN) is not None:
            found.append(make(
                "no-reporting-date", L.PLAN, self.plan.cells.get("reporting_date", "A1"), "",
                f"The Plan sheet has no reporting date, so cqcxl used today "
                f"({when:%d %B %Y}). Type the reporting date in this cell."))
        found.extend(check(self.plan, self.context))
        found.extend(validation.note_clashes(self.grid, found))
        order = {name: i for i, name in enumerate(self.grid.names)}
        found.sort(key=lambda f: f.sort_key(order))
        return found

    @cached_property
    def snapshots(self) -> list[Snapshot]:
        return history.read_history(history.history_sheet(self.grid))

    @cached_property
    def context(self) -> Context:
        """The reporting date and the closed periods before it (for slippage, trends and
        the alarm's 'narrative unchanged')."""
        return Context.of(self.plan, self.when[0], self.snapshots)

    @cached_property
    def summary(self) -> Summary:
        return compute(self.plan, self.when[0], self.snapshots, self.context)

    @cached_property
    def progress(self) -> Progress:
        return progress(self.plan, self.when[0], self.snapshots)

    @cached_property
    def chase(self) -> list[Chase]:
        return chase_list(self.summary, self.context)


def validate(run: Run) -> JobResult:
    """Validate: colour the RAG cells, note each problem on its cell, the Validation sheet."""
    when, source = run.when
    checked = validation.Checked(run.plan, when, source, run.findings)
    result = JobResult("validate", run.plan, when, source, run.findings,
                       validation.edits(run.grid, checked))
    result.message = (f"{n_of(len(run.plan.tasks), 'key task')} checked as at "
                      f"{when:%d %B %Y}: {n_of(result.errors, 'error')}; "
                      f"{len(result.headline)} overdue with no mitigation.")
    return result


def summary(run: Run) -> JobResult:
    """Build summary sheet: the Board's cover, rebuilt from scratch as the first tab."""
    when, source = run.when
    s = run.summary
    message = f"{n_of(s.total.tasks, 'key task')} as at {when:%d %B %Y}: " + ", ".join(
        f"{n} {r}" for r, n in s.total.counts_by_name().items()) + \
        f"; {len(s.overdue_no_mitigation)} overdue with no mitigation."
    if s.previous is not None:
        message += f" {len(s.slipped)} slipped since {s.previous.when:%d %B %Y}."
    edits: list[Edit] = [ReplaceSheet(cover.cover_sheet(s, run.progress)),
                         ReplaceSheet(chase_sheet.chase_sheet(run.chase, s,
                                                              run.grid.names))]
    if any(p.closed for p in run.progress.periods):
        edits.append(ReplaceSheet(progress_sheet.progress_sheet(run.progress, run.grid.names)))
    return JobResult("summary", run.plan, when, source, [], edits, message, s)


def close_period(run: Run) -> JobResult:
    """Close period: add this period's counts and RAGs to the History sheet."""
    when, source = reporting_date(run.plan, run.given, None)
    if when is None:
        raise BookError("no reporting date: type it on the Plan sheet (Reporting date), "
                        "then close the period again.", sheet=L.PLAN)
    snaps = run.snapshots
    if any(s.when == when for s in snaps):
        raise BookError(f"the period ending {when.day} {when:%B %Y} is already closed in the "
                        "History sheet. Change the reporting date on the Plan sheet for the "
                        "next period.", sheet=history.history_sheet(run.grid).name)
    last = max((s.when for s in snaps), default=None)
    if last is not None and when < last:
        raise BookError(f"the period ending {when.day} {when:%B %Y} is earlier than the last "
                        f"closed period ({last.day} {last:%B %Y}): periods are closed in "
                        "order. Check the reporting date on the Plan sheet.",
                        sheet=history.history_sheet(run.grid).name)
    edit = history.period_block(run.plan, when, history.history_sheet(run.grid))
    n = len(run.plan.tasks)
    message = (f"closed the period ending {when.isoformat()}: stored {n_of(n, 'key task')} "
               f"of {n_of(len(run.plan.workstreams), 'workstream')} in the History sheet "
               f"({n_of(len(snaps) + 1, 'period')} in all).")
    return JobResult("close-period", run.plan, when, source, [], [edit], message)


Job = Callable[[Run], JobResult]

#: Every job, by the name the command line and the buttons use.
JOBS: dict[str, Job] = {
    "validate": validate,
    "summary": summary,
    "close-period": close_period,
}


def run_jobs(names: Iterable[str], grid: BookGrid, as_of: date | None = None, *,
             today: date | None = None) -> list[JobResult]:
    """Run several jobs over one reading of the workbook, in order."""
    run = Run(grid, as_of, today=today)
    return [JOBS[name](run) for name in names]


def run_job(name: str, grid: BookGrid, as_of: date | None = None, *,
            today: date | None = None) -> JobResult:
    return run_jobs([name], grid, as_of, today=today)[0]
