"""The JSON Schemas accept good rows and reject bad ones, naming the failing field."""

from __future__ import annotations

import json

import pytest
from jsonschema import Draft202012Validator

from cqcxl.core.dates import interpret
from cqcxl.core.model import KeyTask, Risk
from cqcxl.core.schema import check_item, check_plan_json, schema_dir, validator


def _task(**kw) -> KeyTask:
    t = KeyTask(sheet="WS1 ICT", row=12, action="A", task_id="A1", key_task="Do it",
                owner="Jane", date_to_complete=interpret("Sep-18"), rag_text="Green")
    for k, v in kw.items():
        setattr(t, k, v)
    t.cells = {f: f"{c}12" for f, c in zip(
        ("action", "task_id", "key_task", "owner", "date_to_complete", "rag", "expected_outcome",
         "narrative", "mitigation", "revised_date", "change_request", "last_updated"),
        "ABCDEFGHIJKL", strict=True)}
    return t


def test_every_schema_is_valid_draft_2020_12():
    for p in sorted(schema_dir().glob("*.schema.json")):
        doc = json.loads(p.read_text())
        Draft202012Validator.check_schema(doc)
        assert doc["$schema"].endswith("2020-12/schema")


def test_good_task_passes():
    assert check_item(_task(), "task") == []


@pytest.mark.parametrize(("change", "code", "cell"), [
    ({"task_id": ""}, "missing-required", "B12"),
    ({"owner": ""}, "missing-required", "D12"),
    ({"key_task": ""}, "missing-required", "C12"),
    ({"date_to_complete": interpret(None)}, "missing-required", "E12"),
    ({"rag_text": ""}, "missing-required", "F12"),
    ({"rag_text": "Purple"}, "invalid-rag", "F12"),
    ({"date_to_complete": interpret("TBC")}, "unparseable-date", "E12"),
    ({"revised_date": interpret("soon")}, "unparseable-date", "J12"),
    ({"narrative": "x" * 32768}, "text-too-long", "H12"),
])
def test_bad_task_names_the_field(change, code, cell):
    found = check_item(_task(**change), "task")
    assert [(f.code, f.cell) for f in found] == [(code, cell)]


def test_rag_case_is_forgiven_by_the_schema_check():
    assert check_item(_task(rag_text=" green "), "task") == []


def test_risk_schema():
    good = Risk("WS1 ICT", 30, "Staff leave", "Amber", "Recruit", cells={"rag": "D30"})
    assert check_item(good, "risk") == []
    blue = Risk("WS1 ICT", 30, "Staff leave", "Blue", "", cells={"rag": "D30"})
    (f,) = check_item(blue, "risk")
    assert (f.code, f.cell) == ("invalid-rag", "D30")
    assert "cannot be Blue" in f.message


def test_plan_schema_rejects_a_bad_document_and_names_the_path():
    doc = {"title": "x", "programme": "", "reporting_date": "2018-11-15",
           "previous_reporting_date": None,
           "workstreams": [{"number": 1, "name": "ICT", "sheet": "WS1", "sponsor": "",
                            "sponsors": [], "actions": [], "risks": [], "narrative": {},
                            "headline": "", "tasks": [{"task_id": "A1"}]}]}
    msgs = check_plan_json(doc)
    assert any(m.startswith("workstreams/0/tasks/0") and "'key_task'" in m for m in msgs)
    assert validator("plan").is_valid({**doc, "workstreams": []})


def test_fast_check_agrees_with_jsonschema():
    """jsonschema-rs (the speed-up) and jsonschema (the explanations) must agree."""
    from cqcxl.core.schema import _row, fast_is_valid

    quick = fast_is_valid("task")
    if quick is None:
        pytest.skip("jsonschema-rs is not installed")
    cases = [_task(), _task(rag_text="Purple"), _task(owner=""), _task(narrative="x" * 32768),
             _task(date_to_complete=interpret("TBC")), _task(rag_text=" green "),
             _task(revised_date=interpret("Jan-19")), _task(date_to_complete=interpret(None))]
    for t in cases:
        row = _row(t.to_json())
        assert quick(row) == validator("task").is_valid(row), row
