"""The whole index of Decision 766/QĐ-TTg of 23 June 2022, as the national public service portal computes it:
100 points in five groups, each split into indicators. The platform measures the indicators it has data for
(the progress group, and the dossier-satisfaction indicator of the satisfaction group) and says plainly
which ones it cannot measure, instead of pretending a total out of 100.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

SOURCE_766 = ("Quyết định 766/QĐ-TTg ngày 23/6/2022 của Thủ tướng Chính phủ phê duyệt Bộ chỉ số chỉ đạo, điều hành "
              "và đánh giá chất lượng phục vụ người dân, doanh nghiệp trong thực hiện thủ tục hành chính, dịch vụ "
              "công theo thời gian thực trên môi trường điện tử; cách tính của Cổng Dịch vụ công quốc gia năm 2026")
TOTAL_POINTS = 100


@dataclass(frozen=True)
class Indicator:
    key: str
    max_points: int
    measured: bool  # the platform has the data to compute it
    vi: str
    en: str
    expression: str | None = None
    why_not_vi: str | None = None
    why_not_en: str | None = None


@dataclass(frozen=True)
class Group:
    key: str
    max_points: int
    vi: str
    en: str
    indicators: tuple[Indicator, ...]


_NO_DATA_VI = "Không đo: nền tảng không có dữ liệu này (số liệu nằm trên Cổng Dịch vụ công và hệ thống một cửa)."
_NO_DATA_EN = ("Not measured: the platform has no such data (it lives on the public service portal and the one-stop "
               "system).")

GROUPS: tuple[Group, ...] = (
    Group("publicity", 18, "Công khai, minh bạch", "Publicity and transparency", (
        Indicator("publicity", 18, False, "Công khai, minh bạch thông tin thủ tục hành chính và hồ sơ",
                  "Publicity of procedures and of dossiers' progress", why_not_vi=_NO_DATA_VI, why_not_en=_NO_DATA_EN),
    )),
    Group("progress", 20, "Tiến độ giải quyết", "Progress of handling", (
        Indicator("progress", 20, True,
                  "Tiến độ = 20 × (hồ sơ giải quyết trước hạn, đúng hạn + hồ sơ đang giải quyết còn hạn) ÷ (tổng hồ "
                  "sơ tiếp nhận hoặc đang giải quyết trong kỳ). Hồ sơ từ chối, dừng, rút tính là đã giải quyết "
                  "(đúng hạn nếu kết thúc trước hạn luật định); hồ sơ còn mở xét tại ngày cuối kỳ; thời gian chờ bổ "
                  "sung không tính; yêu cầu bổ sung quá một lần tính trễ hạn; xét theo hạn luật định, phiếu xin lỗi "
                  "không làm thay đổi hạn.",
                  "Progress = 20 × (finished early or on time + open within the deadline) ÷ (all dossiers received "
                  "or handled in the period). Refused, stopped and withdrawn dossiers count as finished (on time "
                  "when ended before the legal due date); open dossiers are judged on the period's last day; time "
                  "waiting for the citizen's supplement is excluded; more than one supplement request is late; "
                  "judged against the legal due date, which an apology never moves.",
                  expression="score = 20 × on_time ÷ received"),
    )),
    Group("online_services", 22, "Cung cấp dịch vụ trực tuyến", "Online services", (
        Indicator("online_services", 22, False, "Dịch vụ công trực tuyến, thanh toán trực tuyến",
                  "Online public services and online payment", why_not_vi=_NO_DATA_VI, why_not_en=_NO_DATA_EN),
    )),
    Group("satisfaction", 18, "Mức độ hài lòng", "Satisfaction", (
        Indicator("dossier_satisfaction", 6, True,
                  "Hài lòng về giải quyết hồ sơ = 100% − (tỉ lệ hồ sơ quá hạn + tỉ lệ hồ sơ bị phản ánh, kiến nghị "
                  "hoặc đánh giá không hài lòng); đạt từ 90% trở lên được điểm tối đa.",
                  "Satisfaction with dossier handling = 100% − (share overdue + share with a complaint or a "
                  "dislike); full marks at 90% or more.",
                  expression="score = 6 × min(1, (1 − overdue_share − complaint_share) ÷ 0.9)"),
        Indicator("other_satisfaction", 12, False,
                  "Các chỉ số hài lòng khác của nhóm (đánh giá trên Cổng Dịch vụ công, xử lý phản ánh kiến nghị "
                  "theo cách tính của Cổng)",
                  "The group's other satisfaction indicators (ratings on the national portal, feedback handling "
                  "as the portal computes it)",
                  why_not_vi="Không đo theo cách tính của Cổng: nền tảng chỉ có đánh giá và phản ánh của chính nó "
                             "(được tính riêng trong điểm tổng hợp Kỷ Cương).",
                  why_not_en="Not measured the portal's way: the platform has only its own ratings and feedback "
                             "(counted separately in the Kỷ Cương composite score).")
    )),
    Group("digitisation", 22, "Số hóa hồ sơ", "Digitisation", (
        Indicator("digitisation", 22, False, "Số hóa hồ sơ, kết quả giải quyết thủ tục hành chính",
                  "Digitisation of dossiers and results", why_not_vi=_NO_DATA_VI, why_not_en=_NO_DATA_EN),
    )),
)


def index_766(points: dict[str, Decimal | None]) -> dict:
    """Every group and indicator of the index with its points: `points` has the measured indicators' points
    (None when the unit has no dossier in the period). The answer adds up only what is measured, out of
    what is measurable, and never shows a total out of 100."""
    groups, measured_points, measurable = [], Decimal(0), 0
    scored_any = False
    for group in GROUPS:
        indicators = []
        for indicator in group.indicators:
            value = points.get(indicator.key) if indicator.measured else None
            if indicator.measured:
                measurable += indicator.max_points
                if value is not None:
                    measured_points += value
                    scored_any = True
            indicators.append({
                "key": indicator.key, "max_points": indicator.max_points, "measured": indicator.measured,
                "points": value, "vi": indicator.vi, "en": indicator.en, "expression": indicator.expression,
                "why_not_measured": ({"vi": indicator.why_not_vi, "en": indicator.why_not_en}
                                     if not indicator.measured else None)})
        groups.append({"key": group.key, "max_points": group.max_points, "vi": group.vi, "en": group.en,
                       "measured": all(i.measured for i in group.indicators),
                       "partly_measured": any(i.measured for i in group.indicators),
                       "indicators": indicators})
    return {
        "source": SOURCE_766,
        "total_points": TOTAL_POINTS,
        "measured_points": measured_points if scored_any else None,
        "measurable_points": measurable,
        "total": None,
        "note": {"vi": f"Nền tảng chỉ đo được {measurable}/{TOTAL_POINTS} điểm của Bộ chỉ số 766; không có tổng "
                       f"điểm trên thang {TOTAL_POINTS}.",
                 "en": f"The platform measures {measurable} of the index's {TOTAL_POINTS} points; there is no "
                       f"total out of {TOTAL_POINTS}."},
        "groups": groups,
    }
