"""Row heights on a user's sheet, patched in the package: ``edits.FitRows`` for the package
engine.

Only the start tags of the rows named are rewritten (their ``ht`` and ``customHeight``);
every other byte of the sheet stays as it was. A row with no ``<row>`` element holds no
cell, so no text to fit, and is left alone.
"""

from __future__ import annotations

import re

from . import xlsxpatch as xp

_HT = re.compile(r"""\s(?:ht|customHeight)\s*=\s*(?:"[^"]*"|'[^']*')""")


def _num(x: float) -> str:
    return f"{x:.2f}".rstrip("0").rstrip(".")


def set_row_heights(pkg: xp.Package, sheet: str, heights: dict[int, float]) -> int:
    """Give rows of ``sheet`` these heights (points); returns how many rows changed."""
    if not heights:
        return 0
    part = pkg._worksheet_part(sheet)
    ws = xp._SheetXML(pkg.read_text(part))
    text = ws.text
    out: list[str] = []
    pos = changed = 0
    for row in ws.rows(set()):  # row tags only: no cell is parsed
        pt = heights.get(row.r)
        if pt is None:
            continue
        attrs = _HT.sub("", row.attrs_text).rstrip()
        tag = (f"<{ws.pfx}row{attrs} ht=\"{_num(pt)}\" customHeight=\"1\""
               f"{'/' if row.empty else ''}>")
        out += [text[pos:row.start], tag]
        pos = row.head_end
        changed += 1
    if changed:
        out.append(text[pos:])
        pkg.write_text(part, "".join(out))
    return changed
