"""Reference data that several services show and the events carry as codes: one definition each."""

from __future__ import annotations

# Codes the events carry (each a field's allowed values in shared/events/schemas.py).
TIMELINESS = ("early", "on_time", "late")
# A dossier is late because a step overran its budget, or because a second supplement was requested
# (the 766 method counts it late whatever the dates say).
LATE_REASONS = ("overran", "second_supplement")
DOSSIER_ENDS = ("returned", "refused", "withdrawn", "stopped")
EXPLANATION_SUBJECTS = ("dossier", "task", "feedback", "misconduct", "inspection")
# "apology" is kept for archived events only: since the correction of the apology rule (an apology does
# not excuse lateness, Circular 01/2018/TT-VPCP) an apology sets a promised date and never moves `due_at`.
DEADLINE_CHANGE_REASONS = ("calendar_changed", "supplement_received", "apology")
VIOLATION_SOURCES = ("dossier", "task", "feedback", "inspection", "explanation", "misconduct")
SANCTION_STEPS = ("review", "council", "recommendation", "decision")
# Handling stages of feedback and their legal deadlines in working days (Decree 20/2008/ND-CP as amended;
# the national portal's method for Decision 766/QD-TTg, indicator 5.2): refuse, send back or forward 2;
# ask the reporter for more 5; answer 15; publish the answer 2. `forward` and `refuse` are the historic
# names of the first stage (2 days each); `send_back` and `clarify` were added with the correction.
FEEDBACK_STAGES = ("forward", "refuse", "send_back", "clarify", "answer", "publish")
# Planning periods of an official's work plan (seed 000 §1; seed 003 II.3.c).
PLAN_PERIODS = ("week", "month", "quarter")
# Evaluation levels (Decree 90/2020/ND-CP as amended by Decree 48/2023/ND-CP): hoàn thành xuất sắc / tốt /
# hoàn thành / không hoàn thành nhiệm vụ.
EVALUATION_LEVELS = ("excellent", "good", "completed", "not_completed")

# Disciplinary forms (hình thức kỷ luật), by the code events and decisions carry, with their Vietnamese
# and English labels: Law on Cadres and Civil Servants 2008 (amended 2019) Art. 78-79, Law on Public
# Employees 2010 (amended 2019) Art. 52, Decree 112/2020/ND-CP Art. 7-15; "phê bình" is a party and
# mass-organisation form kept for local rules. Lightest first.
SANCTION_FORMS: dict[str, tuple[str, str]] = {
    "phe_binh": ("Phê bình", "Criticism"),
    "khien_trach": ("Khiển trách", "Reprimand"),
    "canh_cao": ("Cảnh cáo", "Warning"),
    "ha_bac_luong": ("Hạ bậc lương", "Salary step down"),
    "giang_chuc": ("Giáng chức", "Demotion"),
    "cach_chuc": ("Cách chức", "Removal from post"),
    "bai_nhiem": ("Bãi nhiệm", "Recall from elected office"),
    "dinh_chi_cong_tac": ("Đình chỉ công tác", "Suspension"),
    "mien_nhiem": ("Miễn nhiệm", "Removal from office"),
    "buoc_thoi_viec": ("Buộc thôi việc", "Dismissal"),
}


def sanction_form_label(form: str, lang: str = "vi") -> str:
    """The form's label in `lang` ("vi" or "en"); an unknown code is shown as it is."""
    labels = SANCTION_FORMS.get(form)
    if labels is None:
        return form
    return labels[0] if lang == "vi" else labels[1]
