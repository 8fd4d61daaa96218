"""The package engine reads column widths and row heights straight from the sheet XML:
the same as openpyxl's model of the same files (the example, the template, a validated
workbook), and Excel's own spellings (prefixed tags, rows without ``r``)."""

from __future__ import annotations

import re
import zipfile

import openpyxl
import pytest

from cqcxl.engines import openpyxl_engine as ox
from cqcxl.engines.sheet_layout import read_layout
from cqcxl.grid import SheetGrid

from .conftest import EXAMPLE, ROOT, TEMPLATE


def _parts(path):
    wb = openpyxl.load_workbook(path)
    with zipfile.ZipFile(path) as z:
        rels = z.read("xl/_rels/workbook.xml.rels").decode()
        book = z.read("xl/workbook.xml").decode()
        targets = dict(re.findall(r'Id="(rId\d+)"[^>]*Target="([^"]+)"', rels))
        targets.update({k: v for v, k in re.findall(r'Target="([^"]+)"[^>]*Id="(rId\d+)"',
                                                    rels)})
        for name, rid in re.findall(r'<sheet [^>]*name="([^"]+)"[^>]*r:id="(rId\d+)"', book):
            target = targets[rid].lstrip("/")
            part = target if target.startswith("xl/") else "xl/" + target
            yield wb[name.replace("&amp;", "&")], z.read(part)


@pytest.mark.parametrize("path", [EXAMPLE, TEMPLATE,
                                  ROOT / "examples" / "cumbria-2018-12.xlsx"])
def test_the_same_layout_as_openpyxl_reads(path):
    n = 0
    for ws, xml in _parts(path):
        want = SheetGrid(ws.title, [])
        ox._layout(ws, want)
        got = read_layout(xml)
        assert got.col_widths == want.col_widths, ws.title
        assert got.row_heights == want.row_heights, ws.title
        assert (got.default_col_width, got.default_row_pt) == (
            want.default_col_width, want.default_row_pt), ws.title
        n += bool(got.row_heights)
    assert n >= 10  # the workstream sheets carry heights


def test_excel_spellings():
    xml = (b'<x:worksheet xmlns:x="s"><x:sheetFormatPr defaultRowHeight="14.4" '
           b'baseColWidth="10"/><x:cols><x:col min="2" max="4" width="20.5" customWidth="1"/>'
           b'</x:cols><x:sheetData><x:row r="3" ht="30" customHeight="1"><x:c r="A3"/>'
           b'</x:row><x:row ht="45" customHeight="true"/><x:row r="9" ht="12"/></x:sheetData>'
           b'<x:rowBreaks><x:brk id="2"/></x:rowBreaks></x:worksheet>')
    got = read_layout(xml)
    assert got.col_widths == {2: 20.5, 3: 20.5, 4: 20.5}
    assert got.row_heights == {3: 30.0, 4: 45.0}  # row 9's height is not a set one
    assert (got.default_col_width, got.default_row_pt) == (10.43, 14.4)
