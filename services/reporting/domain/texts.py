"""What users are told: the caveats of scorecards and rankings, the texts of the figures and their
drill-downs, the notes of the public lists, and how numbers, dates, kinds of unit and the issuing authority
are written in Vietnamese.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from services.reporting.domain.composite import ScoringRules

# --------------------------------------------------------------------------- caveats


@dataclass(frozen=True)
class Caveat:
    code: str
    vi: str
    en: str

    def as_dict(self) -> dict:
        return {"code": self.code, "vi": self.vi, "en": self.en}


_SUPPLEMENT_NOT_EXCLUDED = Caveat(
    "supplement_time_excluded_as_reported",
    "Thời gian chờ công dân bổ sung hồ sơ được trừ khi hệ thống hồ sơ báo yêu cầu và nhận bổ sung; hồ sơ từ hệ "
    "thống ngoài không báo việc bổ sung thì chưa được trừ. Yêu cầu bổ sung lần thứ hai tính là trễ hạn.",
    "Time waiting for the citizen's supplement is excluded when the dossiers service reports the request and "
    "the supplement; dossiers from external systems that do not report it are not adjusted. A second "
    "supplement request counts as late.")
_PROGRESS_GROUP_ONLY = Caveat(
    "index_766_partly_measured",
    "Của Bộ chỉ số 766 (100 điểm) chỉ tính được nhóm Tiến độ giải quyết (20 điểm) và chỉ số Hài lòng về giải quyết "
    "hồ sơ (6 trên 18 điểm của nhóm Mức độ hài lòng); các nhóm, chỉ số khác (74 điểm) nền tảng không có dữ liệu "
    "để đo, nên không có tổng điểm trên thang 100.",
    "Of the 766 index (100 points) only the progress group (20 points) and the dossier-satisfaction indicator (6 "
    "of the satisfaction group's 18) are computed; the platform has no data for the other groups and indicators "
    "(74 points), so there is no total out of 100.")
_OPEN_WITHIN_UNTIL_REPORTED = Caveat(
    "open_within_until_overdue_reported",
    "Hồ sơ đang giải quyết được tính là còn hạn cho đến khi hệ thống hồ sơ báo quá hạn (thường trong vài phút "
    "sau thời điểm hẹn trả).",
    "An open dossier counts as within its deadline until the dossiers service reports it overdue (usually "
    "within minutes of its due time).")


def ranking_caveats(not_ranked: int) -> list[Caveat]:
    return [
        _SUPPLEMENT_NOT_EXCLUDED,
        Caveat("units_without_dossiers_not_ranked",
               f"Đơn vị không có hồ sơ trong kỳ không được xếp hạng ({not_ranked} đơn vị).",
               f"Units with no dossiers in the period are not ranked ({not_ranked} units)."),
        _OPEN_WITHIN_UNTIL_REPORTED,
        _PROGRESS_GROUP_ONLY,
    ]


def scorecard_caveats() -> list[Caveat]:
    # The scorecard judges each dossier against its due time itself, so it needs no overdue report.
    return [_SUPPLEMENT_NOT_EXCLUDED, _PROGRESS_GROUP_ONLY]


def composite_caveats(not_measured: Sequence[str], rules: ScoringRules) -> list[Caveat]:
    """What the composite does not account for: the components without data, and the 766 groups."""
    names = {c.key: (c.vi, c.en) for c in rules.components}
    caveats = [_PROGRESS_GROUP_ONLY]
    if not_measured:
        caveats.append(Caveat(
            "components_not_measured",
            "Thành phần chưa có dữ liệu trong kỳ, không tính vào điểm tổng hợp: "
            + "; ".join(names[key][0] for key in not_measured),
            "Components without data in the period, left out of the composite: "
            + "; ".join(names[key][1] for key in not_measured)))
    return caveats


# --------------------------------------------------------------------------- figures

SATISFACTION_TEXT = {
    "vi": "Mức độ hài lòng: số lượt đánh giá trong tháng, điểm trung bình (1 rất không hài lòng … 5 rất hài lòng) "
          "và tỉ lệ đánh giá hài lòng hoặc rất hài lòng (4–5). Là một thành phần của điểm tổng hợp, không tính vào "
          "điểm tiến độ theo Bộ chỉ số 766.",
    "en": "Satisfaction: ratings given in the month, their average (1 very dissatisfied … 5 very satisfied) and "
          "the share rated satisfied or very satisfied (4–5). A component of the composite score, not of the 766 "
          "progress score.",
    "version": "Kỷ Cương, đánh giá hài lòng, phiên bản 1 (2026)",
    "source": "Thang đo và các yếu tố SIPAS; tỉ lệ hài lòng là chính sách của địa phương — SIPAS scale and factors; "
              "the satisfied share is local policy",
}

FIGURE_TEXTS: dict[str, dict[str, str]] = {
    "received": {"vi": "Hồ sơ trong kỳ: tiếp nhận trước khi kỳ kết thúc và chưa giải quyết xong trước khi kỳ bắt đầu.",
                 "en": "Dossiers in the period: received before it ended and not finished before it began."},
    "early": {"vi": "Hồ sơ giải quyết trước hạn trong kỳ.", "en": "Dossiers finished early in the period."},
    "finished_on_time": {"vi": "Hồ sơ giải quyết đúng hạn (đúng ngày hẹn trả) trong kỳ.",
                         "en": "Dossiers finished on the due date in the period."},
    "on_time": {"vi": "Tử số của chỉ số tiến độ 766: trước hạn, đúng hạn và đang giải quyết còn hạn.",
                "en": "Numerator of the 766 progress score: early, on time, and open within the deadline."},
    "late": {"vi": "Hồ sơ giải quyết trễ hạn trong kỳ (kể cả hồ sơ yêu cầu bổ sung lần thứ hai), với bước, người "
                   "và đơn vị chịu trách nhiệm.",
             "en": "Dossiers finished late in the period (a second supplement request included), with the step, "
                   "official and unit answerable."},
    "open_within": {"vi": "Hồ sơ đang giải quyết còn hạn tại thời điểm cuối kỳ (thời gian chờ bổ sung không tính).",
                    "en": "Open dossiers within the deadline at the end of the period (time waiting for the "
                          "citizen's supplement not counted)."},
    "overdue_open": {"vi": "Hồ sơ đang giải quyết đã quá hạn tại thời điểm cuối kỳ, với bước và người đang giữ "
                           "hồ sơ khi quá hạn.",
                     "en": "Open dossiers past the deadline at the end of the period, with the step and official "
                           "holding them at the deadline."},
    "supplements": {"vi": "Số lần yêu cầu công dân bổ sung hồ sơ trong kỳ (lần thứ hai trở đi tính trễ hạn).",
                    "en": "Supplement requests made in the period (a second one counts as late)."},
    "returned_for_fault": {"vi": "Số lần trả lại hồ sơ cho công dân do lỗi của cán bộ, công chức trong kỳ.",
                           "en": "Times dossiers were sent back to the citizen through officials' own fault."},
    "tasks_late": {"vi": "Nhiệm vụ (đơn vị chủ trì) hoàn thành trễ hạn trong kỳ.",
                   "en": "Tasks the unit leads completed late in the period."},
    "tasks_overdue": {"vi": "Nhiệm vụ (đơn vị chủ trì) quá hạn chưa hoàn thành tại thời điểm cuối kỳ.",
                      "en": "Tasks the unit leads overdue and not completed at the end of the period."},
    "feedback_late": {"vi": "Phản ánh, kiến nghị xử lý trễ hạn hoặc quá hạn chưa xử lý trong kỳ.",
                      "en": "Feedback steps handled late or deadlines missed in the period."},
    "explanations": {"vi": "Yêu cầu giải trình trong kỳ: ai phải giải trình, về việc gì, đã giải trình chưa.",
                     "en": "Explanation requests in the period: who must explain, about what, and whether they did."},
    "explanations_missed": {"vi": "Yêu cầu giải trình quá hạn không nộp trong kỳ (là một vi phạm).",
                            "en": "Explanations not submitted by their deadline in the period (itself a violation)."},
    "proposals": {"vi": "Đề xuất xử lý kỷ luật trong kỳ.", "en": "Sanction proposals made in the period."},
    "decisions": {"vi": "Quyết định kỷ luật trong kỳ.", "en": "Disciplinary decisions taken in the period."},
    "apologies": {"vi": "Phiếu xin lỗi và hẹn lại ngày trả kết quả đã gửi trong kỳ (Mẫu 04, Thông tư 01/2018/TT-VPCP); "
                        "hồ sơ vẫn được xét trễ hạn theo hạn luật định.",
                  "en": "Apologies with a new return date issued in the period (Form 04, Circular 01/2018/TT-VPCP); "
                        "the dossier is still judged late against its legal due date."},
    "promises_broken": {"vi": "Hồ sơ đã xin lỗi nhưng quá cả ngày hẹn lại (lỗi lần thứ hai) trong kỳ.",
                        "en": "Apologised dossiers that also passed the promised date (a second failure) in the "
                              "period."},
    "late_without_apology": {"vi": "Hồ sơ quá hạn luật định mà đơn vị không gửi phiếu xin lỗi (là một vi phạm, "
                                   "Nghị định 61/2018/NĐ-CP, Điều 19) trong kỳ.",
                             "en": "Dossiers past their legal due date without the unit's apology (a breach in "
                                   "itself, Decree 61/2018/ND-CP art. 19) in the period."},
}


# --------------------------------------------------------------------------- public lists and periodic reports


def good_performer_rule(top_band: Mapping | None, lang: str) -> str:
    """Who is on the public list of good performers, in words."""
    if top_band is None:
        return ("Chưa có quy tắc xếp loại cho kỳ này." if lang == "vi"
                else "No classification rule applies to this period.")
    minimum = vn_decimal(top_band["min"]) if lang == "vi" else f"{top_band['min']:g}"
    if lang == "vi":
        return (f"Đơn vị có thành tích tốt: đơn vị được xếp loại {top_band['vi']} (điểm tổng hợp từ {minimum} trên "
                "thang 100) trong kỳ; chỉ xét đơn vị có hồ sơ trong kỳ.")
    return (f"Good performers: units classified {top_band['en']} (composite score {minimum} or more out of 100) in "
            "the period; only units with dossiers in the period are considered.")


UNIT_KINDS = {
    "province": ("Tỉnh, thành phố", "Province or city"),
    "city": ("Thành phố", "City"),
    "department": ("Sở, ban, ngành", "Department"),
    "district": ("Quận, huyện, thị xã", "District"),
    "ward": ("Phường", "Ward"),
    "commune": ("Xã", "Commune"),
}


def unit_kind_label(kind: str | None, lang: str = "vi") -> str:
    if kind is None:
        return ""
    labels = UNIT_KINDS.get(kind)
    return kind if labels is None else labels[0 if lang == "vi" else 1]


VIOLATORS_NOTES = [
    {"code": "decided_only",
     "vi": "Chỉ công bố quyết định kỷ luật đã ban hành; đề xuất, kiến nghị đang xem xét không được công bố.",
     "en": "Only disciplinary decisions taken are published; proposals still under consideration never are."},
    {"code": "no_personal_data",
     "vi": "Danh sách chỉ gồm họ tên cán bộ, công chức, đơn vị, hình thức kỷ luật và ngày quyết định; không có "
           "thông tin cá nhân của người dân.",
     "en": "The list names the public servant, the unit, the disciplinary form and the decision date only; it "
           "holds no personal data of citizens."},
    {"code": "year_of_decision",
     "vi": "Quyết định được xếp theo năm ban hành (giờ Hà Nội); quyết định có hiệu lực 12 tháng.",
     "en": "Decisions are listed by the year they were taken (Hà Nội time); a decision is in force 12 months."},
]

MONDAY_LIST_NOTES = [
    {"code": "due_but_unreported",
     "vi": "Danh sách gồm nhiệm vụ có hạn xử lý trước thứ Hai tuần sau, chưa hoàn thành và không có báo cáo tiến "
           "độ trong 7 ngày trước 00 giờ 00 thứ Hai.",
     "en": "The list holds tasks due before next Monday, not completed and without a progress report in the 7 days "
           "before 00:00 on the Monday."},
    {"code": "deadline_in_force",
     "vi": "Hạn xử lý là hạn đang có hiệu lực: gia hạn đã được duyệt thay cho hạn cũ.",
     "en": "The deadline is the one in force: an approved extension replaces the old one."},
    {"code": "days_are_calendar_days",
     "vi": "Số ngày quá hạn tính theo ngày lịch đến thứ Hai lập danh sách.",
     "en": "Days overdue are calendar days up to the list's Monday."},
]

# Kinds of unit that head a directory: the report is issued in the name of its People's Committee.
ROOT_KINDS = ("province", "city")


def issuer_name(root_name: str | None) -> str:
    """The authority in the report's header, upper case as on an administrative document."""
    if not root_name:
        return "HỆ THỐNG THEO DÕI KỶ LUẬT, KỶ CƯƠNG HÀNH CHÍNH"
    name = root_name.strip()
    if name.upper().startswith(("UBND", "ỦY BAN NHÂN DÂN", "UỶ BAN NHÂN DÂN")):
        return name.upper()
    return f"ỦY BAN NHÂN DÂN {name.upper()}"


# --------------------------------------------------------------------------- numbers and dates


def vn_decimal(value: float) -> str:
    """90 → "90", 87.5 → "87,5": Vietnamese writes a decimal comma."""
    return f"{value:g}".replace(".", ",")


def vn_date(day: date) -> str:
    """25/11/2026: a day as Vietnamese writes it."""
    return f"{day.day:02d}/{day.month:02d}/{day.year}"
