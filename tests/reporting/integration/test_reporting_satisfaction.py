"""Citizens' ratings reach the unit's scorecard, once each."""

from datetime import datetime, timedelta, timezone

from conftest import publish, wait_until

from shared.events.envelope import Event

HANOI = timezone(timedelta(hours=7))


def rating(code, overall, unit="HN-SXD", when=datetime(2026, 11, 10, 10, 0, tzinfo=HANOI)):
    data = {"code": code, "subject_type": "dossier", "subject": f"HS-{code}", "unit": unit, "overall": overall,
            "factors": {"officials": overall, "result": 5}, "submitted_at": when.isoformat()}
    return Event(type="rating.submitted", source="/kycuong/test/feedback", subject=code, data=data, unit=unit,
                 time=when).to_json()


def test_ratings_give_the_units_satisfaction_in_its_scorecard(start_service, memory_broker):
    svc = start_service("reporting")
    bodies = [rating("DG-1", 5), rating("DG-2", 4), rating("DG-3", 2), rating("DG-4", 1, unit="W00070")]
    for body in bodies + [bodies[0]]:  # the first delivered twice
        publish(memory_broker, body, "rating.submitted")
    wait_until(lambda: svc.scalar("SELECT count(*) FROM inbox") == 4, message="four ratings consumed")

    card = svc.client.get("/reporting/api/v1/units/HN-SXD/scorecard?period=2026-11").get_json()
    assert card["satisfaction"]["ratings"] == 3
    assert card["satisfaction"]["average"] == round(11 / 3, 2)
    assert card["satisfaction"]["satisfied_share"] == round(2 / 3, 4)
    assert "hài lòng" in card["satisfaction"]["formula"]["vi"]
    october = svc.client.get("/reporting/api/v1/units/HN-SXD/scorecard?period=2026-10").get_json()
    assert october["satisfaction"] == {**october["satisfaction"], "ratings": 0, "average": None}
