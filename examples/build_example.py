"""Rebuild examples/cumbria-2018-11.xlsx from cumbria-2018-11.json (run from the repo root):

    python examples/build_example.py
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from cqcxl.engines import openpyxl_engine
from cqcxl.sheets.template import plan_sheets
from cqcxl.sheets.theme import THEME_ACCENTS

HERE = Path(__file__).resolve().parent
SOURCE = HERE / "cumbria-2018-11.json"
TARGET = HERE / "cumbria-2018-11.xlsx"


def main(target: Path = TARGET) -> Path:
    data = json.loads(SOURCE.read_text(encoding="utf-8"))
    wb = openpyxl_engine.new_workbook(plan_sheets(data), accents=THEME_ACCENTS)
    return openpyxl_engine.save(openpyxl_engine.LoadedBook(target, wb), target)


if __name__ == "__main__":
    print(main(Path(sys.argv[1]) if len(sys.argv) > 1 else TARGET))
