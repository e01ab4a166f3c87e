"""A citizen follows a dossier with its code and the secret on the receipt, never by the code alone; a wrong
secret reveals nothing; a late dossier's apology letter is theirs to download. The receipt carries the code,
the secret and a QR code to the look-up page."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest
from pdf_text import squeezed, text

from services.dossiers.use_cases import intake, procedures

HANOI = timezone(timedelta(hours=7))


@pytest.fixture
def desk(start_service, clock):
    clock.set(datetime(2026, 11, 16, 9, tzinfo=HANOI))
    svc = start_service("dossiers", workers=False)
    procedures.register_procedure(svc.runtime.uow(), procedures.RegisterProcedure(
        code="1.001193", name="Đăng ký khai sinh", processing_days=Decimal(1)))
    return svc


def received(svc, code="HS-LOOKUP-1"):
    intake.receive_dossier(svc.runtime.uow(), intake.ReceiveDossier(
        code=code, procedure_code="1.001193", unit="W00070", received_at=svc.runtime.clock.now(),
        assignee="CB-W070-11", applicant=intake.ApplicantDetails(name="Nguyễn Thị Mai")))
    return code


def receipt_secret(svc, code) -> tuple[str, bytes]:
    pdf = svc.client.get(f"/dossiers/workbench/{code}/receipt.pdf",
                         headers=svc.headers(unit="W00070", roles=("officer",)))
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    secret = svc.scalar("SELECT receipt_secret FROM dossiers WHERE code = :code", code=code)
    assert re.fullmatch(r"[2-9A-HJKMNP-Z]{8}", secret)
    assert secret in squeezed(text(pdf.data))  # printed for the citizen
    return secret, pdf.data


def test_the_receipt_carries_the_code_the_secret_and_a_qr_code_and_keeps_its_secret(desk):
    code = received(desk)
    secret, pdf = receipt_secret(desk, code)
    words = squeezed(text(pdf))
    assert squeezed("GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ") in words and code in words
    assert squeezed("Nguyễn Thị Mai") in words
    assert receipt_secret(desk, code)[0] == secret  # printed again: the same secret


def test_a_citizen_needs_the_secret_and_a_wrong_one_reveals_nothing(desk):
    code = received(desk)
    secret, _ = receipt_secret(desk, code)
    html = {"Accept": "text/html"}
    alone = desk.client.get(f"/dossiers/lookup?code={code}", headers=html)
    wrong = desk.client.get(f"/dossiers/lookup?code={code}&secret=ABCDEFGH", headers=html)
    unknown = desk.client.get(f"/dossiers/lookup?code=HS-NO-SUCH&secret={secret}", headers=html)
    assert alone.status_code == 422 and wrong.status_code == 404 and unknown.status_code == 404
    for answer in (alone, wrong, unknown):
        page = answer.get_data(as_text=True)
        assert "Nguyễn Thị Mai" not in page and "1.001193" not in page and "Tình trạng" not in page
    # A wrong secret and an unknown code read the same.
    assert wrong.get_data(as_text=True) == unknown.get_data(as_text=True).replace("HS-NO-SUCH", code)
    right = desk.client.get(f"/dossiers/lookup?code={code}&secret={secret.lower()}", headers=html)
    page = right.get_data(as_text=True)
    assert right.status_code == 200 and "Đang giải quyết" in page and right.headers["Cache-Control"] == "no-store"
    assert "Nguyễn Thị Mai" not in page  # the citizen's own name is not needed, nor any official's code
    assert "CB-" not in page


def test_a_late_dossiers_apology_letter_reaches_the_holder_of_the_receipt(desk, clock):
    code = received(desk)
    secret, _ = receipt_secret(desk, code)
    head = desk.headers(sub="CB-W070-01", unit="W00070", roles=("head",))
    due = desk.client.get(f"/dossiers/api/v1/dossiers/{code}", headers=head).get_json()["due_at"]
    clock.set(datetime.fromisoformat(due) + timedelta(hours=2))
    issued = desk.client.post(f"/dossiers/api/v1/dossiers/{code}/apology", headers=head, json={
        "reason": "Cần xác minh thêm thông tin cư trú", "new_due_at": (clock.now() + timedelta(days=2)).isoformat(),
        "signer_name": "Đặng Văn Long"})
    assert issued.status_code in (200, 201), issued.get_json()
    page = desk.client.get(f"/dossiers/lookup?code={code}&secret={secret}", headers={"Accept": "text/html"})
    html = page.get_data(as_text=True)
    assert "quá hạn" in html and "Tải thư xin lỗi" in html
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    letter = desk.client.post("/dossiers/lookup/apology.pdf", data={"code": code, "secret": secret,
                                                                     "csrf_token": token})
    assert letter.status_code == 200 and letter.mimetype == "application/pdf"
    assert squeezed("PHIẾU XIN LỖI") in squeezed(text(letter.data))
    refused = desk.client.post("/dossiers/lookup/apology.pdf", data={"code": code, "secret": "ABCDEFGH",
                                                                      "csrf_token": token})
    assert refused.status_code == 404
