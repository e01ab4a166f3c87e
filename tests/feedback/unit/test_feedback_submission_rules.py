"""The rules a citizen's feedback must meet before it gets a tracking code, and who may read what."""

import unicodedata
from datetime import datetime, timedelta, timezone

import pytest

from services.feedback import domain
from shared.errors import InvalidInput

HANOI = timezone(timedelta(hours=7))
NOW = datetime(2026, 11, 16, 9, 0, tzinfo=HANOI)
CONTENT = "Hồ sơ đăng ký kinh doanh nộp từ ngày 02/11 đến nay chưa có kết quả."


def submit(received_at=NOW, **fields):
    data = {"channel": "web", "category": "delay", "content": CONTENT, "reporter": {"phone": "0912345678"}}
    data.update(fields)
    return domain.check_submission(form(**data), received_at=received_at, now=NOW)


def form(reporter=None, **fields):
    return domain.FeedbackForm(**fields, reporter=None if reporter is None else domain.ReporterForm(**reporter))


def errors_of(**fields) -> dict:
    with pytest.raises(InvalidInput) as caught:
        submit(**fields)
    return caught.value.errors


@pytest.mark.parametrize("channel",
                         ["web", "hotline", "sms", "email", "post", "press", "in_person", "desk_survey"])
def test_every_channel_of_the_decree_is_accepted(channel):
    assert submit(channel=channel).channel == channel


@pytest.mark.parametrize("channel", ["fax", "Web", "", None, ["web"]])
def test_a_channel_outside_the_list_is_refused_with_the_choices(channel):
    errors = errors_of(channel=channel)
    assert list(errors) == ["channel"]
    assert "hotline" in errors["channel"][0]


def test_an_unknown_category_is_refused():
    assert list(errors_of(category="weather")) == ["category"]


def test_every_category_and_status_has_a_vietnamese_label():
    for vocabulary in (domain.CATEGORIES, domain.CHANNELS, domain.STATUSES):
        assert all(label and label[0].isupper() for label in vocabulary.values())
    assert domain.CATEGORIES["misconduct"] == "Nhũng nhiễu, sách nhiễu, gây phiền hà"


def test_content_must_be_between_10_and_5000_characters_after_trimming():
    assert "content" in errors_of(content="   quá chậm   ")  # 8 characters once trimmed
    assert "content" in errors_of(content="x" * 5001)
    assert submit(content="x" * 5000).content == "x" * 5000
    assert submit(content="  Chậm trễ!!  ").content == "Chậm trễ!!"


def test_vietnamese_typed_with_combining_marks_counts_letters_not_code_points():
    # "Đường xấu." is 10 letters; typed decomposed (NFD) it is 14 code points. Either way it is accepted
    # and stored in the composed form, so searches and length limits see the same text.
    decomposed = unicodedata.normalize("NFD", "Đường xấu.")
    assert len(decomposed) > 10
    assert submit(content=decomposed).content == "Đường xấu."
    assert "content" in errors_of(content=unicodedata.normalize("NFD", "Đường xấu"))  # 9 letters


def test_without_anonymity_a_phone_or_an_email_is_required_to_send_the_answer_back():
    assert "reporter" in errors_of(reporter=None)
    assert "reporter" in errors_of(reporter={"name": "Trần Thị B", "address": "12 Hàng Bài, Hoàn Kiếm"})
    assert "reporter" in errors_of(reporter={"phone": "   ", "email": ""})
    assert submit(reporter={"email": "tran.b@example.vn"}).reporter.email == "tran.b@example.vn"
    assert submit(reporter={"phone": "024 3825 1234"}).reporter.phone == "024 3825 1234"


@pytest.mark.parametrize("contact, field", [
    ({"phone": "12345"}, "phone"),
    ({"phone": "0912-abc-678"}, "phone"),
    ({"email": "tran.b@"}, "email"),
    ({"email": "tran b@example.vn"}, "email"),
])
def test_a_malformed_contact_is_named(contact, field):
    assert field in errors_of(reporter=contact)["reporter"]


def test_an_anonymous_submission_keeps_no_reporter_even_when_one_is_sent():
    submission = submit(anonymous=True, reporter={"name": "Lê Văn C", "phone": "0987654321",
                                                 "email": "c@example.vn", "address": "Số 5 Tràng Thi"})
    assert submission.anonymous is True
    assert submission.reporter is None


def test_an_anonymous_submission_needs_no_contact():
    assert submit(anonymous=True, reporter=None).reporter is None


def test_every_problem_is_reported_at_once():
    errors = errors_of(channel="fax", category="?", content="ngắn", reporter={})
    assert set(errors) == {"channel", "category", "content", "reporter"}


def test_blank_references_are_absent_and_overlong_codes_refused():
    submission = submit(unit="  ", official="", dossier_code=None)
    assert (submission.unit, submission.official, submission.dossier_code) == (None, None, None)
    assert "unit" in errors_of(unit="U" * 65)


def test_feedback_cannot_be_received_in_the_future():
    assert "received_at" in errors_of(received_at=NOW + timedelta(minutes=1))
    assert submit(received_at=NOW - timedelta(days=3)).received_at == NOW - timedelta(days=3)


def test_tracking_codes_are_accepted_as_people_retype_them():
    assert domain.normalise_code(" pa-202611-abc234 ") == "PA-202611-ABC234"


@pytest.mark.parametrize("roles, in_unit, content, contact", [
    ({"officer"}, True, True, False),
    ({"head"}, True, True, False),
    ({"inspector"}, True, True, False),
    ({"office"}, True, True, True),
    ({"admin"}, True, True, True),
    ({"officer"}, False, False, False),
    ({"office"}, False, False, False),
])
def test_content_goes_to_the_unit_concerned_and_contact_only_to_the_office(roles, in_unit, content, contact):
    shown = domain.disclosure(roles, can_access_unit=in_unit)
    assert shown == domain.Disclosure(content=content, contact=contact)


def test_only_registered_open311_keys_have_their_own_allowance():
    from services.feedback.domain import codes

    registered = {"k-hanoi-smart-city-7f3a": "Hanoi Smart City"}
    assert codes.open311_client("k-hanoi-smart-city-7f3a", registered, "203.0.113.5") == "open311:Hanoi Smart City"
    assert codes.open311_client("k-invented", registered, "203.0.113.5") == "203.0.113.5"
    assert codes.open311_client(None, registered, "203.0.113.5") == "203.0.113.5"


def test_codes_follow_the_directorys_pattern():
    from services.feedback.domain import codes

    assert codes.pattern_error("000.00.20.H26") is None and codes.pattern_error("SO-XD") is None
    assert all(codes.pattern_error(bad) for bad in ("SO XD", "-SO", "a/b", "x" * 65, "SỞ-XD", "=1+1"))


def test_contact_details_typed_into_a_report_are_hidden_before_it_is_published():
    from services.feedback.domain.redaction import redact_contacts

    typed = ("Gọi tôi 0912 345 678, 0912.345.678 hay +84 912 345 678; máy bàn 024 3825 3536; thư binh.tran@gmail.com;"
             " CCCD 001234567890. Hồ sơ HS-202611-000123 nộp ngày 16/11/2026, lệ phí 1.500.000 đồng, thủ tục 1.013225.")
    assert redact_contacts(typed) == (
        "Gọi tôi [đã ẩn], [đã ẩn] hay [đã ẩn]; máy bàn [đã ẩn]; thư [đã ẩn]; CCCD [đã ẩn]. Hồ sơ HS-202611-000123 "
        "nộp ngày 16/11/2026, lệ phí 1.500.000 đồng, thủ tục 1.013225.")
    assert redact_contacts(None) is None and redact_contacts("") == ""
