"""cqcxl: checks and Board reporting for a CQC Local System Review action plan kept in Excel.

The package is split so that the rules are written once:

* the **core** (``model``, ``dates``, ``layout``, ``parse``, ``schema``, ``rules``,
  ``summary``, ``edits``, ``render``) imports neither openpyxl nor xlwings;
* the **adapters** in ``cqcxl.io`` read a workbook into plain grids and apply the core's
  list of edits to a file (openpyxl) or to the open book (xlwings).
"""

__version__ = "0.1.0"
