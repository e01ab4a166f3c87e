"""What every service's edge refuses before a view runs, and how it answers a database that went away:
the rules live once in shared.web, so one service stands for all five."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import jwt
import pytest
from sqlalchemy import create_engine, text

from shared.web.guards import MAX_BODY_BYTES

HANOI = timezone(timedelta(hours=7))
PG_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


def _token(secret: str, roles) -> dict:
    now = datetime.now(HANOI)
    claims = {"sub": "someone", "unit": None, "roles": roles, "iat": now, "exp": now + timedelta(hours=1)}
    return {"Authorization": "Bearer " + jwt.encode(claims, secret, algorithm="HS256")}


@pytest.mark.parametrize("roles", [[], ["citizen"], ["publisher"]], ids=["no-role", "unknown-role", "publisher"])
def test_a_token_without_a_staff_role_reaches_no_staff_endpoint(start_service, roles):
    tasks = start_service("tasks", workers=False)
    headers = _token(tasks.runtime.settings.jwt_secret, roles)
    for path in ("/tasks/api/v1/tasks", "/tasks/api/v1/directives"):
        answer = tasks.client.get(path, headers=headers)
        assert answer.status_code == 403, (path, answer.json)
        assert "roles" in answer.json["message"]
    assert tasks.client.get("/tasks/api/v1/tasks", headers=tasks.headers(roles=("officer",),
                                                                         unit="HN-SNV")).status_code == 200


def test_control_characters_are_refused_by_field_and_nothing_is_stored(start_service):
    tasks = start_service("tasks", workers=False)
    office = tasks.headers(roles=("office",))
    answer = tasks.client.post("/tasks/api/v1/tasks", headers=office,
                               json={"title": "Báo cáo quý IV\u0006", "lead_unit": "HN-SNV"})
    assert answer.status_code == 422
    assert list(answer.json["errors"]) == ["title"]
    assert "U+0006" in answer.json["errors"]["title"][0]
    assert tasks.scalar("SELECT count(*) FROM tasks") == 0
    assert tasks.scalar("SELECT count(*) FROM outbox") == 0
    query = tasks.client.get("/tasks/api/v1/tasks?q=a%00b", headers=office)
    assert query.status_code == 422 and "query.q" in query.json["errors"]
    # Vietnamese text, tabs and line breaks are text.
    fine = tasks.client.post("/tasks/api/v1/tasks", headers=office,
                             json={"title": "Rà soát thủ tục\tđợt 1\r\nphường Hoàn Kiếm", "lead_unit": "HN-SNV"})
    assert fine.status_code == 201, fine.json


def test_a_number_in_a_path_beyond_what_the_database_holds_is_not_found(start_service, pg_database):
    tasks = start_service("tasks", workers=False, database_url=pg_database("bigint"))
    answer = tasks.client.post("/tasks/api/v1/tasks/NV-1/extensions/1476611975753088512/decision",
                               headers=tasks.headers(roles=("office",)), json={"approve": True})
    assert answer.status_code == 404
    assert set(answer.json) == {"code", "status", "message", "errors"}


def test_a_body_over_the_limit_is_refused_in_the_platform_shape(start_service):
    tasks = start_service("tasks", workers=False)
    answer = tasks.client.post("/tasks/api/v1/tasks", headers={**tasks.headers(roles=("office",)),
                                                               "Content-Type": "application/json"},
                               data=b" " * (MAX_BODY_BYTES + 1))
    assert answer.status_code == 413
    assert answer.json["code"] == "too_large" and "20 MB" in answer.json["message"]


def test_a_database_that_stops_answering_gives_503_with_retry_after_then_recovers(start_service, pg_database):
    url = pg_database("edge")
    tasks = start_service("tasks", workers=False, database_url=url)
    admin_headers = tasks.headers()
    assert tasks.client.get("/tasks/api/v1/tasks", headers=admin_headers).status_code == 200
    name = url.rsplit("/", 1)[1]
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:  # as a restart does: connections cut, new ones refused
            conn.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false'))
            conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"),
                         {"n": name})
        down = tasks.client.get("/tasks/api/v1/tasks", headers=admin_headers)
        assert down.status_code == 503
        assert down.headers["Retry-After"] == "5"
        assert down.json["code"] == "unavailable"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true'))
        admin.dispose()
    assert tasks.client.get("/tasks/api/v1/tasks", headers=admin_headers).status_code == 200


def test_the_client_address_comes_from_the_gateway_only(start_service):
    from flask import Flask

    from shared.settings import Settings
    from shared.web import client_address

    tasks = start_service("tasks", workers=False)
    app = Flask("probe")
    app.extensions["kycuong"] = tasks.runtime

    def seen(peer: str, headers: dict) -> str:
        with app.test_request_context("/", headers=headers, environ_base={"REMOTE_ADDR": peer}):
            return client_address()

    claimed = {"X-Real-IP": "203.0.113.8", "X-Forwarded-For": "203.0.113.7, 10.0.0.1"}
    # From the gateway on this host (the default trusted proxy): the address it forwards.
    assert seen("127.0.0.1", claimed) == "203.0.113.8"
    assert seen("127.0.0.1", {"X-Forwarded-For": "203.0.113.7"}) == "203.0.113.7"
    # From anyone else: their own address, whatever they claim.
    assert seen("198.51.100.20", claimed) == "198.51.100.20"
    compose = Settings.from_env(env={"KYCUONG_TRUSTED_PROXIES": "10.89.0.0/16"})
    assert compose.trusts_proxy("10.89.3.4") and not compose.trusts_proxy("127.0.0.1")
