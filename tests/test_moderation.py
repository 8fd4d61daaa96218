"""Issue 15, Board-grade moderation: each scenario on a copy of the example edited as a lead
would (History from a real close-period first, then the edit, then validate/summary through
the command line), with a near miss. Expected values are worked out by hand from
examples/cumbria-2018-11.json."""

from __future__ import annotations

import json
import re
from datetime import datetime

import openpyxl
import pytest

from cqcxl.sheets import layout as L

from .conftest import run_cli, task
from .test_rules import codes, findings_for
from .userview import header_row, task_rows

NOV, DEC = "2018-11-15", "2018-12-13"


# --- a lead's edits -------------------------------------------------------------------------

def _row(ws, task_id: str, nth: int = 1) -> int:
    hits = [r for r in task_rows(ws) if ws.cell(r, 2).value == task_id]
    return hits[nth - 1]


def edit(path, sheet: str, task_id: str, values: dict | None = None, **kw) -> None:
    """Type values into a task's row, by column header (as a lead would); keyword names
    stand for headers with '_' for spaces."""
    values = {**(values or {}), **{k.replace("_", " "): v for k, v in kw.items()}}
    wb = openpyxl.load_workbook(path)
    ws = wb[sheet]
    hr = header_row(ws)
    col = {ws.cell(hr, c).value: c for c in range(1, ws.max_column + 1)}
    r = _row(ws, task_id)
    for header, v in values.items():
        ws.cell(r, col[header]).value = v
    wb.save(path)


def clear_row(path, sheet: str, task_id: str) -> None:
    wb = openpyxl.load_workbook(path)
    ws = wb[sheet]
    r = _row(ws, task_id)
    for c in range(1, ws.max_column + 1):
        ws.cell(r, c).value = None
    wb.save(path)


def close(path, when: str) -> None:
    r = run_cli("close-period", path, "--as-of", when, "--in-place")
    assert r.returncode == 0, r.stderr


def validate(path, when: str = DEC) -> list[dict]:
    r = run_cli("validate", path, "--as-of", when, "--json")
    assert r.returncode in (0, 1), r.stderr
    return json.loads(r.stdout)


def cover(path, tmp_path, when: str = DEC):
    out = tmp_path / "cover.xlsx"
    r = run_cli("summary", path, "--as-of", when, "-o", out)
    assert r.returncode == 0, r.stderr
    return openpyxl.load_workbook(out)


def section(ws, starts: str) -> list[tuple]:
    """The rows of the cover table whose title starts with ``starts`` (title, then rows).
    Column A ("Task": "6 A3") comes back as two values, the workstream number and the Task
    ID, so each column's letter number is its index in the row (B is 2, D is 4, M is 13).
    A header row repeated on a new page is skipped."""
    title = next(c.row for c in ws["A"] if isinstance(c.value, str) and c.value.startswith(starts))
    rows = []
    r = title + 2
    while ws.cell(r, 1).value not in (None, "") and not (
            isinstance(ws.cell(r, 1).value, str) and ws.cell(r, 2).value is None):
        first = ws.cell(r, 1).value
        if first != "Task":
            m = re.match(r"^(\d+) (.+)$", str(first))
            head = (int(m[1]), m[2]) if m else (first, None)
            rows.append(head + tuple(ws.cell(r, c).value for c in range(2, 16)))
        r += 1
    return [(ws.cell(title, 1).value,), *rows]


def travel(ws) -> dict[str, tuple]:
    """Workstream name -> (overall RAG, arrow, previous RAG) from the cover's table."""
    hr = next(c.row for c in ws["D"] if c.value == "Key tasks")
    out = {}
    r = hr + 1
    while ws.cell(r, 2).value:
        out[ws.cell(r, 2).value] = (ws.cell(r, 13).value, ws.cell(r, 14).value,
                                    ws.cell(r, 15).value)
        r += 1
    return out


def of(findings, code):
    return [(f["sheet"].split()[0], f["task_id"]) for f in findings if f["code"] == code]


# --- 1. History keeps dates -----------------------------------------------------------------

def test_close_period_stores_dates_request_decision_and_narrative_hash(example):
    close(example, NOV)
    ws = openpyxl.load_workbook(example)[L.HISTORY]
    rows = list(ws.iter_rows(values_only=True))
    head = next(r for r in rows if r[0] == "Workstream" and r[1] == "Task ID")
    assert list(head[:12]) == ["Workstream", "Task ID", "Occurrence", "RAG", "Key task",
                               "Date to complete", "Date to complete (read as)",
                               "Revised date", "Revised date (read as)",
                               "Timescale change request", "Decision", "Narrative hash"]
    ws6_a3 = next(r for r in rows if r[0] == 6 and r[1] == "A3")
    assert ws6_a3[3] == "Amber" and ws6_a3[5] == "December 2018"
    assert ws6_a3[6] == datetime(2018, 12, 31)
    assert len(ws6_a3[11]) == 12
    ws5_d1 = next(r for r in rows if r[0] == 5 and r[1] == "D1")
    assert ws5_d1[9].startswith("Remove from Action plan") and ws5_d1[10] == "Requested"
    ws2_c2 = next(r for r in rows if r[0] == 2 and r[1] == "C2")
    assert ws2_c2[11] in (None, "")  # empty narrative: no hash


def test_history_blocks_written_before_dates_still_read(example, tmp_path):
    """A block as the previous version wrote it (five task columns) still gives arrows;
    it has no dates, so nothing can be called slipped."""
    wb = openpyxl.load_workbook(example)
    ws = wb.create_sheet("History")
    ws.append(["Period closed", datetime(2018, 11, 15), "Snapshot stored by cqcxl"])
    ws.append(["Workstream", "Name", "Key tasks", "Blue", "Green", "Amber", "Red", "Not rated"])
    ws.append([6, "CHC", 6, 0, 0, 4, 2, 0])
    ws.append(["Workstream", "Task ID", "Occurrence", "RAG", "Key task"])
    for tid, rag in (("A1", "Amber"), ("A2", "Red"), ("A3", "Amber"), ("A4", "Red"),
                     ("A5", "Amber"), ("A6", "Amber")):
        ws.append([6, tid, 1, rag, ""])
    wb.save(example)
    edit(example, "WS6 CHC", "A3", Date_to_complete="March 2019", RAG="Green")
    assert not of(validate(example), "slipped-date")
    got = travel(cover(example, tmp_path)["Summary"])
    assert got["CHC"][1] == "↑"  # Amber -> Green, no dates to compare: an improvement
    assert got["CHC"][2] == "Red"  # last period 2 Red of 6: a quarter or more -> Red


# --- 2. Slippage ----------------------------------------------------------------------------

def test_a_date_moved_later_without_a_request_is_slippage_and_never_improves_the_arrow(
        example, tmp_path):
    close(example, NOV)
    # WS6 A3 (Amber, December 2018): the lead moves the date to March 2019 and makes it
    # Green; WS8 A4 (Red, Sep-18, overdue) is re-dated January 2019 and set Green.
    edit(example, "WS6 CHC", "A3", Date_to_complete="March 2019", RAG="Green")
    edit(example, "WS8 Reablement", "A4", Date_to_complete=datetime(2019, 1, 1), RAG="Green")
    found = validate(example)
    assert sorted(of(found, "slipped-date")) == [("WS6", "A3"), ("WS8", "A4")]
    msg = next(f for f in found if f["code"] == "slipped-date" and f["task_id"] == "A3")
    assert "31 December 2018 to 31 March 2019" in msg["message"]
    assert msg["cell"].startswith("E")  # the Date to complete cell
    wb = cover(example, tmp_path)
    ws = wb["Summary"]
    got = travel(ws)
    # both were the only changes in their workstreams: like for like, a slipped task scores
    # no better than last period, so the arrows stay level (not ↑)
    assert got["CHC"][1] == "→" and got["Reablement"][1] == "→"
    rows = section(ws, "Slipped: dates moved later since 15 November 2018")
    assert rows[0][0].endswith("(2)")
    assert {(r[0], r[1]) for r in rows[1:]} == {(6, "A3"), (8, "A4")}
    assert any(isinstance(c.value, str) and c.value.startswith("⚠  2 key tasks slipped")
               for c in ws["A"])


def test_near_miss_an_agreed_change_request_is_not_slippage(example, tmp_path):
    close(example, NOV)
    edit(example, "WS6 CHC", "A3", Date_to_complete="March 2019", RAG="Green",
         Timescale_change_request="Change timescale to March 2019: national KPIs delayed",
         Revised_date=datetime(2019, 3, 1), Decision="Agreed 29-Nov-18")
    found = validate(example)
    assert not of(found, "slipped-date")
    ws = cover(example, tmp_path)["Summary"]
    assert travel(ws)["CHC"][1] == "↑"  # Amber -> Green with the Board's agreement
    assert section(ws, "Slipped:")[0][0].endswith("(0)")


def test_extended_two_periods_running(example):
    close(example, "2018-10-15")
    edit(example, "WS6 CHC", "A3", Revised_date=datetime(2019, 1, 1),
         Timescale_change_request="Change to January 2019", Decision="Agreed 18-Oct-18")
    close(example, NOV)
    edit(example, "WS6 CHC", "A3", Revised_date=datetime(2019, 3, 1),
         Decision="Agreed 29-Nov-18", Timescale_change_request="Change to March 2019")
    found = validate(example)
    assert of(found, "extended-twice") == [("WS6", "A3")]
    assert not of(found, "slipped-date")  # agreed both times, but still listed as extended


def test_near_miss_extended_once(example):
    close(example, "2018-10-15")
    close(example, NOV)
    edit(example, "WS6 CHC", "A3", Revised_date=datetime(2019, 3, 1),
         Decision="Agreed 29-Nov-18", Timescale_change_request="Change to March 2019")
    assert not of(validate(example), "extended-twice")


def test_the_seed_narrative_change_is_caught_without_history(example):
    """WS6 A3: 'The deadline for this action has been changed to December' and WS2 C1:
    'Request to change the date to March 2019', neither with a change request."""
    found = validate(example, NOV)
    assert sorted(of(found, "change-in-narrative")) == [("WS2", "C1"), ("WS6", "A3")]
    edit(example, "WS6 CHC", "A3", Timescale_change_request="Change to December 2018")
    assert sorted(of(validate(example, NOV), "change-in-narrative")) == [("WS2", "C1")]


# --- 3. Change requests and decisions -------------------------------------------------------

@pytest.mark.parametrize("typed", ["N/A", "none", "-", "n/a "])
def test_na_is_not_a_change_request(typed):
    found = findings_for([task("A1", date_to_complete="Sep-18", rag="Green",
                               change_request=typed)])
    (f,) = [f for f in found if f.code == "overdue-not-moderated"]
    assert f.overdue_no_mitigation  # short narrative "Going well", no mitigation: alarm
    assert "is not a request" in f.message


def test_near_miss_a_request_stating_a_date_counts():
    found = findings_for([task("A1", date_to_complete="Sep-18", rag="Green",
                               change_request="Move to March 2019", revised_date="Mar-19")])
    assert "overdue-not-moderated" not in codes(found)


def test_text_that_is_no_request_is_said_so():
    assert "change-request-unclear" in codes(findings_for([task(change_request="see notes")]))
    assert "change-request-unclear" not in codes(findings_for(
        [task(change_request="Remove from action plan", decision="Requested")]))


def test_revised_date_earlier_than_the_original_is_an_error():
    found = findings_for([task(date_to_complete="Dec-18", revised_date="Oct-18",
                               change_request="Change to October 2018")])
    (f,) = [f for f in found if f.code == "revised-date-earlier"]
    assert f.severity == "error" and f.cell.startswith("J")
    assert "revised-date-earlier" not in codes(findings_for(
        [task(date_to_complete="Dec-18", revised_date="Feb-19",
              change_request="Change to February 2019")]))


def test_a_request_for_a_date_already_past_is_an_error():
    hit = findings_for([task(date_to_complete="Sep-18", rag="Amber", revised_date="Oct-18",
                             change_request="Change timescale to October 2018")])
    assert "request-date-passed" in codes(hit)
    miss = findings_for([task(date_to_complete="Sep-18", rag="Amber", revised_date="Jan-19",
                              change_request="Change timescale to January 2019")])
    assert "request-date-passed" not in codes(miss)


def test_decision_must_be_readable_and_dated():
    assert "invalid-decision" in codes(findings_for(
        [task(change_request="Move to March 2019", revised_date="Mar-19", decision="Maybe")]))
    assert "decision-without-date" in codes(findings_for(
        [task(change_request="Move to March 2019", revised_date="Mar-19", decision="Agreed")]))
    assert not {"invalid-decision", "decision-without-date"} & codes(findings_for(
        [task(change_request="Move to March 2019", revised_date="Mar-19",
              decision="Agreed 29-Nov-18")]))


def test_a_declined_request_no_longer_moves_the_deadline():
    hit = findings_for([task(date_to_complete="Sep-18", rag="Amber", revised_date="Mar-19",
                             change_request="Move to March 2019",
                             decision="Declined 29-Nov-18")])
    assert "overdue-not-moderated" in codes(hit)
    miss = findings_for([task(date_to_complete="Sep-18", rag="Amber", revised_date="Mar-19",
                              change_request="Move to March 2019",
                              decision="Requested")])
    assert "overdue-not-moderated" not in codes(miss)


def test_an_agreed_removal_leaves_the_counts_and_is_listed(example, tmp_path):
    edit(example, "WS5 System Development", "D1", Decision="Agreed 29-Nov-18")
    ws = cover(example, tmp_path)["Summary"]
    texts = [c.value for c in ws["A"] if isinstance(c.value, str)]
    assert "120 Actions" in texts
    hr = next(c.row for c in ws["D"] if c.value == "Key tasks")
    assert ws.cell(hr + 5, 2).value == "System Development" and ws.cell(hr + 5, 4).value == 28
    rows = section(ws, "Removed from the plan by agreement")
    assert rows[1][:2] == (5, "D1") and rows[1][2] == "29 November 2018"  # agreed, B
    # WS5 D1 was Amber: 9 Amber in the example, 8 now
    assert any(t.startswith("7% (8) off target") for t in
               [c.value for c in ws["B"] if isinstance(c.value, str)])


def test_near_miss_a_declined_removal_stays_counted(example, tmp_path):
    edit(example, "WS5 System Development", "D1", Decision="Declined 29-Nov-18")
    ws = cover(example, tmp_path)["Summary"]
    assert "121 Actions" in [c.value for c in ws["A"] if isinstance(c.value, str)]
    assert not any(isinstance(c.value, str) and c.value.startswith("Removed from the plan")
                   for c in ws["A"])


def test_cover_change_request_table_shows_task_owner_dates_and_decision(example, tmp_path):
    edit(example, "WS2 Workforce", "B12", Revised_date=datetime(2019, 12, 1),
         Decision="Agreed 29-Nov-18")
    rows = section(cover(example, tmp_path, NOV)["Summary"], "Requests to change timescale")
    b12 = next(r for r in rows[1:] if r[:2] == (2, "B12"))
    assert b12[4] == "Change timescale to 2019 to reflect commissioning timetable"  # D
    assert b12[3].startswith("Ensure that commissioning processes")  # key task, C
    assert b12[2] == "Jo Atkinson"                                   # owner, B
    assert b12[9] == "30 Sep 2018" and b12[11] == "31 Dec 2019"      # original I, asked K
    assert b12[13] == "Agreed 29 November 2018"                      # decision, M
    d1 = next(r for r in rows[1:] if r[:2] == (5, "D1"))
    assert d1[11] == "Remove from the plan" and d1[13] == "Requested"


# --- 4. The alarm ---------------------------------------------------------------------------

def test_alarm_on_the_example_is_the_two_reds_that_say_nothing(example, tmp_path):
    found = validate(example, NOV)
    alarm = sorted((f["sheet"].split()[0], f["task_id"]) for f in found
                   if f["overdue_no_mitigation"])
    assert alarm == [("WS2", "C2"), ("WS3", "C2")]
    # the seven overdue Reds whose narrative says what is being done get the lesser warning
    assert sorted(of(found, "mitigation-in-narrative")) == sorted(
        [("WS2", "B12"), ("WS4", "A2"), ("WS4", "A3"), ("WS4", "B1"), ("WS4", "C2"),
         ("WS5", "G1"), ("WS8", "A4"),
         ("WS1", "C2"), ("WS2", "C1")])  # and the two Reds that are not overdue
    warn = next(f for f in found if f["code"] == "mitigation-in-narrative"
                and f["task_id"] == "A2" and f["sheet"].startswith("WS4"))
    assert warn["severity"] == "warning" and "Put what is being done in Mitigation" in \
        warn["message"] and warn["cell"].startswith("I")


def test_a_narrative_unchanged_since_the_last_period_says_nothing(example, tmp_path):
    close(example, NOV)
    found = validate(example, DEC)
    alarm = {(f["sheet"].split()[0], f["task_id"]) for f in found if f["overdue_no_mitigation"]
             and f["code"] == "red-without-mitigation"}
    # all nine overdue Reds with no Mitigation: 7 narratives are as they were in November
    # (by 13 December Amber/Green tasks due in November are overdue too, and not updated:
    # they are in the alarm as well, under overdue-not-moderated)
    # and WS1 C2, whose revised date (Mid November 2018) has passed by 13 December
    assert alarm == {("WS2", "B12"), ("WS2", "C2"), ("WS3", "C2"), ("WS4", "A2"),
                     ("WS4", "A3"), ("WS4", "B1"), ("WS4", "C2"), ("WS5", "G1"),
                     ("WS8", "A4"), ("WS1", "C2")}
    # near miss: the WS4 A2 lead writes this month's update
    edit(example, "WS4 Commissioning", "A2", {"Narrative / update": (
        "The November JCB agreed the refreshed terms of reference; the governance "
        "structure goes to the January JCB for sign off.")})
    found = validate(example, DEC)
    alarm2 = {(f["sheet"].split()[0], f["task_id"]) for f in found if f["overdue_no_mitigation"]
              and f["code"] == "red-without-mitigation"}
    assert alarm2 == alarm - {("WS4", "A2")}


def test_a_mitigation_takes_a_red_out_of_the_alarm(example):
    edit(example, "WS3 Communication & Engagement", "C2",
         Mitigation="Workshop with providers booked for 10 December")
    alarm = {(f["sheet"].split()[0], f["task_id"]) for f in validate(example, NOV)
             if f["overdue_no_mitigation"]}
    assert alarm == {("WS2", "C2")}


def test_guide_prints_the_alarm_rule(tmp_path):
    out = tmp_path / "t.xlsx"
    assert run_cli("template", "-o", out).returncode == 0
    text = "\n".join(str(c.value) for row in openpyxl.load_workbook(out)["Guide"].iter_rows()
                     for c in row if c.value)
    assert "Overdue with no mitigation narrative" in text and "under 10 words" in text
    assert "'N/A', 'none', '-' and the like are not requests" in text
    assert "Slipped:" in text and "like for like" in text


# --- 5. Trends ------------------------------------------------------------------------------

def test_downturns_persistent_reds_and_previous_rag(example, tmp_path):
    close(example, NOV)
    edit(example, "WS9 Cumberland Infirmary", "A3", RAG="Amber")  # Green -> Amber
    edit(example, "WS1 ICT", "C2", RAG="Green")  # the WS1 Red recovers
    ws = cover(example, tmp_path)["Summary"]
    rows = section(ws, "Worse since 15 November 2018")
    assert rows[1][:2] == (9, "A3") and rows[1][4] == "Green → Amber"  # change, D
    reds = section(ws, "Red for two periods or more")
    # 13 Reds in November, one recovered
    assert reds[0][0].endswith("(12)")
    assert (1, "C2") not in {r[:2] for r in reds[1:]}
    got = travel(ws)
    assert got["ICT"] == ("Green", "↑", "Green")  # 1 Red of 14 before: Green both times
    assert got["Cumberland Infirmary"][1] == "↓"
    assert got["Commissioning"] == ("Red", "→", "Red")


def test_deleting_a_task_never_improves_the_arrow(example, tmp_path):
    close(example, NOV)
    clear_row(example, "WS4 Commissioning", "A2")  # a Red key task deleted
    ws = cover(example, tmp_path)["Summary"]
    assert travel(ws)["Commissioning"][1] == "→"
    rows = section(ws, "Key tasks added, removed or renumbered")
    assert any(r[:2] == (4, "A2") and r[2].startswith("Deleted from the sheet (was Red")
               for r in rows[1:])


def test_near_miss_a_red_made_green_improves_the_arrow(example, tmp_path):
    close(example, NOV)
    edit(example, "WS4 Commissioning", "A2", RAG="Green")
    assert travel(cover(example, tmp_path)["Summary"])["Commissioning"][1] == "↑"


# --- 6. Blue needs evidence -----------------------------------------------------------------

def test_blue_needs_evidence():
    assert "blue-without-evidence" in codes(findings_for([task(rag="Blue", narrative="")]))
    assert "blue-without-evidence" not in codes(findings_for(
        [task(rag="Blue", narrative="Completed; signed off at the JCB on 1 November")]))
    assert "blue-before-date" in codes(findings_for(
        [task(rag="Blue", date_to_complete="Mar-19", narrative="Going well")]))
    assert "blue-before-date" not in codes(findings_for(
        [task(rag="Blue", date_to_complete="Mar-19", narrative="Completed early")]))


# --- 7. Risks -------------------------------------------------------------------------------

def test_risks_recorded_and_rated_alike(example):
    found = validate(example, NOV)
    assert sorted(of(found, "no-risks")) == [("WS1", ""), ("WS4", "")]
    differs = {f["sheet"].split()[0] for f in found if f["code"] == "risk-rag-differs"}
    assert differs == {"WS6", "WS7", "WS8", "WS9"}  # the CHC risks copied into WS7-9
    near = findings_for([task()], risks=[{"risk": "Staff leave", "rag": "Green",
                                          "mitigation": ""}])
    assert [f.sheet for f in near if f.code == "no-risks"] == ["WS2 Stream 2"]  # not WS1


# --- 8. Chase list --------------------------------------------------------------------------

def test_chase_per_owner_across_workstreams(example, tmp_path):
    close(example, NOV)
    edit(example, "WS6 CHC", "A3", Date_to_complete="March 2019")
    r = run_cli("chase", example, "--as-of", DEC, "--json")
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    owners = {o["owner"]: o for o in doc["owners"]}
    # Jo Atkinson owns tasks in WS2, WS4 and WS6
    jo = owners["Jo Atkinson"]
    assert {t["workstream"] for t in jo["tasks"]} >= {2, 4}
    # "Jo Atkinson Assistant Director CCC/ Anna Stabler …" owns WS6 A3: chased as Jo Atkinson
    assert not [o for o in owners if o.startswith("Jo Atkinson ")]
    a3 = next(t for t in jo["tasks"] if t["task_id"] == "A3" and t["workstream"] == 6)
    assert "date slipped" in a3["reasons"] and a3["cell"] == "F12"
    text = run_cli("chase", example, "--as-of", DEC).stdout
    assert "Jo Atkinson — " in text and "WS6 CHC!F12" in text
    wb = cover(example, tmp_path)
    ws = wb["Chase list"]
    assert [c.value for c in ws[5]] == ["Task owner", "Workstream", "Task ID", "Key task",
                                        "Why", "Detail", "Go to"]
    assert str(ws["G6"].value).startswith('=HYPERLINK("#')
    # the rule under the title wraps within the table (running on past G, it widened the
    # printed page and shrank every page of the list)
    assert "A2:G2" in {str(m) for m in ws.merged_cells.ranges} and ws["A2"].alignment.wrap_text
    assert ws.row_dimensions[2].height >= 2 * 12


# --- 9. Structure ---------------------------------------------------------------------------

def test_a_sheet_reusing_a_workstream_number_is_an_error(example):
    wb = openpyxl.load_workbook(example)
    new = wb.copy_worksheet(wb["WS9 Cumberland Infirmary"])
    new.title = "WS10 Discharge"
    wb.save(example)
    found = validate(example, NOV)
    dup = [f for f in found if f["code"] == "duplicate-workstream"]
    assert {f["sheet"] for f in dup} == {"WS9 Cumberland Infirmary", "WS10 Discharge"}
    assert all("'WS9 Cumberland Infirmary' and 'WS10 Discharge'" in f["message"] for f in dup)
    assert all(f["severity"] == "error" for f in dup)


def test_near_miss_a_new_workstream_with_its_own_number_is_counted_and_says_so(example,
                                                                               tmp_path):
    wb = openpyxl.load_workbook(example)
    new = wb.copy_worksheet(wb["WS9 Cumberland Infirmary"])
    new.title = "WS10 Discharge"
    assert new["A2"].value == "Workstream number"
    new["C2"] = 10
    wb.save(example)
    found = validate(example, NOV)
    assert not of(found, "duplicate-workstream")
    (f,) = [f for f in found if f["code"] == "unlisted-sheet"]
    assert "counts it in the summary as workstream 10 (3 key tasks)" in f["message"]
    ws = cover(example, tmp_path, NOV)["Summary"]
    assert "124 Actions" in [c.value for c in ws["A"] if isinstance(c.value, str)]


# --- the committed December example ---------------------------------------------------------

def test_december_example_shows_arrows_slippage_decisions_and_removals(tmp_path):
    from .conftest import ROOT

    src = tmp_path / "dec.xlsx"
    src.write_bytes((ROOT / "examples" / "cumbria-2018-12.xlsx").read_bytes())
    ws = cover(src, tmp_path)["Summary"]
    texts = [c.value for c in ws["A"] if isinstance(c.value, str)]
    assert "120 Actions" in texts  # WS5 D1 removed by agreement
    assert any(t.startswith("⚠  1 key task slipped since 15 November 2018") for t in texts)
    assert [r[:2] for r in section(ws, "Slipped:")[1:]] == [(6, "A3")]
    assert [r[:2] for r in section(ws, "Removed from the plan")[1:]] == [(5, "D1")]
    assert [(r[:2], r[4]) for r in section(ws, "Worse since")[1:]] == [((9, "A3"),
                                                                        "Green → Amber")]
    crs = {r[:2]: r[13] for r in section(ws, "Requests to change timescale")[1:]}  # M
    assert crs == {(2, "B12"): "Agreed 29 November 2018", (4, "C2"): "Requested"}
    got = travel(ws)
    # two Greens completed (WS3 C4, WS8 A / B1): ↑; WS9 A3 Green -> Amber: ↓; WS6 A3
    # slipped and unchanged: →
    assert got["Communication and Engagement"][1] == "↑" and got["Reablement"][1] == "↑"
    assert got["Cumberland Infirmary"][1] == "↓" and got["CHC"][1] == "→"
