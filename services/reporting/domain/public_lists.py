"""The published criteria of the public lists of good and violating individuals and units (seed 004, item
1.đ): which facts put an official or a unit on a list, in words, with their source. The thresholds are the
province's own policy unless a law is cited.
"""

from __future__ import annotations

from dataclasses import dataclass

LOCAL_POLICY = "Chính sách của địa phương (tiêu chí do tỉnh, thành phố quyết định) — local policy"


@dataclass(frozen=True)
class ListCriteria:
    id: str
    version: str
    source: str
    expression: str
    vi: str
    en: str

    def in_language(self, lang: str) -> dict:
        return {"id": self.id, "version": self.version, "source": self.source, "expression": self.expression,
                "text": self.vi if lang == "vi" else self.en}


# An official with fewer steps than this in the period is not judged: too few to tell (local policy).
GOOD_INDIVIDUAL_MIN_STEPS = 5

GOOD_INDIVIDUALS = ListCriteria(
    id="kycuong-good-individuals", version="Kỷ Cương, cá nhân thành tích tốt, phiên bản 1 (12/2026)",
    source=LOCAL_POLICY,
    expression=f"steps_handled ≥ {GOOD_INDIVIDUAL_MIN_STEPS} ∧ steps_late = 0 ∧ late_dossiers = 0 ∧ "
               "overdue_held = 0 ∧ explanations_missed = 0 ∧ violations = 0 ∧ no disciplinary decision in force",
    vi=f"Cán bộ, công chức xử lý từ {GOOD_INDIVIDUAL_MIN_STEPS} bước hồ sơ trở lên trong kỳ, tất cả đúng hạn; không "
       "có hồ sơ trễ hạn do mình chịu trách nhiệm, không giữ hồ sơ quá hạn, không quá hạn giải trình, không có vi "
       "phạm được ghi nhận trong kỳ và không đang chịu quyết định kỷ luật còn hiệu lực.",
    en=f"Public servants who handled {GOOD_INDIVIDUAL_MIN_STEPS} or more dossier steps in the period, all on time; "
       "no late dossier they are answerable for, none held past its deadline, no missed explanation, no violation "
       "recorded in the period and no disciplinary decision in force.",
)

VIOLATING_UNITS = ListCriteria(
    id="kycuong-violating-units", version="Kỷ Cương, đơn vị vi phạm, phiên bản 1 (12/2026)",
    source="Nghị định 61/2018/NĐ-CP, Điều 19 (xin lỗi khi trễ hạn); Thông tư 01/2018/TT-VPCP (Mẫu 04); chính "
           "sách của địa phương về việc công khai — Decree 61/2018/ND-CP art. 19, Circular 01/2018/TT-VPCP; local "
           "policy for publication",
    expression="decisions + late_without_apology + explanations_missed > 0",
    vi="Đơn vị trong năm có cán bộ, công chức bị quyết định kỷ luật (người đứng đầu liên đới chịu trách nhiệm), "
       "có hồ sơ quá hạn mà không gửi phiếu xin lỗi, hoặc có yêu cầu giải trình bị quá hạn không nộp.",
    en="Units which in the year had a public servant disciplined by a decision (the head is jointly liable), a "
       "dossier past its legal due date without an apology, or an explanation request missed.",
)

PEOPLE_LIST_NOTES = [
    {"code": "no_personal_data",
     "vi": "Danh sách chỉ gồm mã cán bộ, công chức và đơn vị; không có thông tin cá nhân của người dân.",
     "en": "The lists name public servants by code and their units only; they hold no personal data of citizens."},
    {"code": "facts_of_the_platform",
     "vi": "Chỉ tính các sự kiện nền tảng ghi nhận được; hồ sơ từ hệ thống ngoài không báo từng bước thì không "
           "được xét.",
     "en": "Only what the platform recorded counts; dossiers from external systems that do not report their "
           "steps are not considered."},
]
