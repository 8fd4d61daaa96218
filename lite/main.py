"""xlwings Lite scripts for the CQC action plan workbook.

Paste this file into xlwings Lite's editor (main.py) and the packages of
lite/requirements.txt into its requirements.txt; see lite/README.md. Each script is
the same entry point as the desktop buttons (``cqcxl.excel``), run on the workbook that
xlwings Lite passes in. To run a script from a button on a sheet, add
``button="[ShapeName]SheetName!A1"`` to its decorator (xlwings Lite's own syntax).
"""

import xlwings as xw

import cqcxl.excel


@xw.script
def validate(book: xw.Book):
    """Validate: RAG colours, a note on each problem cell, the Validation sheet."""
    cqcxl.excel.validate(book)


@xw.script
def build_summary(book: xw.Book):
    """Build summary sheet: the Board's cover as the first tab (pies need desktop Excel)."""
    cqcxl.excel.build_summary(book)


@xw.script
def close_period(book: xw.Book):
    """Close period: this period's RAGs stored in the History sheet."""
    cqcxl.excel.close_period(book)
