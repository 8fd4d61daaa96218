"""Shared fixtures: the example plan, small plans built from data, and a CLI runner."""

from __future__ import annotations

import copy
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "cumbria-2018-11.xlsx"
EXAMPLE_JSON = ROOT / "examples" / "cumbria-2018-11.json"
TEMPLATE = ROOT / "workbook_template.xlsx"


def task(task_id="A1", **kw) -> dict:
    """A valid, on-track key task row; override any field."""
    row = {"action": "A", "task_id": task_id, "key_task": "Do the thing", "owner": "Jane Doe",
           "date_to_complete": "Dec-18", "rag": "Green", "expected_outcome": "",
           "narrative": "Going well", "mitigation": "", "revised_date": "",
           "change_request": "", "last_updated": ""}
    row.update(kw)
    return row


def plan_data(*workstreams: list[dict], risks: list[dict] | None = None) -> dict:
    """A plan with one workstream per list of task rows."""
    return {
        "title": "Test plan", "programme": "Test", "reporting_date": "2018-11-15",
        "previous_reporting_date": None,
        "workstreams": [
            {"number": i, "name": f"Stream {i}", "sponsor": "Sam Sponsor",
             "actions": [{"letter": "A", "statement": "Objective A"},
                         {"letter": "B", "statement": "Objective B"}],
             "tasks": tasks, "risks": (risks or []) if i == 1 else [],
             "narrative": {}, "headline": f"Headline {i}"}
            for i, tasks in enumerate(workstreams, start=1)
        ],
    }


def build_workbook(data: dict):
    """The plan workbook for ``data`` (an openpyxl Workbook, not saved)."""
    from cqcxl.engines.openpyxl_engine import new_workbook
    from cqcxl.sheets.template import plan_sheets
    from cqcxl.sheets.theme import THEME_ACCENTS

    return new_workbook(plan_sheets(data), accents=THEME_ACCENTS)


def write_plan(path: Path, data: dict) -> Path:
    from cqcxl.engines import openpyxl_engine as openpyxl_book

    wb = build_workbook(data)
    openpyxl_book.save(openpyxl_book.LoadedBook(path, wb), path)
    return path


def run_cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "cqcxl.cli", *map(str, args)],
                          capture_output=True, text=True, cwd=cwd, timeout=300)


@pytest.fixture
def example(tmp_path) -> Path:
    """A fresh copy of the example plan."""
    p = tmp_path / "plan.xlsx"
    shutil.copy(EXAMPLE, p)
    return p


@pytest.fixture(scope="session")
def example_data() -> dict:
    return json.loads(EXAMPLE_JSON.read_text(encoding="utf-8"))


@pytest.fixture
def make_plan(tmp_path):
    def _make(*workstreams, risks=None, name="plan.xlsx", data=None):
        d = copy.deepcopy(data) if data is not None else plan_data(*workstreams, risks=risks)
        return write_plan(tmp_path / name, d)
    return _make
