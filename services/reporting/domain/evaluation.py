"""The quarterly evaluation of heads of departments and chairs of communes (seed 003 II.2.đ), fed by the
platform's own figures: a PROPOSED level with its reasons and the rules used. People decide; the platform
only proposes. The thresholds are the province's own policy (no law sets them); the cap after a disciplinary
decision is the law's.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from shared.versions import in_force_or_first

LEVELS = ("excellent", "good", "completed", "not_completed")
LEVEL_LABELS = {"excellent": ("Hoàn thành xuất sắc nhiệm vụ", "Completed tasks excellently"),
                "good": ("Hoàn thành tốt nhiệm vụ", "Completed tasks well"),
                "completed": ("Hoàn thành nhiệm vụ", "Completed tasks"),
                "not_completed": ("Không hoàn thành nhiệm vụ", "Did not complete tasks")}


@dataclass(frozen=True)
class EvaluationRules:
    """One version of the rule that proposes a level: the least share each measured figure must reach."""

    id: str
    version: str
    effective_from: date
    source: str
    thresholds: tuple[tuple[str, Decimal], ...]  # (level, least share), best level first
    vi: str
    en: str
    cap_source: str

    def as_dict(self) -> dict:
        return {"id": self.id, "version": self.version, "effective_from": self.effective_from.isoformat(),
                "source": self.source, "vi": self.vi, "en": self.en, "cap_source": self.cap_source,
                "thresholds": {level: float(share) for level, share in self.thresholds}}


EVALUATION_RULES: tuple[EvaluationRules, ...] = (
    EvaluationRules(
        id="kycuong-head-evaluation",
        version="Kỷ Cương, đề xuất xếp loại người đứng đầu theo quý, phiên bản 1 (12/2026)",
        effective_from=date(2026, 1, 1),
        source="Chính sách của địa phương (ngưỡng do tỉnh, thành phố quyết định; không văn bản pháp luật nào quy "
               "định các ngưỡng này) — local policy",
        thresholds=(("excellent", Decimal("0.95")), ("good", Decimal("0.80")), ("completed", Decimal("0.50"))),
        vi="Mức đề xuất theo tỉ lệ thấp nhất trong các chỉ số đo được của quý: tiến độ hồ sơ 766 của đơn vị, hài "
           "lòng về giải quyết hồ sơ, nhiệm vụ hoàn thành đúng hạn, phản ánh kiến nghị xử lý đúng hạn. Từ 95% và "
           "không có vi phạm: hoàn thành xuất sắc; từ 80% và không có vi phạm: hoàn thành tốt; từ 50%: hoàn "
           "thành; dưới 50%: không hoàn thành. Vi phạm của người đứng đầu trong quý (kể cả quá hạn giải trình) "
           "hạ mức xuống tối đa hoàn thành. Bị kỷ luật trong năm: không hoàn thành nhiệm vụ.",
        en="The proposed level follows the lowest share among the quarter's measured figures: the unit's 766 "
           "dossier progress, dossier satisfaction, tasks completed on time, feedback handled on time. 95% and no "
           "violation: excellent; 80% and no violation: good; 50%: completed; below: not completed. A violation "
           "of the head in the quarter (a missed explanation included) caps it at completed. Disciplined in the "
           "year: did not complete tasks.",
        cap_source="Nghị định 90/2020/NĐ-CP, sửa đổi bởi Nghị định 48/2023/NĐ-CP: cán bộ, công chức bị kỷ luật "
                   "trong năm đánh giá thì xếp loại ở mức không hoàn thành nhiệm vụ",
    ),
)


def evaluation_rules_for(first_day: date) -> EvaluationRules:
    return in_force_or_first(EVALUATION_RULES, first_day)


@dataclass(frozen=True)
class HeadFigures:
    """What the platform knows of a head's quarter: the unit's shares (None without data) and the head's own
    violations and disciplinary decisions."""

    progress_rate: Decimal | None
    dossier_satisfaction_rate: Decimal | None
    tasks_on_time_rate: Decimal | None
    feedback_on_time_rate: Decimal | None
    violations: int = 0  # violations recorded against the head in the quarter
    explanations_missed: int = 0  # the head's own explanation requests missed in the quarter
    decisions_in_year: int = 0  # disciplinary decisions against the head in the year, up to the quarter's end


_FIGURE_TEXTS = {"progress_rate": ("tiến độ hồ sơ 766", "766 dossier progress"),
                 "dossier_satisfaction_rate": ("hài lòng về giải quyết hồ sơ", "dossier satisfaction"),
                 "tasks_on_time_rate": ("nhiệm vụ đúng hạn", "tasks on time"),
                 "feedback_on_time_rate": ("phản ánh kiến nghị đúng hạn", "feedback on time")}


def _percent(share: Decimal) -> str:
    return f"{(share * 100).quantize(Decimal('0.01'))}%"


def propose_level(figures: HeadFigures, rules: EvaluationRules) -> dict:
    """The proposed level and, in words, every reason for it."""
    measured = {key: getattr(figures, key) for key in _FIGURE_TEXTS if getattr(figures, key) is not None}
    reasons = []
    if not measured:
        level = None
        reasons.append({"vi": "Không có số liệu nào trong quý: không đề xuất mức.",
                        "en": "No figure in the quarter: no level proposed."})
    else:
        lowest_key = min(measured, key=lambda key: measured[key])
        lowest = measured[lowest_key]
        level = next((name for name, least in rules.thresholds if lowest >= least), "not_completed")
        vi, en = _FIGURE_TEXTS[lowest_key]
        reasons.append({"vi": f"Tỉ lệ thấp nhất: {vi} {_percent(lowest)}.",
                        "en": f"Lowest share: {en} {_percent(lowest)}."})
        for key in _FIGURE_TEXTS:
            if key not in measured:
                vi, en = _FIGURE_TEXTS[key]
                reasons.append({"vi": f"Không có số liệu {vi} trong quý.", "en": f"No {en} figure in the quarter."})
    violations = figures.violations + figures.explanations_missed
    if level in ("excellent", "good") and violations:
        level = "completed"
        reasons.append({"vi": f"Có {violations} vi phạm trong quý (kể cả quá hạn giải trình): tối đa hoàn thành.",
                        "en": f"{violations} violation(s) in the quarter (missed explanations included): at most "
                              "completed."})
    if figures.decisions_in_year:
        level = "not_completed"
        reasons.append({"vi": "Bị kỷ luật trong năm: " + rules.cap_source + ".",
                        "en": "Disciplined in the year: did not complete tasks (Decree 90/2020/ND-CP as amended by "
                              "Decree 48/2023/ND-CP)."})
    label = LEVEL_LABELS.get(level)
    return {"level": level, "label": {"vi": label[0], "en": label[1]} if label else None, "reasons": reasons}
