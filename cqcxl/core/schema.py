"""Check rows against the JSON Schemas in ``schemas/`` and turn each failure into a Finding.

The schemas are the single statement of what a valid entry is; this module only maps a
failing JSON path (``date_to_complete/kind``) back to the sheet cell it came from and words
the message for the person who typed it.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry, Resource

from .findings import Finding, make
from .model import KeyTask, Risk

_HERE = Path(__file__).resolve().parent
#: installed: cqcxl/schemas (package data); a source checkout: schemas/ at the top
_CANDIDATES = (_HERE.parent / "schemas", _HERE.parent.parent / "schemas")
NAMES = ("common", "task", "risk", "workstream", "plan")


def schema_dir() -> Path:
    for d in _CANDIDATES:
        if (d / "plan.schema.json").is_file():
            return d
    raise FileNotFoundError("cqcxl's schemas/ folder is missing from the installation")


@cache
def _registry() -> tuple[Registry, dict[str, dict]]:
    schemas = {n: json.loads((schema_dir() / f"{n}.schema.json").read_text("utf-8"))
               for n in NAMES}
    reg = Registry().with_resources(
        (s["$id"], Resource.from_contents(s)) for s in schemas.values()
    )
    return reg, schemas


@cache
def fast_is_valid(name: str):
    """A compiled yes/no check for the same schema, where jsonschema-rs is installed (150x
    faster on a 20,000-task plan); None where it is not (xlwings Lite, Pyodide). Errors are
    always explained by :func:`validator`, so messages do not depend on it."""
    try:
        import jsonschema_rs
    except ImportError:
        return None
    _, schemas = _registry()
    reg = jsonschema_rs.Registry([(s["$id"], s) for s in schemas.values()])
    return jsonschema_rs.validator_for(schemas[name], registry=reg, validate_formats=True
                                       ).is_valid


@cache
def validator(name: str) -> Draft202012Validator:
    """A validator for ``schemas/NAME.schema.json`` with cross-file references resolved."""
    reg, schemas = _registry()
    return Draft202012Validator(schemas[name], registry=reg, format_checker=FormatChecker())


def _row(obj: dict) -> dict:
    """A task/risk as the schema sees it: empty entries are absent, so ``required`` names
    them."""
    out = {}
    for k, v in obj.items():
        if v == "" or v is None:
            continue
        if isinstance(v, dict) and v.get("kind") == "empty":
            continue
        out[k] = v
    return out


#: field -> the column header a person sees (for messages)
LABELS = {
    "task_id": "Task ID", "key_task": "Key task", "owner": "Task owner",
    "date_to_complete": "Date to complete", "rag": "RAG", "revised_date": "Revised date",
    "last_updated": "Last updated", "risk": "Key risk", "mitigation": "Mitigation",
}


def _who(item: KeyTask | Risk) -> str:
    if isinstance(item, KeyTask):
        return f"task {item.task_id}" if item.task_id else f"the task on row {item.row}"
    return f"the risk on row {item.row}"


def _message(item: KeyTask | Risk, field: str, err: Any) -> tuple[str, str]:
    """(code, message) for one schema error on ``field``."""
    label = LABELS.get(field, field.replace("_", " ").capitalize())
    who = _who(item)
    v = err.validator
    if v == "required" or (v == "minLength" and err.validator_value == 1):
        return "missing-required", f"{label} is empty for {who}. Fill it in."
    if field == "rag":
        raw = item.rag_text
        if isinstance(item, Risk) and raw.strip().lower() == "blue":
            return "invalid-rag", (
                f"A risk cannot be Blue ({who}). Rate the risk Red, Amber or Green.")
        allowed = "Red, Amber, Green or Blue" if isinstance(item, KeyTask) else \
            "Red, Amber or Green"
        return "invalid-rag", (f"RAG '{raw}' is not one of {allowed} ({who}). "
                               "Pick one from the drop-down list.")
    if field in ("date_to_complete", "revised_date", "last_updated"):
        reading = getattr(item, field)
        return "unparseable-date", (
            f"{label} '{reading.raw}' for {who} cannot be read as a date. Write a month and "
            "year (e.g. 'Sep-18' or 'September 2018'), a full date, 'Ongoing' or 'Complete'. "
            "cqcxl does not guess.")
    if v == "maxLength":
        return "text-too-long", (
            f"{label} for {who} is longer than Excel can hold ({err.validator_value:,} "
            "characters). Shorten it.")
    return "invalid-value", f"{label} for {who}: {err.message}. Correct the entry."


def check_item(item: KeyTask | Risk, schema: str) -> list[Finding]:
    """Schema findings for one task or risk row; at most one per field."""
    row = _row(item.to_json())
    quick = fast_is_valid(schema)
    v = validator(schema)
    if (quick(row) if quick is not None else v.is_valid(row)):  # the common case
        return []
    # A cell showing an Excel error (#REF!) is reported once, by rules.excel_errors.
    skip = set(item.errors) if isinstance(item, KeyTask) else set()
    out: dict[str, Finding] = {}
    errors = sorted(v.iter_errors(row), key=lambda e: (len(e.path), e.message))
    for err in errors:
        path = list(err.absolute_path)
        if err.validator == "required":
            missing = [f for f in err.validator_value if f not in err.instance]
            fields = missing
        else:
            fields = [str(path[0])] if path else ["row"]
        for field in fields:
            if field in out or field in skip:
                continue
            code, msg = _message(item, field, err)
            cell = item.cells.get(field) or item.cells.get("task_id") or f"A{item.row}"
            task_id = item.task_id if isinstance(item, KeyTask) else ""
            out[field] = make(code, item.sheet, cell, task_id, msg)
    return list(out.values())


def check_plan_json(doc: dict) -> list[str]:
    """Messages for every way ``doc`` fails the plan schema (empty when it is valid)."""
    return [
        f"{'/'.join(str(p) for p in e.absolute_path) or '(top)'}: {e.message}"
        for e in validator("plan").iter_errors(doc)
    ]
