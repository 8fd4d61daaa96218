"""The template: its structure, and that the committed file is what the generator makes."""

from __future__ import annotations

import openpyxl
import pytest

from cqcxl.sheets import layout as L
from cqcxl.sheets import template as build

from .conftest import TEMPLATE, run_cli

WS_SHEETS = ["WS1 ICT", "WS2 Workforce", "WS3 Communication & Engagement", "WS4 Commissioning",
             "WS5 System Development", "WS6 CHC", "WS7 Extended GP Access", "WS8 Reablement",
             "WS9 Cumberland Infirmary"]
HEADERS = ["Action", "Task ID", "Key task", "Task owner", "Date to complete", "RAG",
           "Expected outcome / KPI", "Narrative / update", "Mitigation", "Revised date",
           "Timescale change request", "Decision", "Last updated"]


@pytest.fixture(scope="module")
def wb():
    return openpyxl.load_workbook(TEMPLATE)


def test_sheet_order(wb):
    assert wb.sheetnames == ["Summary", "Guide", "Plan", *WS_SHEETS]


def test_guide_has_legend_and_moderation_rule(wb):
    text = "\n".join(str(c.value) for row in wb["Guide"].iter_rows() for c in row if c.value)
    for word in ("Blue: Action completed and signed off",
                 "Red: Action planned and significant barriers",
                 "there are only three ways to record it", "Revised date", "Overall RAG"):
        assert word in text


def test_plan_sheet_lists_every_workstream_sheet(wb):
    ws = wb["Plan"]
    assert [ws.cell(r, 1).value for r in range(3, 7)] == [
        "Programme title", "Programme", "Reporting date", "Previous reporting date"]
    assert [c.value for c in ws[9]][:4] == ["Number", "Workstream", "Sponsor", "Sheet"]
    assert [ws.cell(r, 4).value for r in range(10, 19)] == WS_SHEETS
    assert "Workstreams" in ws.tables


@pytest.mark.parametrize("name", WS_SHEETS)
def test_workstream_sheet(wb, name):
    ws = wb[name]
    (table,) = ws.tables.values()
    first, last = table.ref.split(":")
    hr = int(first[1:])
    assert first == f"A{hr}" and last.startswith("M")
    assert [ws.cell(hr, c).value for c in range(1, 14)] == HEADERS
    assert ws.freeze_panes == f"C{hr + 1}"
    # RAG drop-down over the table's RAG column
    rag_dv = [dv for dv in ws.data_validations.dataValidation if dv.formula1 ==
              '"Red,Amber,Green,Blue"']
    assert rag_dv and f"F{hr + 1}" in str(rag_dv[0].sqref)
    # date columns month-year; text wrapped
    assert ws.cell(hr + 1, 5).number_format == "mmm-yy"
    assert ws.cell(hr + 1, 10).number_format == "mmm-yy"
    assert ws.cell(hr + 1, 8).alignment.wrap_text
    assert ws.column_dimensions["C"].width >= 30
    # print setup: landscape, fit to one page wide, header row repeated
    assert ws.page_setup.orientation == "landscape"
    assert ws.page_setup.fitToWidth == 1 and ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.print_title_rows == f"${hr}:${hr}"
    labels = [ws.cell(r, 1).value for r in range(1, ws.max_row + 1)]
    for label in ("Workstream number", "Sponsor(s)", "Actions", "Key risks",
                  "Additional narrative", *(lab for _, lab in L.NARRATIVE_FIELDS),
                  "Recent activity / headlines"):
        assert label in labels
    risk_row = labels.index("Key risks") + 2
    assert [ws.cell(risk_row, c).value for c in (1, 4, 5)] == ["Key risk", "RAG", "Mitigation"]


def _content(wb) -> dict:
    out = {"sheets": wb.sheetnames}
    for ws in wb.worksheets:
        out[ws.title] = {
            "cells": {c.coordinate: (c.value, c.number_format, bool(c.alignment.wrap_text),
                                     c.fill.fgColor.rgb if c.fill.fill_type else None)
                      for row in ws.iter_rows() for c in row if c.value is not None
                      or c.fill.fill_type},
            "merged": sorted(str(m) for m in ws.merged_cells.ranges),
            "tables": dict(ws.tables.items()),
            "dv": sorted((dv.formula1, str(dv.sqref)) for dv in ws.data_validations.dataValidation),
            "widths": {k: d.width for k, d in ws.column_dimensions.items()},
            "freeze": ws.freeze_panes,
        }
    return out


def test_committed_template_matches_the_generator(tmp_path):
    out = tmp_path / "t.xlsx"
    r = run_cli("template", "-o", out)
    assert r.returncode == 0, r.stderr
    assert _content(openpyxl.load_workbook(out)) == _content(openpyxl.load_workbook(TEMPLATE)), \
        "workbook_template.xlsx is stale: run `cqcxl template -o workbook_template.xlsx --force`"


def test_template_reads_back_as_nine_empty_workstreams(wb):
    from cqcxl.engines import openpyxl_engine as openpyxl_book
    from cqcxl.sheets.read import read_plan

    plan = read_plan(openpyxl_book.read(openpyxl_book.load(TEMPLATE))).plan
    assert [(w.number, w.name) for w in plan.workstreams] == list(L.TEMPLATE_WORKSTREAMS)
    assert plan.tasks == []
    assert build.template_data()["workstreams"][0]["name"] == "ICT"


def test_workstream_sheets_print_on_a3_landscape_one_page_wide(wb):
    """Thirteen columns on one A4 width print at half size; A3 gives about 70%."""
    for name in wb.sheetnames[3:]:
        ps = wb[name].page_setup
        assert (ps.orientation, int(ps.paperSize), ps.fitToWidth) == ("landscape", 8, 1), name
    assert int(wb["Plan"].page_setup.paperSize) == 9  # the other sheets stay A4
