"""Public-service inspections (kiểm tra công vụ) and citizens' misconduct reports: the kinds, the
categories of findings, and their Vietnamese labels."""

from __future__ import annotations

INSPECTION_KINDS = {"periodic": "Kiểm tra định kỳ", "surprise": "Kiểm tra đột xuất"}
FINDING_CATEGORIES = {
    "working_hours": "Vi phạm giờ giấc làm việc",
    "conduct": "Vi phạm quy tắc ứng xử, văn hoá công sở",
    "process": "Vi phạm quy trình giải quyết công việc",
    "misconduct": "Nhũng nhiễu, sách nhiễu, gây phiền hà",
}

MISCONDUCT_LABELS = {"harassment": "Nhũng nhiễu, sách nhiễu", "extortion": "Vòi vĩnh, đòi hỏi lợi ích",
                     "deliberate_delay": "Cố ý gây chậm trễ", "other": "Hành vi khác gây phiền hà"}
