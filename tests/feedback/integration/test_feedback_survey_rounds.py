"""The monthly satisfaction survey (the Hà Nội chairman's 2022 directive on administrative discipline, item 1):
one round per unit and month, sampling the month's returned dossiers (learned from `dossier.returned`) and
inviting their citizens through one-time rating tokens marked with the round."""

import json
import threading
import uuid
from datetime import datetime, timedelta, timezone

from conftest import publish, wait_until
from sqlalchemy import text

from services.feedback.use_cases import survey
from shared.events.envelope import Event

HANOI = timezone(timedelta(hours=7))
API = "/feedback/api/v1"
SAMPLE = {"share": 0.5, "minimum": 2, "maximum": 10}


def returned(broker, code, unit, at):
    data = {"code": code, "unit": unit, "procedure_code": "1.001234", "at": at.isoformat()}
    publish(broker, Event(type="dossier.returned", source="/kycuong/test/dossiers", subject=code, data=data,
                          unit=unit, id=str(uuid.uuid4())).to_json(), "dossier.returned")


def events(svc, type_) -> list[dict]:
    with svc.runtime.engine.connect() as conn:
        bodies = [json.loads(r[0]) for r in conn.execute(text("SELECT body FROM outbox ORDER BY id"))]
    return [e for e in bodies if e["type"] == type_]


def open_round(svc, unit, roles=("head",), **body):
    return svc.client.post(f"{API}/survey-rounds", json={"unit": unit, **body},
                           headers=svc.headers(unit=unit, roles=roles))


def test_a_units_monthly_round_invites_a_sample_of_its_returned_dossiers(start_service, memory_broker):
    """Each month the unit measures the satisfaction of the citizens it served: a sample of the month's
    returned dossiers (local policy: here half, at least 2) is invited through rating tokens; one already
    given a token at the desk was invited already. Once per unit and month."""
    svc = start_service("feedback", rules={"survey_sample": SAMPLE})
    for n in range(1, 7):
        returned(memory_broker, f"HS-10-{n}", "W00070", datetime(2026, 10, 5 + n, 10, tzinfo=HANOI))
    returned(memory_broker, "HS-11-1", "W00070", datetime(2026, 11, 2, 10, tzinfo=HANOI))
    returned(memory_broker, "HS-SXD-1", "HN-SXD", datetime(2026, 10, 9, 10, tzinfo=HANOI))
    wait_until(lambda: svc.scalar("SELECT count(*) FROM returned_dossiers") == 8, message="the returns arrive")
    desk = svc.client.post(f"{API}/rating-tokens", headers=svc.headers(unit="W00070", roles=("officer",)),
                           json={"subject_type": "dossier", "subject": "HS-10-1", "unit": "W00070"})

    officer = open_round(svc, "W00070", roles=("officer",), period="2026-10")
    unfinished = open_round(svc, "W00070", period="2026-11")
    opened = open_round(svc, "W00070", period="2026-10")
    again = open_round(svc, "W00070", period="2026-10")

    assert desk.status_code == 201
    assert officer.status_code == 403
    assert unfinished.status_code == 422 and "period" in unfinished.get_json()["errors"]
    assert opened.status_code == 201, opened.get_json()
    assert again.status_code == 409
    body = opened.get_json()
    assert (body["period"], body["returned"], body["invited"]) == ("2026-10", 6, 3)
    assert body["sample_rule"]["share"] == 0.5 and "địa phương" in body["sample_rule"]["source"]
    invited = [i["dossier"] for i in body["invitations"]]
    assert len(invited) == 3 and "HS-10-1" not in invited and set(invited) <= {f"HS-10-{n}" for n in range(2, 7)}
    event, = events(svc, "survey.round_opened")
    assert event["data"] == {"code": body["code"], "unit": "W00070", "period": "2026-10",
                             "opened_at": "2026-11-16T09:00:00+07:00", "returned": 6, "invited": 3}

    token = body["invitations"][0]["token"]
    rated = svc.client.post(f"{API}/ratings", json={"token": token, "overall": 5, "factors": {"officials": 5}})
    assert rated.status_code == 201
    rating, = events(svc, "rating.submitted")
    assert rating["data"]["survey_round"] == body["code"]
    status = svc.client.get(f"{API}/survey-rounds/{body['code']}",
                            headers=svc.headers(unit="W00070", roles=("office",))).get_json()
    assert status["rated"] == 1
    assert [i["token"] for i in status["invitations"] if i["dossier"] == body["invitations"][0]["dossier"]] == [None]


def test_the_monthly_sweep_opens_last_months_round_once_per_unit(start_service, memory_broker, clock):
    """Opening a round is also a monthly sweep: once per unit with returned dossiers and month, whichever
    replica runs it, and never for a unit whose round the unit opened itself."""
    svc = start_service("feedback", rules={"survey_sample": SAMPLE})
    returned(memory_broker, "HS-A", "W00070", datetime(2026, 11, 3, 10, tzinfo=HANOI))
    returned(memory_broker, "HS-B", "HN-SXD", datetime(2026, 11, 4, 10, tzinfo=HANOI))
    returned(memory_broker, "HS-C", "HN-STP", datetime(2026, 10, 4, 10, tzinfo=HANOI))
    wait_until(lambda: svc.scalar("SELECT count(*) FROM returned_dossiers") == 3, message="the returns arrive")

    before_month_end = survey.open_due_rounds(svc.runtime.uow())[0]  # November's round waits for December
    clock.advance(days=16)  # Wednesday 2 December
    assert open_round(svc, "HN-SXD").status_code == 201  # the previous month by default
    first = survey.open_due_rounds(svc.runtime.uow())[0]
    second = survey.open_due_rounds(svc.runtime.uow())[0]

    assert (before_month_end, first, second) == (1, 1, 0)  # October's HN-STP, then November's W00070
    rounds = sorted((e["data"]["unit"], e["data"]["period"]) for e in events(svc, "survey.round_opened"))
    assert rounds == [("HN-STP", "2026-10"), ("HN-SXD", "2026-11"), ("W00070", "2026-11")]


def test_the_survey_sweep_runs_with_the_workers(start_service, memory_broker):
    """Nobody has to press a button: the service's workers open last month's round by themselves."""
    svc = start_service("feedback", sweeps=True)
    returned(memory_broker, "HS-OCT", "W00004", datetime(2026, 10, 20, 10, tzinfo=HANOI))

    opened = wait_until(lambda: events(svc, "survey.round_opened"), message="the survey sweep opens October")

    assert [(e["data"]["unit"], e["data"]["period"], e["data"]["invited"]) for e in opened] == \
        [("W00004", "2026-10", 1)]


def test_two_replicas_on_postgresql_open_each_units_round_once(start_service, pg_database, memory_broker, clock):
    """Once per unit and month, also with several worker replicas sweeping at the same time."""
    svc = start_service("feedback", database_url=pg_database("feedback"))
    for n, unit in enumerate(("W00070", "W00004", "W00073", "HN-SXD", "HN-STP")):
        returned(memory_broker, f"HS-PG-{n}", unit, datetime(2026, 10, 12 + n, 10, tzinfo=HANOI))
        returned(memory_broker, f"HS-PG-{n}b", unit, datetime(2026, 10, 12 + n, 15, tzinfo=HANOI))
    wait_until(lambda: svc.scalar("SELECT count(*) FROM returned_months") == 5, message="the returns arrive")

    barrier = threading.Barrier(2)

    def sweeper():
        barrier.wait()
        survey.open_due_rounds(svc.runtime.uow(), limit=2)

    threads = [threading.Thread(target=sweeper) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    while survey.open_due_rounds(svc.runtime.uow(), limit=2)[1]:
        pass

    units = sorted(e["data"]["unit"] for e in events(svc, "survey.round_opened"))
    assert units == ["HN-STP", "HN-SXD", "W00004", "W00070", "W00073"]
    assert svc.scalar("SELECT count(*) FROM rating_tokens WHERE survey_round IS NOT NULL") == 10
