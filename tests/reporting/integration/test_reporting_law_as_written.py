"""The law as written, from events on the in-memory broker: lateness against the legal due date (archived
completions judged against an apology's date judged again, live and after a rebuild), apologies, broken
promises and dossiers late without apology per unit and month, refused dossiers counted as finished, the
whole 766 index, the monthly survey, the quarterly evaluation of heads and the public lists of good
individuals and violating units. The clock stands at Monday 2026-11-16 09:00 in Hà Nội.

By hand, Ba Đình (PBD) in November: D10 finished 11/11 against a legal due date of 9/11 (late, though its
archived completion said "early" against the apology's 12/11); D11 apologised, overdue since 10/11 and past
its promised 13/11; D12 overdue without an apology; D13 refused on 5/11 before its due date (on time).
→ received 4, on time 1, progress 20 × 1/4 = 5.00; overdue share 3/4 → dossier satisfaction 25% → 6 × 0.25 ÷
0.9 = 1.67 points. Đống Đa (PDD): D20 early → progress 20.00, satisfaction 100%.
"""

from datetime import date, datetime, timedelta, timezone

from test_reporting_rebuild import (  # noqa: F401  (the fixture stops the workers after each test)
    _workers_stopped_after_each_test,
    get,
    processed,
    send,
    tables,
    unit_upserted,
)

from shared.events.envelope import Event

HANOI = timezone(timedelta(hours=7))
PRODUCERS = {"dossier": "dossiers", "survey": "feedback", "rating": "feedback", "plan": "tasks",
             "directory": "discipline", "sanction": "discipline", "violation": "discipline"}


def at(month, day, hour=9, minute=0):
    return datetime(2026, month, day, hour, minute, tzinfo=HANOI)


def ev(event_type, subject, when, data):
    producer = PRODUCERS[event_type.split(".")[0]]
    return Event(type=event_type, source=f"/kycuong/test/{producer}", subject=subject, unit=data.get("unit"),
                 time=when, data={k: v.isoformat() if isinstance(v, datetime | date) else v for k, v in data.items()})


def base(code, unit, received_at, due_at):
    return {"code": code, "procedure_code": "1.001234", "unit": unit, "received_at": received_at, "due_at": due_at}


def law_stream():
    events = [unit_upserted("PBD", "Phường Ba Đình", "ward"), unit_upserted("PDD", "Phường Đống Đa", "ward")]
    # D10, archived from before the correction: the platform apologised by itself and moved due_at.
    d10 = base("D10", "PBD", at(11, 2), at(11, 9, 17))
    events += [ev("dossier.received", "D10", at(11, 2), d10),
               ev("dossier.apology_issued", "D10", at(11, 6), {
                   "code": "D10", "unit": "PBD", "issued_at": at(11, 6), "previous_due_at": at(11, 9, 17),
                   "due_at": at(11, 12, 17), "reason": "Quá tải", "automatic": True}),
               ev("dossier.completed", "D10", at(11, 11), {**d10, "due_at": at(11, 12, 17), "completed_at": at(11, 11),
                                                            "timeliness": "early"})]
    d11 = base("D11", "PBD", at(11, 3), at(11, 10, 17))
    events += [ev("dossier.received", "D11", at(11, 3), d11),
               ev("dossier.apology_issued", "D11", at(11, 7), {
                   "code": "D11", "unit": "PBD", "issued_at": at(11, 7), "previous_due_at": at(11, 10, 17),
                   "due_at": at(11, 13, 17), "reason": "Chờ ý kiến liên ngành", "signed_by": "LD-PBD"}),
               ev("dossier.overdue", "D11", at(11, 10, 17, 5), {**d11, "detected_at": at(11, 10, 17, 5),
                                                                 "step": "appraise", "official": "CB-017",
                                                                 "apologised": True}),
               ev("dossier.promise_broken", "D11", at(11, 13, 17, 5), {
                   "code": "D11", "procedure_code": "1.001234", "unit": "PBD", "due_at": at(11, 10, 17),
                   "promised_at": at(11, 13, 17), "detected_at": at(11, 13, 17, 5), "official": "CB-017"})]
    d12 = base("D12", "PBD", at(11, 3), at(11, 6, 17))
    events += [ev("dossier.received", "D12", at(11, 3), d12),
               ev("dossier.overdue", "D12", at(11, 6, 17, 5), {**d12, "detected_at": at(11, 6, 17, 5)}),
               ev("dossier.apology_missed", "D12", at(11, 6, 17, 5), {
                   "code": "D12", "procedure_code": "1.001234", "unit": "PBD", "due_at": at(11, 6, 17),
                   "detected_at": at(11, 6, 17, 5)})]
    d13 = base("D13", "PBD", at(11, 3), at(11, 10, 17))
    events += [ev("dossier.received", "D13", at(11, 3), d13),
               ev("dossier.refused", "D13", at(11, 5), {"code": "D13", "unit": "PBD", "at": at(11, 5),
                                                        "reason": "Không thuộc thẩm quyền"})]
    d20 = base("D20", "PDD", at(11, 2), at(11, 9, 17))
    events += [ev("dossier.received", "D20", at(11, 2), d20),
               ev("dossier.completed", "D20", at(11, 5), {**d20, "completed_at": at(11, 5), "timeliness": "early"})]
    # Đống Đa's steps: CB-050 five on time (a good individual), CB-051 one of five late, CB-052 only four.
    for official, late_step, count in (("CB-050", None, 5), ("CB-051", 2, 5), ("CB-052", None, 4)):
        for i in range(count):
            when = at(11, 2, 9 + i, 10 + int(official[-1]))
            events.append(ev("dossier.handed_over", "D20", when, {
                "code": "D20", "unit": "PDD", "at": when, "from_step": f"step-{i}", "to_step": f"step-{i + 1}",
                "from_official": official, "to_official": official, "step_on_time": i != late_step}))
    # The monthly survey of Ba Đình: 10 returned, 4 invited, 2 answered; a rating outside the survey.
    events.append(ev("survey.round_opened", "KS-PBD-2026-11", at(11, 12), {
        "code": "KS-PBD-2026-11", "unit": "PBD", "period": "2026-11", "opened_at": at(11, 12), "returned": 10,
        "invited": 4}))
    events += [ev("rating.submitted", code, when, {"code": code, "subject_type": "dossier", "subject": subject,
                                                   "unit": "PBD", "overall": 4, "submitted_at": when,
                                                   **({"survey_round": "KS-PBD-2026-11"} if survey else {})})
               for code, subject, when, survey in (("R10", "D10", at(11, 13), True), ("R13", "D13", at(11, 14), True),
                                                   ("R11", "D11", at(11, 14), False))]
    # Heads: LD-PBD (disciplined this year, self-assessed "excellent"), LD-PDD; a deputy is not evaluated.
    events += [ev("directory.head_assigned", "LD-PBD", at(10, 1), {"unit": "PBD", "official": "LD-PBD",
                                                                   "since": date(2025, 1, 1)}),
               ev("directory.head_assigned", "LD-PDD", at(10, 1), {"unit": "PDD", "official": "LD-PDD",
                                                                   "since": date(2026, 1, 1)}),
               ev("directory.head_assigned", "PP-PBD", at(10, 1), {"unit": "PBD", "official": "PP-PBD",
                                                                   "role": "deputy", "since": date(2026, 1, 1)}),
               ev("sanction.decided", "QD-9", at(11, 14), {
                   "code": "QD-9", "proposal": "KL-9", "official": "LD-PBD", "unit": "PBD", "form": "khien_trach",
                   "rule_set": "2025-07", "decided_at": at(11, 14), "in_force_until": "2027-11-14"}),
               ev("plan.self_assessed", "KH-LD-PBD-Q4", at(11, 15), {
                   "code": "KH-LD-PBD-Q4", "official": "LD-PBD", "unit": "PBD", "period_kind": "quarter",
                   "period": "2026-Q4", "items": 8, "done": 8, "done_on_time": 7, "level": "excellent",
                   "assessed_at": at(11, 15)})]
    return events


def fed(start_service):
    service = start_service("reporting")
    events = law_stream()
    send(events)
    processed(service, len(events))
    return service


def evaluations(service, quarter="2026-Q4", roles=("inspector",)):
    return service.client.get(f"/reporting/api/v1/evaluations/heads?quarter={quarter}",
                              headers=service.headers(sub="snv.thanhtra", roles=roles))


def views(service):
    return {"PBD": get(service, "/units/PBD/scorecard?period=2026-11"),
            "PDD": get(service, "/units/PDD/scorecard?period=2026-11"),
            "late": get(service, "/units/PBD/scorecard/late?period=2026-11"),
            "apologies": get(service, "/units/PBD/scorecard/late_without_apology?period=2026-11"),
            "good": get(service, "/public/good-individuals?period=2026-11"),
            "violating": get(service, "/public/violating-units?year=2026"),
            "heads": evaluations(service).get_json()}


def test_reporting_lateness_is_judged_against_the_legal_due_date_and_apologies_are_counted(start_service):
    """Decree 61/2018/ND-CP art. 19, Circular 01/2018/TT-VPCP Form 04 and Decision 766/QĐ-TTg: an apology never
    moves the deadline; archived completions judged against its date are judged again; refused dossiers count
    as finished; apologies, broken promises and dossiers late without apology are counted per unit and month."""
    card = get(fed(start_service), "/units/PBD/scorecard?period=2026-11")
    assert {k: card[k] for k in ("received", "on_time", "late", "overdue_open", "open_within", "score")} == {
        "received": 4, "on_time": 1, "late": 1, "overdue_open": 2, "open_within": 0, "score": 5.0}
    assert card["apologies"] == {"issued": 2, "promises_broken": 1, "late_without_apology": 1}
    figures = {figure["key"]: figure["value"] for figure in card["figures"]}
    assert (figures["apologies"], figures["promises_broken"], figures["late_without_apology"]) == (2, 1, 1)


def test_reporting_the_scorecard_shows_every_group_of_the_766_index_and_no_total_out_of_100(start_service):
    """Decision 766/QĐ-TTg: five groups of 100 points; the platform measures progress (20) and dossier
    satisfaction (6 of the satisfaction group's 18) and says which indicators it cannot measure."""
    index = get(fed(start_service), "/units/PBD/scorecard?period=2026-11")["index_766"]
    assert (index["total"], index["total_points"], index["measurable_points"]) == (None, 100, 26)
    points = {i["key"]: (i["measured"], i["points"]) for g in index["groups"] for i in g["indicators"]}
    assert points == {"publicity": (False, None), "progress": (True, 5.0), "online_services": (False, None),
                      "dossier_satisfaction": (True, 1.67), "other_satisfaction": (False, None),
                      "digitisation": (False, None)}
    assert index["measured_points"] == 6.67 and "766/QĐ-TTg" in index["source"]


def test_reporting_the_monthly_survey_shows_returned_invited_responses_and_rate(start_service):
    """Seed 000: the monthly satisfaction survey, per unit and month: returned, invited, responses, rate."""
    card = get(fed(start_service), "/units/PBD/scorecard?period=2026-11")
    assert card["surveys"] == [{"period": "2026-11", "rounds": ["KS-PBD-2026-11"], "returned": 10, "invited": 4,
                                "responses": 2, "response_rate": 0.5}]


def test_reporting_every_score_cites_its_source_and_version(start_service):
    """Every score or rank cites its formula's source and version: progress, dossier satisfaction, ratings, tasks,
    the composite (scoring.json) and the ranking, public or not."""
    service = fed(start_service)
    card = get(service, "/units/PBD/scorecard?period=2026-11")
    for formula in (card["formula"], card["dossier_satisfaction"]["formula"], card["satisfaction"]["formula"],
                    card["tasks"]["formula"], card["composite"]["rules"]):
        assert formula["source"] and formula["version"], formula
    assert "766/QĐ-TTg" in card["formula"]["source"]
    ranking = get(service, "/rankings?period=2026-11&by=composite")
    assert ranking["formula"]["source"] and ranking["composite_rules"]["source"]
    public = get(service, "/public/rankings?period=2026-11")
    assert public["formula"]["source"] and public["formula"]["version"]


def test_reporting_heads_get_a_proposed_quarterly_level_capped_by_a_disciplinary_decision(start_service):
    """Seed 003 II.2.đ and Decree 90/2020/ND-CP as amended by Decree 48/2023/ND-CP: a head disciplined in the
    year is proposed "not completed" whatever the figures; the level is a proposal with reasons and rules."""
    service = fed(start_service)
    response = evaluations(service)
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    heads = {item["official"]: item for item in body["items"]}
    assert set(heads) == {"LD-PBD", "LD-PDD"}  # the deputy is not evaluated as head
    ba_dinh = heads["LD-PBD"]
    assert ba_dinh["proposed"]["level"] == "not_completed"
    assert any("48/2023" in reason["vi"] for reason in ba_dinh["proposed"]["reasons"])
    assert ba_dinh["figures"]["decisions_in_year"] == 1 and ba_dinh["figures"]["progress_rate"] == 0.25
    assert ba_dinh["self_assessment"]["level"] == "excellent"
    dong_da = heads["LD-PDD"]
    assert (dong_da["figures"]["progress_rate"], dong_da["proposed"]["level"]) == (1.0, "excellent")
    assert "local policy" in body["rules"]["source"] and body["rules"]["version"]


def test_reporting_the_evaluation_of_heads_is_for_home_affairs_and_takes_a_quarter(start_service):
    service = fed(start_service)
    assert evaluations(service, roles=("officer",)).status_code == 403
    for wrong in ("2026-11", "2027-Q1", "Q4"):
        refused = evaluations(service, quarter=wrong)
        assert refused.status_code == 422 and "quarter" in refused.get_json()["errors"], wrong


def test_reporting_the_public_lists_name_good_individuals_and_violating_units_with_their_criteria(start_service):
    """Seed 004, item 1.đ: public lists of good and violating individuals AND units, with published criteria."""
    service = fed(start_service)
    good = get(service, "/public/good-individuals?period=2026-11&lang=vi")
    assert [(i["official"], i["unit"], i["steps_handled"]) for i in good["items"]] == [("CB-050", "PDD", 5)]
    assert good["criteria"]["source"] and good["criteria"]["text"]
    violating = get(service, "/public/violating-units?year=2026&lang=en")
    assert [(i["unit"], i["decisions"], i["late_without_apology"]) for i in violating["items"]] == [("PBD", 1, 1)]
    assert "61/2018" in violating["criteria"]["source"]
    bad_year = service.client.get("/reporting/api/v1/public/violating-units?year=1999")
    assert bad_year.status_code == 422 and "year" in bad_year.get_json()["errors"]


def test_reporting_rebuild_judges_the_archive_again_and_gives_exactly_the_live_views(start_service):
    """Projections stay replayable: the rebuild from the archive gives the live views, new events included."""
    from services.reporting.use_cases import rebuild

    service = fed(start_service)
    live, live_tables = views(service), tables(service)
    assert live["late"]["total"] == 1 and live["late"]["items"][0]["code"] == "D10"
    assert live_tables["survey_rounds"] and live_tables["head_terms"] and live_tables["self_assessments"]
    rebuild.rebuild(service.runtime, batch_size=5)
    assert views(service) == live
    assert tables(service) == live_tables


def test_reporting_rebuild_of_the_law_stream_on_postgresql_gives_exactly_the_live_views(pg_database,
                                                                                       start_service):
    """The same on PostgreSQL, with every event sent twice (producer retries): batches of 3 events."""
    from services.reporting.use_cases import rebuild

    service = start_service("reporting", database_url=pg_database("law"))
    events = law_stream()
    retries = [Event(type=e.type, source=e.source, subject=e.subject, unit=e.unit, time=e.time, data=e.data)
               for e in events]
    send(events + retries)
    processed(service, 2 * len(events))
    live, live_tables = views(service), tables(service)
    assert live["PBD"]["apologies"] == {"issued": 2, "promises_broken": 1, "late_without_apology": 1}
    rebuild.rebuild(service.runtime, batch_size=3)
    assert tables(service) == live_tables
    assert views(service) == live


def test_reporting_the_quarterly_report_carries_the_figures_for_evaluating_heads(start_service, clock):
    """Seed 003 II.2.đ: the quarterly report gives each head's figures (the unit's 766 progress and dossier
    satisfaction, tasks and feedback on time, violations, sanctions, self-assessment); no proposed level."""
    import io

    from openpyxl import load_workbook
    from pdf_text import squeezed, text

    from services.reporting.use_cases import projections
    from shared.events import catalog

    clock.set(at(11, 25, 8))
    service = start_service("reporting", workers=False)
    d30 = base("D30", "PBD", at(8, 3), at(8, 10, 17))
    events = [unit_upserted("PBD", "Phường Ba Đình", "ward"),
              ev("directory.head_assigned", "LD-PBD", at(1, 2), {"unit": "PBD", "official": "LD-PBD",
                                                                 "since": date(2025, 1, 1)}),
              ev("dossier.received", "D30", at(8, 3), d30),
              ev("dossier.completed", "D30", at(8, 5), {**d30, "completed_at": at(8, 5), "timeliness": "early"}),
              ev("plan.self_assessed", "KH-LD-PBD-Q3", at(9, 30), {
                  "code": "KH-LD-PBD-Q3", "official": "LD-PBD", "unit": "PBD", "period_kind": "quarter",
                  "period": "2026-Q3", "items": 6, "done": 6, "done_on_time": 5, "level": "good",
                  "assessed_at": at(9, 30)})]
    for event in events:
        assert projections.project_event(service.runtime.uow(), event, catalog.load(event.type, event.data))
    office = service.headers(sub="vp.ubnd", roles=("office",))
    issued = service.client.post("/reporting/api/v1/reports", json={"kind": "quarterly", "period": "2026-Q3"},
                                 headers=office)
    assert issued.status_code == 201, issued.get_json()
    xlsx = service.client.get("/reporting/api/v1/reports/BC-2026-Q3.xlsx", headers=office).data
    rows = [[cell.value for cell in row] for row in load_workbook(io.BytesIO(xlsx))["Người đứng đầu"].iter_rows()]
    header = next(i for i, row in enumerate(rows) if row[0] == "Người đứng đầu")
    assert rows[header + 1][:4] == ["LD-PBD", "PBD", "Phường Ba Đình", 1]
    assert rows[header + 1][-1] == "Hoàn thành tốt nhiệm vụ"
    pdf = squeezed(text(service.client.get("/reporting/api/v1/reports/BC-2026-Q3.pdf", headers=office).data))
    assert squeezed("SỐ LIỆU PHỤC VỤ ĐÁNH GIÁ NGƯỜI ĐỨNG ĐẦU") in pdf and "LD-PBD" in pdf
    assert squeezed("VI. CÁCH TÍNH VÀ LƯU Ý") in pdf and squeezed("Căn cứ: Quyết định 766/QĐ-TTg") in pdf
