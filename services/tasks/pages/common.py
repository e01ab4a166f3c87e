"""What the tasks pages share: the blueprint, the state badges and labels, the pages' words in English
(`?lang=en`, by their Vietnamese), a date as a date field sends it."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

from flask import Blueprint

from services.tasks import domain
from shared.web.pages import lang

pages = Blueprint("tasks_pages", __name__, template_folder=str(Path(__file__).parents[1] / "templates"))
PAGE_SIZE = 50
REPORTERS = ("officer", "head")

STATE_LABELS = {
    domain.NOT_STARTED: "Chưa bắt đầu",
    domain.IN_PROGRESS: "Đang thực hiện",
    domain.OVERDUE: "Quá hạn",
    domain.COMPLETED_ON_TIME: "Hoàn thành đúng hạn",
    domain.COMPLETED_LATE: "Hoàn thành trễ hạn",
}
STATE_BADGES = {domain.NOT_STARTED: "on_track", domain.IN_PROGRESS: "on_track", domain.OVERDUE: "overdue",
                domain.COMPLETED_ON_TIME: "on_track", domain.COMPLETED_LATE: "overdue"}
EXTENSION_LABELS = {domain.EXTENSION_REQUESTED: "Chờ quyết định", domain.EXTENSION_APPROVED: "Đồng ý",
                    domain.EXTENSION_REFUSED: "Không đồng ý"}
EXTENSION_BADGES = {domain.EXTENSION_REQUESTED: "due_soon", domain.EXTENSION_APPROVED: "on_track",
                    domain.EXTENSION_REFUSED: "overdue"}


# The pages' words in English (`?lang=en`), by their Vietnamese; a sentence missing here stays Vietnamese.
ENGLISH = {
    "Nhiệm vụ của tôi": "My tasks", "Nhiệm vụ của đơn vị": "Unit's tasks", "Nhiệm vụ": "Task", "Đơn vị": "Unit",
    "Hạn": "Deadline", "Trạng thái": "State", "Tiến độ": "Progress", "Giao cho bạn": "Assigned to you",
    "Người thực hiện": "Assignee", "Chủ trì": "Lead", "Phối hợp": "Co-operating",
    "Hoàn thành gần đây": "Recently completed", "Hoàn thành lúc": "Completed at", "Kết quả": "Outcome",
    "Ý kiến, lý do (bắt buộc khi không đồng ý)": "Comment, reason (required when refusing)",
    "Đồng ý gia hạn": "Approve the extension", "Không đồng ý": "Refuse",
    "Nhiệm vụ {unit} chủ trì hoặc phối hợp thực hiện; nhiệm vụ quá hạn và sắp đến hạn ở trên cùng. Thời gian còn "
    "lại tính theo ngày làm việc.": "Tasks {unit} leads or co-operates on; overdue and due-soon tasks first. Time "
                                   "left is counted in working days.",
    "Đang thực hiện": "Open", "Đơn vị không có nhiệm vụ nào đang thực hiện.": "The unit has no open task.",
    "Nhiệm vụ đang thực hiện, hạn sớm nhất trước": "Open tasks, earliest deadline first",
    "Nhiệm vụ của đơn vị đang thực hiện, hạn sớm nhất trước": "The unit's open tasks, earliest deadline first",
    "{count} nhiệm vụ đang thực hiện.": "{count} open tasks.",
    "{unit}: nhiệm vụ được giao, đề nghị gia hạn chờ quyết định.":
        "{unit}: tasks assigned, extension requests waiting for a decision.",
    "Theo trạng thái": "By state", "Đề nghị gia hạn chờ quyết định": "Extension requests waiting for a decision",
    "Không có đề nghị gia hạn nào đang chờ.": "No extension request is waiting.", "Mã nhiệm vụ": "Task code",
    "Hạn hiện tại": "Deadline in force", "Hạn đề nghị": "Deadline asked for", "Lý do": "Reason",
    "Người đề nghị": "Asked by", "Người giao nhiệm vụ ({assigner}) quyết định đề nghị này.":
        "The task's assigner ({assigner}) decides on this request.",
    "Hạn hoàn thành": "Deadline", "báo cáo gần nhất": "latest report", "Văn bản chỉ đạo": "Directing document",
    "Đơn vị chủ trì": "Lead unit", "Đơn vị phối hợp": "Co-operating units", "Người giao": "Assigned by",
    "Sản phẩm yêu cầu": "Product required", "Báo cáo tiến độ": "Progress reports",
    "Chưa có báo cáo tiến độ.": "No progress reported yet.",
    "Lịch sử báo cáo tiến độ, cũ nhất trước": "Progress reports, oldest first", "Thời điểm": "When",
    "Tỉ lệ": "Percent", "Nội dung": "Report", "Người báo cáo": "Reported by", "Sản phẩm": "Product",
    "Báo cáo tiến độ mới": "Report progress", "Tỉ lệ hoàn thành (%)": "Percent complete (%)",
    "Từ 0 đến 100. Đơn vị chủ trì báo cáo 100% là hoàn thành nhiệm vụ.":
        "0 to 100. The lead unit reporting 100% completes the task.",
    "Nội dung đã thực hiện": "What has been done", "Sản phẩm kèm theo (không bắt buộc)": "Product (optional)",
    "Tên tệp hoặc đường dẫn của báo cáo, văn bản.": "File name or link of the report or document.",
    "Gửi báo cáo tiến độ": "Send the progress report", "Gia hạn": "Extensions",
    "Chưa có đề nghị gia hạn.": "No extension asked for.",
    "Đề nghị gia hạn và quyết định": "Extension requests and decisions", "Đề nghị": "Asked",
    "Hạn cũ → hạn đề nghị": "Deadline → deadline asked for", "Quyết định": "Decision",
    "Quyết định về đề nghị gia hạn": "Decide on the extension request",
    "Đề nghị gia hạn đang chờ người giao nhiệm vụ ({assigner}) quyết định.":
        "The extension request waits for the task's assigner ({assigner}) to decide.",
    "Đề nghị gia hạn": "Ask for an extension",
    "Đơn vị chủ trì đề nghị gia hạn trước khi hết hạn; người giao nhiệm vụ quyết định.":
        "The lead unit asks before the deadline; the task's assigner decides.",
    "Hạn mới đề nghị": "New deadline asked for",
    "Hạn mới tính đến 17:00 ngày đã chọn, sau hạn hiện tại.":
        "The new deadline is 17:00 on the day chosen, after the deadline in force.",
    "Lý do đề nghị gia hạn": "Reason for the extension", "Gửi đề nghị gia hạn": "Send the extension request",
    "Chưa bắt đầu": "Not started", "Quá hạn": "Overdue", "Hoàn thành đúng hạn": "Completed on time",
    "Hoàn thành trễ hạn": "Completed late", "Chờ quyết định": "Waiting for a decision", "Đồng ý": "Approved",
    "Nhập tỉ lệ hoàn thành là số nguyên từ 0 đến 100": "Enter the percent complete, a whole number from 0 to 100",
    "Nhập nội dung tiến độ (ít nhất 3 ký tự)": "Say what has been done (at least 3 characters)",
    "Chọn ngày hạn mới đề nghị (ngày/tháng/năm)": "Choose the new deadline's day (day/month/year)",
    "Nêu lý do đề nghị gia hạn (ít nhất 3 ký tự)": "Give the reason for the extension (at least 3 characters)",
    "Chọn Đồng ý hoặc Không đồng ý": "Choose Approve or Refuse",
    "Nêu lý do không đồng ý gia hạn": "Give the reason for refusing the extension",
    "Không ghi nhận được báo cáo: {message}": "The report was not recorded: {message}",
    "Không gửi được đề nghị gia hạn: {message}": "The extension request was not sent: {message}",
    "Không ghi nhận được quyết định: {message}": "The decision was not recorded: {message}",
    "Đã hoàn thành nhiệm vụ.": "The task is completed.",
    "Đã ghi nhận báo cáo tiến độ {percent}%.": "Progress of {percent}% recorded.",
    "Đã gửi đề nghị gia hạn đến {due}; người giao nhiệm vụ sẽ quyết định.":
        "Extension to {due} asked for; the task's assigner will decide.",
    "Đã đồng ý gia hạn nhiệm vụ {code}.": "Extension of task {code} approved.",
    "Đã không đồng ý gia hạn nhiệm vụ {code}.": "Extension of task {code} refused.",
    "Nhiệm vụ {code}": "Task {code}",
}


def translator(*tables: dict[str, str]):
    """The pages' sentences in the reader's language: the Vietnamese, or its English from these tables
    (and the shared one); a sentence missing from them stays Vietnamese."""
    english = {key: value for table in (ENGLISH, *tables) for key, value in table.items()}

    def say(text: str, **values) -> str:
        if lang() != "vi":
            text = english.get(text, text)
        return text.format(**values) if values else text

    return say


_ = translator()


def labels(say=_) -> dict:
    """What the task templates need besides their data: badges, labels and the words function `_`."""
    return {"state_badges": STATE_BADGES, "extension_labels": EXTENSION_LABELS,
            "extension_badges": EXTENSION_BADGES, "state_labels": STATE_LABELS, "_": say}


def parse_date(text: str) -> date | None:
    """A date as a date field sends it (2026-12-31), or as Vietnamese type it (31/12/2026)."""
    for pattern in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    return None
