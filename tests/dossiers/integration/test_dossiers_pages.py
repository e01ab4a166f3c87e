"""The officer's and the head's dossier pages without a browser: the workbench's filters and step names, a
dossier's page and its forms (a hand-over on the control sheet, a supplement request without a reason refused
with nothing changed, an apology drafted by the officer and signed by the head), the unit's counts by step
and official; and the use cases under them."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pdf_text
import pytest

from services.dossiers.use_cases import apology_drafts, intake, procedures, workbench
from shared.auth import Principal
from shared.errors import Conflict, Forbidden
from shared.web import session as web_session

HANOI = timezone(timedelta(hours=7))
HTML = {"Accept": "text/html"}
OFFICER = Principal("CB-0042", "HN-SXD", frozenset({"officer"}))
HEAD = Principal("CB-0001", "HN-SXD", frozenset({"officer", "head"}))
STEPS = (procedures.StepTerms(key="tiep_nhan", name="Tiếp nhận hồ sơ", days=Decimal("0.5")),
         procedures.StepTerms(key="tham_dinh", name="Thẩm định", days=Decimal("3.5")),
         procedures.StepTerms(key="ky_duyet", name="Ký duyệt", days=Decimal(1)))


@pytest.fixture
def service(start_service, clock):
    clock.set(datetime(2026, 11, 27, 10, tzinfo=HANOI))  # a Friday
    svc = start_service("dossiers", workers=False, sweeps=False)
    rt = svc.runtime
    procedures.register_procedure(rt.uow(), procedures.RegisterProcedure(
        code="2.000111", name="Cấp giấy phép xây dựng", processing_days=Decimal(5), steps=STEPS))
    procedures.register_procedure(rt.uow(), procedures.RegisterProcedure(code="1.001234", name="Đăng ký khai sinh",
                                                                         processing_days=Decimal(1)))

    def receive(code, procedure_code, received_at, holder="CB-0042"):
        intake.receive_dossier(rt.uow(), intake.ReceiveDossier(
            code=code, procedure_code=procedure_code, unit="HN-SXD", received_at=received_at, assignee=holder,
            applicant=intake.ApplicantDetails(name="Trần Văn Bình")))

    receive("HS-LATE", "2.000111", datetime(2026, 11, 18, 9, tzinfo=HANOI))  # due Wed 25, 09:00: overdue
    receive("HS-SOON", "1.001234", datetime(2026, 11, 26, 15, tzinfo=HANOI))  # due today 15:00: due soon
    receive("HS-CALM", "2.000111", datetime(2026, 11, 27, 9, tzinfo=HANOI))  # five days: on track
    receive("HS-OTHER", "2.000111", datetime(2026, 11, 20, 9, tzinfo=HANOI), holder="CB-0077")  # overdue
    return svc


def sign_in(svc, principal):
    svc.client.set_cookie(web_session.COOKIE, web_session.issue(svc.runtime.settings.session_secret, principal))


def form_token(svc, path, action):
    """The CSRF token the form posting to `action` carries on the page at `path` (as a browser sends it)."""
    text = svc.client.get(path, headers=HTML).get_data(as_text=True)
    form = re.search(rf'<form method="post" action="{re.escape(action)}".*?</form>', text, re.S)
    assert form is not None, f"no form posting to {action} on {path}"
    token = re.search(r'name="csrf_token" value="([^"]*)"', form.group(0)).group(1)
    assert token, f"the form posting to {action} carries no CSRF token"
    return token


def codes_listed(text):
    return re.findall(r'href="/dossiers/workbench/(HS-[A-Z]+)"', text)


def test_the_workbench_filters_by_step_status_and_procedure_and_names_the_steps(service):
    sign_in(service, OFFICER)
    text = service.client.get("/dossiers/workbench", headers=HTML).get_data(as_text=True)
    assert codes_listed(text) == ["HS-LATE", "HS-SOON", "HS-CALM"]
    assert "Tiếp nhận hồ sơ" in text and "tiep_nhan</td>" not in text  # the step's name, not its key
    assert "Cấp giấy phép xây dựng" in text
    only = service.client.get("/dossiers/workbench?procedure=1.001234", headers=HTML).get_data(as_text=True)
    assert codes_listed(only) == ["HS-SOON"]
    by_step = service.client.get("/dossiers/workbench?step=tiep_nhan", headers=HTML).get_data(as_text=True)
    assert codes_listed(by_step) == ["HS-LATE", "HS-CALM"]
    none = service.client.get("/dossiers/workbench?status=awaiting_supplement", headers=HTML).get_data(as_text=True)
    assert codes_listed(none) == [] and "Không có hồ sơ nào khớp với bộ lọc" in none
    most_time_first = service.client.get("/dossiers/workbench?sort=-remaining", headers=HTML).get_data(as_text=True)
    assert codes_listed(most_time_first) == ["HS-CALM", "HS-SOON", "HS-LATE"]
    assert 'aria-sort="descending"' in most_time_first


def test_the_officer_hands_over_and_the_control_sheet_shows_it(service, clock):
    sign_in(service, OFFICER)
    page = service.client.get("/dossiers/workbench/HS-LATE", headers=HTML)
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Trần Văn Bình" in text  # her own unit's dossier: she may see the applicant
    assert "Phiếu kiểm soát quá trình giải quyết hồ sơ" in text and "Chưa có lần chuyển nào" in text
    assert "Vì sao hạn xử lý là 25/11/2026 09:00" in text
    assert "21/11/2026" in text  # a Saturday, skipped, in the deadline explanation
    assert 'value="tham_dinh" selected' in text  # the next step is proposed

    without_token = service.client.post("/dossiers/workbench/HS-LATE/handover", headers=HTML,
                                        data={"to_step": "tham_dinh", "to_official": "CB-0077"})
    assert without_token.status_code == 403

    clock.set(datetime(2026, 11, 27, 10, 30, tzinfo=HANOI))
    csrf = form_token(service, "/dossiers/workbench/HS-LATE", "/dossiers/workbench/HS-LATE/handover")
    done = service.client.post("/dossiers/workbench/HS-LATE/handover", headers=HTML,
                               data={"to_step": "tham_dinh", "to_official": "CB-0077", "csrf_token": csrf})
    assert done.status_code == 303 and done.headers["Location"] == "/dossiers/workbench/HS-LATE"
    text = service.client.get("/dossiers/workbench/HS-LATE", headers=HTML).get_data(as_text=True)
    assert "Đã chuyển hồ sơ cho CB-0077" in text  # the flash message
    row = re.search(r'<table class="stack-narrow" id="handovers">.*?</table>', text, re.S).group(0)
    assert "27/11/2026 10:30" in row and "Tiếp nhận hồ sơ" in row and "Thẩm định" in row and "CB-0077" in row
    # No longer hers: it left her workbench.
    assert "HS-LATE" not in codes_listed(service.client.get("/dossiers/workbench", headers=HTML).get_data(as_text=True))


def test_a_supplement_request_without_a_reason_is_refused_and_changes_nothing(service):
    sign_in(service, OFFICER)
    csrf = form_token(service, "/dossiers/workbench/HS-CALM", "/dossiers/workbench/HS-CALM/supplement-request")
    answer = service.client.post("/dossiers/workbench/HS-CALM/supplement-request", headers=HTML,
                                 data={"supplement_reasons": "  \n ", "csrf_token": csrf})
    assert answer.status_code == 422
    text = answer.get_data(as_text=True)
    assert 'class="error-summary"' in text and 'href="#supplement_reasons"' in text
    assert service.scalar("SELECT status FROM dossiers WHERE code = 'HS-CALM'") == "received"
    assert service.scalar("SELECT count(*) FROM dossier_pauses WHERE dossier_code = 'HS-CALM'") == 0
    ok = service.client.post("/dossiers/workbench/HS-CALM/supplement-request", headers=HTML,
                             data={"supplement_reasons": "Thiếu bản vẽ thiết kế\nThiếu giấy tờ đất",
                                   "csrf_token": csrf})
    assert ok.status_code == 303
    assert service.scalar("SELECT status FROM dossiers WHERE code = 'HS-CALM'") == "awaiting_supplement"


def test_refusal_needs_a_reason(service):
    sign_in(service, OFFICER)
    csrf = form_token(service, "/dossiers/workbench/HS-CALM", "/dossiers/workbench/HS-CALM/end")
    answer = service.client.post("/dossiers/workbench/HS-CALM/end", headers=HTML,
                                 data={"end": "refused", "end_reason": "", "csrf_token": csrf})
    assert answer.status_code == 422 and 'href="#end_reason"' in answer.get_data(as_text=True)
    assert service.scalar("SELECT status FROM dossiers WHERE code = 'HS-CALM'") == "received"


def test_the_officer_drafts_the_apology_and_the_head_signs_it(service):
    sign_in(service, OFFICER)
    calm = service.client.get("/dossiers/workbench/HS-CALM", headers=HTML).get_data(as_text=True)
    assert "Dự thảo thư xin lỗi" not in calm  # on track: nothing to apologise for
    csrf = form_token(service, "/dossiers/workbench/HS-LATE", "/dossiers/workbench/HS-LATE/apology-draft")
    drafted = service.client.post("/dossiers/workbench/HS-LATE/apology-draft", headers=HTML, data={
        "apology_reason": "Chờ ý kiến thẩm định của Sở Tài nguyên", "apology_new_due_at": "2026-12-03T16:00",
        "csrf_token": csrf})
    assert drafted.status_code == 303
    # An officer cannot reach the head's pages.
    assert service.client.get("/dossiers/apologies", headers=HTML).status_code == 403

    sign_in(service, HEAD)
    csrf = form_token(service, "/dossiers/apologies", "/dossiers/apologies/HS-LATE/sign")
    listed = service.client.get("/dossiers/apologies", headers=HTML).get_data(as_text=True)
    assert "HS-LATE" in listed and "Chờ ý kiến thẩm định của Sở Tài nguyên" in listed and "03/12/2026 16:00" in listed
    # The letter's draft the head reads carries the officer's reason (still marked as a draft).
    draft_letter = pdf_text.squeezed(pdf_text.text(
        service.client.get("/dossiers/api/v1/dossiers/HS-LATE/apology.pdf").data))
    assert pdf_text.squeezed("Chờ ý kiến thẩm định của Sở Tài nguyên") in draft_letter
    unnamed = service.client.post("/dossiers/apologies/HS-LATE/sign", headers=HTML,
                                  data={"signer_name-HS-LATE": "", "csrf_token": csrf})
    assert unnamed.status_code == 422 and 'href="#signer_name-HS-LATE"' in unnamed.get_data(as_text=True)
    assert service.scalar("SELECT count(*) FROM dossier_apologies") == 0
    signed = service.client.post("/dossiers/apologies/HS-LATE/sign", headers=HTML,
                                 data={"signer_name-HS-LATE": "Nguyễn Thị Hoa", "csrf_token": csrf})
    assert signed.status_code == 303 and signed.headers["Location"] == "/dossiers/apologies?signed=HS-LATE"
    assert service.scalar("SELECT signed_by FROM dossier_apologies WHERE dossier_code = 'HS-LATE'") == "CB-0001"
    assert service.scalar("SELECT count(*) FROM dossier_apology_drafts") == 0
    after = service.client.get(signed.headers["Location"], headers=HTML).get_data(as_text=True)
    assert "Không có thư xin lỗi nào chờ ký" in after
    assert 'href="/dossiers/api/v1/dossiers/HS-LATE/apology.pdf"' in after
    letter = service.client.get("/dossiers/api/v1/dossiers/HS-LATE/apology.pdf")
    assert letter.status_code == 200 and letter.mimetype == "application/pdf"
    page = service.client.get("/dossiers/workbench/HS-LATE", headers=HTML).get_data(as_text=True)
    assert "Hạn xử lý theo quy định</dt><dd>25/11/2026 09:00" in page  # the legal due date did not move
    assert "03/12/2026 16:00" in page


def test_the_head_sees_the_units_counts_by_step_and_official(service):
    sign_in(service, HEAD)
    text = service.client.get("/dossiers/unit", headers=HTML).get_data(as_text=True)
    assert re.search(r'id="overdue-count">2<', text)
    assert "Tiếp nhận hồ sơ" in text and "CB-0077" in text
    assert codes_listed(text) == ["HS-LATE", "HS-OTHER", "HS-SOON", "HS-CALM"]
    overdue = service.client.get("/dossiers/unit?standing=overdue&official=CB-0077", headers=HTML)
    assert codes_listed(overdue.get_data(as_text=True)) == ["HS-OTHER"]
    latest_due_first = service.client.get("/dossiers/unit?sort=-due", headers=HTML).get_data(as_text=True)
    assert codes_listed(latest_due_first) == ["HS-CALM", "HS-SOON", "HS-OTHER", "HS-LATE"]
    sign_in(service, OFFICER)
    assert service.client.get("/dossiers/unit", headers=HTML).status_code == 403


def test_unit_view_counts(service):
    found = workbench.unit_dossiers(service.runtime.uow(), HEAD, 1, 2)
    assert {k: found["totals"][k] for k in ("open", "due_soon", "overdue", "awaiting_supplement")} == {
        "open": 4, "due_soon": 1, "overdue": 2, "awaiting_supplement": 0}
    by_official = {g["official"]: (g["open"], g["overdue"]) for g in found["by_official"]}
    assert by_official == {"CB-0042": (3, 1), "CB-0077": (1, 1)}
    assert [d.code for d in found["page"].items] == ["HS-LATE", "HS-OTHER"] and found["page"].total == 4
    other_unit = Principal("CB-0500", "HN-STC", frozenset({"head"}))
    with pytest.raises(Forbidden):
        workbench.unit_dossiers(service.runtime.uow(), other_unit, 1, 10, unit="HN-SXD")


def test_an_apology_is_drafted_only_for_a_late_dossier_and_signed_only_by_a_head(service):
    uow = service.runtime.uow
    with pytest.raises(Conflict):
        apology_drafts.draft_apology(uow(), "HS-CALM", apology_drafts.DraftApology(
            "Chậm", datetime(2026, 12, 10, 16, tzinfo=HANOI)), principal=OFFICER)
    apology_drafts.draft_apology(uow(), "HS-SOON", apology_drafts.DraftApology(
        "Chờ xác minh", datetime(2026, 12, 1, 16, tzinfo=HANOI)), principal=OFFICER)
    with pytest.raises(Forbidden):
        apology_drafts.sign_apology(uow(), "HS-SOON", apology_drafts.SignApology("Lê Văn An"), principal=OFFICER)
    assert apology_drafts.drafts_to_sign(uow(), HEAD, 1, 10).total == 1


def test_an_officer_of_another_unit_gets_the_forbidden_page_and_changes_nothing(service):
    sign_in(service, Principal("CB-0500", "HN-STC", frozenset({"officer"})))
    page = service.client.get("/dossiers/workbench/HS-LATE", headers=HTML)
    assert page.status_code == 403 and "Bạn không có quyền xem trang này" in page.get_data(as_text=True)
    token = web_session.read(service.runtime.settings.session_secret,
                             service.client.get_cookie(web_session.COOKIE).value).csrf
    answer = service.client.post("/dossiers/workbench/HS-LATE/handover", headers=HTML,
                                 data={"to_step": "tham_dinh", "csrf_token": token})
    assert answer.status_code == 403
    assert service.scalar("SELECT current_step FROM dossiers WHERE code = 'HS-LATE'") == "tiep_nhan"
    assert service.client.get("/dossiers/workbench/HS-NONE", headers=HTML).status_code == 404


def test_supplement_received_completion_and_withdrawal_from_the_dossier_page(service, clock):
    sign_in(service, OFFICER)
    page = "/dossiers/workbench/HS-CALM"
    token = form_token(service, page, f"{page}/supplement-request")
    assert service.client.post(f"{page}/supplement-request", headers=HTML,
                               data={"supplement_reasons": "Thiếu bản vẽ", "csrf_token": token}).status_code == 303
    paused = service.client.get(page, headers=HTML).get_data(as_text=True)
    assert "Chờ công dân bổ sung" in paused and f'action="{page}/handover"' not in paused
    clock.set(datetime(2026, 11, 27, 14, tzinfo=HANOI))
    token = form_token(service, page, f"{page}/supplement-received")
    assert service.client.post(f"{page}/supplement-received", headers=HTML,
                               data={"csrf_token": token}).status_code == 303
    token = form_token(service, page, f"{page}/completion")
    done = service.client.post(f"{page}/completion", headers=HTML, data={"csrf_token": token})
    assert done.status_code == 303
    text = service.client.get(page, headers=HTML).get_data(as_text=True)
    assert "Đã hoàn thành hồ sơ (trước hạn)." in text and "Đã có kết quả" in text
    assert "Xử lý hồ sơ" not in text  # nothing left to do on a finished dossier

    soon = "/dossiers/workbench/HS-SOON"
    token = form_token(service, soon, f"{soon}/end")
    ended = service.client.post(f"{soon}/end", headers=HTML, data={
        "end": "withdrawn", "end_reason": "Công dân xin rút để bổ sung giấy tờ", "csrf_token": token})
    assert ended.status_code == 303
    assert service.scalar("SELECT status FROM dossiers WHERE code = 'HS-SOON'") == "withdrawn"
    assert "Công dân xin rút để bổ sung giấy tờ" in service.client.get(soon, headers=HTML).get_data(as_text=True)


def test_the_pages_read_in_english_on_request(service):
    sign_in(service, HEAD)
    page = service.client.get("/dossiers/workbench/HS-LATE?lang=en", headers=HTML).get_data(as_text=True)
    for text in ("<h1>Dossier HS-LATE</h1>", "Process control sheet", "Why the dossier is due 25/11/2026 09:00",
                 "Hand over", "Draft the apology", 'data-label="Budget"'):
        assert text in page
    unit = service.client.get("/dossiers/unit", headers=HTML).get_data(as_text=True)  # the choice is remembered
    assert "Unit&#39;s dossiers" in unit and "By official" in unit and "Hồ sơ của đơn vị</h1>" not in unit
    workbench = service.client.get("/dossiers/workbench?lang=vi", headers=HTML).get_data(as_text=True)
    assert "<h1>Hồ sơ của tôi</h1>" in workbench
