"""Row heights against LibreOffice's own layout: no wrapped cell on the sheets cqcxl
writes is clipped (issue 16 item 1). The example's cover (both months), its workstream
sheets and the History sheets are laid out by cqcxl; LibreOffice wraps the same texts in
the same widths and fonts, and every row must hold the lines it wraps them into."""

from __future__ import annotations

import json
import shutil

import pytest

from cqcxl.engines.fast_reader import read_book
from cqcxl.jobs import run_jobs
from cqcxl.sheets import template
from cqcxl.sheets.text import lines

from .conftest import ROOT
from .layout_check import clipped, rendered_lines, wrapped_cells

pytestmark = pytest.mark.skipif(shutil.which("soffice") is None or
                                shutil.which("pdftotext") is None,
                                reason="needs LibreOffice and poppler-utils")


def _specs():
    examples = ROOT / "examples"
    out = []
    for name in ("cumbria-2018-11", "cumbria-2018-12"):
        grid = read_book(examples / f"{name}.xlsx")
        for result in run_jobs(["validate", "summary"], grid):
            out += [e.spec for e in result.edits if hasattr(e, "spec")]
    data = json.loads((examples / "cumbria-2018-12.json").read_text())
    out += template.plan_sheets(data)
    return out


def test_no_wrapped_cell_is_clipped(tmp_path):
    cases = [c for spec in _specs() for c in wrapped_cells(spec)]
    assert len(cases) > 300  # the cover tables, the workstream sheets, Validation…
    rendered = rendered_lines(cases, tmp_path, tmp_path / "profile")
    bad = clipped(cases, rendered)
    detail = "\n".join(f"{c.sheet}!{c.cell} ({c.width:.0f} ch, {c.size:g} pt, row "
                       f"{c.row_pt:g} pt): LibreOffice wraps to {n} lines: {c.text[:60]!r}"
                       for c, n in bad[:15])
    assert not bad, f"{len(bad)} of {len(cases)} cells clipped:\n{detail}"
    # and the estimate is not wasteful: on average within a line of what LibreOffice needs
    est = [lines(c.text, c.width, c.size) for c in cases]
    spare = sum(e - n for e, n in zip(est, rendered, strict=True)) / len(cases)
    assert spare < 0.5, f"the estimate gives {spare:.2f} spare lines a cell on average"
