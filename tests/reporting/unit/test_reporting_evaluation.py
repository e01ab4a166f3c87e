"""The proposed quarterly level of a head (seed 003 II.2.đ): local thresholds, a violation's cap, and the cap
of a disciplinary decision in the year (Decree 90/2020/ND-CP as amended by Decree 48/2023/ND-CP)."""

from datetime import date
from decimal import Decimal

import pytest

from services.reporting.domain.evaluation import HeadFigures, evaluation_rules_for, propose_level

RULES = evaluation_rules_for(date(2026, 10, 1))


def figures(progress="1", satisfaction="1", tasks=None, feedback=None, **own):
    share = lambda value: None if value is None else Decimal(value)  # noqa: E731
    return HeadFigures(share(progress), share(satisfaction), share(tasks), share(feedback), **own)


@pytest.mark.parametrize(("lowest", "level"), [("0.95", "excellent"), ("0.9499", "good"), ("0.80", "good"),
                                               ("0.7999", "completed"), ("0.50", "completed"),
                                               ("0.4999", "not_completed")])
def test_reporting_the_proposed_level_follows_the_lowest_measured_share(lowest, level):
    """Local policy (no law sets the thresholds): 95% excellent, 80% good, 50% completed, below not completed;
    the lowest measured share decides, figures without data are left out and said so."""
    proposed = propose_level(figures(progress="1", satisfaction=lowest, tasks="0.99"), RULES)
    assert proposed["level"] == level
    assert any("phản ánh" in reason["vi"] for reason in proposed["reasons"])  # no feedback figure: said so


def test_reporting_a_heads_violation_in_the_quarter_caps_the_proposal_at_completed():
    proposed = propose_level(figures(explanations_missed=1), RULES)
    assert proposed["level"] == "completed"


def test_reporting_a_disciplinary_decision_in_the_year_makes_the_proposal_not_completed():
    """Decree 90/2020/ND-CP as amended by Decree 48/2023/ND-CP: disciplined in the year → did not complete tasks,
    whatever the figures."""
    proposed = propose_level(figures(decisions_in_year=1), RULES)
    assert proposed["level"] == "not_completed"
    assert proposed["label"]["vi"] == "Không hoàn thành nhiệm vụ"
    assert "48/2023" in proposed["reasons"][-1]["vi"]


def test_reporting_no_level_is_proposed_without_any_figure():
    assert propose_level(figures(progress=None, satisfaction=None), RULES)["level"] is None


def test_reporting_the_evaluation_rules_cite_their_source_and_version():
    rules = RULES.as_dict()
    assert "local policy" in rules["source"] and rules["version"] and "48/2023" in rules["cap_source"]
