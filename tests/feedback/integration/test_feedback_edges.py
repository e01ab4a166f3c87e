"""Where codes and clients enter feedback: the directory's codes only, and one allowance per client
shared by every replica (Open311 keys count only when registered)."""

from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import datetime, timedelta, timezone

from services.feedback import handlers
from shared.events import catalog
from shared.events.envelope import Event

URL = "/feedback/api/v1/feedback"
O311 = "/feedback/open311/v2"
T0 = datetime(2026, 11, 2, 9, tzinfo=timezone(timedelta(hours=7)))


def directory_event(svc, what, **data):
    """Apply a discipline directory event as the consumer does (the same handler)."""
    event = Event(type=f"directory.{what}_upserted", source="/kycuong/test/discipline", subject=data["code"],
                  unit=data.get("unit", data["code"]), time=T0, data=data)
    handlers.events[event.type](replace(event, values=catalog.load(event.type, event.data)), svc.runtime.uow())


def with_directory(svc):
    directory_event(svc, "unit", code="SO-XD", name="Sở Xây dựng", parent=None, kind="department")
    directory_event(svc, "official", code="CB-XD-01", name="Nguyễn Văn An", unit="SO-XD", category="cong_chuc")


def feedback(**changes):
    return {"channel": "web", "category": "misconduct", "misconduct_kind": "harassment", "anonymous": True,
            "content": "Cán bộ yêu cầu nộp thêm giấy tờ không có trong quy định.", "unit": "SO-XD", **changes}


def test_feedback_may_name_only_units_and_officials_of_the_directory(start_service):
    svc = start_service("feedback", workers=False)
    with_directory(svc)

    unknown_unit = svc.client.post(URL, json=feedback(unit="SO-MA", content="Đơn vị ma nhận hồ sơ rồi bỏ đó."))
    unknown_official = svc.client.post(URL, json=feedback(official="CB-MA-99"))
    bad_pattern = svc.client.post(URL, json=feedback(unit="SO XD/1"))
    known = svc.client.post(URL, json=feedback(official="CB-XD-01"))

    assert unknown_unit.status_code == 422
    assert list(unknown_unit.get_json()["errors"]) == ["unit"]
    assert "not in the directory" in unknown_unit.get_json()["errors"]["unit"][0]
    assert unknown_official.status_code == 422 and list(unknown_official.get_json()["errors"]) == ["official"]
    assert bad_pattern.status_code == 422 and "letters, digits" in bad_pattern.get_json()["errors"]["unit"][0]
    assert known.status_code == 201
    # Nothing of the refused ones was stored or announced: no scorecard for "SO-MA" can come of it.
    assert svc.scalar("SELECT count(*) FROM feedback") == 1
    assert svc.scalar("SELECT count(*) FROM outbox WHERE body LIKE '%SO-MA%'") == 0


def test_open311_and_forwarding_are_held_to_the_directory_too(start_service):
    svc = start_service("feedback", workers=False)
    with_directory(svc)
    refused = svc.client.post(f"{O311}/requests.json", data={
        "service_code": "delay", "description": "Hồ sơ quá hạn mười ngày chưa trả.", "attribute[unit]": "SO-MA"})
    code = svc.client.post(URL, json=feedback()).get_json()["code"]
    forward = svc.client.post(f"{URL}/{code}/forward", headers=svc.headers(roles=("office",)),
                              json={"unit": "SO-MA"})

    assert refused.status_code == 400 and "SO-MA is not in the directory" in refused.get_json()[0]["description"]
    assert forward.status_code == 422 and list(forward.get_json()["errors"]) == ["unit"]


def test_before_the_directory_arrives_codes_are_checked_by_pattern_only(start_service, caplog):
    svc = start_service("feedback", workers=False)

    fresh = svc.client.post(URL, json=feedback(unit="SO-XD"))
    malformed = svc.client.post(URL, json=feedback(unit="<script>"))

    assert fresh.status_code == 201
    assert malformed.status_code == 422 and list(malformed.get_json()["errors"]) == ["unit"]
    assert "directory has not reached the feedback service" in caplog.text


def test_two_replicas_share_one_clients_allowance(start_service, pg_database):
    url = pg_database("allowance")
    rules = {"feedback_rate_limit": {"per_minute": 6, "burst": 3}}
    first = start_service("feedback", workers=False, database_url=url, rules=rules)
    second = start_service("feedback", workers=False, database_url=url, rules=rules)

    def post(svc, n, address="203.0.113.5"):
        return svc.client.post(URL, environ_base={"REMOTE_ADDR": address}, json={
            "channel": "web", "category": "other", "content": f"Kiến nghị số {n} về giờ làm việc.",
            "anonymous": True})

    statuses = [post(svc, n).status_code for n, svc in enumerate([first, second, first])]
    limited = post(second, 3)
    other_client = post(second, 4, address="198.51.100.7")

    assert statuses == [201, 201, 201]
    assert limited.status_code == 429 and limited.headers["Retry-After"] == "10"
    assert other_client.status_code == 201


def test_concurrent_requests_to_two_replicas_never_exceed_the_burst(start_service, pg_database):
    url = pg_database("allowance_race")
    rules = {"feedback_rate_limit": {"per_minute": 6, "burst": 5}}
    replicas = [start_service("feedback", workers=False, database_url=url, rules=rules) for _ in range(2)]

    def post(n):
        client = replicas[n % 2].app.test_client()
        return client.post(URL, environ_base={"REMOTE_ADDR": "203.0.113.9"}, json={
            "channel": "web", "category": "other", "content": f"Kiến nghị đồng thời số {n} về giờ làm việc.",
            "anonymous": True}).status_code

    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(pool.map(post, range(16)))

    assert sorted(statuses) == [201] * 5 + [429] * 11


def test_open311_keys_count_only_when_registered(start_service, clock):
    svc = start_service("feedback", workers=False, rules={
        "feedback_rate_limit": {"per_minute": 6, "burst": 2},
        "open311_api_keys": {"k-hanoi-smart-city-7f3a": "Hanoi Smart City"}})

    def post(n, api_key=None):
        data = {"service_code": "other", "description": f"Kiến nghị số {n} về giờ làm việc."}
        if api_key:
            data["api_key"] = api_key
        return svc.client.post(f"{O311}/requests.json", data=data, environ_base={"REMOTE_ADDR": "203.0.113.5"})

    # Invented keys are the address's own allowance: a new key per request buys nothing.
    invented = [post(n, api_key=f"made-up-{n}").status_code for n in range(3)]
    registered = [post(n, api_key="k-hanoi-smart-city-7f3a").status_code for n in range(3, 6)]
    with svc.runtime.engine.connect() as conn:
        clients = sorted(conn.exec_driver_sql("SELECT client FROM client_allowance").scalars())

    assert invented == [201, 201, 429]
    assert registered == [201, 201, 429]
    assert clients == ["203.0.113.5", "open311:Hanoi Smart City"]  # the key itself is not stored


def test_the_sweep_forgets_buckets_that_are_full_again(start_service, clock):
    from services.feedback.use_cases import intake

    svc = start_service("feedback", workers=False, rules={"feedback_rate_limit": {"per_minute": 6, "burst": 3}})
    svc.client.post(URL, environ_base={"REMOTE_ADDR": "203.0.113.5"}, json=feedback())
    clock.advance(seconds=29)
    kept = intake.forget_full_allowances(svc.runtime.uow())
    clock.advance(seconds=2)
    forgotten = intake.forget_full_allowances(svc.runtime.uow())

    assert (kept, forgotten) == (0, 1)
    assert svc.scalar("SELECT count(*) FROM client_allowance") == 0
