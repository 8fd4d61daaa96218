"""What a user typed or set, read from a saved workbook, for before/after comparisons."""

from __future__ import annotations

import openpyxl

from cqcxl.sheets import layout as L


def user_view(path, *, skip_fill: set[tuple[str, str]] = frozenset()) -> dict:
    """Every cell's value, type and number format, every fill except ``skip_fill`` (RAG
    cells), every comment not signed cqcxl, and each sheet's structure — for all sheets
    that are not cqcxl's own."""
    wb = openpyxl.load_workbook(path)
    out: dict = {"order": [n for n in wb.sheetnames if n not in L.OWNED_SHEETS]}
    for ws in wb.worksheets:
        if ws.title in L.OWNED_SHEETS:
            continue
        cells = {}
        for row in ws.iter_rows():
            for c in row:
                fill = None if (ws.title, c.coordinate) in skip_fill else (
                    c.fill.fgColor.rgb if c.fill.fill_type else None)
                if c.value is not None or fill or c.number_format != "General":
                    cells[c.coordinate] = (c.value, c.data_type, c.number_format, fill,
                                           bool(c.alignment.wrap_text))
                if c.comment is not None and c.comment.author != L.NOTE_AUTHOR:
                    cells[c.coordinate + "#comment"] = (c.comment.author, c.comment.text)
        out[ws.title] = {
            "cells": cells,
            "merged": sorted(str(m) for m in ws.merged_cells.ranges),
            "dv": sorted((dv.formula1, str(dv.sqref)) for dv in
                         ws.data_validations.dataValidation),
            "cf": sorted(str(r.sqref) for r in ws.conditional_formatting),
            "tables": dict(ws.tables.items()),
            "widths": {k: d.width for k, d in ws.column_dimensions.items()},
            "heights": {k: d.height for k, d in ws.row_dimensions.items() if d.height},
            "freeze": ws.freeze_panes,
        }
    out["names"] = sorted(wb.defined_names.keys())
    return out


def notes(path, sheet: str) -> dict[str, tuple[str, str]]:
    ws = openpyxl.load_workbook(path)[sheet]
    return {c.coordinate: (c.comment.author, c.comment.text)
            for row in ws.iter_rows() for c in row if c.comment is not None}


def header_row(ws) -> int:
    """The row of a workstream sheet's key-task header (found by its 'Task ID' cell)."""
    for row in ws.iter_rows():
        for c in row:
            if c.value == "Task ID":
                return c.row
    raise AssertionError(f"no Task ID header on {ws.title}")


def task_rows(ws) -> list[int]:
    """Rows below the key-task header, up to the 'Key risks' heading."""
    hr = header_row(ws)
    out = []
    for r in range(hr + 1, ws.max_row + 1):
        if ws.cell(r, 1).value == "Key risks":
            break
        out.append(r)
    return out
