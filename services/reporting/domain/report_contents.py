"""What a periodic report lists: the province's figures from the ranked units, the units with late
dossiers, the points of the trend chart, the good performers, and the Monday list of tasks due but not
reported (the tasks service's Monday digest applies the same rule).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from decimal import ROUND_HALF_UP, Decimal

from services.reporting.domain.cadence import ReportPeriod

UNREPORTED_AFTER = timedelta(days=7)  # a task with a progress report newer than this is not on the Monday list

# --------------------------------------------------------------------------- figures of a ranking


def _rate(numerator: int, denominator: int) -> float | None:
    if not denominator:
        return None
    return float((Decimal(numerator) / Decimal(denominator)).quantize(Decimal("0.0001"), ROUND_HALF_UP))


def summary(items: Sequence[Mapping]) -> dict:
    """The whole province's figures from the ranked units: dossiers in the window, on time (early, on time,
    open within the deadline), late, overdue open, the on-time rate and the average progress score."""
    received = sum(item["received"] for item in items)
    on_time = sum(item["on_time"] for item in items)
    scores = [Decimal(str(item["score"])) for item in items if item.get("score") is not None]
    average = (sum(scores) / len(scores)).quantize(Decimal("0.01"), ROUND_HALF_UP) if scores else None
    return {
        "units_ranked": len(items),
        "received": received,
        "on_time": on_time,
        "early": sum(item["early"] for item in items),
        "late": sum(item["late"] for item in items),
        "overdue_open": sum(item["overdue_open"] for item in items),
        "on_time_rate": _rate(on_time, received),
        "average_score": float(average) if average is not None else None,
    }


def units_with_late_dossiers(items: Sequence[Mapping]) -> list[dict]:
    """The units with dossiers finished late or overdue while open, most first."""
    late = [dict(item) for item in items if item["late"] or item["overdue_open"]]
    late.sort(key=lambda item: (-(item["late"] + item["overdue_open"]), item["rank"], item["unit"]))
    return late


def trend_point(window: ReportPeriod, received: int, on_time: int) -> dict:
    """One point of the trend chart: a monthly window, its dossiers and its on-time rate."""
    return {"period": window.label, "label": f"T{window.last_day.month}/{window.last_day.year}",
            "received": received, "on_time": on_time, "on_time_rate": _rate(on_time, received)}


def is_good_performer(item: Mapping, top_band: Mapping | None) -> bool:
    band = item.get("band")
    return top_band is not None and isinstance(band, Mapping) and band.get("code") == top_band["code"]


# --------------------------------------------------------------------------- the Monday list


@dataclass(frozen=True)
class TaskLine:
    code: str
    lead_unit: str | None
    due_at: datetime | None
    completed_at: datetime | None
    last_report_at: datetime | None


def due_but_unreported(task: TaskLine, period: ReportPeriod, tz: tzinfo) -> bool:
    """On the Monday list: a deadline before the next Monday, not completed at 00:00 on the Monday, and
    no progress report in the 7 days before it (the tasks service's Monday digest applies the same rule)."""
    judged_at = period.judged_at(tz)
    week_end = judged_at + timedelta(days=7)
    if task.due_at is None or task.due_at >= week_end:
        return False
    if task.completed_at is not None and task.completed_at < judged_at:
        return False
    return task.last_report_at is None or task.last_report_at < judged_at - UNREPORTED_AFTER


def days_overdue(due_at: datetime, judged_at: datetime, tz: tzinfo) -> int:
    """Calendar days from the deadline's day to the list's Monday; 0 for a deadline later in the week."""
    return max((judged_at.astimezone(tz).date() - due_at.astimezone(tz).date()).days, 0)


def task_rows(tasks: Iterable[TaskLine], titles: Mapping[str, Mapping], unit_names: Mapping[str, str | None],
              period: ReportPeriod, tz: tzinfo) -> list[dict]:
    """The Monday list's rows, most overdue first, then by unit and code."""
    judged_at = period.judged_at(tz)
    rows = []
    for task in tasks:
        if not due_but_unreported(task, period, tz):
            continue
        overdue = task.due_at < judged_at
        said = titles.get(task.code, {})
        rows.append({
            "code": task.code,
            "title": said.get("title"),
            "document": said.get("document"),
            "lead_unit": task.lead_unit,
            "lead_unit_name": unit_names.get(task.lead_unit),
            "due_at": task.due_at.isoformat(),
            "status": "overdue" if overdue else "due_this_week",
            "status_vi": "Quá hạn" if overdue else "Đến hạn trong tuần",
            "days_overdue": days_overdue(task.due_at, judged_at, tz) if overdue else 0,
            "last_report_at": task.last_report_at.isoformat() if task.last_report_at else None,
        })
    rows.sort(key=lambda row: (-row["days_overdue"], row["due_at"], row["lead_unit"] or "", row["code"]))
    return rows


def tasks_by_unit(rows: Sequence[Mapping]) -> list[dict]:
    """Counts of the Monday list per lead unit (the chart of the list), most first."""
    counts: dict[str, dict] = {}
    for row in rows:
        entry = counts.setdefault(row["lead_unit"], {"unit": row["lead_unit"], "unit_name": row["lead_unit_name"],
                                                     "overdue": 0, "due_this_week": 0})
        entry[row["status"]] += 1
    return sorted(counts.values(), key=lambda e: (-(e["overdue"] + e["due_this_week"]), e["unit"] or ""))
