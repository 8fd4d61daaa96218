"""How tall a row must be for its wrapped text: one estimate for every sheet cqcxl writes.

Excel does not grow a row for wrapped text written by a program, and Excel and LibreOffice
wrap slightly differently, so the estimate errs on the tall side: about 1.05 characters of
Calibri 11 per unit of column width (more at a smaller size), and Excel's own line height
— 15 points a line at 11 pt, 12 at 9 pt. ``tests/test_text_layout.py`` checks it against
the heights LibreOffice itself gives the same rows.
"""

from __future__ import annotations

from . import theme as T

CHARS_PER_WIDTH = 1.05
MAX_ROW_PT = 409.0  # Excel's tallest row
BASE_SIZE = 11.0


def lines(text: object, width: float, size: float = BASE_SIZE) -> int:
    """Wrapped lines of ``text`` in a column ``width`` characters wide (at least 1), in a
    font of ``size`` points. Words are not split: a line breaks at the last space that
    fits, as Excel does."""
    if text is None:
        return 1
    per = max(1, int(width * CHARS_PER_WIDTH * BASE_SIZE / size))
    n = 0
    for para in str(text).split("\n"):
        n += _wrap(para, per)
    return max(1, n)


def _wrap(para: str, per: int) -> int:
    """Lines of one paragraph broken at spaces, ``per`` characters a line."""
    words = para.split()
    if not words:
        return 1
    n, used = 1, 0
    for w in words:
        while len(w) > per:  # a word longer than the line is broken anywhere
            if used:
                n += 1
            w = w[per:]
            used = per
        need = len(w) if not used else used + 1 + len(w)
        if need <= per:
            used = need
        else:
            n += 1
            used = len(w)
    return n


def span_width(widths: list[float] | tuple[float, ...]) -> float:
    """The width, in characters, of cells merged across columns of these widths: each
    column beyond the first adds its 5-pixel padding (5/7 of a character)."""
    return sum(widths) + (len(widths) - 1) * 5 / 7 if widths else 0.0


def chars(points: float) -> float:
    """A width in points as a column width in characters (the inverse of
    :func:`cqcxl.edits.width_points`)."""
    return max(0.0, (points / 0.75 - 5) / 7)


def line_pt(size: float = BASE_SIZE) -> float:
    """Excel's line height for Calibri at ``size`` points (15 at 11 pt)."""
    return T.ROW_PT * size / BASE_SIZE


def height(n_lines: int, size: float = BASE_SIZE) -> float:
    """Row height in points for ``n_lines`` lines of text at ``size`` points."""
    return min(MAX_ROW_PT, round(line_pt(size) * max(1, n_lines) + 3, 1))
