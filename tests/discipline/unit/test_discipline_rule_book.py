"""The rules file is read once per process and path, not on every late fact; a broken one is not kept."""

import json
from types import SimpleNamespace

import pytest

from services.discipline.domain.rules import RulesError
from services.discipline.use_cases import rule_book

SET = {"version": "T-1", "effective_from": "2025-07-01", "legal_basis": "Nghị định 172/2025/NĐ-CP",
       "rules": [{"id": "r", "applies_to": "official", "threshold": 2, "window_days": 7, "form": "khien_trach"}]}


@pytest.fixture(autouse=True)
def fresh():
    rule_book.reload_rule_books()
    yield
    rule_book.reload_rule_books()


def test_the_file_is_read_once_and_again_only_when_reloaded(tmp_path):
    path = tmp_path / "rules.json"
    path.write_text(json.dumps([SET]), encoding="utf-8")
    settings = SimpleNamespace(rules={"sanction_rules_path": str(path)})
    book = rule_book.rule_book(settings)
    path.write_text(json.dumps([{**SET, "version": "T-2"}]), encoding="utf-8")
    assert rule_book.rule_book(settings) is book
    rule_book.reload_rule_books()
    assert [s.version for s in rule_book.rule_book(settings).rule_sets] == ["T-2"]


def test_a_broken_file_is_refused_each_time_until_it_is_fixed(tmp_path):
    path = tmp_path / "rules.json"
    path.write_text("[", encoding="utf-8")
    settings = SimpleNamespace(rules={"sanction_rules_path": str(path)})
    with pytest.raises(RulesError, match="not valid JSON"):
        rule_book.rule_book(settings)
    path.write_text(json.dumps([SET]), encoding="utf-8")
    assert [s.version for s in rule_book.rule_book(settings).rule_sets] == ["T-1"]


def test_the_shipped_file_serves_settings_that_name_none():
    assert rule_book.rule_book(SimpleNamespace(rules={})).source == str(rule_book.SHIPPED_RULES)
