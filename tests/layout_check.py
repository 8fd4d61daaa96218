"""Does every wrapped cell of a sheet cqcxl lays out fit its row? Asked of LibreOffice.

``wrapped_cells(spec)`` lists each wrapped text cell of a SheetSpec with the width it wraps
in (a merged range's full width), its font and the height cqcxl gave its row.
``rendered_lines(cases, tmp)`` writes each text alone in a tall row of a column that wide,
in that font, renders the workbook through LibreOffice (with Carlito, Calibri's metrics)
and counts the lines LibreOffice wrapped it into, from the words' positions in the PDF.
A cell is clipped when its rendered lines need more height than its row has.
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from cqcxl.edits import Formula, SheetSpec
from cqcxl.grid import col_letter, parse_a1
from cqcxl.sheets.text import line_pt, span_width

MARK = "ⓜ"


@dataclass(frozen=True)
class Case:
    sheet: str
    cell: str
    text: str
    width: float
    size: float
    bold: bool
    row_pt: float


def _cells(ref: str):
    a, _, b = ref.partition(":")
    (r1, c1), (r2, c2) = parse_a1(a), parse_a1(b or a)
    for r in range(r1, r2 + 1):
        for c in range(c1, c2 + 1):
            yield r, c


def wrapped_cells(spec: SheetSpec) -> list[Case]:
    """Every cell holding text with wrap on, and the height of its row (the sheet's default
    where the spec sets none: such a row is not grown by Excel for text cqcxl writes)."""
    style: dict[tuple[int, int], object] = {}
    for ref, st in spec.styles:
        for rc in _cells(ref):
            style[rc] = st
    span: dict[tuple[int, int], list[int]] = {}
    for ref in spec.merges:
        a, _, b = ref.partition(":")
        (r1, c1), (_, c2) = parse_a1(a), parse_a1(b)
        span[(r1, c1)] = list(range(c1, c2 + 1))
    out = []
    for b in spec.blocks:
        for i, row in enumerate(b.values):
            for j, v in enumerate(row):
                r, c = b.row + i, b.col + j
                st = style.get((r, c))
                if (v is None or isinstance(v, Formula) or not isinstance(v, str)
                        or st is None or not st.wrap):
                    continue
                cols = span.get((r, c), [c])
                width = span_width([spec.col_widths.get(k, 8.43) for k in cols])
                out.append(Case(spec.name, f"{col_letter(c)}{r}", v, width, st.size or 11.0,
                                st.bold, spec.row_heights.get(r, spec.default_row_pt)))
    return out


def rendered_lines(cases: list[Case], tmp: Path, profile: Path) -> list[int]:
    """The number of lines LibreOffice wraps each case's text into."""
    wb = Workbook()
    wb.remove(wb.active)
    by_width: dict[tuple[float, float, bool], list[int]] = {}
    for k, c in enumerate(cases):
        by_width.setdefault((round(c.width, 2), c.size, c.bold), []).append(k)
    for n, ((width, size, bold), ks) in enumerate(sorted(by_width.items())):
        ws = wb.create_sheet(f"w{n}")
        ws.column_dimensions["A"].width = 4
        ws.column_dimensions["B"].width = width
        ws.page_setup.orientation = "portrait"
        for r, k in enumerate(ks, start=1):
            mark = ws.cell(r, 1, f"{MARK}{k}")
            mark.font = Font(name="Calibri", size=6)
            mark.alignment = Alignment(vertical="top")
            cell = ws.cell(r, 2, cases[k].text)
            cell.font = Font(name="Calibri", size=size, bold=bold)
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            ws.row_dimensions[r].height = min(409, 15 * (len(cases[k].text) // 8 + 3))
        # one page wide at 100%: a column wider than the page would scale everything
        ws.sheet_properties.pageSetUpPr.fitToPage = True
        ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    src = tmp / "layout.xlsx"
    wb.save(src)
    subprocess.run(["soffice", "--headless", "--norestore",
                    f"-env:UserInstallation={profile.as_uri()}", "--convert-to", "pdf",
                    "--outdir", str(tmp), str(src)], check=True, capture_output=True,
                   timeout=600)
    xml = subprocess.run(["pdftotext", "-bbox", str(tmp / "layout.pdf"), "-"], check=True,
                         capture_output=True, text=True).stdout
    lines: dict[int, set[float]] = {}
    word = re.compile(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="[\d.]+" yMax="[\d.]+">'
                      r"(.*?)</word>")
    for page in xml.split("<page ")[1:]:
        words = [(float(m.group(1)), float(m.group(2)), m.group(3))
                 for m in word.finditer(page)]
        marks = sorted((y, x, int(t[len(MARK):])) for x, y, t in words if t.startswith(MARK))
        for x, y, t in words:
            if t.startswith(MARK):
                continue
            # the word belongs to the row whose mark is the last one above it
            owner = [m for m in marks if m[0] <= y + 2 and x > m[1] + 5]
            if owner:
                lines.setdefault(owner[-1][2], set()).add(y)
    return [_clusters(lines.get(k, set())) for k in range(len(cases))]


def _clusters(ys: set[float]) -> int:
    """Lines of text from the tops of its words: words on one line differ by a fraction
    of a point, lines by a line height."""
    out, last = 0, None
    for y in sorted(ys):
        if last is None or y - last > 4:
            out += 1
        last = y
    return max(1, out)


def clipped(cases: list[Case], rendered: list[int]) -> list[tuple[Case, int]]:
    """Cases whose rendered lines do not fit the height of their row."""
    return [(c, n) for c, n in zip(cases, rendered, strict=True)
            if n * line_pt(c.size) * 0.9 > c.row_pt]
