"""The officer's workbench page: her open dossiers, least remaining working time first, with a badge a
person reads at a glance; a browser without a session is sent to sign in and brought back."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

from services.dossiers.use_cases import intake, procedures
from shared.auth import Principal
from shared.web import session as web_session

HANOI = timezone(timedelta(hours=7))
HTML = {"Accept": "text/html"}


def test_the_workbench_lists_her_dossiers_most_urgent_first_with_their_badges(start_service, clock):
    clock.set(datetime(2026, 11, 27, 10, tzinfo=HANOI))  # a Friday
    svc = start_service("dossiers", workers=False, sweeps=False)
    rt = svc.runtime
    procedures.register_procedure(rt.uow(), procedures.RegisterProcedure(code="2.000111", name="Cấp phép",
                                                                         processing_days=5))
    procedures.register_procedure(rt.uow(), procedures.RegisterProcedure(code="1.001234", name="Khai sinh",
                                                                         processing_days=1))

    def receive(code, procedure_code, received_at, holder="CB-0042"):
        intake.receive_dossier(rt.uow(), intake.ReceiveDossier(
            code=code, procedure_code=procedure_code, unit="HN-SXD", received_at=received_at, assignee=holder,
            applicant=intake.ApplicantDetails(name="Trần Văn Bình")))

    receive("HS-LATE", "1.001234", datetime(2026, 11, 20, 9, tzinfo=HANOI))  # due Mon 23, 09:00: overdue
    receive("HS-SOON", "1.001234", datetime(2026, 11, 26, 15, tzinfo=HANOI))  # due Fri 27 15:00: due soon
    receive("HS-CALM", "2.000111", datetime(2026, 11, 27, 9, tzinfo=HANOI))  # five days: on track
    receive("HS-OTHER", "2.000111", datetime(2026, 11, 27, 9, tzinfo=HANOI), holder="CB-0077")

    without = svc.client.get("/dossiers/workbench", headers=HTML)
    assert without.status_code == 303
    assert without.headers["Location"] == "/discipline/sign-in?next=/dossiers/workbench"

    cookie = web_session.issue(rt.settings.session_secret, Principal("CB-0042", "HN-SXD", frozenset({"officer"})))
    svc.client.set_cookie(web_session.COOKIE, cookie)
    page = svc.client.get("/dossiers/workbench", headers=HTML)
    assert page.status_code == 200 and page.mimetype == "text/html"
    text = page.get_data(as_text=True)
    assert re.findall(r">(HS-[A-Z]+)</a>", text) == ["HS-LATE", "HS-SOON", "HS-CALM"]  # not HS-OTHER: not hers
    assert re.findall(r'class="badge badge--(\w+)"', text) == ["overdue", "due_soon", "on_track"]
    assert "Quá hạn" in text and "Sắp đến hạn" in text
    assert "23/11/2026 09:00" in text  # one working day after Friday 09:00, in Vietnam's date format
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]
