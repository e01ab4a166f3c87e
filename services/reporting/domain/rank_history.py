"""Rankings over months: which units to follow (the first and the last of the latest month's ranking) and
each one's rank month by month, from the rankings published for each month; and where a rank goes on a
small chart. Pure: the rankings come in as {month: {unit: (rank, score)}}."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

SHOW = ("both", "top", "bottom")


@dataclass(frozen=True)
class RankPoint:
    month: str
    rank: int | None  # None: not ranked that month (no dossier, or no ranking published)
    score: Decimal | None
    of: int | None  # units ranked that month


@dataclass(frozen=True)
class UnitHistory:
    unit: str
    group: str  # top | bottom
    points: tuple[RankPoint, ...]

    @property
    def latest(self) -> RankPoint:
        return next((p for p in reversed(self.points) if p.rank is not None), self.points[-1])

    @property
    def first_ranked(self) -> RankPoint | None:
        return next((p for p in self.points if p.rank is not None), None)


def latest_ranked_month(months: Sequence[str], rankings: Mapping[str, Mapping]) -> str | None:
    return next((m for m in reversed(months) if rankings.get(m)), None)


def followed_units(months: Sequence[str], rankings: Mapping[str, Mapping[str, tuple[int, Decimal]]],
                   show: str = "both", count: int = 5) -> list[tuple[str, str]]:
    """(unit, group) to follow: the `count` first (top) and the `count` last (bottom) of the latest month with a
    ranking, best first within each group; a unit is in one group only (a short ranking has fewer bottom units)."""
    latest = latest_ranked_month(months, rankings)
    if latest is None:
        return []
    ordered = sorted(rankings[latest].items(), key=lambda item: (item[1][0], item[0]))
    top = [unit for unit, _ in ordered[:count]] if show in ("both", "top") else []
    bottom = [unit for unit, _ in ordered[-count:] if unit not in top] if show in ("both", "bottom") else []
    return [(unit, "top") for unit in top] + [(unit, "bottom") for unit in bottom]


def histories(months: Sequence[str], rankings: Mapping[str, Mapping[str, tuple[int, Decimal]]],
              units_ranked: Mapping[str, int], followed: Sequence[tuple[str, str]]) -> list[UnitHistory]:
    result = []
    for unit, group in followed:
        points = []
        for month in months:
            entry = (rankings.get(month) or {}).get(unit)
            points.append(RankPoint(month, entry[0] if entry else None,
                                    Decimal(str(entry[1])) if entry else None, units_ranked.get(month)))
        result.append(UnitHistory(unit, group, tuple(points)))
    return result


@dataclass(frozen=True)
class ChartBox:
    width: int = 320
    height: int = 96
    left: int = 12
    right: int = 12
    top: int = 16
    bottom: int = 16


def rank_range(group: Sequence[UnitHistory]) -> tuple[int, int]:
    """The ranks a group's charts share (lowest and highest seen), so its units can be compared."""
    ranks = [p.rank for history in group for p in history.points if p.rank is not None]
    return (min(ranks), max(ranks)) if ranks else (1, 1)


def chart_points(history: UnitHistory, low: int, high: int, box: ChartBox = ChartBox()) -> list[dict]:
    """Where each month's rank goes: x along the months, rank `low` at the top and `high` at the bottom (a
    better rank is higher up); months without a rank have no point."""
    count = len(history.points)
    step = (box.width - box.left - box.right) / max(count - 1, 1)
    span = max(high - low, 1)
    plot = box.height - box.top - box.bottom
    points = []
    for index, point in enumerate(history.points):
        if point.rank is None:
            continue
        x = box.left + step * index
        y = box.top + plot * (point.rank - low) / span if high != low else box.top + plot / 2
        points.append({"index": index, "x": round(x, 1), "y": round(y, 1), "rank": point.rank, "month": point.month})
    return points


def segments(points: Sequence[dict]) -> list[str]:
    """SVG polyline `points` attributes: one line per run of consecutive ranked months (a gap breaks it)."""
    runs: list[list[dict]] = []
    previous_index = None
    for point in points:
        index = point["index"]
        if runs and index == previous_index + 1:
            runs[-1].append(point)
        else:
            runs.append([point])
        previous_index = index
    return [" ".join(f"{p['x']:g},{p['y']:g}" for p in run) for run in runs if len(run) > 1]
