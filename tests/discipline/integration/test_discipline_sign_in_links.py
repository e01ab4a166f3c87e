"""Officials linked to their accounts at the province's identity provider: one account, one official; signing
in through the provider finds the official by it, with the directory's unit and roles (the browser flow itself
is tests/web/test_web_oidc.py, against a real provider)."""

from __future__ import annotations

import re

import pytest

from services.discipline.use_cases import sign_in
from shared.errors import Conflict, NotFound
from shared.settings import Settings, SettingsError

UNIT, HEAD, OFFICER = "HN-STP", "CB-STP-01", "CB-STP-12"


@pytest.fixture
def discipline(start_service):
    svc = start_service("discipline", workers=False)
    admin = svc.headers()
    assert svc.client.post("/discipline/api/v1/units", headers=admin, json={
        "code": UNIT, "name": "Sở Tư pháp", "parent": None, "kind": "department"}).status_code == 200
    for code, name in ((HEAD, "Trần Văn Bình"), (OFFICER, "Phạm Thị Mai")):
        assert svc.client.post("/discipline/api/v1/officials", headers=admin, json={
            "code": code, "name": name, "unit": UNIT, "category": "cong_chuc"}).status_code == 200
    assert svc.client.post(f"/discipline/api/v1/units/{UNIT}/heads", headers=admin,
                           json={"official": HEAD, "since": "2025-07-01"}).status_code == 200
    return svc


def test_a_linked_account_signs_in_as_its_official_with_the_directorys_unit_and_roles(discipline):
    sign_in.link_subject(discipline.runtime.uow(), HEAD, "f3b1c2d4-0000-4a5b-9c8d-binh")
    found = sign_in.principal_of_subject(discipline.runtime.uow(), "f3b1c2d4-0000-4a5b-9c8d-binh")
    assert (found.sub, found.unit, found.roles) == (HEAD, UNIT, {"head", "officer"})


def test_an_account_linked_to_nobody_signs_in_as_nobody(discipline):
    for subject in ("someone-else", ""):
        with pytest.raises(NotFound):
            sign_in.principal_of_subject(discipline.runtime.uow(), subject)


def test_one_account_is_one_official_and_a_link_can_be_moved_or_removed(discipline):
    sign_in.link_subject(discipline.runtime.uow(), OFFICER, "mai.pt")
    with pytest.raises(Conflict):
        sign_in.link_subject(discipline.runtime.uow(), HEAD, "mai.pt")
    assert sign_in.principal_of_subject(discipline.runtime.uow(), "mai.pt").sub == OFFICER
    with pytest.raises(NotFound):
        sign_in.link_subject(discipline.runtime.uow(), "CB-NOBODY", "x")
    sign_in.link_subject(discipline.runtime.uow(), OFFICER, None)
    with pytest.raises(NotFound):
        sign_in.principal_of_subject(discipline.runtime.uow(), "mai.pt")
    sign_in.link_subject(discipline.runtime.uow(), HEAD, "mai.pt")  # free again
    assert sign_in.principal_of_subject(discipline.runtime.uow(), "mai.pt").sub == HEAD


def test_without_an_identity_provider_the_sign_in_page_says_the_administrator_must_configure_it(start_service,
                                                                                               tmp_path):
    svc = start_service("discipline", workers=False, database_url=f"sqlite:///{tmp_path / 'own.db'}")
    assert not svc.runtime.settings.embedded_default  # a database of its own: not the embedded demo
    page = svc.client.get("/discipline/sign-in", headers={"Accept": "text/html"})
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "chưa được cấu hình" in text and "KYCUONG_OIDC_ISSUER" in text
    assert "sign-in/demo" not in text and "sign-in/start" not in text
    english = svc.client.get("/discipline/sign-in?lang=en", headers={"Accept": "text/html"}).get_data(as_text=True)
    assert "is not configured on this system" in english
    assert svc.client.post("/discipline/sign-in/start", headers={"Accept": "text/html"}).status_code == 404
    assert svc.client.get("/discipline/sign-in/callback?code=x&state=y",
                          headers={"Accept": "text/html"}).status_code == 404


def test_the_identity_providers_settings(tmp_path):
    secret = tmp_path / "oidc-secret"
    secret.write_text("from-a-file\n", encoding="utf-8")
    settings = Settings.from_env({"KYCUONG_OIDC_ISSUER": "https://id.hanoi.gov.vn/realms/hanoi",
                                  "KYCUONG_OIDC_CLIENT_ID": "kycuong",
                                  "KYCUONG_OIDC_CLIENT_SECRET_FILE": str(secret),
                                  "KYCUONG_OIDC_SCOPES": "profile, email"})
    assert settings.oidc_configured and settings.oidc_client_secret == "from-a-file"
    assert settings.oidc_scopes == "openid profile email" and settings.oidc_claim == "sub"
    assert not Settings.from_env({"KYCUONG_OIDC_ISSUER": "https://id.hanoi.gov.vn"}).oidc_configured
    with pytest.raises(SettingsError):
        Settings.from_env({"KYCUONG_OIDC_CLIENT_SECRET_FILE": str(tmp_path / "missing")})


def test_with_an_identity_provider_each_failure_is_a_page_that_says_what_to_do(start_service, tmp_path):
    from itsdangerous import URLSafeTimedSerializer

    from kycuong.local_stack import listening_socket

    gone = listening_socket()
    issuer = f"http://127.0.0.1:{gone.getsockname()[1]}"
    gone.close()  # nobody answers there: the provider is down
    svc = start_service("discipline", workers=False, database_url=f"sqlite:///{tmp_path / 'own.db'}",
                        oidc_issuer=issuer, oidc_client_id="kycuong", oidc_client_secret="s" * 32)
    html = {"Accept": "text/html"}
    page = svc.client.get("/discipline/sign-in?next=/dossiers/workbench", headers=html)
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and 'action="/discipline/sign-in/start"' in text and "sign-in/demo" not in text
    token = re.search(r'name="csrf_token" value="([^"]+)"', text).group(1)
    assert f"form-action 'self' {issuer}" in page.headers["Content-Security-Policy"]
    down = svc.client.post("/discipline/sign-in/start", data={"csrf_token": token, "next": "/dossiers/workbench"},
                           headers=html)
    assert down.status_code == 502 and "Không kết nối được hệ thống định danh" in down.get_data(as_text=True)
    # A forged or foreign answer with a state that is not this browser's attempt, in any alphabet.
    attempt = URLSafeTimedSerializer(svc.runtime.settings.session_secret, salt="kycuong.oidc-attempt").dumps(
        {"state": "s" * 32, "nonce": "n", "verifier": "v" * 64, "next": "/dossiers/workbench"})
    for state in ("x" * 32, "trạng-thái", ""):
        svc.client.set_cookie("kc_oidc_attempt", attempt, path="/discipline/sign-in/callback")
        answer = svc.client.get(f"/discipline/sign-in/callback?code=c&state={state}", headers=html)
        assert answer.status_code == 400 and "Yêu cầu đăng nhập không hợp lệ" in answer.get_data(as_text=True)
        assert 'href="/discipline/sign-in?next=/dossiers/workbench"' in answer.get_data(as_text=True)
    assert svc.client.get_cookie("kc_session") is None
    lost = svc.client.get("/discipline/sign-in/callback?code=c&state=s", headers=html)  # no attempt kept
    assert lost.status_code == 400 and "Lượt đăng nhập đã hết hạn" in lost.get_data(as_text=True)
