"""A citizen's pages: send feedback one question at a time and check the answers before sending (no script
needed: each step's form carries the earlier answers), follow it by its tracking code, and rate the answer
once with the one-time token.

Thin: each page parses its form and calls one use case; the rules (what a submission needs, who may see
what, when a token is spent) are the domain's and the use cases'.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from flask import Blueprint, redirect, request

from services.feedback import domain
from services.feedback.use_cases import directory, intake, queries, ratings
from shared import attachments
from shared.errors import DomainError, InvalidInput, NotFound
from shared.web import challenge, client_address, runtime
from shared.web.pages import check_form_token, flash, lang, render, words

pages = Blueprint("citizen", __name__, template_folder=str(Path(__file__).parents[1] / "templates"))

# The questions, in order; each names the draft's fields it asks for.
STEPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("category", ("category",)),
    ("unit", ("unit",)),
    ("details", ("content", "misconduct_kind", "dossier_code", "address")),
    ("contact", ("anonymous", "reporter.name", "reporter.phone", "reporter.email")),
    ("check", ()),
)
STEP_NAMES = tuple(name for name, _ in STEPS)
DRAFT_FIELDS = ("category", "unit", "content", "misconduct_kind", "dossier_code", "address", "anonymous",
                "reporter.name", "reporter.phone", "reporter.email")

WORDS: dict[str, tuple[str, str]] = {
    "start_title": ("Gửi phản ánh, kiến nghị", "Send feedback"),
    "category_title": ("Bạn muốn phản ánh về việc gì?", "What is your feedback about?"),
    "unit_title": ("Cơ quan, đơn vị nào?", "Which office?"),
    "details_title": ("Nội dung phản ánh", "Your feedback"),
    "contact_title": ("Cách liên hệ với bạn", "How to reach you"),
    "check_title": ("Kiểm tra trước khi gửi", "Check your answers before sending"),
    "sent_title": ("Đã gửi phản ánh", "Feedback sent"),
    "track_title": ("Tra cứu phản ánh", "Follow your feedback"),
    "rate_title": ("Đánh giá kết quả xử lý", "Rate the answer"),
    "rated_title": ("Cảm ơn bạn đã đánh giá", "Thank you for your rating"),
    "challenge_title": ("Xác nhận bạn là người gửi", "Confirm you are a person"),
    "challenge_wrong": ("Câu trả lời chưa đúng; hãy trả lời câu hỏi mới bằng chữ số", "Not right; answer the new "
                        "question in digits"),
}


# What to do about each question left wrong, in plain words (the domain's messages are written for API clients).
PLAIN: dict[str, tuple[str, str]] = {
    "category": ("Chọn việc bạn muốn phản ánh", "Choose what your feedback is about"),
    "unit": ("Chọn cơ quan, đơn vị bạn phản ánh", "Choose the office your feedback is about"),
    "content": ("Nhập nội dung phản ánh, từ 10 đến 5.000 ký tự", "Write your feedback, 10 to 5,000 characters"),
    "misconduct_kind": ("Chọn hành vi bạn phản ánh", "Choose the kind of misconduct"),
    "dossier_code": ("Nhập mã hồ sơ như trên giấy tiếp nhận, ví dụ HS-202611-000123",
                     "Enter the dossier code as on your receipt, e.g. HS-202611-000123"),
    "anonymous": ("Để lại số điện thoại hoặc thư điện tử để được trả lời, hoặc chọn gửi ẩn danh",
                  "Leave a phone number or an email to be answered, or choose to stay anonymous"),
    "reporter.phone": ("Nhập số điện thoại đúng, ví dụ 0912 345 678", "Enter a phone number like 0912 345 678"),
    "reporter.email": ("Nhập thư điện tử đúng, ví dụ ten@example.vn", "Enter an email like name@example.vn"),
}


w = words(WORDS)


@dataclass
class Draft:
    """The answers so far, carried by each step's form in hidden fields."""

    values: dict[str, str]

    @classmethod
    def from_form(cls) -> Draft:
        return cls({name: request.form.get(name, "").strip() for name in DRAFT_FIELDS})

    def submission(self, channel: str = "web") -> domain.FeedbackForm:
        anonymous = self.values.get("anonymous") != "no"
        reporter = None if anonymous else domain.ReporterForm(
            name=self.values.get("reporter.name") or None, phone=self.values.get("reporter.phone") or None,
            email=self.values.get("reporter.email") or None)
        return domain.FeedbackForm(
            channel=channel, category=self.values.get("category") or None, content=self.values.get("content") or None,
            unit=self.values.get("unit") or None, dossier_code=self.values.get("dossier_code") or None,
            misconduct_kind=self.values.get("misconduct_kind") or None, anonymous=anonymous, reporter=reporter)

    def problems(self, upto: str) -> dict[str, str]:
        """The domain's objections to the fields asked up to step `upto`, one message per field."""
        asked = {field for name, fields in STEPS[:STEP_NAMES.index(upto) + 1] for field in fields}
        now = runtime().clock.now()
        try:
            domain.check_submission(self.submission(), received_at=now, now=now)
        except InvalidInput as exc:
            return {_field_id(field): _plain(_field_id(field), message) for field, message in _flat(exc.errors)
                    if _field_in(field, asked)}
        return {}


def _flat(errors: dict, prefix: str = ""):
    for key, value in errors.items():
        if isinstance(value, dict):
            yield from _flat(value, f"{prefix}{key}.")
        else:
            yield f"{prefix}{key}", value


def _field_in(field: str, asked: set[str]) -> bool:
    return field in asked or field.split(".")[0] in asked or (field == "reporter" and "anonymous" in asked)


def _field_id(field: str) -> str:
    return {"reporter": "anonymous"}.get(field, field)


def _plain(field: str, message) -> str:
    if field in PLAIN:
        vi, en = PLAIN[field]
        return vi if lang() == "vi" else en
    return _first(message)


def _first(message) -> str:
    text = message[0] if isinstance(message, list) and message else str(message)
    # The domain speaks both languages ("vi — en"): a reader gets their own half.
    if " — " in text:
        vi, en = text.split(" — ", 1)
        return vi if lang() == "vi" else en
    return text


@pages.get("/report")
def start():
    limits = domain.limits_on(runtime().clock.now().astimezone(runtime().calendar.tz).date())
    return render("report_start.html", title=w("start_title"), w=w, limits=limits)


@pages.route("/report/new", methods=["GET", "POST"])
def report():
    """Each step posts every answer so far; `go` names where to go (the next step, back to one, or send)."""
    if request.method == "GET":
        return _step("category", Draft({name: "" for name in DRAFT_FIELDS}), {})
    check_form_token()
    draft, current = Draft.from_form(), request.form.get("step", "category")
    if current not in STEP_NAMES:
        current = "category"
    go = request.form.get("go", "next")
    if go in STEP_NAMES:  # "Thay đổi" on the check page, or "Quay lại"
        return _step(go, draft, {})
    if go == "search":
        return _step("unit", draft, {})
    problems = draft.problems(current)
    if problems:
        return _step(current, draft, problems, status=422)
    if current != "check":
        return _step(STEP_NAMES[STEP_NAMES.index(current) + 1], draft, {})
    return _send(draft)


def _step(name: str, draft: Draft, problems: dict[str, str], status: int = 200):
    search = request.form.get("q") if name == "unit" else None
    units = directory.units_to_choose(runtime().uow(), search) if name == "unit" else []
    chosen = draft.values.get("unit")
    unit_names = dict(directory.units_to_choose(runtime().uow(), chosen)) if name == "check" and chosen else {}
    if name == "unit" and chosen and chosen not in dict(units):
        units = [(chosen, chosen)] + units
    return render(f"report_{name}.html", status=status, title=w(f"{name}_title"), w=w, draft=draft.values,
                  step=name, asked=dict(STEPS)[name], errors=problems,
                  previous=STEP_NAMES[STEP_NAMES.index(name) - 1] if name != STEP_NAMES[0] else None,
                  units=units, search=search or "", unit_names=unit_names,
                  categories=domain.CATEGORIES, kinds=domain.MISCONDUCT_KINDS, fields=DRAFT_FIELDS,
                  max_files=domain.ATTACHMENTS_MAX, max_mb=domain.ATTACHMENT_MAX_BYTES // (1024 * 1024))


def _send(draft: Draft):
    client = client_address()
    try:
        files = [f for f in request.files.getlist("attachments") if f and f.filename]
        uploads = attachments.read_uploads(files, max_files=domain.ATTACHMENTS_MAX,
                                           max_bytes=domain.ATTACHMENT_MAX_BYTES) if files else []
        try:
            intake.admit(runtime().uow(), client)
        except domain.RateLimited:
            # Over the limit: a person answers a question instead of meeting a bare 429; what a solved
            # question lets through is counted against a second allowance of the same size.
            secret = runtime().settings.session_secret
            if not challenge.solved(secret, client, request.form.get(challenge.FIELD_TOKEN),
                                    request.form.get(challenge.FIELD_ANSWER)):
                return _challenge(draft, client, wrong=bool(request.form.get(challenge.FIELD_ANSWER)))
            intake.admit(runtime().uow(), f"challenged:{client}")
        feedback, _ = intake.receive_feedback(runtime().uow(), draft.submission(),
                                              intake.Delivery(sender=client, uploads=uploads))
    except InvalidInput as exc:
        problems = {_field_id(field): _plain(_field_id(field), message) for field, message in _flat(exc.errors)}
        return _step("check", draft, problems or {"attachments": _first(exc.message)}, status=422)
    flash(w("sent_title"))
    return redirect(f"/feedback/track/{feedback.code}?sent=1", code=303)


def _challenge(draft: Draft, client: str, wrong: bool):
    asked = challenge.ask(runtime().settings.session_secret, client)
    errors = {challenge.FIELD_ANSWER: w("challenge_wrong")} if wrong else {}
    return render("report_challenge.html", status=429, title=w("challenge_title"), w=w, draft=draft.values,
                  fields=DRAFT_FIELDS, errors=errors,
                  question=asked.question_vi if lang() == "vi" else asked.question_en,
                  token=asked.token, token_field=challenge.FIELD_TOKEN, answer_field=challenge.FIELD_ANSWER,
                  max_files=domain.ATTACHMENTS_MAX, max_mb=domain.ATTACHMENT_MAX_BYTES // (1024 * 1024))


@pages.get("/track")
def track_form():
    code = (request.args.get("code") or "").strip()
    if code:
        return redirect(f"/feedback/track/{code}", code=303)
    return render("track.html", title=w("track_title"), w=w, view=None, code="", errors={})


@pages.get("/track/<code>")
def track(code: str):
    try:
        view = queries.get_feedback(runtime().uow(), code, None)
    except NotFound:
        return render("track.html", status=404, title=w("track_title"), w=w, view=None, code=code,
                      errors={"code": "Không tìm thấy phản ánh có mã này. Hãy đối chiếu với mã trên màn hình "
                              "hoặc tin nhắn xác nhận." if lang() == "vi" else
                              "No feedback has this code. Check it against your confirmation."})
    tz = runtime().calendar.tz
    return render("track.html", title=w("track_title"), w=w, view=view, code=view.feedback.code, errors={},
                  sent=request.args.get("sent") == "1", statuses=domain.STATUSES, categories=domain.CATEGORIES,
                  received=view.feedback.received_at.astimezone(tz), published=view.feedback.status == domain.PUBLISHED)


@pages.route("/rate", methods=["GET", "POST"])
def rate():
    token = (request.values.get("token") or "").strip()
    form = {"overall": request.form.get("overall", ""), "comment": request.form.get("comment", ""),
            **{f"factor-{key}": request.form.get(f"factor-{key}", "") for key in domain.RATING_FACTORS}}
    errors: dict[str, str] = {}
    if request.method == "POST":
        check_form_token()
        factors = {key: int(form[f"factor-{key}"]) for key in domain.RATING_FACTORS
                   if form[f"factor-{key}"].isdigit()}
        overall = int(form["overall"]) if form["overall"].isdigit() else None
        try:
            ratings.submit_rating(runtime().uow(), ratings.RateWithToken(
                token=token, overall=overall, factors=factors, comment=form["comment"] or None))
        except InvalidInput as exc:  # the scores
            errors = {field.replace("factors.", "factor-"): _first(message) for field, message in _flat(exc.errors)}
        except DomainError as exc:  # an unknown token, or one already spent
            errors = {"token": _first(exc.message)}
        else:
            return render("rated.html", title=w("rated_title"), w=w)
    return render("rate.html", status=422 if errors else 200, title=w("rate_title"), w=w, token=token, form=form,
                  errors=errors, scale=domain.RATING_SCALE, factors=domain.RATING_FACTORS,
                  score_options=[("", "—")] + [(str(score), f"{score} — {label}")
                                               for score, label in domain.RATING_SCALE.items()])
