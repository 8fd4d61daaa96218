"""Replay the actions xlwings' remote engine recorded onto an openpyxl workbook.

xlwings Lite / Server send these actions to Excel (Office.js), which carries them out. Here
a small interpreter does the same to an openpyxl workbook, so a test can compare what the
live-Excel path would leave in the workbook with what the headless (file) path writes.

Only the actions cqcxl's xlwings adapter uses are replayed; anything else raises, so a new
kind of action cannot slip through a test unnoticed. Charts, hyperlinks and alerts are not
drawn: they are collected in :class:`Replay` for the test to look at.
"""

from __future__ import annotations

import re
from copy import copy
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from openpyxl.comments import Comment
from openpyxl.styles import Border, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.workbook.workbook import Workbook

_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?Z?$")
#: Excel's limits: a whole column or a whole row as the remote engine addresses them.
MAX_ROWS, MAX_COLS = 1_048_576, 16_384
#: the author Excel would give a note added through Office.js (the user's name)
NOTE_AUTHOR = "Excel user"


@dataclass
class Replay:
    wb: Workbook
    alerts: list[list[Any]] = field(default_factory=list)
    charts: list[dict[str, Any]] = field(default_factory=list)
    hyperlinks: list[tuple[str, str, list[Any]]] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)

    def run(self, actions: list[dict[str, Any]]) -> Replay:
        for a in actions:
            func = a["func"]
            handler = getattr(self, f"_{func}", None)
            if handler is None:
                raise NotImplementedError(f"replay: unknown action {func!r}")
            self.counts[func] = self.counts.get(func, 0) + 1
            handler(a, a.get("args") or [])
        return self

    # --- where an action applies --------------------------------------------------------

    def _ws(self, a):
        return self.wb.worksheets[a["sheet_position"]]

    @staticmethod
    def _rect(a) -> tuple[int, int, int, int]:
        """1-based (first row, first column, rows, columns), whole rows/columns clipped."""
        rows = min(a["row_count"], 2000)
        cols = min(a["column_count"], 200)
        return a["start_row"] + 1, a["start_column"] + 1, rows, cols

    def _cells(self, a):
        ws = self._ws(a)
        r0, c0, rows, cols = self._rect(a)
        for r in range(r0, r0 + rows):
            for c in range(c0, c0 + cols):
                yield ws.cell(r, c)

    @staticmethod
    def _addr(text: str) -> str:
        return text.replace("$", "").split("!")[-1]

    # --- values -----------------------------------------------------------------------------

    @staticmethod
    def value(v: Any) -> Any:
        """A value as Excel stores what Office.js wrote: '' is empty, a leading apostrophe
        marks text, an ISO date string becomes a date."""
        if v == "" or v is None:
            return None
        if isinstance(v, str) and v.startswith("'"):
            return v[1:]  # Excel's text mark: not part of the value
        if isinstance(v, str) and _ISO.match(v):
            return datetime.fromisoformat(v.rstrip("Z"))
        return v

    def _setValues(self, a, args):
        ws = self._ws(a)
        r0, c0 = a["start_row"] + 1, a["start_column"] + 1
        for i, row in enumerate(a["values"]):
            for j, v in enumerate(row):
                ws.cell(r0 + i, c0 + j).value = self.value(v)

    # --- formats -------------------------------------------------------------------------

    @staticmethod
    def _rgb(color: str | None) -> str | None:
        return None if color is None else color.lstrip("#").upper()

    @staticmethod
    def _with(style, **changes):
        new = copy(style)
        for k, v in changes.items():
            setattr(new, k, v)
        return new

    def _setRangeColor(self, a, args):
        color = self._rgb(args[0])
        for cell in self._cells(a):
            cell.fill = PatternFill("solid", fgColor=color) if color else PatternFill()

    def _setRangeColors(self, a, args):
        ws = self._ws(a)
        r0, c0 = a["start_row"] + 1, a["start_column"] + 1
        for i, row in enumerate(args[0]):
            for j, color in enumerate(row):
                if color == "keep":
                    continue
                cell = ws.cell(r0 + i, c0 + j)
                rgb = self._rgb(color)
                cell.fill = PatternFill("solid", fgColor=rgb) if rgb else PatternFill()

    def _setFontProperty(self, a, args):
        prop, value = args
        if prop == "color":
            value = self._rgb(value)
        for cell in self._cells(a):
            cell.font = self._with(cell.font, **{prop: value})

    def _align(self, a, **kw):
        for cell in self._cells(a):
            cell.alignment = self._with(cell.alignment, **kw)

    def _setWrapText(self, a, args):
        self._align(a, wrap_text=bool(args[0]))

    def _setHorizontalAlignment(self, a, args):
        self._align(a, horizontal=args[0].lower())

    def _setVerticalAlignment(self, a, args):
        self._align(a, vertical=args[0].lower())

    def _setNumberFormat(self, a, args):
        for cell in self._cells(a):
            cell.number_format = args[0]

    def _setBorderProperty(self, a, args):
        """Edges go on the rectangle's outer cells, inside borders between its cells; only
        'continuous' lines (thin) and their colour are kept."""
        side, attr, value = args
        ws = self._ws(a)
        r0, c0, rows, cols = self._rect(a)
        targets: list[tuple[int, int, str]] = []
        for r in range(r0, r0 + rows):
            for c in range(c0, c0 + cols):
                if side == "edge_top" and r == r0:
                    targets.append((r, c, "top"))
                elif side == "edge_bottom" and r == r0 + rows - 1:
                    targets.append((r, c, "bottom"))
                elif side == "edge_left" and c == c0:
                    targets.append((r, c, "left"))
                elif side == "edge_right" and c == c0 + cols - 1:
                    targets.append((r, c, "right"))
                elif side == "inside_horizontal":
                    targets += [(r, c, "top")] * (r > r0) + [(r, c, "bottom")] * (
                        r < r0 + rows - 1)
                elif side == "inside_vertical":
                    targets += [(r, c, "left")] * (c > c0) + [(r, c, "right")] * (
                        c < c0 + cols - 1)
        for r, c, edge in targets:
            cell = ws.cell(r, c)
            old = getattr(cell.border, edge)
            if attr == "line_style":
                new = Side(style="thin" if value == "continuous" else None, color=old.color)
            elif attr == "color":
                new = Side(style=old.style, color=self._rgb(value))
            else:  # weight: thin is all cqcxl uses
                new = old
            cell.border = self._with(cell.border, **{edge: new}) if cell.border else \
                Border(**{edge: new})

    def _rangeMerge(self, a, args):
        ws = self._ws(a)
        r0, c0, rows, cols = self._rect(a)
        last = get_column_letter(c0 + cols - 1)
        first = get_column_letter(c0)
        if args and args[0]:  # across: one merge per row
            for r in range(r0, r0 + rows):
                ws.merge_cells(f"{first}{r}:{last}{r}")
        else:
            ws.merge_cells(f"{first}{r0}:{last}{r0 + rows - 1}")

    def _setColumnWidth(self, a, args):
        """Points (what the remote engine takes) back to characters."""
        ws = self._ws(a)
        chars = round((args[0] / 0.75 - 5) / 7, 2)
        for c in range(a["start_column"] + 1, a["start_column"] + 1 + a["column_count"]):
            ws.column_dimensions[get_column_letter(c)].width = chars

    def _setRowHeight(self, a, args):
        ws = self._ws(a)
        for r in range(a["start_row"] + 1, a["start_row"] + 1 + a["row_count"]):
            ws.row_dimensions[r].height = args[0]

    # --- notes -----------------------------------------------------------------------------

    def _addNote(self, a, args):
        address, text = args[-2], args[-1]
        self._ws(a)[self._addr(address)].comment = Comment(text, NOTE_AUTHOR)

    def _setNoteText(self, a, args):
        cell = self._ws(a)[self._addr(args[0])]
        cell.comment = Comment(args[1], cell.comment.author if cell.comment else NOTE_AUTHOR)

    def _deleteNote(self, a, args):
        self._ws(a)[self._addr(args[0])].comment = None

    # --- sheets ----------------------------------------------------------------------------

    def _addSheet(self, a, args):
        position, name = args
        self.wb.create_sheet(name, position)

    def _sheetDelete(self, a, args):
        self.wb.remove(self._ws(a))

    def _activateSheet(self, a, args):
        for ws in self.wb.worksheets:
            ws.sheet_view.tabSelected = False
        self.wb.active = args[0]
        self.wb.worksheets[args[0]].sheet_view.tabSelected = True

    def _freezePaneAtRange(self, a, args):
        self._ws(a).freeze_panes = args[0]

    def _setShowGridlines(self, a, args):
        self._ws(a).sheet_view.showGridLines = bool(args[0])

    def _setPrintArea(self, a, args):
        self._ws(a).print_area = args[0]

    # --- recorded, not drawn ---------------------------------------------------------------

    def _addHyperlink(self, a, args):
        self.hyperlinks.append((self._ws(a).title, f"R{a['start_row'] + 1}C"
                                f"{a['start_column'] + 1}", args))

    def _addChart(self, a, args):
        self.charts.append({"sheet": self._ws(a).title, "source": args[3],
                            "position": args[4:8], "actions": []})

    def _chart_action(self, a, args):
        self.charts[-1]["actions"].append((a["func"], args))

    _setChartType = _setChartTitle = _setChartLegend = _setChartXAxisValues = _chart_action
    _setChartSourceData = _chart_action

    def _alert(self, a, args):
        self.alerts.append(args)


def replay(wb: Workbook, actions: list[dict[str, Any]]) -> Replay:
    """Apply ``actions`` (``book.json()["actions"]``) to ``wb`` in order."""
    return Replay(wb).run(actions)


# --- the other direction: the payload Excel sends with a call ------------------------------

_HYPERLINK = re.compile(r'^=HYPERLINK\(".*","((?:[^"]|"")*)"\)$', re.S)


def _payload_value(v: Any) -> Any:
    """A cell as Office.js sends it: '' for empty, dates as ISO strings, a formula's
    result (only HYPERLINK's label can be worked out here)."""
    if v is None:
        return ""
    if isinstance(v, datetime):
        return v.isoformat(timespec="milliseconds") + "Z"
    if hasattr(v, "isoformat") and not isinstance(v, str):  # a date, or a time
        try:
            return datetime(v.year, v.month, v.day).isoformat(timespec="milliseconds") + "Z"
        except AttributeError:
            return str(v)
    if isinstance(v, str) and (m := _HYPERLINK.match(v)):
        return m[1].replace('""', '"')
    return v


def book_json(wb: Workbook, name: str = "plan.xlsx") -> dict[str, Any]:
    """The book JSON xlwings' Office.js client sends: every sheet's values from A1, and the
    addresses (not the text) of its notes."""
    sheets = []
    for ws in wb.worksheets:
        rows = [[_payload_value(v) for v in row] for row in ws.iter_rows(values_only=True)]
        notes = [{"address": f"${''.join(ch for ch in c.coordinate if ch.isalpha())}$"
                             f"{''.join(ch for ch in c.coordinate if ch.isdigit())}"}
                 for c in ws._cells.values() if c.comment is not None]
        sheets.append({"name": ws.title, "visibility": "Visible" if ws.sheet_state ==
                       "visible" else "Hidden", "values": rows or [[""]], "pictures": [],
                       "shapes": [], "charts": [], "notes": notes, "tables": [],
                       "print_area": None, "show_gridlines": True, "pivot_tables": []})
    return {"client": "Office.js", "version": "0.37.8",
            "book": {"name": name, "active_sheet_index": 0, "selection": "A1"},
            "names": [], "sheets": sheets}
