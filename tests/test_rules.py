"""Each finding code: a row that triggers it and a near-miss row that must not."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from cqcxl.engines import openpyxl_engine as openpyxl_book
from cqcxl.jobs import run_job

from .conftest import build_workbook, plan_data, task

AS_OF = date(2018, 11, 15)


def findings_for(ws1, ws2=None, risks=None):
    data = plan_data(ws1, ws2 or [task("A1", key_task="Other stream")], risks=risks)
    wb = build_workbook(data)
    grid = openpyxl_book.read(openpyxl_book.LoadedBook(Path("mem.xlsx"), wb))
    return run_job("validate", grid, AS_OF).findings


def codes(found, task_id=None):
    return {f.code for f in found if task_id is None or f.task_id == task_id}


CASES = [
    # code, triggering rows, near-miss rows
    ("missing-required", [task(owner="")], [task(owner="Jane")]),
    ("missing-required", [task(date_to_complete="")], [task(date_to_complete="Ongoing")]),
    ("invalid-rag", [task(rag="Purple")], [task(rag=" green ")]),
    ("rag-spelling", [task(rag="green")], [task(rag="Green")]),
    ("unparseable-date", [task(date_to_complete="TBC")],
     [task(date_to_complete="Mid April 2019")]),
    ("overdue-not-moderated", [task(date_to_complete="Sep-18", rag="Green")],
     [task(date_to_complete="Sep-18", rag="Green", change_request="Move to March 2019",
           revised_date="Mar-19")]),
    ("overdue-not-moderated", [task(date_to_complete="30-Oct-18", rag="Amber")],
     [task(date_to_complete="Nov-18", rag="Amber")]),
    ("red-without-mitigation", [task(rag="Red", revised_date="Jan-19")],
     [task(rag="Red", mitigation="Agency staff booked", revised_date="Jan-19")]),
    ("red-without-revised-date", [task(rag="Red", mitigation="Agency staff")],
     [task(rag="Red", mitigation="Agency staff", revised_date="Jan-19")]),
    # the revised date must be later than the date to complete (else revised-date-earlier)
    ("revised-date-passed", [task(date_to_complete="Sep-18", rag="Red", mitigation="x",
                                  revised_date="Oct-18")],
     [task(date_to_complete="Sep-18", rag="Red", mitigation="x", revised_date="Jan-19")]),
    ("change-request-incomplete",
     [task(change_request="Change timescale to 2019 to reflect commissioning timetable")],
     [task(change_request="Remove from Action plan as this is no longer an agreed activity")]),
    ("complete-not-blue", [task(date_to_complete="Complete", rag="Green")],
     [task(date_to_complete="Complete", rag="Blue")]),
    ("duplicate-task-id", [task("B4"), task("B 4")], [task("B4"), task("B4.1")]),
    ("broken-reference", [task(key_task="Align [Link to Workstream 2, Action C9]")],
     [task(key_task="Align [Link to Workstream 2, Action A1]")]),
    ("broken-reference", [task(key_task="See [Link to Workstream 7, Action A1]")],
     [task(key_task="See [Link to workstream 2 actions A and B]")]),
    ("excel-error", [task(rag="#REF!")], [task(rag="Red", mitigation="x", revised_date="Jan-19")]),
]


@pytest.mark.parametrize(("code", "hit", "miss"), CASES,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_code_triggers_and_near_miss_does_not(code, hit, miss):
    assert code in codes(findings_for(hit))
    assert code not in codes(findings_for(miss))


def test_risk_without_mitigation():
    hit = findings_for([task()], risks=[{"risk": "Staff leave", "rag": "Amber",
                                         "mitigation": ""}])
    miss = findings_for([task()], risks=[{"risk": "Staff leave", "rag": "Green",
                                          "mitigation": ""}])
    assert "risk-without-mitigation" in codes(hit)
    assert "risk-without-mitigation" not in codes(miss)


def test_overdue_without_mitigation_is_the_headline_flag():
    found = findings_for([task("A1", date_to_complete="Sep-18", rag="Green"),
                          task("A2", date_to_complete="Sep-18", rag="Green",
                               mitigation="Recovery plan agreed")])
    flags = {f.task_id: f.overdue_no_mitigation for f in found
             if f.code == "overdue-not-moderated"}
    assert flags == {"A1": True, "A2": False}
    first = found[0]
    assert first.task_id == "A1" and first.message.startswith("OVERDUE WITH NO MITIGATION")


def test_messages_name_the_cell_and_say_what_to_do():
    (f,) = [f for f in findings_for([task(date_to_complete="Sep-18", rag="Green")])
            if f.code == "overdue-not-moderated"]
    assert f.sheet == "WS1 Stream 1" and f.cell.startswith("F")
    assert "30 September 2018" in f.message and "Blue" in f.message and "Red" in f.message
