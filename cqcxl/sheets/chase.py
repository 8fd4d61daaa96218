"""The Chase list sheet: per task owner, across workstreams, what to chase, with links."""

from __future__ import annotations

from ..core.chase import CHASE_RULE, Chase
from ..core.summary import Summary
from ..core.words import n_of
from ..edits import SheetSpec, block, link_formula
from . import layout as L
from . import theme as T
from .text import height, lines, span_width

HEADER = ("Task owner", "Workstream", "Task ID", "Key task", "Why", "Detail", "Go to")


def chase_sheet(chases: list[Chase], s: Summary, names: list[str]) -> SheetSpec:
    position = names.index(L.CHASE) if L.CHASE in names else None
    spec = SheetSpec(L.CHASE, position=position, page=T.PAGE_LANDSCAPE, tab_color=T.NAVY)
    n_tasks = len({id(i.task) for c in chases for i in c.items})
    top = [[f"Chase list as at {s.as_of.day} {s.as_of:%B %Y}"],
           [f"{n_of(len(chases), 'task owner')}, {n_of(n_tasks, 'key task')}. " + CHASE_RULE],
           ["For an e-mail per owner, run: cqcxl chase BOOK"]]
    spec.blocks.append(block(1, 1, top))
    spec.styles += [("A1:A1", T.SHEET_TITLE), ("A2:G2", T.SMALL_WRAP), ("A3:A3", T.SMALL)]
    # the rule, wrapped across the table's width: text running on past column G would
    # widen what prints (LibreOffice prints it), and shrink every page to fit
    spec.merges.append("A2:G2")
    spec.row_heights[2] = height(lines(top[1][0], span_width(list(T.CHASE_WIDTHS.values())),
                                       T.SMALL_SIZE), T.SMALL_SIZE)
    hr = 5
    rows: list[list] = []
    for c in chases:
        for i in c.items:
            ref = i.task.cells.get("rag", f"A{i.task.row}")
            rows.append([c.owner, f"{i.ws.number} {i.ws.name}", i.task.task_id or
                         f"row {i.task.row}", i.task.key_task, ", ".join(i.reasons), i.detail,
                         link_formula(i.ws.sheet, ref, f"{i.ws.sheet}!{ref}")])
    if not rows:
        rows = [["Nothing to chase: no task is overdue, Red without mitigation, slipped or "
                 "out of date."]]
        spec.blocks.append(block(hr, 1, rows))
    else:
        spec.blocks.append(block(hr, 1, [list(HEADER), *rows]))
        spec.styles += [(f"A{hr}:G{hr}", T.HEAD), (f"A{hr + 1}:G{hr + len(rows)}", T.CELL)]
        spec.autofilter = f"A{hr}:G{hr + len(rows)}"
        for i, r in enumerate(rows, start=hr + 1):
            spec.row_heights[i] = height(max(lines(v, T.CHASE_WIDTHS[j])
                                             for j, v in enumerate(r[:6], start=1)))
        spec.freeze = f"A{hr + 1}"
        spec.print_title_rows = f"{hr}:{hr}"
    spec.col_widths = dict(T.CHASE_WIDTHS)
    return spec
