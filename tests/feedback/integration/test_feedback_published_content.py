"""What each unit publishes for citizens, in dated versions, read without an account: the ten service rules at
its one-stop desk (Kế hoạch 69/KH-UBND of Hà Nội, II.3.e) and its leaders' hotline numbers (the Hà Nội
directive on individualised responsibility, 1.b)."""

API = "/feedback/api/v1"


def write(svc, unit, kind, body, roles=("office",), as_unit=None):
    return svc.client.post(f"{API}/units/{unit}/{kind}", json=body,
                           headers=svc.headers(unit=as_unit or unit, roles=roles))


def read(svc, unit, kind, **query):
    return svc.client.get(f"{API}/public/units/{unit}/{kind}", query_string=query)


def test_a_unit_adopts_the_ten_service_rules_and_anyone_reads_them(start_service):
    """Every reception and one-stop desk posts the ten requirements of Kế hoạch 69/KH-UBND (II.3.e); a unit
    adopts them as its service rules, and anyone reads the version in force without logging in."""
    svc = start_service("feedback", workers=False)

    before = read(svc, "HN-SXD", "service-rules")
    adopted = write(svc, "HN-SXD", "service-rules", {"effective_from": "2026-11-16", "adopt_default": True})
    public = read(svc, "HN-SXD", "service-rules")

    assert before.status_code == 404 and "HN-SXD" in before.get_json()["message"]
    assert adopted.status_code == 201
    rules = public.get_json()["rules"]
    assert len(rules) == 10
    assert rules[0] == "Khách đến, được chào hỏi." and rules[9] == "Khách về, được hài lòng."
    assert "69/KH-UBND" in public.get_json()["source"]
    assert public.get_json()["effective_from"] == "2026-11-16"


def test_the_version_in_force_on_a_date_is_the_latest_that_took_effect_by_then(start_service):
    """Published content changes over time; each version holds from its effective date until the next."""
    svc = start_service("feedback", workers=False)
    write(svc, "W00070", "service-rules", {"effective_from": "2026-11-16", "adopt_default": True})
    own = ["Khách đến, được chào hỏi.", "Giải quyết hồ sơ đúng hẹn; trễ hẹn phải xin lỗi bằng văn bản."]
    written = write(svc, "W00070", "service-rules", {"effective_from": "2026-12-01", "rules": own,
                                                     "source": "Quyết định 12/QĐ-UBND của UBND phường"},
                    roles=("head",))

    today = read(svc, "W00070", "service-rules").get_json()
    december = read(svc, "W00070", "service-rules", on="2026-12-05").get_json()

    assert written.status_code == 201
    assert len(today["rules"]) == 10 and today["versions"] == ["2026-11-16", "2026-12-01"]
    assert december["rules"] == own and december["effective_from"] == "2026-12-01"
    assert december["source"] == "Quyết định 12/QĐ-UBND của UBND phường"


def test_only_the_units_own_office_head_or_admin_publishes_and_never_for_a_past_day(start_service):
    """A unit speaks for itself (its office, head or admin); what was published on a past day is not
    rewritten; bad input is a 422 naming the field, and nothing changes."""
    svc = start_service("feedback", workers=False)
    body = {"effective_from": "2026-11-16", "adopt_default": True}

    officer = write(svc, "HN-SXD", "service-rules", body, roles=("officer",))
    other_unit = write(svc, "HN-SXD", "service-rules", body, roles=("admin",), as_unit="HN-STP")
    past = write(svc, "HN-SXD", "service-rules", {**body, "effective_from": "2026-11-15"})
    empty = write(svc, "HN-SXD", "service-rules", {"effective_from": "2026-11-16", "rules": []})
    both = write(svc, "HN-SXD", "service-rules", {**body, "rules": ["Khách đến, được chào hỏi."]})

    assert officer.status_code == 403 and other_unit.status_code == 403
    assert past.status_code == 422 and "effective_from" in past.get_json()["errors"]
    assert empty.status_code == 422 and "rules" in empty.get_json()["errors"]
    assert both.status_code == 422 and "rules" in both.get_json()["errors"]
    assert read(svc, "HN-SXD", "service-rules").status_code == 404


def test_leaders_hotlines_are_public_work_numbers(start_service):
    """Units publish their leaders' hotline numbers to receive reports (the Hà Nội directive on
    individualised responsibility, 1.b): officials' work numbers, read by anyone."""
    svc = start_service("feedback", workers=False)
    lines = [{"position": "Giám đốc Sở Tư pháp", "name": "Nguyễn Văn An", "phone": "024 3825 1234",
              "note": "Giờ hành chính"},
             {"position": "Phó Giám đốc", "phone": "0912 000 111"}]

    bad = write(svc, "HN-STP", "hotlines", {"effective_from": "2026-11-16",
                                            "lines": [{"position": "Giám đốc", "phone": "gọi tổng đài"}]})
    written = write(svc, "HN-STP", "hotlines", {"effective_from": "2026-11-16", "lines": lines}, roles=("head",))
    public = read(svc, "HN-STP", "hotlines")
    not_yet = read(svc, "HN-SXD", "hotlines")

    assert bad.status_code == 422 and "phone" in bad.get_json()["errors"]["lines"]["0"]
    assert written.status_code == 201
    shown = public.get_json()
    assert [line["phone"] for line in shown["lines"]] == ["024 3825 1234", "0912 000 111"]
    assert shown["lines"][0]["position"] == "Giám đốc Sở Tư pháp" and shown["lines"][1]["name"] is None
    assert "đường dây nóng" in shown["source"]
    assert not_yet.status_code == 404
