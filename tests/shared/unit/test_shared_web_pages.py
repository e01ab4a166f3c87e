"""What every page writes the same way: Vietnam's numbers and dates, the remaining-time badge, a page's own
texts in the reader's language. No database."""

from datetime import UTC, datetime

from flask import Flask

from shared.web import pages

APP = Flask("test")


def test_numbers_and_instants_are_written_the_vietnamese_way():
    assert pages.vn_number(1234567) == "1.234.567"
    assert pages.vn_number(14.2857, 2) == "14,29"
    assert pages.vn_number(None) == "—"
    assert pages.vn_datetime(datetime(2026, 12, 1, 3, 44, tzinfo=UTC)) == "01/12/2026 10:44"


def test_the_badge_says_how_late_or_how_much_time_is_left():
    with APP.test_request_context("/"):
        assert pages.remaining_badge("-1.5") == "Quá hạn 1,50 ngày"
        assert pages.remaining_badge("-0.001") == "Vừa quá hạn"  # minutes late is late, not "0,00 days"
        assert pages.remaining_badge("0.5") == "Sắp đến hạn: còn 0,50 ngày"
        assert pages.remaining_badge("3") == "Còn 3,00 ngày"
        assert [pages.urgency(d) for d in ("-1", "0", "1", "1.01")] == ["overdue", "overdue", "due_soon", "on_track"]
    with APP.test_request_context("/?lang=en"):
        assert pages.remaining_badge("-2") == "Overdue by 2,00 days"


def test_a_pages_own_texts_answer_in_the_readers_language():
    say = pages.words({"title": ("Tra cứu hồ sơ {code}", "Look up dossier {code}")})
    with APP.test_request_context("/"):
        assert say("title", code="HS-1") == "Tra cứu hồ sơ HS-1"
    with APP.test_request_context("/?lang=en"):
        assert say("title", code="HS-1") == "Look up dossier HS-1"
