"""A citizen's misconduct report reaches discipline by itself, across processes on RabbitMQ and
PostgreSQL: public intake (no login) → `misconduct.reported` → a verification opened for inspectors,
with none of the reporter's contact details anywhere outside the feedback service."""

from __future__ import annotations

import json

import pytest
from conftest import wait_until
from e2e_topology import running_topology

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def topology(tmp_path_factory):
    yield from running_topology(tmp_path_factory)


def test_a_misconduct_report_opens_a_verification_in_discipline(topology):
    reporter = {"name": "Lê Thị Phương", "phone": "0912345678", "email": "phuong.le@example.vn"}
    submitted = topology.post("feedback", "/feedback/api/v1/feedback", json={
        "channel": "web", "category": "misconduct", "misconduct_kind": "harassment", "unit": "HN-E2E-SXD",
        "official": "CB-E2E-007", "content": "Cán bộ tiếp nhận hồ sơ gây khó dễ, yêu cầu nộp giấy tờ ngoài quy định.",
        "reporter": reporter})
    assert submitted.status_code == 201, submitted.text
    code = submitted.json()["code"]

    def verification():
        r = topology.get("discipline", "/discipline/api/v1/verifications?unit=HN-E2E-SXD",
                         headers=topology.auth(roles=("inspector",)))
        return r.status_code == 200 and r.json()["items"]

    items = wait_until(verification, timeout=60, interval=0.5, message="discipline to open a verification")
    assert [(i["subject"], i["kind"], i["official"], i["status"]) for i in items] == [
        (code, "harassment", "CB-E2E-007", "open")]
    shown = json.dumps(items, ensure_ascii=False)
    for secret in reporter.values():
        assert secret not in shown
