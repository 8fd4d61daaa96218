"""Counted nouns in messages: "1 key task", "2 key tasks" — never "1 periods"."""

from __future__ import annotations


def n_of(count: int, noun: str, plural: str | None = None) -> str:
    """``count`` and ``noun``, the noun plural unless the count is one."""
    return f"{count} {noun if count == 1 else plural or noun + 's'}"
