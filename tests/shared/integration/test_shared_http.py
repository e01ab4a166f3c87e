"""What every service shows over HTTP: health, readiness, metrics, the error shape, correlation ids."""

from __future__ import annotations

import json
import logging

from sqlalchemy import select

from shared.events.envelope import Event
from shared.logging import JsonFormatter, bound


def test_health_and_readiness_report_the_database_and_the_broker(start_service):
    tasks = start_service("tasks", workers=False)
    assert tasks.client.get("/tasks/healthz").json == {"status": "ok", "service": "tasks"}
    ready = tasks.client.get("/tasks/readyz")
    assert ready.status_code == 200
    assert ready.json["checks"] == {"database": "ok", "broker": "ok (in-memory)"}


def test_readiness_fails_with_the_reason_when_the_broker_is_unreachable(start_service):
    tasks = start_service("tasks", workers=False, broker_url="amqp://guest:guest@127.0.0.1:1//")
    ready = tasks.client.get("/tasks/readyz")
    assert ready.status_code == 503
    assert ready.json["status"] == "not_ready"
    assert ready.json["checks"]["database"] == "ok"
    assert ready.json["checks"]["broker"].startswith("unavailable")


def test_metrics_count_requests_in_prometheus_format(start_service):
    tasks = start_service("tasks", workers=False)
    tasks.client.get("/tasks/api/v1/tasks/NV-NONE", headers=tasks.headers())
    body = tasks.client.get("/tasks/metrics").get_data(as_text=True)
    assert 'kycuong_http_requests_total{method="GET",service="tasks",status="404"}' in body


def test_errors_have_one_shape_and_name_the_field(start_service):
    tasks = start_service("tasks", workers=False)
    missing = tasks.client.post("/tasks/api/v1/tasks", json={"lead_unit": "HN-SNV"},
                                headers=tasks.headers(roles=("office",)))
    assert missing.status_code == 422
    assert set(missing.json) == {"code", "status", "message", "errors"}
    assert "title" in missing.json["errors"]
    unauthenticated = tasks.client.get("/tasks/api/v1/tasks")
    assert unauthenticated.status_code == 401
    assert "bearer token" in unauthenticated.json["message"]
    bad_token = tasks.client.get("/tasks/api/v1/tasks", headers={"Authorization": "Bearer nonsense"})
    assert bad_token.status_code == 401 and "not valid" in bad_token.json["message"]


def test_the_request_correlation_id_reaches_the_response_and_the_event(start_service):
    tasks = start_service("tasks", workers=False)
    response = tasks.client.post(
        "/tasks/api/v1/tasks", json={"title": "Báo cáo công tác cải cách hành chính quý IV", "lead_unit": "HN-SNV"},
        headers={**tasks.headers(roles=("office",)), "X-Correlation-ID": "req-7f3a"})
    assert response.headers["X-Correlation-ID"] == "req-7f3a"
    with tasks.runtime.engine.connect() as conn:
        body = conn.execute(select(tasks.runtime.outbox.c.body)).scalar_one()
    assert Event.from_json(body).correlationid == "req-7f3a"
    # Without a header, a request gets its own id.
    other = tasks.client.get("/tasks/healthz")
    assert other.headers["X-Correlation-ID"] not in ("", "req-7f3a")


def test_log_lines_are_json_with_the_correlation_id_and_vietnamese_intact():
    record = logging.makeLogRecord({"name": "kycuong.test", "levelname": "WARNING", "levelno": 30,
                                    "msg": "hồ sơ quá hạn", "args": (), "unit": "HN-SXD"})
    with bound(correlation="evt-42", service="dossiers"):
        line = json.loads(JsonFormatter().format(record))
    assert line["correlation_id"] == "evt-42" and line["service"] == "dossiers"
    assert line["message"] == "hồ sơ quá hạn" and line["unit"] == "HN-SXD"
    assert "correlation_id" not in json.loads(JsonFormatter().format(record))
