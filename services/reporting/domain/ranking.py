"""Rankings: units by score, best first, equal scores sharing a rank and listed in Vietnamese dictionary
order; and how a fresh ranking differs from the one published."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from services.reporting.domain.progress import PROGRESS_FORMULAS, Formula, ProgressScore, Tally, progress
from shared.vietnamese import sort_key as vietnamese_sort_key


@dataclass(frozen=True)
class UnitTally:
    unit: str
    name: str | None
    tally: Tally
    sort_key: str | None = None  # the stored Vietnamese key of the name (unit_sort_key), if known
    kind: str | None = None


def unit_sort_key(unit: str, name: str | None) -> str:
    """The order of units with equal scores: Vietnamese dictionary order of the name (the code if none)."""
    return vietnamese_sort_key(name or unit)


@dataclass(frozen=True)
class RankedUnit:
    unit: str
    name: str | None
    rank: int
    progress: ProgressScore

    @property
    def score(self) -> Decimal:
        return self.progress.score


@dataclass(frozen=True)
class Ranking:
    ranked: list[RankedUnit]
    not_ranked: list[str] = field(default_factory=list)  # units in the period with nothing received


def rank_units(entries: Iterable[UnitTally], formula: Formula = PROGRESS_FORMULAS[-1]) -> Ranking:
    """Units by score, best first. Equal scores share a rank (1, 2, 2, 4) and are listed by Vietnamese
    name; a unit that received nothing has no score and is left out."""
    scored = []
    not_ranked = []
    for entry in entries:
        result = progress(entry.tally, formula)
        if result.score is None:
            not_ranked.append(entry.unit)
            continue
        scored.append((entry, result))
    scored.sort(key=lambda pair: (-pair[1].score, pair[0].sort_key or unit_sort_key(pair[0].unit, pair[0].name),
                                  pair[0].unit))
    ranked = []
    previous_score = None
    rank = 0
    for position, (entry, result) in enumerate(scored, start=1):
        if result.score != previous_score:
            rank, previous_score = position, result.score
        ranked.append(RankedUnit(unit=entry.unit, name=entry.name, rank=rank, progress=result))
    return Ranking(ranked=ranked, not_ranked=sorted(not_ranked))


@dataclass(frozen=True)
class RankingChange:
    """How a freshly computed ranking differs from the stored one."""

    changed: list[dict]  # RankingEntry of the event catalog: unit, rank, previous_rank, score
    dropped: list[str]  # units ranked before and no longer

    def __bool__(self) -> bool:
        return bool(self.changed or self.dropped)


def ranking_change(stored: Mapping[str, tuple[int, Decimal]], ranking: Ranking) -> RankingChange:
    """Units whose rank or score differ from `stored` ({unit: (rank, score)}), new units included."""
    changed = []
    for entry in ranking.ranked:
        before = stored.get(entry.unit)
        if before is None or before[0] != entry.rank or Decimal(before[1]) != entry.score:
            changed.append({"unit": entry.unit, "rank": entry.rank,
                            "previous_rank": before[0] if before else None, "score": float(entry.score)})
    ranked_now = {entry.unit for entry in ranking.ranked}
    return RankingChange(changed=changed, dropped=sorted(set(stored) - ranked_now))


def rank_by(entries: Iterable[tuple[str, str | None, Decimal | None]],
            sort_keys: Mapping[str, str | None] | None = None) -> tuple[list[tuple[str, int]], list[str]]:
    """Rank (unit, name, score) by score, best first: equal scores share a rank and are listed by
    Vietnamese name (`sort_keys`: the stored keys by unit, computed for units without one); a unit
    without a score is left out. Returns [(unit, rank)] and the units left out."""
    sort_keys = sort_keys or {}
    scored = [(unit, name, score) for unit, name, score in entries if score is not None]
    left_out = sorted(unit for unit, _, score in entries if score is None) if isinstance(entries, list) else []
    scored.sort(key=lambda e: (-e[2], sort_keys.get(e[0]) or unit_sort_key(e[0], e[1]), e[0]))
    ranks, previous, rank = [], None, 0
    for position, (unit, _, score) in enumerate(scored, start=1):
        if score != previous:
            rank, previous = position, score
        ranks.append((unit, rank))
    return ranks, left_out
