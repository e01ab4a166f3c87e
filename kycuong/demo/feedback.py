"""Demo feedback: two anonymous complaints about delays."""

from __future__ import annotations

import random

from services.feedback.domain import FeedbackForm
from services.feedback.use_cases import intake as feedback_intake
from services.feedback.use_cases import queries as feedback_queries
from shared.auth import Principal


def load_feedback(rt, rng: random.Random) -> None:
    office = Principal("demo-office", "HN-VP", frozenset({"office"}))
    if feedback_queries.list_feedback(rt["feedback"].uow(), office, None, None, 1, 1).total:
        return
    for unit, content in [
        ("HN-SXD", "Hồ sơ xin cấp giấy phép xây dựng của gia đình tôi đã quá hẹn nhưng chưa được trả lời."),
        ("W00070", "Cán bộ một cửa yêu cầu bổ sung giấy tờ không có trong danh mục thủ tục."),
    ]:
        feedback_intake.submit_feedback(rt["feedback"].uow(), FeedbackForm(
            channel="web", category="delay", content=content, unit=unit, anonymous=True))
