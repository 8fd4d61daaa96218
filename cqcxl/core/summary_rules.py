"""The cover page's arithmetic rules, stated once in words and in code.

Percentages use largest-remainder rounding so each row adds up to exactly 100; a
workstream's overall RAG and its direction of travel follow the rules below, which the
Guide sheet prints word for word.
"""

from __future__ import annotations

from collections.abc import Sequence

from .model import RAG

OVERALL_RAG_RULE = (
    "Overall RAG of a workstream: Red when a quarter or more of its key tasks are Red; "
    "otherwise Amber when a quarter or more are Red or Amber; otherwise Blue when every "
    "task is Blue; otherwise Green. A workstream with no key tasks has no overall RAG."
)
TRAVEL_RULE = (
    "Direction of travel compares a progress score with the last closed period, like for "
    "like: only the key tasks present in both periods count (tasks added, deleted or "
    "removed by agreement are listed apart and never move the arrow). Each task scores "
    "Blue 3, Green 2, Amber 1, Red 0 — a task whose date slipped scores no better than it "
    "did last period — and the score is the total as a percentage of the most it could be. "
    "↑ better, ↓ worse, → the same; '–' when there is no previous period."
)
ROUNDING_RULE = (
    "Percentages are rounded so that Blue, Green, Amber and Red always add up to exactly "
    "100%."
)

SCORE = {RAG.BLUE: 3, RAG.GREEN: 2, RAG.AMBER: 1, RAG.RED: 0}


def largest_remainder(counts: Sequence[int], total: int = 100) -> list[int]:
    """Whole percentages of ``counts`` that add up to ``total`` (all zeros when the counts
    are). Ties in the remainder go to the earlier entry, so the result is stable."""
    n = sum(counts)
    if n == 0:
        return [0] * len(counts)
    exact = [c * total / n for c in counts]
    floors = [int(x) for x in exact]
    short = total - sum(floors)
    order = sorted(range(len(counts)), key=lambda i: (-(exact[i] - floors[i]), i))
    for i in order[:short]:
        floors[i] += 1
    return floors


def overall_rag(counts: dict[RAG, int]) -> RAG | None:
    n = sum(counts.values())
    if n == 0:
        return None
    red, amber = counts.get(RAG.RED, 0), counts.get(RAG.AMBER, 0)
    if red * 4 >= n:
        return RAG.RED
    if (red + amber) * 4 >= n:
        return RAG.AMBER
    if counts.get(RAG.BLUE, 0) == n:
        return RAG.BLUE
    return RAG.GREEN


def score(counts: dict[RAG, int]) -> float | None:
    """Progress score in percent (see TRAVEL_RULE); None with no rated tasks."""
    n = sum(counts.get(r, 0) for r in SCORE)
    if n == 0:
        return None
    return 100 * sum(SCORE[r] * counts.get(r, 0) for r in SCORE) / (3 * n)


def travel(now: float | None, before: float | None) -> str:
    """↑, ↓, → or '–' (no previous period or nothing to compare)."""
    if now is None or before is None:
        return "–"
    if abs(now - before) < 1e-9:
        return "→"
    return "↑" if now > before else "↓"
