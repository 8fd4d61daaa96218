"""A worksheet's layout from its XML: column widths, set row heights, the defaults.

Validate grows key-task rows whose text no longer fits (``edits.FitRows``), so the sheets
need to know how wide each column is and which rows already have a height. The fast reader
gives values only; this reads the few layout elements of a worksheet part as a stream, in
one pass, and stops at ``</sheetData>`` — nothing after the cells is layout.
"""

from __future__ import annotations

import re

_COL = re.compile(rb"<(?:\w+:)?col\b([^>]*)/?>")
_ROW = re.compile(rb"<(?:\w+:)?row\b([^>]*)>")
_FMT = re.compile(rb"<(?:\w+:)?sheetFormatPr\b([^>]*)/?>")
_ATTR = re.compile(rb'(\w+)="([^"]*)"')
_TRUE = {b"1", b"true"}


def _attrs(raw: bytes) -> dict[bytes, bytes]:
    return dict(_ATTR.findall(raw))


def _float(v: bytes | None) -> float | None:
    try:
        return float(v) if v is not None else None
    except ValueError:
        return None


class Layout:
    """What :func:`read_layout` found."""

    def __init__(self) -> None:
        self.col_widths: dict[int, float] = {}
        self.row_heights: dict[int, float] = {}
        self.default_col_width = 8.43
        self.default_row_pt = 15.0


def read_layout(xml: bytes) -> Layout:
    """The layout of one worksheet part (the raw bytes of ``xl/worksheets/sheetN.xml``)."""
    out = Layout()
    end = xml.find(b"</sheetData>")
    head = xml if end < 0 else xml[:end]
    cells_start = head.find(b"sheetData")
    before = head if cells_start < 0 else head[:cells_start]
    if m := _FMT.search(before):
        a = _attrs(m[1])
        if (w := _float(a.get(b"defaultColWidth"))) is not None:
            out.default_col_width = w
        elif (base := _float(a.get(b"baseColWidth"))) is not None:
            out.default_col_width = base + 0.43
        if (h := _float(a.get(b"defaultRowHeight"))) is not None:
            out.default_row_pt = h
    for m in _COL.finditer(before):
        a = _attrs(m[1])
        width = _float(a.get(b"width"))
        lo, hi = _float(a.get(b"min")), _float(a.get(b"max"))
        if width is None or lo is None or hi is None:
            continue
        for col in range(int(lo), min(int(hi), 16384) + 1):
            out.col_widths[col] = width
    last = 0
    for m in _ROW.finditer(head, cells_start if cells_start >= 0 else 0):
        a = _attrs(m[1])
        r = a.get(b"r")
        row = int(r) if r and r.isdigit() else last + 1
        last = row
        if a.get(b"customHeight") in _TRUE and (h := _float(a.get(b"ht"))) is not None:
            out.row_heights[row] = h
    return out
