"""cqcxl: checks and Board reporting for a CQC Local System Review action plan kept in Excel.

Three rings around a two-file contract, data flowing one way
(engine -> grid -> plan -> facts -> edits -> engine):

* the contract: :mod:`cqcxl.grid` (what an engine reads) and :mod:`cqcxl.edits` (what an
  engine writes, fully resolved), plus :mod:`cqcxl.errors`;
* :mod:`cqcxl.core`: the plan and its facts (model, dates, findings, schema, rules, summary,
  history) — no cells, no workbook library;
* :mod:`cqcxl.sheets`: grid -> plan (``read``) and facts -> edits (``validation``,
  ``cover``, ``history``, ``template``), with every colour and size in ``theme``;
* :mod:`cqcxl.engines`: one class per backend (openpyxl for files, xlwings for the open
  workbook), knowing nothing of rules or layouts;
* :mod:`cqcxl.jobs`: the job table that :mod:`cqcxl.cli` and :mod:`cqcxl.excel` loop over.
"""

__version__ = "0.2.0"
