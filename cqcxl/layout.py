"""Temporary alias while cqcxl/xlsm.py is being reworked: use cqcxl.sheets.layout."""
from .sheets.layout import *  # noqa: F403
from .sheets.layout import PLAN, SUMMARY  # noqa: F401
