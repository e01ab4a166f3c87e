"""The README's first command, as a newcomer runs it: `kycuong up --demo` on a fresh data folder shows,
within a minute, overdue demo dossiers with explanation requests, a sanction proposal and a ranking; and
what the README's demo section lists besides: control sheets, an apology letter, judged explanations, a
decision with its effect on eligibility and on the public list, an issued report."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone

import openpyxl
import pytest
import requests
from conftest import wait_until
from docx import Document

from kycuong.local_stack import ROOT, listening_socket
from shared.auth import mint_token
from shared.settings import DEV_JWT_SECRET

HANOI = timezone(timedelta(hours=7))


@pytest.fixture
def demo(tmp_path):
    sock = listening_socket()
    port = sock.getsockname()[1]
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("KYCUONG_")},
           "KYCUONG_VAR_DIR": str(tmp_path / "var")}
    log = open(tmp_path / "demo.log", "wb")  # noqa: SIM115
    process = subprocess.Popen([sys.executable, "-m", "kycuong.cli", "up", "--demo", "--fd", str(sock.fileno())],
                               cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, pass_fds=(sock.fileno(),))
    yield f"http://127.0.0.1:{port}", process, tmp_path / "demo.log"
    process.terminate()
    process.wait(timeout=20)
    sock.close()


def _admin_headers():
    return {"Authorization": "Bearer " + mint_token(DEV_JWT_SECRET, sub="newcomer", unit=None, roles=["admin"],
                                                    now=datetime.now(HANOI))}


def _getter(base, process, log):
    def get(path, **kw):
        try:
            r = requests.get(base + path, timeout=5, **kw)
        # The socket listens from the start, the platform serves once the demo is loaded: until then a
        # request waits in the socket's backlog and times out.
        except (requests.ConnectionError, requests.Timeout):
            assert process.poll() is None, log.read_text(errors="replace")[-3000:]
            return None
        return r.json() if r.status_code == 200 else None
    return get


def test_the_demo_shows_the_late_dossier_chain_within_a_minute(demo):
    base, process, log = demo
    started = time.monotonic()
    admin = _admin_headers()
    get = _getter(base, process, log)

    overdue = wait_until(lambda: (body := get("/dossiers/api/v1/dossiers?overdue=true", headers=admin))
                         and body["total"] > 0 and body, timeout=60, interval=0.5, message="overdue demo dossiers")
    late_code = overdue["items"][0]["code"]
    # The official and the head explain the lateness; a dossier the unit did not apologise for before its
    # legal due date also asks the head about that breach.
    def lateness_roles(body) -> list[str]:
        return sorted(item["role"] for item in body["items"] if "xin lỗi" not in item["reason"])

    wait_until(lambda: (body := get(f"/discipline/api/v1/explanations?subject={late_code}", headers=admin))
               and lateness_roles(body) == ["head", "official"], timeout=60, interval=0.5,
               message="the official and the head asked to explain a late dossier")
    wait_until(lambda: (body := get("/discipline/api/v1/sanction-proposals", headers=admin)) and body["total"] > 0,
               timeout=60, interval=0.5, message="a sanction proposal")
    period = datetime.now(HANOI).strftime("%Y-%m")
    # Units reach the ranking as their dossiers' events are applied, wards and departments in any order: the
    # wait is for the ranking that holds a department too, under its Vietnamese name.
    ranking = wait_until(lambda: (body := get(f"/reporting/api/v1/rankings?period={period}")) and body["items"]
                         and any(i["overdue_open"] for i in body["items"])
                         and "Sở Xây dựng" in {i["unit_name"] for i in body["items"]} and body,
                         timeout=60, interval=0.5, message="a ranking with overdue dossiers and Sở Xây dựng")
    assert time.monotonic() - started < 60
    names = {item["unit_name"] for item in ranking["items"]}
    assert "Sở Xây dựng" in names  # real Hà Nội units with their Vietnamese names
    assert requests.get(base + "/", timeout=5).status_code == 200


def test_the_demo_shows_what_the_readme_lists(demo):
    base, process, log = demo
    admin = _admin_headers()
    get = _getter(base, process, log)
    wait_until(lambda: get("/dossiers/readyz") is not None, timeout=60, interval=0.5, message="the demo started")

    # A dossier finished late: its control sheet has the hand-overs between officials, and the step that
    # overran is the one named responsible.
    dossiers = get("/dossiers/api/v1/dossiers?page_size=500", headers=admin)["items"]
    late = [d for d in dossiers if d["completed_at"] and d["timeliness"] == "late"]
    assert late, "no demo dossier finished late"
    sheet = get(f"/dossiers/api/v1/dossiers/{late[0]['code']}/control-sheet", headers=admin)
    assert len(sheet["handovers"]) >= 2
    officials = {h["from_official"] for h in sheet["handovers"]} | {h["to_official"] for h in sheet["handovers"]}
    assert len(officials - {None}) >= 2  # handed over between officials
    assert [step["key"] for step in sheet["steps"] if step["on_time"] is False]

    # Each staffed unit has a dossier waiting for the citizen's supplement, with the reasons in Vietnamese.
    waiting = get("/dossiers/api/v1/dossiers?status=awaiting_supplement&page_size=500", headers=admin)["items"]
    assert len({d["unit"] for d in waiting}) == 6
    # (the list's order is the dossiers', not the units': every one is read, and each names what is missing)
    reasons = [reason for dossier in waiting for reason in
               get(f"/dossiers/api/v1/dossiers/{dossier['code']}/control-sheet", headers=admin)["pauses"][0]["reasons"]]
    assert all(reasons) and any("Thiếu" in reason for reason in reasons), reasons

    # The apology letter with its new return date, as PDF and as a DOCX that opens.
    apology = get("/dossiers/api/v1/dossiers/HS-DEMO-0111/deadline", headers=admin)["apology"]
    assert apology["new_due_at"] > apology["previous_due_at"]
    pdf = requests.get(base + "/dossiers/api/v1/dossiers/HS-DEMO-0111/apology.pdf", headers=admin, timeout=30)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    docx = requests.get(base + "/dossiers/api/v1/dossiers/HS-DEMO-0111/apology.docx", headers=admin, timeout=30)
    letter = "\n".join(p.text for p in Document(io.BytesIO(docx.content)).paragraphs)
    assert "HS-DEMO-0111" in letter

    # One refused with its reason, one withdrawn.
    assert get("/dossiers/api/v1/dossiers/HS-DEMO-0112", headers=admin)["end_reason"].startswith("Tên hộ kinh doanh")
    assert get("/dossiers/api/v1/dossiers/HS-DEMO-0113", headers=admin)["status"] == "withdrawn"

    # Explanations: the head accepted one and rejected another.
    accepted = wait_until(lambda: (body := get("/discipline/api/v1/explanations?status=accepted", headers=admin))
                          and body["items"] and body, timeout=90, interval=0.5, message="an accepted explanation")
    assert accepted["items"][0]["judgement_reason"].startswith("Chấp nhận")
    # (the demo judges the two one after the other: the rejected one may come a moment later)
    wait_until(lambda: get("/discipline/api/v1/explanations?status=rejected", headers=admin)["items"], timeout=30,
               interval=0.5, message="a rejected explanation")

    # The inspection's finding went to a decision: the official may not be appointed, and is on the public list.
    inspections = get("/discipline/api/v1/inspections?unit=W00070", headers=admin)["items"]
    assert inspections and inspections[0]["kind"] == "surprise"
    decisions = get("/discipline/api/v1/decisions?official=CB-W070-12", headers=admin)["items"]
    assert [d["form"] for d in decisions] == ["khien_trach"]
    eligibility = get("/discipline/api/v1/officials/CB-W070-12/eligibility", headers=admin)
    assert eligibility["may_be_appointed"] is False and eligibility["may_receive_award"] is False
    violators = wait_until(lambda: (body := get("/reporting/api/v1/public/violators")) and body["items"] and body,
                           timeout=60, interval=0.5, message="the public list of violators")
    assert "Lý Văn Khoa" in {item["official_name"] for item in violators["items"]}
    assert get("/discipline/api/v1/audit/verify", headers=admin)["ok"] is True

    # The last monthly report, issued by the sweep once the demo's events have settled (a minute without
    # new ones), downloads, opens and ranks the demo's units: it is not issued before their dossiers are in.
    reports = wait_until(lambda: (body := get("/reporting/api/v1/reports?kind=monthly", headers=admin))
                         and body["items"] and body, timeout=300, interval=1, message="the monthly report")
    code = reports["items"][0]["code"]
    xlsx = requests.get(f"{base}/reporting/api/v1/reports/{code}.xlsx", headers=admin, timeout=30)
    assert xlsx.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.content))["Báo cáo"]
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    header = next(i for i, row in enumerate(rows) if row[0] == "Hạng")
    ranked = [row for row in rows[header + 1:] if isinstance(row[0], int)]
    assert ranked, "the monthly report ranks no unit: it was issued before the demo's dossiers reached reporting"
    assert get("/reporting/api/v1/public/rankings")["items"]
