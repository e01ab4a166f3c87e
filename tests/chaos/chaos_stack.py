"""What the chaos and cluster suites share: the topology on a broker and a database of the test's own,
a bounded publisher load whose answers are counted by status, and the ledger that matches every outbox row
against the inbox of every service that consumes its type."""

from __future__ import annotations

import json
import shutil
import tempfile
import threading
import time
import uuid
from collections import Counter
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import requests
from conftest import wait_until
from sqlalchemy import create_engine, text

from kycuong import registry
from kycuong.local_stack import LocalStack, StackError
from shared.settings import SERVICES

HANOI = timezone(timedelta(hours=7))
UNIT, OFFICIAL, HEAD, PROCEDURE = "HN-CHAOS-SXD", "CB-CHAOS-001", "CB-CHAOS-GD", "1.001612"
INSTALL = ("apt-get install rabbitmq-server postgresql (the machine's broker and database packages, which .ci/run "
           "starts); "
           "or deselect with -m 'not chaos'")


@contextmanager
def private_dir(request, name: str):
    """A directory of the test's own for nodes, clusters and logs. Not pytest's tmp_path: pytest keeps only
    the last three numbered directories of every run on the machine, and another run removing ours would
    pull a database's files from under it. Kept (and named) when a test failed, for its logs."""
    path = Path(tempfile.mkdtemp(prefix=f"kycuong-{name}-"))
    failed_before = request.session.testsfailed
    yield path
    if request.session.testsfailed == failed_before:
        shutil.rmtree(path, ignore_errors=True)
    else:
        print(f"\n{name}: logs and data kept in {path}")


def fail_without(exc: Exception) -> None:
    """A missing tool fails the suite (in CI too) with the install step, never a silent skip."""
    pytest.fail(f"{exc}\nThe chaos suite needs its own RabbitMQ nodes and PostgreSQL cluster: {INSTALL}")


# The public intake's per-client limit (10 a minute) would answer this load's single client 429: the load
# stands for many citizens, so the limit is raised for it (the limit itself has its own tests).
LOAD_RULES = {"feedback_rate_limit": {"per_minute": 100000, "burst": 100000}}


def open_stack(logs, **kwargs) -> LocalStack:
    stack = LocalStack(logs, extra_env={"KYCUONG_RULES": json.dumps(LOAD_RULES)}, **kwargs)
    try:
        stack.open()
        setup_directory(stack)
    except StackError as exc:
        stack.close()
        pytest.fail(str(exc))
    return stack


def auth(stack, roles=("admin",), unit=None) -> dict:
    return {"Authorization": f"Bearer {stack.token('chaos', unit, roles)}"}


def setup_directory(stack) -> None:
    """The unit, its official and head, and a three-working-day procedure: what the load refers to."""
    admin = auth(stack)
    base = stack.urls
    r = requests.post(f"{base['discipline']}/discipline/api/v1/units", headers=admin, timeout=10,
                      json={"code": UNIT, "name": "Sở Xây dựng (thử tải)", "parent": None, "kind": "department"})
    assert r.status_code == 200, r.text
    for code, leader in ((OFFICIAL, False), (HEAD, True)):
        r = requests.post(f"{base['discipline']}/discipline/api/v1/officials", headers=admin, timeout=10,
                          json={"code": code, "name": "Nguyễn Văn Bình" if not leader else "Trần Thị Hạnh",
                                "unit": UNIT, "position": "Giám đốc" if leader else "Chuyên viên",
                                "category": "cong_chuc", "is_leader": leader})
        assert r.status_code == 200, r.text
    r = requests.post(f"{base['discipline']}/discipline/api/v1/units/{UNIT}/heads", headers=admin, timeout=10,
                      json={"official": HEAD, "since": "2024-01-01"})
    assert r.status_code == 200, r.text
    r = requests.post(f"{base['dossiers']}/dossiers/api/v1/procedures", headers=admin, timeout=10,
                      json={"code": PROCEDURE, "name": "Đăng ký thành lập hộ kinh doanh", "processing_days": 3,
                            "steps": [{"key": "receive", "name": "Tiếp nhận", "days": 0.5},
                                      {"key": "appraise", "name": "Thẩm định", "days": 1.5},
                                      {"key": "approve", "name": "Phê duyệt", "days": 1}]})
    assert r.status_code in (201, 409), r.text


class Load:
    """A publisher at a fixed, modest rate for as long as it runs: alternately a citizen's feedback and an
    already-overdue dossier received at the desk (received ten days ago, three working days allowed, so the
    dossiers' sweep emits `dossier.overdue` for it, which discipline and reporting consume). Every answer
    is counted by status; what was accepted (201) is remembered to be found again after the fault."""

    def __init__(self, stack, per_second: float = 8.0):
        self.stack = stack
        self.interval = 1.0 / per_second
        self.statuses: Counter = Counter()
        self.feedback: list[str] = []
        self.dossiers: list[str] = []
        self.server_errors: list[str] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True, name="chaos-load")
        self.session = requests.Session()
        self.officer = auth(stack, roles=("officer",), unit=UNIT) | {"Content-Type": "application/json"}

    def __enter__(self) -> Load:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(timeout=60)

    def wait_for_accepted(self, count: int, timeout: float = 60) -> None:
        """Block until `count` more submissions were accepted (the load runs on both sides of a fault)."""
        target = len(self.feedback) + len(self.dossiers) + count
        deadline = time.monotonic() + timeout
        while len(self.feedback) + len(self.dossiers) < target:
            if time.monotonic() > deadline:
                pytest.fail(f"the load got {dict(self.statuses)} and not {count} more acceptances in {timeout}s")
            time.sleep(self.interval)

    def _run(self) -> None:
        tick = 0
        next_at = time.monotonic()
        while not self._stop.is_set():
            (self._feedback if tick % 2 == 0 else self._dossier)()
            tick += 1
            next_at += self.interval
            self._stop.wait(max(0.0, next_at - time.monotonic()))

    def _post(self, service: str, path: str, body: dict, headers: dict | None = None):
        try:
            r = self.session.post(f"{self.stack.urls[service]}{path}", data=json.dumps(body), timeout=15,
                                  headers=headers or {"Content-Type": "application/json"})
        except requests.RequestException as exc:
            self.statuses[f"no answer ({type(exc).__name__})"] += 1
            return None
        self.statuses[r.status_code] += 1
        if r.status_code >= 500 and r.status_code != 503:
            self.server_errors.append(f"{service} {r.status_code}: {r.text[:300]}")
        if r.status_code == 503 and not r.headers.get("Retry-After"):
            self.server_errors.append(f"{service} 503 without Retry-After: {r.text[:300]}")
        return r

    def _feedback(self) -> None:
        r = self._post("feedback", "/feedback/api/v1/feedback", {
            "channel": "web", "category": "delay", "unit": UNIT,
            # A different text each time: the same text from the same sender is a duplicate (200).
            "content": f"Hồ sơ nộp đã quá hạn mà chưa được trả kết quả (lần {uuid.uuid4().hex[:8]}).",
            "reporter": {"name": "Lê Thị Phương", "phone": "0912345678"}})
        if r is not None and r.status_code == 201:
            self.feedback.append(r.json()["code"])

    def _dossier(self) -> None:
        code = f"HS-CHAOS-{uuid.uuid4().hex[:10].upper()}"
        r = self._post("dossiers", "/dossiers/api/v1/dossiers", {
            "code": code, "procedure_code": PROCEDURE, "unit": UNIT, "handler": OFFICIAL,
            "received_at": (datetime.now(HANOI) - timedelta(days=10)).isoformat(),
            "applicant": {"name": "Công ty TNHH Thử Tải"}}, headers=self.officer)
        if r is not None and r.status_code == 201:
            self.dossiers.append(code)

    def assert_answers(self) -> None:
        """0 HTTP 500: every answer is an acceptance or, while a database restarts, 503 with Retry-After."""
        assert not self.server_errors, self.server_errors[:5]
        unexpected = {s: n for s, n in self.statuses.items() if s not in (201, 503)}
        assert unexpected == {}, f"answers by status: {dict(self.statuses)}"


def consumers_of() -> dict[str, set[str]]:
    """Event type → the services that apply it from `kycuong.events` (their handlers are their bindings)."""
    types: dict[str, set[str]] = {}
    for service in SERVICES:
        for event_type in registry.spec(service).handlers:
            types.setdefault(event_type, set()).add(service)
    return types


class Ledger:
    """Every service's outbox against every consuming service's inbox, read from their databases."""

    def __init__(self, stack):
        self.stack = stack
        self.engines = {s: create_engine(stack.database_template.format(service=s), pool_pre_ping=True)
                        for s in SERVICES}
        self.consumers = consumers_of()
        self.accepted_dossiers: set[str] = set()  # across the faults of one stack

    def close(self) -> None:
        for engine in self.engines.values():
            engine.dispose()

    def read(self) -> dict:
        outbox, inbox, unsent = [], {}, 0
        for service, engine in self.engines.items():
            with engine.connect() as conn:
                for event_id, key, body, sent in conn.execute(text(
                        "SELECT event_id, routing_key, body, sent_at FROM outbox WHERE exchange = 'kycuong.events'")):
                    outbox.append((service, event_id, key, json.loads(bytes(body))))
                    unsent += sent is None
                inbox[service] = Counter(row[0] for row in conn.execute(
                    text("SELECT event_id FROM inbox WHERE consumer = :c"), {"c": f"{service}.events"}))
        lost = [(producer, event_id, key, consumer)
                for producer, event_id, key, _ in outbox
                for consumer in sorted(self.consumers.get(key, ()))
                if inbox[consumer][event_id] == 0]
        twice = [(consumer, event_id, n) for consumer, seen in inbox.items() for event_id, n in seen.items() if n > 1]
        by_subject: dict[str, Counter] = {}
        for _, _, key, body in outbox:
            data = body.get("data") or {}
            subject = data.get("code") or body.get("subject")
            by_subject.setdefault(key, Counter())[subject] += 1
        return {"events": len(outbox), "unsent": unsent, "lost": lost, "twice": twice, "by_subject": by_subject,
                "applied": sum(sum(c.values()) for c in inbox.values())}

    def settle(self, load: Load, timeout: float = 90) -> dict:
        """Wait until every accepted submission has its events and every event reached its consumers; then
        assert 0 lost and 0 applied twice, event by event and submission by submission."""
        deadline = time.monotonic() + timeout
        while True:
            state = self.read()
            subjects = state["by_subject"]
            missing_events = ([c for c in load.feedback if subjects.get("feedback.received", Counter())[c] == 0]
                              + [c for c in load.dossiers for key in ("dossier.received", "dossier.overdue")
                                 if subjects.get(key, Counter())[c] == 0])
            if not state["unsent"] and not state["lost"] and not missing_events:
                break
            if time.monotonic() > deadline:
                pytest.fail(f"after {timeout}s: {state['unsent']} outbox rows unsent, {len(state['lost'])} "
                            f"events not applied by a consumer (first: {state['lost'][:5]}), accepted "
                            f"submissions without their event: {missing_events[:5]}; logs in {self.stack.logs}")
            time.sleep(0.5)
        assert state["twice"] == []
        for key in ("feedback.received", "dossier.received", "dossier.overdue"):
            repeated = {s: n for s, n in state["by_subject"].get(key, Counter()).items() if n > 1}
            assert repeated == {}, f"{key} emitted more than once for {repeated}"
        return state

    def overdue_in_ranking(self) -> int | None:
        """Reporting's count of this unit's open overdue dossiers: each overdue event counted once."""
        period = datetime.now(HANOI).strftime("%Y-%m")
        r = requests.get(f"{self.stack.urls['reporting']}/reporting/api/v1/rankings?period={period}&page_size=500",
                         timeout=10)
        if r.status_code == 503 and r.headers.get("Retry-After"):
            # Web processes keep no pre-ping (the intake's round trip): a pooled connection the restart dropped
            # answers one 503 with Retry-After, as a client is told; the caller asks again.
            return None
        assert r.status_code == 200, r.text
        entry = next((item for item in r.json()["items"] if item["unit"] == UNIT), None)
        return entry and entry["overdue_open"]


def settle_and_check(ledger: Ledger, load: Load) -> dict:
    """After a fault: 0 lost and 0 applied twice in the ledger, reporting's count of overdue dossiers equal
    to the dossiers ever accepted (each applied once), and no 500 answered to the load."""
    state = ledger.settle(load)
    print(f"\nanswers by status: {dict(load.statuses)}; {state['events']} events, {state['applied']} applied")
    assert state["events"] > 0
    ledger.accepted_dossiers |= set(load.dossiers)
    accepted = len(ledger.accepted_dossiers)
    wait_until(lambda: ledger.overdue_in_ranking() == accepted, timeout=30, interval=0.5,
               message=f"reporting to count each of the {accepted} overdue dossiers exactly once "
                       f"(it shows {ledger.overdue_in_ranking()})")
    load.assert_answers()
    return state
