"""A leader's summary in a browser: the tasks a leader (the Chairman, a Vice-Chairman, a head) assigned, by
directing document, with how many are in each state and the completion rates (queries.leader_summary, as
`/tasks/api/v1/leaders/<sub>/summary` gives it); and the list of those who assigned tasks, for the Office."""

from __future__ import annotations

from urllib.parse import quote

from services.tasks.pages.common import labels, pages, translator
from services.tasks.use_cases import follow_up, queries
from shared.web import current_principal, require_roles, runtime
from shared.web.pages import render

ENGLISH = {
    "Nhiệm vụ theo người giao": "Tasks by assigner",
    "Lãnh đạo, đơn vị đã giao nhiệm vụ và số nhiệm vụ đã giao.": "Leaders and units who assigned tasks, and how many.",
    "Chưa có nhiệm vụ nào được giao.": "No task has been assigned yet.",
    "Người giao": "Assigned by", "Số nhiệm vụ": "Tasks",
    "Nhiệm vụ do {leader} giao": "Tasks assigned by {leader}",
    "Theo văn bản chỉ đạo; tỷ lệ hoàn thành tính trên tổng số nhiệm vụ của văn bản.":
        "By directing document; completion rates are shares of all the document's tasks.",
    "Nhiệm vụ theo văn bản và trạng thái": "Tasks by document and state",
    "Văn bản": "Document", "Tổng": "Total", "Chưa bắt đầu": "Not started", "Đang thực hiện": "In progress",
    "Quá hạn": "Overdue", "Đúng hạn": "On time", "Trễ hạn": "Late", "Tỷ lệ hoàn thành": "Completion rate",
    "Tỷ lệ đúng hạn": "On-time rate", "Không theo văn bản": "No document", "Tất cả": "All",
    "← Nhiệm vụ theo người giao": "← Tasks by assigner",
}
_ = translator(ENGLISH)
READERS = ("office", "admin", "head")


@pages.get("/leaders")
@require_roles(*READERS)
def leaders():
    found = follow_up.assigners(runtime().uow(), current_principal(required=True))
    return render("tasks_leaders.html", title=_("Nhiệm vụ theo người giao"), assigners=found, quote=quote,
                  **labels(_))


@pages.get("/leaders/<sub>")
@require_roles(*READERS)
def leader(sub: str):
    summary = queries.leader_summary(runtime().uow(), current_principal(required=True), sub)
    return render("tasks_leader.html", title=_("Nhiệm vụ do {leader} giao", leader=sub), summary=summary,
                  quote=quote, **labels(_))
