"""How tall a row must be for its wrapped text: one estimate for every sheet cqcxl writes.

Excel does not grow a row for wrapped text written by a program, and LibreOffice and Excel
wrap slightly differently, so the estimate errs on the tall side: about 1.1 characters of
Calibri 11 per unit of column width, 15 points a line.
"""

from __future__ import annotations

import math

from . import theme as T

CHARS_PER_WIDTH = 1.1
MAX_ROW_PT = 409.0  # Excel's tallest row


def lines(text: object, width: float) -> int:
    """Wrapped lines of ``text`` in a column ``width`` characters wide (at least 1)."""
    if text is None:
        return 1
    per = max(1.0, width * CHARS_PER_WIDTH)
    return sum(max(1, math.ceil(len(p) / per)) for p in str(text).split("\n"))


def height(n_lines: int) -> float:
    """Row height in points for ``n_lines`` lines of text."""
    return min(MAX_ROW_PT, T.ROW_PT * max(1, n_lines) + 3)
