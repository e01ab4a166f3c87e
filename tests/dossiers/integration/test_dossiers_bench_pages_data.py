"""The data bench/pages.py measures the workbench on are what its loader says: units, dossiers spread over them,
a fifth open with some overdue and some waiting for the citizen, the procedure's plan frozen into each, due
instants from the working calendar, and the officer it signs in as holding what the workbench then lists."""

from __future__ import annotations

import re
import sys
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import create_engine, pool, text

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))  # bench/ is scripts beside the packages, not one

from bench.pages_data import OFFICIALS_PER_UNIT, load  # noqa: E402
from shared.auth import Principal  # noqa: E402
from shared.calendar import WorkingCalendar  # noqa: E402
from shared.web import session as web_session  # noqa: E402

NOW = datetime(2026, 11, 16, 3, 0, tzinfo=UTC)  # Monday 10:00 in Hà Nội


def test_the_pages_bench_loads_what_it_says_and_the_workbench_reads_it(pg_database, start_service, clock):
    url = pg_database("benchpages")
    data = load(url, dossiers=2_000, units=2, now=NOW)
    engine = create_engine(url, poolclass=pool.NullPool)
    with engine.connect() as conn:
        def one(sql: str, **params):
            return conn.execute(text(sql), params).scalar()

        assert one("SELECT count(*) FROM dossiers") == 2_000
        assert one("SELECT count(*) FROM units WHERE parent = 'TINH'") == 2
        sizes = [n for (n,) in conn.execute(text("SELECT count(*) FROM dossiers GROUP BY unit"))]
        assert len(sizes) == 2 and all(500 <= n <= 1_500 for n in sizes)
        assert one("SELECT count(DISTINCT handler) FROM dossiers") <= 2 * 2  # the desk receives
        assert one("SELECT count(DISTINCT current_official) FROM dossiers") <= 2 * OFFICIALS_PER_UNIT
        open_count = one("SELECT count(*) FROM dossiers WHERE status IN ('received', 'awaiting_supplement')")
        assert open_count == data.open and 300 <= open_count <= 500
        assert 0 < data.overdue < open_count / 2
        assert data.overdue == one("SELECT count(*) FROM dossiers WHERE status = 'received' AND due_at <= :now",
                                   now=NOW)
        assert data.awaiting_supplement == one(
            "SELECT count(*) FROM dossiers d JOIN dossier_pauses p ON p.dossier_code = d.code "
            "WHERE d.status = 'awaiting_supplement' AND p.resumed_at IS NULL AND d.paused_since IS NOT NULL") > 0
        # Every dossier carries its procedure version's plan, and an open one stands at one of its steps.
        assert one("SELECT count(*) FROM dossier_steps") == one(
            "SELECT count(*) FROM dossiers d JOIN procedure_version_steps s "
            "ON s.procedure_code = d.procedure_code AND s.version = d.procedure_version")
        assert one("SELECT count(*) FROM dossiers d WHERE status IN ('received', 'awaiting_supplement') AND NOT "
                   "EXISTS (SELECT 1 FROM dossier_steps s WHERE s.dossier_code = d.code "
                   "AND s.key = d.current_step)") == 0
        assert one("SELECT count(*) FROM dossier_applicants") == 2_000
        assert one("SELECT count(*) FROM dossiers WHERE received_at > :now OR completed_at > :now", now=NOW) == 0
        calendar = WorkingCalendar()
        for received, days, due, starts in conn.execute(text(
                "SELECT received_at, processing_days, due_at, counting_starts_at FROM dossiers LIMIT 50")):
            assert due == calendar.due_at(received, days)
            assert starts == calendar.counting_start(received)[0]
        assert data.officer_open == one("SELECT count(*) FROM dossiers WHERE current_official = :o "
                                        "AND status IN ('received', 'awaiting_supplement')", o=data.officer)
        assert data.officer_open == one("SELECT max(n) FROM (SELECT count(*) AS n FROM dossiers WHERE status IN "
                                        "('received', 'awaiting_supplement') AND current_official NOT LIKE '%-CB00' "
                                        "GROUP BY current_official) AS held")
        assert data.officer.startswith(data.officer_unit) and not data.officer.endswith("-CB00")
        assert data.head == f"{data.unit}-CB00"
    engine.dispose()

    clock.set(NOW)
    svc = start_service("dossiers", workers=False, database_url=url)
    cookie = web_session.issue(svc.runtime.settings.session_secret,
                               Principal(data.officer, data.officer_unit, frozenset({"officer"})))
    svc.client.set_cookie(web_session.COOKIE, cookie)
    page = svc.client.get("/dossiers/workbench", headers={"Accept": "text/html"})
    assert page.status_code == 200
    listed = re.findall(r">(U\d{4}-\d{6})</a>", page.get_data(as_text=True))
    assert len(listed) == min(50, data.officer_open) and all(code.startswith(data.officer_unit) for code in listed)
    assert re.fullmatch(r"app;dur=\d+\.\d, cpu;dur=\d+\.\d", page.headers["Server-Timing"])
