"""The words on the Guide sheet: how to fill in the plan, the legend, the Board's rules.

Kept as data so the template writes it and tests can check it is there.
"""

from __future__ import annotations

from ..core.chase import CHASE_RULE
from ..core.model import RAG_MEANING, RAG_ORDER
from ..core.requests import CHANGE_REQUEST_RULE
from ..core.rules import BLUE_RULE, NO_MITIGATION_RULE
from ..core.summary_rules import OVERALL_RAG_RULE, ROUNDING_RULE, TRAVEL_RULE
from ..core.trends import SLIPPAGE_RULE, TREND_RULE

TITLE = "How to use this workbook"

SECTIONS: list[tuple[str, list[str]]] = [
    ("Who does what", [
        "Workstream leads: keep your workstream's sheet up to date every month — RAG, "
        "narrative, mitigation and dates — then press Validate and fix what it lists.",
        "The coordinator: presses Build summary sheet to make the cover page for the Health "
        "and Wellbeing Board, and Close period once the report has gone.",
        "Do not rename a workstream sheet without changing its name on the Plan sheet too.",
    ]),
    ("Filling in a key task", [
        "One row per key task. Task ID, Key task, Task owner, Date to complete and RAG must "
        "be filled in.",
        "Date to complete: a date (type Sep-18 for September 2018: cqcxl reads a month as its "
        "last day), or Ongoing, or Complete. 'Mid April 2018' means the 15th; "
        "'October/ November 2018' means the end of November; 'From February 2019' has no "
        "deadline. cqcxl never guesses a date it cannot read: it asks you to rewrite it.",
        "Several owners: separate them with '/' or ';'.",
        "Never change the Date to complete once a period is closed: ask for a new date in "
        "'Timescale change request', with the date in 'Revised date'. The coordinator writes "
        "the Board's answer in 'Decision' (e.g. 'Agreed 29-Nov-18').",
        "Key risks: every workstream records at least one, with a RAG and a mitigation. A "
        "risk copied into several workstreams should carry the same RAG in each.",
        "You may insert columns, move them or add your own: cqcxl finds columns by their "
        "heading. Keep the headings' wording.",
    ]),
    ("RAG — what each colour means", [
        f"{rag.value}: {RAG_MEANING[rag]}." for rag in RAG_ORDER
    ]),
    ("The moderation rule (agreed by the Board)", [
        "When the date for an action has passed, there are only three ways to record it: "
        "1) it is complete — Blue; 2) it was not completed on time — Red; 3) you ask to "
        "change the timescale — fill in 'Timescale change request' and a 'Revised date'.",
        "Every Red action must say in 'Mitigation' what is being done about it, and give in "
        "'Revised date' when it is now expected to be completed.",
        NO_MITIGATION_RULE,
        CHANGE_REQUEST_RULE,
        BLUE_RULE,
    ]),
    ("How the cover page is worked out", [OVERALL_RAG_RULE, TRAVEL_RULE, ROUNDING_RULE,
                                          SLIPPAGE_RULE, TREND_RULE, CHASE_RULE]),
    ("What cqcxl never does", [
        "It never changes what you typed: Validate only colours the RAG cells, adds notes "
        "signed 'cqcxl' and writes the Validation sheet; Build summary sheet writes only the "
        "Summary and Chase list sheets; Close period only adds to the History sheet.",
        "Your own comments on cells are left alone.",
    ]),
]
