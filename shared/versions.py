"""The version in force on a date: one rule for every dated thing the platform keeps in versions
(procedure versions, sanction rule sets, scoring formulas and rules).

A version takes effect on its `effective_from` date and stays in force until a later one takes effect.
Pure: no database, no clock.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date
from operator import attrgetter
from typing import TypeVar

V = TypeVar("V")

_EFFECTIVE_FROM = attrgetter("effective_from")


def in_force(versions: Iterable[V], on: date, *, start: Callable[[V], date] = _EFFECTIVE_FROM) -> V | None:
    """The version in force on `on`: the one with the latest start on or before it (of two starting the same
    day, the later in `versions`); None when none has started yet."""
    chosen, chosen_start = None, None
    for version in versions:
        begins = start(version)
        if begins <= on and (chosen_start is None or begins >= chosen_start):
            chosen, chosen_start = version, begins
    return chosen


def in_force_or_first(versions: Iterable[V], on: date, *, start: Callable[[V], date] = _EFFECTIVE_FROM) -> V:
    """As `in_force`, but a date before every version gets the earliest one (formulas that judge older
    periods by the first rule the platform knows)."""
    versions = list(versions)
    if not versions:
        raise ValueError("no version to choose from")
    return in_force(versions, on, start=start) or min(versions, key=start)
