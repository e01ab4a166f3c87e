"""The monthly classification of units by their late dossiers and by the dossiers sent back to the citizen
several times through officials' own fault.

Where it comes from: the Hà Nội Chairman's directive on individualised responsibility for slow and late
handling of administrative procedures (seed 004, implementing Chỉ thị 24-CT/TU of 07/8/2023), item 2.b: the
Public Administrative Service Center reports every month to the city's People's Committee "phân loại các đơn
vị có hồ sơ trễ hạn, hồ sơ bị trả lại nhiều lần do lỗi chủ quan của cán bộ, công chức, viên chức". The
directive names the two groups and sets no number: how many late dossiers put a unit in the first group and
how many times is "nhiều lần" are the province's own policy, kept dated in scoring.json ("classification").
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime

from services.reporting.domain.ranking import unit_sort_key
from shared.versions import in_force_or_first

# Worst first: the order of the table and of the summary. Both groups of the directive, then each alone.
CLASS_CODES = ("late_and_sent_back", "late", "sent_back", "clear")


@dataclass(frozen=True)
class ClassText:
    code: str
    vi: str
    en: str

    def as_dict(self) -> dict:
        return {"code": self.code, "vi": self.vi, "en": self.en}


@dataclass(frozen=True)
class ClassificationRules:
    id: str
    version: str
    effective_from: date
    source: str
    late_from: int  # late dossiers (completed late in the month + open past the deadline at its end)
    repeated_from: int  # times a dossier was sent back for officials' fault that make it "nhiều lần"
    classes: tuple[ClassText, ...]
    vi: str
    en: str

    def text(self, code: str) -> ClassText:
        return next(c for c in self.classes if c.code == code)

    def as_dict(self) -> dict:
        return {"id": self.id, "version": self.version, "effective_from": self.effective_from.isoformat(),
                "source": self.source, "late_from": self.late_from, "repeated_from": self.repeated_from,
                "classes": [c.as_dict() for c in self.classes], "vi": self.vi, "en": self.en}


def classification_rules_from_document(document: Mapping) -> tuple[ClassificationRules, ...]:
    """The versions under scoring.json's "classification", checked, oldest first: a mistake is refused with
    where and why."""
    versions: list[ClassificationRules] = []
    for index, raw in enumerate((document.get("classification") or {}).get("versions") or []):
        where = f"classification.versions[{index}]"
        try:
            rules = ClassificationRules(
                raw["id"], raw["version"], date.fromisoformat(raw["effective_from"]), raw["source"],
                int(raw["late_dossiers_from"]), int(raw["sent_back_times_from"]),
                tuple(ClassText(c["code"], c["vi"], c["en"]) for c in raw["classes"]), raw["vi"], raw["en"])
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"{where}: missing or malformed {exc}") from None
        if sorted(c.code for c in rules.classes) != sorted(CLASS_CODES):
            raise ValueError(f"{where}: classes must be exactly {CLASS_CODES}")
        if rules.late_from < 1 or rules.repeated_from < 2:
            raise ValueError(f"{where}: late_dossiers_from must be 1 or more and sent_back_times_from 2 or more "
                             "(once is not several times)")
        if versions and rules.effective_from <= versions[-1].effective_from:
            raise ValueError(f"{where}: versions must be listed oldest first")
        versions.append(rules)
    if not versions:
        raise ValueError("classification rules: no version")
    return tuple(versions)


def rules_for(first_day: date, versions: Iterable[ClassificationRules]) -> ClassificationRules:
    """The rules in force on the month's first day (a month before every version: the first one)."""
    return in_force_or_first(versions, first_day)


# --------------------------------------------------------------------------- dossiers sent back


@dataclass(frozen=True)
class SentBack:
    """One sending back through officials' fault (`dossier.sent_back` with officials_fault) before the month's
    end; `times_for_fault` is the producer's count so far on the dossier."""

    unit: str
    dossier: str
    at: datetime
    times_for_fault: int | None = None


@dataclass(frozen=True)
class SentBackCounts:
    dossiers: int = 0  # dossiers sent back for officials' fault in the month
    times: int = 0  # times they were sent back for that fault in the month
    repeated: int = 0  # of those dossiers, sent back for officials' fault `repeated_from` times or more so far


def sent_back_counts(rows: Iterable[SentBack], start: datetime, end: datetime,
                     repeated_from: int) -> dict[str, SentBackCounts]:
    """Per unit, the dossiers sent back through officials' fault in [start, end), and how many of them had
    been sent back for that fault `repeated_from` times or more by the month's end (earlier months count: a
    dossier sent back in October and again in November is sent back twice). The count is the larger of the
    sendings seen and the producer's own count, which also knows sendings from before reporting started."""
    by_dossier: dict[str, list[SentBack]] = {}
    for row in rows:
        if row.at < end:
            by_dossier.setdefault(row.dossier, []).append(row)
    counts: dict[str, list[int]] = {}
    for sendings in by_dossier.values():
        in_month = [s for s in sendings if s.at >= start]
        if not in_month:
            continue
        unit = max(in_month, key=lambda s: s.at).unit
        so_far = max([len(sendings), *(s.times_for_fault or 0 for s in sendings)])
        entry = counts.setdefault(unit, [0, 0, 0])
        entry[0] += 1
        entry[1] += len(in_month)
        entry[2] += 1 if so_far >= repeated_from else 0
    return {unit: SentBackCounts(*entry) for unit, entry in counts.items()}


# --------------------------------------------------------------------------- a unit's month


@dataclass(frozen=True)
class UnitMonth:
    unit: str
    name: str | None
    received: int  # dossiers in scope for the month (received or handled in it)
    completed_late: int
    overdue_open: int  # open and past the deadline at the month's end (now, for the running month)
    sent_back: SentBackCounts = SentBackCounts()
    kind: str | None = None
    sort_key: str | None = None

    @property
    def late(self) -> int:
        return self.completed_late + self.overdue_open


def classify(figures: UnitMonth, rules: ClassificationRules) -> str:
    late = figures.late >= rules.late_from
    repeated = figures.sent_back.repeated > 0
    if late and repeated:
        return "late_and_sent_back"
    if late:
        return "late"
    return "sent_back" if repeated else "clear"


def worst_first(units: Iterable[UnitMonth], rules: ClassificationRules) -> list[tuple[UnitMonth, str]]:
    """Each unit with its class, worst first: by class, then more late dossiers, more dossiers sent back
    several times, more sent back at all; equal units in Vietnamese dictionary order."""
    classified = [(unit, classify(unit, rules)) for unit in units]
    classified.sort(key=lambda pair: (CLASS_CODES.index(pair[1]), -pair[0].late, -pair[0].sent_back.repeated,
                                      -pair[0].sent_back.dossiers, -pair[0].completed_late,
                                      pair[0].sort_key or unit_sort_key(pair[0].unit, pair[0].name), pair[0].unit))
    return classified


def class_counts(classified: Iterable[tuple[UnitMonth, str]]) -> dict[str, int]:
    counts = dict.fromkeys(CLASS_CODES, 0)
    for _, code in classified:
        counts[code] += 1
    return counts
