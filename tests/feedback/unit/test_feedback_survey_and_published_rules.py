"""The survey's sample size and draw, the months it may cover; the checks of published content."""

from datetime import date

import pytest

from services.feedback.domain import published, survey
from shared.errors import InvalidInput


@pytest.mark.parametrize("returned, size", [(0, 0), (12, 12), (30, 30), (500, 50), (9000, 400)])
def test_the_sample_is_a_share_of_the_returned_dossiers_within_its_minimum_and_maximum(returned, size):
    """The sample size is local policy (no national number; seed 000 asks for a monthly survey): by default
    10% of the month's returned dossiers, at least 30 (all when fewer), at most 400."""
    assert survey.SampleRule().size(returned) == size


def test_the_draw_is_the_same_for_the_same_round_and_differs_between_rounds():
    """The sample is drawn by a keyed hash: reproducible for checking, not chosen by anyone."""
    codes = [f"HS-{n}" for n in range(100)]
    first = survey.sample(codes, 10, "KS-202611-AAAAAA")
    assert first == survey.sample(list(reversed(codes)), 10, "KS-202611-AAAAAA")
    assert first != survey.sample(codes, 10, "KS-202611-BBBBBB")
    assert len(set(first)) == 10


def test_a_round_covers_a_finished_month_the_previous_one_by_default():
    today = date(2026, 1, 5)
    assert survey.check_period(None, today) == "2025-12"
    assert survey.check_period("2025-11", today) == "2025-11"
    for wrong in ("2026-01", "2026-13", "2026/01", 202512):
        with pytest.raises(InvalidInput) as caught:
            survey.check_period(wrong, today)
        assert "period" in caught.value.errors
    assert survey.month_bounds("2025-12") == (date(2025, 12, 1), date(2026, 1, 1))


def test_a_wrong_sample_setting_fails_loudly():
    with pytest.raises(ValueError):
        survey.sample_rule({"share": 0, "minimum": 1, "maximum": 2})
    assert survey.sample_rule({"minimum": 5}).minimum == 5


def test_the_default_service_rules_are_the_ten_of_the_plan_word_for_word():
    """Kế hoạch 69/KH-UBND of Hà Nội (20/3/2017), II.3.e: ten requirements posted at every desk."""
    content = published.check_service_rules(None, True, None)
    assert len(content.items) == 10 and content.items[6] == "Khách chờ, được xin lỗi."
    assert "II.3.e" in content.source


def test_a_hotline_needs_a_position_and_a_work_number():
    with pytest.raises(InvalidInput) as caught:
        published.check_hotlines([{"phone": "123"}])
    assert set(caught.value.errors["lines"]["0"]) == {"position", "phone"}
    ok = published.check_hotlines([{"position": "Chủ tịch UBND phường", "phone": "1900 1234"}])
    assert ok.items[0].phone == "1900 1234" and "1.b" in ok.source
