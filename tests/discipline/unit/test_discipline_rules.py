"""The shipped rule sets (Decrees 112/2020, 172/2025, 234/2026) at their edges: which set judges a fact by its
date and the official's category, the forms each allows by category and post, repeat escalation up the
ladder, the limitation period and the procedure's checks. Expected values are worked out by hand from the
rules file and the decrees they cite."""

import json
from datetime import date, datetime, timedelta, timezone

import pytest

from services.discipline.domain import procedure, rules, sanctions
from services.discipline.use_cases.rule_book import SHIPPED_RULES

HANOI = timezone(timedelta(hours=7))
BOOK = rules.parse_rule_book(json.loads(SHIPPED_RULES.read_text(encoding="utf-8")))
ND112, ND172, ND234 = "ND112-2020/local-0", "ND172-2025/local-1", "ND234-2026/local-1"


def in_force(day, category):
    return BOOK.in_force(day, category)


@pytest.mark.parametrize("category", ["can_bo", "cong_chuc"])
def test_cadres_and_civil_servants_change_from_decree_112_to_172_on_1_july_2025(category):
    assert in_force(date(2025, 6, 30), category).version == ND112
    assert in_force(date(2025, 7, 1), category).version == ND172
    assert "172/2025" in in_force(date(2025, 7, 1), category).legal_basis


def test_public_employees_keep_decree_112_as_amended_until_the_unverified_234_set_is_confirmed():
    """The set named Decree 234/2026 cannot be checked against a published text: it is shipped unverified
    and never chosen by default, so viên chức stay under Decree 112/2020 as amended by Decree 71/2023;
    once an operator confirms it, it judges their facts from 1/7/2026."""
    unverified = BOOK.by_version(ND234)
    assert unverified.verified is False and "Nghị định 112/2020" in unverified.verification_note
    assert in_force(date(2026, 6, 30), "vien_chuc").version == ND112
    assert in_force(date(2026, 7, 1), "vien_chuc").version == ND112
    confirmed = BOOK.confirmed({ND234})
    assert confirmed.in_force(date(2026, 6, 30), "vien_chuc").version == ND112
    assert confirmed.in_force(date(2026, 7, 1), "vien_chuc").version == ND234
    # Decree 234 is not for civil servants: one of them is still judged by 172 afterwards.
    assert confirmed.in_force(date(2026, 7, 1), "cong_chuc").version == ND172


def test_decree_112_took_effect_on_20_september_2020():
    """Decree 112/2020/ND-CP was signed on 18/9/2020 and took effect on 20/9/2020."""
    assert BOOK.by_version(ND112).effective_from == date(2020, 9, 20)
    assert in_force(date(2020, 9, 19), "cong_chuc") is None
    assert in_force(date(2020, 9, 20), "cong_chuc").version == ND112


def test_every_rule_set_and_threshold_cites_its_source_or_says_local_policy():
    """The "3 late dossiers in 30 days" style thresholds are the province's own policy, not Directive
    24-CT/TU, which sets no numbers; each set names its document and article."""
    for rule_set in BOOK.rule_sets:
        assert "Nghị định" in rule_set.cited_source and rule_set.cited_source != rule_set.legal_basis
        assert set(rule_set.forms_source) == set(rule_set.forms)
        assert "24-CT/TU" not in rule_set.note
        for rule in rule_set.rules:
            assert rule.source.startswith("chính sách địa phương"), (rule_set.version, rule.id)


def test_salary_step_down_and_demotion_exist_before_1_july_2025_and_not_after():
    before, after = in_force(date(2025, 6, 30), "cong_chuc"), in_force(date(2025, 7, 1), "cong_chuc")
    assert before.ladder("cong_chuc", leader=False) == ("khien_trach", "canh_cao", "ha_bac_luong", "buoc_thoi_viec")
    assert "giang_chuc" in before.ladder("cong_chuc", leader=True)
    assert after.ladder("cong_chuc", leader=False) == ("khien_trach", "canh_cao", "buoc_thoi_viec")
    assert after.ladder("cong_chuc", leader=True) == ("khien_trach", "canh_cao", "cach_chuc", "buoc_thoi_viec")
    all_forms = {f for by_post in after.forms.values() for ladder in by_post.values() for f in ladder}
    assert not {"ha_bac_luong", "giang_chuc"} & all_forms


def test_public_employees_forms_under_decree_234_removal_only_for_managers():
    rule_set = BOOK.by_version(ND234)
    assert rule_set.ladder("vien_chuc", leader=False) == ("khien_trach", "canh_cao", "buoc_thoi_viec")
    assert rule_set.ladder("vien_chuc", leader=True) == ("khien_trach", "canh_cao", "cach_chuc", "buoc_thoi_viec")


def test_cadres_are_never_dismissed_under_decree_172():
    """Decree 172/2025/ND-CP: a cán bộ (elected or appointed to a term) may receive khiển trách, cảnh cáo,
    cách chức, bãi nhiệm, never buộc thôi việc; a repeat climbs to bãi nhiệm at most."""
    rule_set = in_force(date(2025, 7, 1), "can_bo")
    assert rule_set.ladder("can_bo", leader=True) == ("khien_trach", "canh_cao", "cach_chuc", "bai_nhiem")
    refusal = procedure.form_refusal(rule_set, "buoc_thoi_viec", "can_bo", True)
    assert "cán bộ cannot be dismissed" in refusal and ND172 in refusal and "172/2025" in refusal
    assert "allowed: Khiển trách (khien_trach), Cảnh cáo (canh_cao), Cách chức (cach_chuc), Bãi nhiệm" in refusal
    prior = [sanctions.PriorDecision("QD-1", "bai_nhiem", "late_dossier", date(2025, 8, 1), date(2026, 7, 31))]
    form, _ = sanctions.escalate(rule_set, "khien_trach", "can_bo", True, "late_dossier", date(2025, 9, 1), prior)
    assert form == "bai_nhiem"


def test_every_set_offers_the_seeds_local_measures():
    for rule_set in BOOK.rule_sets:
        assert set(rule_set.local_measures) == {"phe_binh", "dinh_chi_cong_tac", "mien_nhiem"}


def test_a_form_the_post_does_not_have_becomes_the_heaviest_one_below_it():
    rule_set = in_force(date(2026, 1, 5), "cong_chuc")
    assert sanctions.form_for(rule_set, "cach_chuc", "cong_chuc", leader=False) == "canh_cao"
    assert sanctions.form_for(rule_set, "cach_chuc", "cong_chuc", leader=True) == "cach_chuc"
    assert sanctions.form_for(rule_set, "phe_binh", "cong_chuc", leader=False) == "phe_binh"


def decision(form, decided_on, kind="late_dossier", code="QD-1"):
    return sanctions.PriorDecision(code, form, kind, decided_on,
                                   procedure.add_months(decided_on, 12) - timedelta(days=1))


def escalate(form, fact_day, prior, category="cong_chuc", leader=False):
    rule_set = in_force(fact_day, category)
    return sanctions.escalate(rule_set, form, category, leader, "late_dossier", fact_day, prior)


def test_a_repeat_within_12_months_of_a_reprimand_is_proposed_as_a_warning():
    prior = [decision("khien_trach", date(2026, 1, 10))]
    form, raised_by = escalate("khien_trach", date(2026, 6, 1), prior)
    assert form == "canh_cao" and raised_by.code == "QD-1"


def test_twelve_months_after_the_decision_the_same_violation_is_not_a_repeat():
    prior = [decision("khien_trach", date(2026, 1, 10))]
    assert escalate("khien_trach", date(2027, 1, 9), prior)[0] == "canh_cao"
    assert escalate("khien_trach", date(2027, 1, 10), prior) == ("khien_trach", None)


def test_a_violation_of_another_kind_is_not_a_repeat():
    prior = [decision("khien_trach", date(2026, 1, 10), kind="misconduct")]
    assert escalate("khien_trach", date(2026, 6, 1), prior) == ("khien_trach", None)


def test_one_level_higher_follows_the_ladder_of_the_set_in_force_and_the_post():
    prior = [decision("canh_cao", date(2025, 1, 10))]
    # Decree 112, staff: cảnh cáo → hạ bậc lương; Decree 172, staff: cảnh cáo → buộc thôi việc;
    # Decree 172, a leader: cảnh cáo → cách chức.
    assert escalate("khien_trach", date(2025, 6, 30), prior)[0] == "ha_bac_luong"
    assert escalate("khien_trach", date(2025, 7, 1), prior)[0] == "buoc_thoi_viec"
    assert escalate("khien_trach", date(2025, 7, 1), prior, leader=True)[0] == "cach_chuc"


def test_the_heaviest_form_stays_the_heaviest_and_a_criticism_climbs_to_the_first_form():
    assert escalate("khien_trach", date(2026, 3, 1), [decision("buoc_thoi_viec", date(2026, 1, 10))])[0] \
        == "buoc_thoi_viec"
    assert escalate("phe_binh", date(2026, 3, 1), [decision("phe_binh", date(2026, 1, 10))])[0] == "khien_trach"


def test_a_repeat_counts_12_months_from_the_earlier_decisions_effective_date():
    """A decision is in force, and a repeat is judged, from its effective date (which may follow the
    signing day)."""
    signed, effective = date(2026, 1, 10), date(2026, 2, 1)
    prior = [sanctions.PriorDecision("QD-1", "khien_trach", "late_dossier", signed,
                                     procedure.in_force_until(in_force(signed, "cong_chuc"), effective), effective)]
    assert escalate("khien_trach", date(2027, 1, 31), prior)[0] == "canh_cao"
    assert escalate("khien_trach", date(2027, 2, 1), prior) == ("khien_trach", None)


def test_a_repeat_after_a_form_the_new_decree_abolished_climbs_from_where_it_stood():
    """Hạ bậc lương (Decree 112/2020) is gone from Decree 172/2025: a repeat after it stands above cảnh
    cáo, the heaviest form of the new ladder not above it, and goes to buộc thôi việc, never off the ladder."""
    prior = [decision("ha_bac_luong", date(2025, 5, 10))]
    assert escalate("khien_trach", date(2025, 9, 1), prior)[0] == "buoc_thoi_viec"


def test_a_repeat_never_lowers_a_rule_form_heavier_than_the_step_up():
    prior = [decision("khien_trach", date(2026, 1, 10))]
    assert escalate("buoc_thoi_viec", date(2026, 6, 1), prior) == ("buoc_thoi_viec", None)


def test_limitation_depends_on_when_the_case_is_handled_14_vs_15_november_2022():
    """Resolution 76/2022/QH15 (Decree 71/2023/ND-CP wrote it into Decree 112/2020 art. 6): cases handled
    from 15/11/2022 have 5 years for a reprimand and 10 for the rest; 2 and 5 before (Law 52/2019/QH14)."""
    rule_set = in_force(date(2020, 10, 1), "vien_chuc")
    fact = date(2020, 10, 1)
    before = sanctions.limitation_reason(rule_set, "khien_trach", fact, date(2022, 11, 14))
    assert "2 năm" in before and "52/2019" in before and "14/11/2022" in before
    assert sanctions.limitation_reason(rule_set, "khien_trach", fact, date(2022, 11, 15)) is None
    assert sanctions.limitation_ends(rule_set, "khien_trach", fact, date(2022, 11, 14)) == date(2022, 10, 1)
    assert sanctions.limitation_ends(rule_set, "khien_trach", fact, date(2022, 11, 15)) == date(2025, 10, 1)
    assert sanctions.limitation_ends(rule_set, "canh_cao", fact, date(2022, 11, 14)) == date(2025, 10, 1)
    assert sanctions.limitation_ends(rule_set, "canh_cao", fact, date(2022, 11, 15)) == date(2030, 10, 1)


def test_limitation_of_a_public_employees_march_2024_violation_handled_in_april_2026_has_not_run():
    """A viên chức's violation of March 2024 proposed in April 2026 is within the 5 years of a reprimand
    (Resolution 76/2022/QH15; Decree 71/2023/ND-CP): not dropped."""
    rule_set = in_force(date(2024, 3, 15), "vien_chuc")
    assert rule_set.version == ND112
    assert sanctions.limitation_reason(rule_set, "khien_trach", date(2024, 3, 15), date(2026, 4, 15)) is None
    assert sanctions.limitation_ends(rule_set, "khien_trach", date(2024, 3, 15), date(2026, 4, 15)) == \
        date(2029, 3, 15)


def test_limitation_under_decree_172_is_5_and_10_years():
    new = in_force(date(2025, 7, 1), "cong_chuc")
    assert sanctions.limitation_reason(new, "khien_trach", date(2025, 7, 1), date(2030, 6, 30)) is None
    assert "5 năm" in sanctions.limitation_reason(new, "khien_trach", date(2025, 7, 1), date(2030, 7, 1))
    assert sanctions.limitation_ends(new, "canh_cao", date(2025, 7, 1), date(2026, 1, 1)) == date(2035, 7, 1)


def test_handling_limit_is_90_days_and_150_once_extended():
    rule_set = in_force(date(2026, 11, 16), "cong_chuc")
    assert procedure.handling_deadline(rule_set, date(2026, 11, 16), extended=False) == date(2027, 2, 14)
    assert procedure.handling_deadline(rule_set, date(2026, 11, 16), extended=True) == date(2027, 4, 15)


def at(day, hour=9):
    return datetime(2026, 11, day, hour, 0, tzinfo=HANOI)


def check(step, done=(), members=(), form=None, leader=False, when=None):
    rule_set = in_force(date(2026, 11, 16), "cong_chuc")
    return procedure.check_step(step, [procedure.StepDone(s, a) for s, a in done], when or at(20), at(25),
                             list(members), form, "CB-001", rule_set, "cong_chuc", leader)


def test_the_procedure_goes_review_council_recommendation_decision_in_order():
    assert check("review") == {}
    assert "the next step is review" in check("council", members=["A", "B", "C"])["step"][0]
    done = [("review", at(17)), ("council", at(18)), ("recommendation", at(19)), ("decision", at(20))]
    assert check("review", done=done)["step"] == ["the proposal is already decided"]


def test_a_council_has_three_members_and_not_the_official_under_discipline():
    done = [("review", at(17))]
    assert check("council", done, members=["A", "B", "C"]) == {}
    assert "3 different members" in check("council", done, members=["A", "B"])["members"][0]
    assert "3 different members" in check("council", done, members=["A", "A", "B"])["members"][0]
    assert "cannot sit" in check("council", done, members=["A", "B", "CB-001"])["members"][0]


def test_a_decision_names_a_form_the_official_may_receive_under_the_set():
    done = [("review", at(17)), ("council", at(18)), ("recommendation", at(19))]
    assert check("decision", done, form="canh_cao") == {}
    salary = check("decision", done, form="ha_bac_luong")["form"][0]
    assert "Hạ bậc lương (ha_bac_luong) is not a form for a công chức under ND172-2025/local-1" in salary
    assert "allowed: Khiển trách (khien_trach), Cảnh cáo (canh_cao), Buộc thôi việc (buoc_thoi_viec)" in salary
    removal = check("decision", done, form="cach_chuc")["form"][0]
    assert "applies only to a công chức holding a leadership or management post" in removal
    assert check("decision", done, form="cach_chuc", leader=True) == {}
    assert check("decision", done)["form"] == ["the form recommended or decided is required"]


def test_a_step_is_not_dated_in_the_future_nor_before_the_previous_one():
    assert "future" in check("review", when=at(26))["at"][0]
    assert "before the previous step" in check("council", [("review", at(19))], members=["A", "B", "C"],
                                               when=at(18))["at"][0]


def rule_set_raw(**overrides):
    raw = {"version": "X", "effective_from": "2025-07-01", "legal_basis": "Nghị định 172/2025/NĐ-CP",
           "forms": {"cong_chuc": {"staff": ["khien_trach", "canh_cao", "buoc_thoi_viec"]}},
           "rules": [{"id": "r", "applies_to": "official", "threshold": 1, "window_days": 30, "form": "khien_trach"}]}
    raw.update(overrides)
    return raw


@pytest.mark.parametrize("overrides, expected", [
    ({"forms": {"cong_chuc": {"staff": ["canh_cao", "khien_trach"]}}}, "lightest first"),
    ({"forms": {"cong_chuc": {"staff": ["phat_tien"]}}}, "has 'phat_tien'"),
    ({"forms": {"nhan_vien": {"staff": ["khien_trach"]}}}, "unknown category 'nhan_vien'"),
    ({"categories": ["cong_nhan"]}, "'categories' must list some of"),
    ({"rules": [{"id": "r", "applies_to": "official", "threshold": 1, "window_days": 30, "form": "ha_bac_luong"}]},
     "form 'ha_bac_luong' is not a form of this rule set"),
    ({"limitation": {"reprimand_years": 0}}, "'limitation.reprimand_years' must be a whole number"),
    ({"procedure_days": {"review": 3}}, "'procedure_days' must give working days for each of"),
    ({"handling_days": 90, "handling_days_extended": 60}, "cannot be shorter"),
])
def test_a_broken_rule_set_is_refused_with_the_key_at_fault(overrides, expected):
    with pytest.raises(rules.RulesError) as error:
        rules.parse_rule_book([rule_set_raw(**overrides)])
    assert expected in str(error.value) and "(X)" in str(error.value)


def test_two_sets_may_start_the_same_day_only_for_different_categories():
    a = rule_set_raw(version="A", categories=["cong_chuc"])
    b = rule_set_raw(version="B", categories=["vien_chuc"], forms={})
    assert len(rules.parse_rule_book([a, b]).rule_sets) == 2
    with pytest.raises(rules.RulesError, match="share the effective_from 2025-07-01 for cong_chuc"):
        rules.parse_rule_book([a, rule_set_raw(version="C", categories=["cong_chuc"])])
