"""A small world for the access and privacy suites: the five services in one process (embedded mode) on
SQLite and the in-memory broker, a directory of three units (a parent, its child, an unrelated one) with
a head and an officer each, and data in each unit, entered over HTTP as its people would."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from werkzeug.test import Client

from kycuong import embedded
from shared.auth import mint_token
from shared.clock import ManualClock
from shared.settings import Settings

HANOI = timezone(timedelta(hours=7))
NOW = datetime(2026, 11, 16, 9, 0, tzinfo=HANOI)  # a Monday, a plain working day

PARENT, CHILD, OTHER = "SEC-PARENT", "SEC-CHILD", "SEC-OTHER"
UNITS = (PARENT, CHILD, OTHER)
PROCEDURE = "9.000001"
PUBLISHER = "motcua-sec"  # an external one-stop system allowed to publish for the three units
SERVICES = ("tasks", "dossiers", "feedback", "discipline", "reporting")


# The citizens of each unit's dossier and feedback: (applicant, applicant's phone, reporter, reporter's phone)
CITIZENS = {unit: (f"Công dân {unit}", f"09000000{i}0", f"Người phản ánh {unit}", f"09111111{i}1")
            for i, unit in enumerate(UNITS)}


def people(unit: str) -> dict[str, str]:
    return {"head": f"{unit}-H", "officer": f"{unit}-O"}


@dataclass
class World:
    platform: object
    client: Client
    secret: str
    clock: ManualClock
    # per unit: the identifiers of what was created there, by path parameter name
    objects: dict[str, dict[str, str]] = field(default_factory=dict)

    def headers(self, role: str | None, unit: str | None = None, sub: str | None = None) -> dict:
        if role is None:
            return {}
        if sub is None:
            sub = people(unit)[role] if unit and role in ("head", "officer") else f"{role}-{unit or 'all'}"
        # "norole": a valid token that carries no role at all.
        token = mint_token(self.secret, sub=sub, unit=unit, roles=[] if role == "norole" else [role],
                           now=datetime.now(HANOI))
        return {"Authorization": f"Bearer {token}"}

    def call(self, method: str, path: str, role: str | None = "admin", unit: str | None = None, **kw):
        return self.client.open(path, method=method, headers=self.headers(role, unit, kw.pop("sub", None)), **kw)

    def ok(self, method: str, path: str, role: str | None = "admin", unit: str | None = None, **kw):
        response = self.call(method, path, role, unit, **kw)
        assert response.status_code < 300, (method, path, response.status_code, response.get_data(as_text=True))
        return response.get_json(silent=True)


def wait_until(predicate, timeout: float = 20.0, message: str = ""):
    import time

    deadline = time.monotonic() + timeout
    while not (value := predicate()):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {message}")
        time.sleep(0.05)
    return value


def build_world(tmp_path, memory_broker: str) -> tuple[World, threading.Event]:
    settings = Settings.from_env(env={}, var_dir=tmp_path, broker_url=memory_broker, relay_idle_poll=0.05,
                                 sweep_interval=0.2, publishers={PUBLISHER: UNITS})
    clock = ManualClock(NOW)
    platform = embedded.build(settings, clock=clock)
    platform.start_workers(sweeps=False)
    world = World(platform=platform, client=Client(platform.wsgi), secret=settings.jwt_secret, clock=clock)
    _directory(world)
    for unit in UNITS:
        world.objects[unit] = _data_in(world, unit)
    _a_week_later(world)
    wait_for_quiet(world)
    return world, platform.stop


def _a_week_later(w: World) -> None:
    """A week on, each unit's dossier is overdue: the sweep tells discipline, which asks the official who
    holds it to explain; a month's report is issued."""
    from services.dossiers.sweeps import sweep_overdue

    w.clock.set(datetime(2026, 11, 23, 9, 0, tzinfo=HANOI))
    sweep_overdue(w.platform.runtimes["dossiers"])
    for unit in UNITS:
        w.objects[unit]["code@explanation"] = wait_until(
            lambda unit=unit: _explanation_of(w, w.objects[unit]["code@dossier"], people(unit)["officer"]),
            message=f"discipline asked {unit}'s officer to explain the overdue dossier")
    report = w.ok("POST", "/reporting/api/v1/reports", role="office", json={"kind": "monthly", "period": "2026-10"})
    for unit in UNITS:
        w.objects[unit]["code@report"] = report["code"]


def _explanation_of(w: World, dossier: str, official: str) -> str | None:
    with w.platform.runtimes["discipline"].engine.connect() as conn:
        return conn.exec_driver_sql("SELECT code FROM explanation_requests WHERE subject = ? AND official = ?",
                                    (dossier, official)).scalar()


def _directory(w: World) -> None:
    d = "/discipline/api/v1"
    w.ok("POST", f"{d}/units", json={"code": PARENT, "name": "Sở Kiểm thử", "kind": "department"})
    w.ok("POST", f"{d}/units", json={"code": CHILD, "name": "Phòng Kiểm thử", "parent": PARENT, "kind": "office"})
    w.ok("POST", f"{d}/units", json={"code": OTHER, "name": "Phường Khác", "kind": "ward"})
    for unit in UNITS:
        p = people(unit)
        w.ok("POST", f"{d}/officials", json={"code": p["head"], "name": f"Trưởng {unit}", "unit": unit,
                                              "category": "cong_chuc", "position": "Trưởng", "is_leader": True})
        w.ok("POST", f"{d}/officials", json={"code": p["officer"], "name": f"Chuyên viên {unit}", "unit": unit,
                                              "category": "cong_chuc", "position": "Chuyên viên"})
        w.ok("POST", f"{d}/units/{unit}/heads", json={"official": p["head"], "since": "2025-07-01"})
    w.ok("POST", "/dossiers/api/v1/procedures", role="office",
         json={"code": PROCEDURE, "name": "Thủ tục kiểm thử", "processing_days": 2})
    # The other services learn the directory from its events: they must know it before anything names it.
    wait_for_quiet(w)


def wait_for_quiet(w: World) -> None:
    """Until every event recorded in any outbox has been sent and applied by every service handling its type
    (its id in that service's inbox)."""
    import json

    def quiet() -> bool:
        events = []
        for runtime in w.platform.runtimes.values():
            with runtime.engine.connect() as conn:
                if conn.exec_driver_sql("SELECT count(*) FROM outbox WHERE sent_at IS NULL").scalar():
                    return False
                events += [(event_id, json.loads(bytes(body))["type"]) for event_id, body in
                           conn.exec_driver_sql("SELECT event_id, body FROM outbox")]
        for runtime in w.platform.runtimes.values():
            wanted = {event_id for event_id, kind in events if kind in runtime.spec.handlers}
            with runtime.engine.connect() as conn:
                applied = set(conn.exec_driver_sql("SELECT event_id FROM inbox").scalars())
            if wanted - applied:
                return False
        return True

    wait_until(quiet, message="every event sent and applied by the services handling it")


def _verification_of(w: World, report: str) -> str | None:
    with w.platform.runtimes["discipline"].engine.connect() as conn:
        return conn.exec_driver_sql("SELECT code FROM verifications WHERE subject = ?", (report,)).scalar()


def _data_in(w: World, unit: str) -> dict[str, str]:
    p = people(unit)
    got: dict[str, str] = {"unit": unit, "sub": p["officer"], "official": p["officer"]}
    t, d, f, x = "/tasks/api/v1", "/dossiers/api/v1", "/feedback/api/v1", "/discipline/api/v1"
    got["number"] = w.ok("POST", f"{t}/directives", role="office", json={
        "number_symbol": f"12/TB-{unit}", "issued_on": "2026-11-10", "signer": f"Chủ tịch {unit}",
        "summary": f"Kết luận của {unit}", "issued_by": unit})["number_symbol"]
    task = w.ok("POST", f"{t}/tasks", role="office", json={
        "title": f"Nhiệm vụ của {unit}", "lead_unit": unit, "due_at": "2026-11-30T17:00:00+07:00",
        "assignee": p["officer"]})
    got["code@task"] = task["code"]
    plan = w.ok("POST", f"{t}/plans", role="officer", unit=unit, json={
        "period": "2026-11", "items": [{"title": f"Việc của {unit}", "planned_on": "2026-11-17"}]})
    got["code@plan"] = plan["code"]
    dossier = w.ok("POST", f"{d}/dossiers", role="officer", unit=unit, json={
        "procedure_code": PROCEDURE, "unit": unit, "handler": p["officer"], "received_at": "2026-11-16T08:30:00+07:00",
        "applicant": {"name": CITIZENS[unit][0], "phone": CITIZENS[unit][1]}})
    got["code@dossier"] = dossier["code"]
    # Feedback may name only the units it has heard of: retried until the directory's events arrived.
    feedback = wait_until(lambda: (r := w.call("POST", f"{f}/feedback", role=None, json={
        "channel": "web", "category": "delay", "content": f"Phản ánh về {unit}: hồ sơ chậm trả kết quả.",
        "unit": unit, "reporter": {"name": CITIZENS[unit][2], "phone": CITIZENS[unit][3]}})).status_code == 201
        and r.get_json(), message=f"a feedback about {unit} accepted")
    got["code@feedback"] = feedback["code"]
    got["extension_id"] = str(w.ok("POST", f"{t}/tasks/{task['code']}/extensions", role="officer", unit=unit, json={
        "requested_due_at": "2026-12-15T17:00:00+07:00", "reason": "Chờ ý kiến của sở chuyên ngành"})["id"])
    misconduct = w.ok("POST", f"{f}/feedback", role=None, json={
        "channel": "web", "category": "misconduct", "misconduct_kind": "extortion", "unit": unit,
        "official": p["officer"], "anonymous": True, "content": f"Cán bộ của {unit} gợi ý nộp thêm tiền."})
    got["code@verification"] = wait_until(lambda: _verification_of(w, misconduct["code"]),
                                          message=f"discipline opened a verification of {unit}'s misconduct report")
    inspection = w.ok("POST", f"{x}/inspections", role="inspector", json={
        "unit": unit, "kind": "surprise", "inspected_on": "2026-11-13", "team": ["Nguyễn Văn Tâm"]})
    got["code@inspection"] = inspection["code"]
    return got


def running_world(tmp_path_factory):
    """The world for a module-scoped fixture of each suite (built once per module, a few seconds), stopped
    after it. Not a conftest.py fixture: a conftest.py here would shadow tests/conftest.py for the other
    suites' `from conftest import …`."""
    from kombu.transport import memory

    memory.Channel.queues.clear()
    memory.Channel.events.clear()
    memory.Transport.global_state.clear()
    built, stop = build_world(tmp_path_factory.mktemp("security"), "memory://")
    yield built
    stop.set()
    for runtime in built.platform.runtimes.values():
        runtime.join_workers()
        runtime.dispose()
