"""The "progress" group (Tiến độ giải quyết) of the index of Decision 766/QĐ-TTg of 23 June 2022: a unit's
dossiers in a period split by where each stands (`Tally`), the published formula versions, and the
resulting score out of 20.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from services.reporting.domain.periods import Month, Period
from shared.versions import in_force_or_first

# --------------------------------------------------------------------------- counts


@dataclass(frozen=True)
class Tally:
    """A unit's dossiers in scope for a period, split by where each stands: every dossier in scope is in
    exactly one bucket, so the sum is the number received.

    Also the increments of the stored rows (month_changes), where the open_* counters are changes of
    open standing over a month rather than counts.
    """

    completed_early: int = 0
    completed_on_time: int = 0
    completed_late: int = 0
    open_within: int = 0
    open_overdue: int = 0

    @classmethod
    def completed(cls, timeliness: str) -> Tally:
        if timeliness not in TIMELINESS:
            raise ValueError(f"unknown timeliness {timeliness!r}")
        return cls(**{f"completed_{timeliness}": 1})

    # Written out rather than looped over fields(): ranking a month adds up every unit's counters on each
    # event, so these run thousands of times a second.
    def __add__(self, other: Tally) -> Tally:
        return Tally(self.completed_early + other.completed_early, self.completed_on_time + other.completed_on_time,
                     self.completed_late + other.completed_late, self.open_within + other.open_within,
                     self.open_overdue + other.open_overdue)

    def __sub__(self, other: Tally) -> Tally:
        return Tally(self.completed_early - other.completed_early, self.completed_on_time - other.completed_on_time,
                     self.completed_late - other.completed_late, self.open_within - other.open_within,
                     self.open_overdue - other.open_overdue)

    def as_tuple(self) -> tuple[int, ...]:
        return (self.completed_early, self.completed_on_time, self.completed_late, self.open_within,
                self.open_overdue)

    def __bool__(self) -> bool:
        return any(self.as_tuple())

    @property
    def received(self) -> int:
        return (self.completed_early + self.completed_on_time + self.completed_late + self.open_within
                + self.open_overdue)

    @property
    def on_time(self) -> int:
        """The formula's numerator: finished early or on time, plus open within the deadline."""
        return self.completed_early + self.completed_on_time + self.open_within

    def open_part(self) -> Tally:
        return Tally(open_within=self.open_within, open_overdue=self.open_overdue)


TIMELINESS = ("early", "on_time", "late")

RATE_QUANTUM = Decimal("0.0001")
SCORE_QUANTUM = Decimal("0.01")

# --------------------------------------------------------------------------- the published formula


@dataclass(frozen=True)
class Formula:
    """One version of a published scoring rule, chosen by the period it judges."""

    id: str
    version: str
    effective_from: date
    max_points: int
    expression: str
    vi: str
    en: str
    not_measured_vi: str
    not_measured_en: str
    source: str = "Quyết định 766/QĐ-TTg ngày 23/6/2022 của Thủ tướng Chính phủ"

    def as_dict(self) -> dict:
        return {
            "id": self.id,
            "version": self.version,
            "source": self.source,
            "effective_from": self.effective_from.isoformat(),
            "max_points": self.max_points,
            "expression": self.expression,
            "vi": self.vi,
            "en": self.en,
            "not_measured_vi": self.not_measured_vi,
            "not_measured_en": self.not_measured_en,
        }


# Newest last. A new way of computing the index is a new entry with its own date, so periods already
# published keep the formula that produced them.
PROGRESS_FORMULAS: tuple[Formula, ...] = (
    Formula(
        id="766-progress",
        version="Quyết định 766/QĐ-TTg ngày 23/6/2022, nhóm chỉ số Tiến độ giải quyết (cách tính của "
                "Cổng Dịch vụ công quốc gia năm 2026)",
        effective_from=date(2022, 6, 23),
        max_points=20,
        expression="score = 20 × on_time ÷ received",
        vi="Điểm tiến độ = 20 × (số hồ sơ giải quyết trước hạn, đúng hạn và hồ sơ đang giải quyết còn trong "
           "hạn) ÷ (tổng số hồ sơ tiếp nhận hoặc đang giải quyết trong kỳ). Hồ sơ trong kỳ là hồ sơ tiếp nhận "
           "trước khi kỳ kết thúc và chưa giải quyết xong trước khi kỳ bắt đầu; hồ sơ còn mở được xét tại thời "
           "điểm cuối kỳ (hoặc thời điểm hiện tại nếu kỳ chưa kết thúc).",
        en="Progress score = 20 × (dossiers finished early or on time, plus open dossiers still within their "
           "deadline) ÷ (all dossiers received or being handled in the period). A dossier is in the period if "
           "it was received before the period ended and not finished before it began; open dossiers are "
           "judged at the end of the period (or now, while the period runs).",
        not_measured_vi="Chưa đo: công khai, minh bạch (18); dịch vụ trực tuyến (12); thanh toán trực tuyến "
                        "(10); mức độ hài lòng (18); số hóa hồ sơ (22).",
        not_measured_en="Not measured: publicity and transparency (18); online services (12); online payment "
                        "(10); satisfaction (18); digitisation (22).",
    ),
    # Version 2: the law as written. Judged against the legal due date (an apology's new date is a promise,
    # not a new deadline: Circular 01/2018/TT-VPCP, Form 04); refused, stopped and withdrawn dossiers count
    # as finished; the satisfaction group's dossier indicator (6 of 18 points) is measured.
    Formula(
        id="766-progress",
        version="Quyết định 766/QĐ-TTg ngày 23/6/2022, nhóm chỉ số Tiến độ giải quyết (cách tính của "
                "Cổng Dịch vụ công quốc gia năm 2026), phiên bản 2 của Kỷ Cương: xét theo hạn luật định",
        effective_from=date(2026, 12, 1),
        max_points=20,
        expression="score = 20 × on_time ÷ received",
        vi="Điểm tiến độ = 20 × (số hồ sơ giải quyết trước hạn, đúng hạn và hồ sơ đang giải quyết còn trong "
           "hạn) ÷ (tổng số hồ sơ tiếp nhận hoặc đang giải quyết trong kỳ). Hồ sơ bị từ chối, dừng giải quyết "
           "hoặc công dân rút tính là đã giải quyết: đúng hạn nếu kết thúc không muộn hơn ngày hẹn trả theo luật "
           "định, trễ hạn nếu sau đó. Hạn là hạn luật định: phiếu xin lỗi và hẹn lại không làm thay đổi hạn. Hồ "
           "sơ còn mở được xét tại thời điểm cuối kỳ; thời gian chờ công dân bổ sung không tính; yêu cầu bổ sung "
           "quá một lần tính là trễ hạn.",
        en="Progress score = 20 × (dossiers finished early or on time, plus open dossiers still within their "
           "deadline) ÷ (all dossiers received or being handled in the period). Refused, stopped and withdrawn "
           "dossiers count as finished: on time when they ended by the legal due date, late after it. The "
           "deadline is the legal one: an apology with a new return date never moves it. Open dossiers are "
           "judged at the end of the period; time waiting for the citizen's supplement is excluded; more than "
           "one supplement request is late.",
        not_measured_vi="Chưa đo: công khai, minh bạch (18); dịch vụ trực tuyến (22); các chỉ số hài lòng khác "
                        "(12 trên 18); số hóa hồ sơ (22). Đo được: tiến độ (20) và hài lòng về giải quyết hồ sơ "
                        "(6).",
        not_measured_en="Not measured: publicity and transparency (18); online services (22); the other "
                        "satisfaction indicators (12 of 18); digitisation (22). Measured: progress (20) and "
                        "satisfaction with dossier handling (6).",
        source="Quyết định 766/QĐ-TTg ngày 23/6/2022 của Thủ tướng Chính phủ; Nghị định 61/2018/NĐ-CP; "
               "Thông tư 01/2018/TT-VPCP (Mẫu 04)",
    ),
)


def formula_for(period: Period | Month) -> Formula:
    """The formula in force on the period's first day (the earliest one for older periods)."""
    return in_force_or_first(PROGRESS_FORMULAS, period.first)


# --------------------------------------------------------------------------- the score


@dataclass(frozen=True)
class ProgressScore:
    """The 766 progress group of one unit in one period: its counts, on-time rate and score. Rate and
    score are None when nothing was received: such a unit has no rate and is not ranked."""

    received: int
    early: int
    on_time: int
    late: int
    open_within: int
    overdue_open: int
    on_time_rate: Decimal | None
    score: Decimal | None


def progress(tally: Tally, formula: Formula = PROGRESS_FORMULAS[-1]) -> ProgressScore:
    received = tally.received
    rate = score = None
    if received:
        exact = Decimal(tally.on_time) / Decimal(received)
        rate = exact.quantize(RATE_QUANTUM, ROUND_HALF_UP)
        score = (formula.max_points * exact).quantize(SCORE_QUANTUM, ROUND_HALF_UP)
    return ProgressScore(
        received=received,
        early=tally.completed_early,
        on_time=tally.on_time,
        late=tally.completed_late,
        open_within=tally.open_within,
        overdue_open=tally.open_overdue,
        on_time_rate=rate,
        score=score,
    )


def progress_score(tally: Tally, formula: Formula = PROGRESS_FORMULAS[-1]) -> Decimal | None:
    """`progress(tally, formula).score` alone, by the same operations: what ranking the previous period needs."""
    received = tally.received
    if not received:
        return None
    return (formula.max_points * (Decimal(tally.on_time) / Decimal(received))).quantize(SCORE_QUANTUM, ROUND_HALF_UP)
