"""A citizen's misconduct report, as the feedback service announces it, opens a verification once."""

import uuid
from datetime import datetime, timedelta, timezone

from conftest import publish, wait_until

from shared.events.envelope import Event

HANOI = timezone(timedelta(hours=7))


def misconduct(code, *, official="CB-W070-11", event_id=None):
    data = {"code": code, "kind": "extortion", "unit": "W00070", "official": official,
            "dossier_code": "HS-DEMO-0001", "received_at": datetime(2026, 11, 16, 8, 30, tzinfo=HANOI).isoformat()}
    return Event(type="misconduct.reported", source="/kycuong/test/feedback", subject=code, data=data, unit="W00070",
                 id=event_id or str(uuid.uuid4())).to_json()


def test_a_misconduct_report_opens_one_verification_visible_to_inspectors_and_the_unit_head(start_service,
                                                                                          memory_broker):
    svc = start_service("discipline")
    publish(memory_broker, misconduct("PA-202611-AAAAAA"), "misconduct.reported")
    publish(memory_broker, misconduct("PA-202611-AAAAAA"), "misconduct.reported")  # resent under a new id

    def listed(headers, **query):
        r = svc.client.get("/discipline/api/v1/verifications", query_string=query, headers=headers)
        assert r.status_code == 200, r.json
        return r.json

    page = wait_until(lambda: (p := listed(svc.headers(roles=["inspector"])))["total"] and p,
                      message="a verification")
    wait_until(lambda: svc.scalar("SELECT count(*) FROM inbox") == 2, message="both deliveries consumed")
    assert listed(svc.headers(roles=["inspector"]))["total"] == 1
    item = page["items"][0]
    assert (item["subject"], item["kind"], item["unit"], item["official"], item["status"]) == (
        "PA-202611-AAAAAA", "extortion", "W00070", "CB-W070-11", "open")
    assert item["kind_label"] == "Vòi vĩnh, đòi hỏi lợi ích"
    # Monday 16/11 09:00 (the clock) + 10 working days = Monday 30/11 09:00 (24/11, Ngày Văn hóa Việt Nam,
    # is a day off only when the operator switches it on)
    assert datetime.fromisoformat(item["due_at"]) == datetime(2026, 11, 30, 9, 0, tzinfo=HANOI)
    # An officer of another unit sees none of it.
    assert listed(svc.headers(sub="cb-x", unit="W00004", roles=["officer"]))["total"] == 0
