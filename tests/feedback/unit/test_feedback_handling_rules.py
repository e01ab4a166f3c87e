"""Stage deadlines, Open311 statuses, duplicates, rate-limit arithmetic, file types and ratings."""

from datetime import datetime, timedelta, timezone

import pytest

from services.feedback import domain
from shared.calendar import WorkingCalendar
from shared.errors import InvalidInput

HANOI = timezone(timedelta(hours=7))
MONDAY = datetime(2026, 11, 16, 9, 0, tzinfo=HANOI)


@pytest.mark.parametrize("stage, due, remind", [
    ("refuse", datetime(2026, 11, 18, 9, 0, tzinfo=HANOI), datetime(2026, 11, 17, 9, 0, tzinfo=HANOI)),
    ("send_back", datetime(2026, 11, 18, 9, 0, tzinfo=HANOI), datetime(2026, 11, 17, 9, 0, tzinfo=HANOI)),
    ("forward", datetime(2026, 11, 18, 9, 0, tzinfo=HANOI), datetime(2026, 11, 17, 9, 0, tzinfo=HANOI)),
    ("clarify", datetime(2026, 11, 23, 9, 0, tzinfo=HANOI), datetime(2026, 11, 20, 9, 0, tzinfo=HANOI)),
    ("answer", datetime(2026, 12, 7, 9, 0, tzinfo=HANOI), datetime(2026, 12, 4, 9, 0, tzinfo=HANOI)),
    ("publish", datetime(2026, 11, 18, 9, 0, tzinfo=HANOI), datetime(2026, 11, 17, 9, 0, tzinfo=HANOI)),
])
def test_each_stage_runs_its_legal_working_days_and_reminds_one_working_day_before(stage, due, remind):
    """Decree 20/2008/ND-CP as amended; the national portal's method for Decision 766/QD-TTg, indicator
    5.2: refuse, send back or forward within 2 working days, ask for more within 5, answer within 15,
    publish within 2 (forward was 5 here before the correction)."""
    assert domain.stage_deadline(WorkingCalendar(), MONDAY, stage, 1) == (due, remind)


def test_the_limits_in_force_state_their_source_and_cover_every_stage():
    """Each limit is a dated rule with its legal source (Decree 20/2008/ND-CP as amended; Decision
    766/QD-TTg, indicator 5.2), chosen by the day a stage starts."""
    from datetime import date

    from shared.events.vocabulary import FEEDBACK_STAGES

    limits = domain.limits_on(date(2026, 11, 16))
    assert set(limits.days) == set(FEEDBACK_STAGES)
    assert "20/2008/NĐ-CP" in limits.source and "5.2" in limits.source
    assert domain.limits_on(date(2020, 1, 1)) == domain.HANDLING_LIMITS[0]


def test_a_clock_that_waited_for_the_reporter_resumes_with_the_working_time_it_had_left():
    """The answer's 15 working days wait while the reporter is asked for more (the portal's rule): the
    time left at the question runs again from the reply; a deadline already passed stays passed."""
    calendar = WorkingCalendar()
    due = datetime(2026, 12, 7, 9, 0, tzinfo=HANOI)
    paused = datetime(2026, 11, 18, 9, 0, tzinfo=HANOI)  # 13 working days left
    resumed = datetime(2026, 11, 25, 9, 0, tzinfo=HANOI)
    assert domain.resumed_deadline(calendar, paused, due, resumed) == datetime(2026, 12, 14, 9, 0, tzinfo=HANOI)
    late = datetime(2026, 12, 8, 9, 0, tzinfo=HANOI)
    assert domain.resumed_deadline(calendar, late, due, datetime(2026, 12, 10, 9, 0, tzinfo=HANOI)) == due


def test_the_reminder_never_falls_before_the_stage_starts():
    _, remind = domain.stage_deadline(WorkingCalendar(), MONDAY, "refuse", 5)
    assert remind == MONDAY


@pytest.mark.parametrize("status, open311", [("received", "open"), ("forwarded", "open"),
                                             ("in_progress", "open"), ("answered", "open"),
                                             ("refused", "closed"), ("published", "closed")])
def test_statuses_map_to_open311(status, open311):
    assert domain.open311_status(status) == open311


def test_open311_notes_carry_the_reason_or_the_published_answer_in_vietnamese():
    assert domain.open311_notes("refused", "Không thuộc thẩm quyền") == "Không tiếp nhận: Không thuộc thẩm quyền"
    assert domain.open311_notes("published", answer="Đã trả hồ sơ") == \
        "Đã công khai kết quả. Kết quả: Đã trả hồ sơ"
    assert domain.open311_notes("answered", answer="bản nháp") == "Đã có kết quả xử lý"


def test_duplicates_ignore_case_spacing_and_punctuation_but_not_the_unit_or_sender():
    a = domain.duplicate_fingerprint("Hồ sơ  quá hạn, chưa trả!", "SO-XD", "client:1.2.3.4")
    assert a == domain.duplicate_fingerprint("hồ sơ quá hạn chưa trả", "SO-XD", "client:1.2.3.4")
    assert a != domain.duplicate_fingerprint("hồ sơ quá hạn chưa trả", "SO-TC", "client:1.2.3.4")
    assert a != domain.duplicate_fingerprint("hồ sơ quá hạn chưa trả", "SO-XD", "client:5.6.7.8")


def test_the_token_bucket_allows_the_burst_then_refills_at_the_rate():
    bucket = domain.TokenBucket.full(per_minute=10, burst=3, now=0.0)
    assert [bucket.take(0.0) for _ in range(3)] == [0, 0, 0]
    assert bucket.take(0.0) == 6  # one token every 6 seconds
    assert bucket.take(3.0) == 3
    assert bucket.take(6.0) == 0
    assert bucket.take(600.0) == 0 and bucket.tokens == 2  # refills up to the burst, not beyond



def test_control_characters_are_stripped_but_markup_and_line_breaks_kept():
    assert domain.clean_text("a\x00b\u202ec\nd <b>") == "abc\nd <b>"


def test_a_rating_needs_a_score_from_1_to_5_and_known_sipas_factors():
    good = domain.check_rating(overall=4, factors={"access": 5, "feedback_handling": 3})
    assert good.overall == 4 and good.factors == {"access": 5, "feedback_handling": 3}
    with pytest.raises(InvalidInput) as caught:
        domain.check_rating(overall=6, factors={"speed": 3, "officials": 0})
    assert set(caught.value.errors) == {"overall", "factors"}
    assert set(caught.value.errors["factors"]) == {"speed", "officials"}
    with pytest.raises(InvalidInput):
        domain.check_rating(overall=True)


def test_a_misconduct_report_needs_its_kind_and_the_unit():
    data = {"channel": "web", "category": "misconduct", "content": "Cán bộ đòi tiền mới nhận hồ sơ",
            "anonymous": True}
    with pytest.raises(InvalidInput) as caught:
        domain.check_submission(domain.FeedbackForm(**data), received_at=MONDAY, now=MONDAY)
    assert {"misconduct_kind", "unit"} <= set(caught.value.errors)
    ok = domain.check_submission(domain.FeedbackForm(**data, misconduct_kind="extortion", unit="SO-XD"),
                                 received_at=MONDAY, now=MONDAY)
    assert ok.misconduct_kind == "extortion"


def test_the_feedback_rating_token_is_stable_per_code_and_secret():
    token = domain.feedback_rating_token("s", "PA-202611-AAAAAA")
    assert token == domain.feedback_rating_token("s", "PA-202611-AAAAAA")
    assert token != domain.feedback_rating_token("other", "PA-202611-AAAAAA")
    assert domain.token_digest(token) != token
