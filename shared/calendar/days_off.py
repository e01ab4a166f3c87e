"""The year's days off and swapped working days: the `holidays` package's (Labour Code 2019 art. 112 and the
Government's yearly swaps it knows), the announcements it lacks, shipped with their source in
`announcements.json`, and 24/11, which the package adds ahead of the law, only by the operator's switch."""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from types import MappingProxyType

import holidays


@dataclass(frozen=True)
class _PackageYears:
    names_vi: Mapping[date, str]
    names_en: Mapping[date, str]
    weekend_workdays: frozenset[date]


# The Politburo's decision behind the package's 24/11 (see CalendarRules.vietnam_culture_day).
CULTURE_DAY_VI = "Ngày Văn hóa Việt Nam"
CULTURE_DAY_SOURCE = "Nghị quyết 80-NQ/TW của Bộ Chính trị; bật theo cấu hình của đơn vị vận hành"
CULTURE_DAY_SOURCE_EN = "Politburo Resolution 80-NQ/TW; switched on by the operator"
ANNOUNCEMENTS = Path(__file__).with_name("announcements.json")
DAY_OFF, WORKING_DAY = "day_off", "working_day"


@dataclass(frozen=True)
class Announcement:
    """A day the Government announced off or worked that the package lacks, with its source."""

    day: date
    kind: str  # day_off | working_day
    label: str
    source: str


@functools.cache
def announcements() -> Mapping[date, Announcement]:
    """The shipped announcements (announcements.json), by day; a malformed file fails loudly."""
    data = json.loads(ANNOUNCEMENTS.read_text(encoding="utf-8"))
    found: dict[date, Announcement] = {}
    for entry in data["days"]:
        item = Announcement(day=date.fromisoformat(entry["date"]), kind=entry["kind"], label=entry["label"],
                            source=entry["source"])
        if item.kind not in (DAY_OFF, WORKING_DAY) or not item.label.strip() or not item.source.strip():
            raise ValueError(f"{ANNOUNCEMENTS.name}: {entry!r} needs kind day_off|working_day, a label, a source")
        if item.day in found:
            raise ValueError(f"{ANNOUNCEMENTS.name}: {item.day.isoformat()} is listed twice")
        found[item.day] = item
    return MappingProxyType(found)


def _without_culture_day(names: dict[date, str], marker: str) -> dict[date, str]:
    """The package's names without its 24/11 (and its substitute day), keeping any other holiday that
    shares the date."""
    kept = {}
    for day, name in names.items():
        parts = [part for part in name.split("; ") if marker not in part]
        if parts:
            kept[day] = "; ".join(parts)
    return kept


@functools.lru_cache(maxsize=8)
def package_years(first_year: int, last_year: int, culture_day: bool = False) -> _PackageYears:
    # Generating 26 years of lunar holidays takes tens of milliseconds; every
    # with_overrides() copy shares the result instead of paying it again.
    years = range(first_year, last_year + 1)
    vi = holidays.country_holidays("VN", years=years, language="vi")
    en = holidays.country_holidays("VN", years=years, language="en_US")
    # weekend_workdays is not limited to the requested years; keep only ours
    # so the precomputed tables and the labels agree.
    swapped = frozenset(d for d in vi.weekend_workdays if first_year <= d.year <= last_year)
    names_vi, names_en = dict(vi.items()), dict(en.items())
    if culture_day:
        names_vi = {d: n.replace(CULTURE_DAY_VI, f"{CULTURE_DAY_VI} ({CULTURE_DAY_SOURCE})")
                    for d, n in names_vi.items()}
        names_en = {d: n.replace("Vietnam Cultural Day", f"Vietnam Cultural Day ({CULTURE_DAY_SOURCE_EN})")
                    for d, n in names_en.items()}
    else:
        names_vi = _without_culture_day(names_vi, CULTURE_DAY_VI)
        names_en = _without_culture_day(names_en, "Vietnam Cultural Day")
    return _PackageYears(
        names_vi=MappingProxyType(names_vi),
        names_en=MappingProxyType(names_en),
        weekend_workdays=swapped,
    )
