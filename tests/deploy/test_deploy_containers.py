"""docker-compose.yml and the images, for real: what a department deploying from these files would see.

The images are built from Debian packages and the wheelhouse (deploy/images/build.py, cached after the first
run), the stack is brought up in phases with podman-compose (broker and database, migrations, services,
gateway), and everything after that goes through the gateway's published port, as a user's would: every
service is healthy; a dossier received too late goes overdue and reaches discipline (explanation requests to
the official and the unit's head) and reporting (ranking and scorecard); an apology letter downloads as a PDF
in Vietnamese and a periodic report as an XLSX; the two feedback replicas both answer. Then the stack goes
down and leaves no container, pod, network or volume behind.

Needs podman, runc, mmdebstrap and podman-compose (.ci/run installs them). Without them it fails; a developer
may skip it with KYCUONG_SKIP_CONTAINERS=1 or `-m "not containers"`, but never under CI=true.
Published ports: KYCUONG_TEST_GATEWAY_PORT (18100), KYCUONG_TEST_AMQP_PORT (18672),
KYCUONG_TEST_RABBITMQ_UI_PORT (18673); they must be free.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import shutil
import subprocess
import time
import uuid
from datetime import datetime, timedelta, timezone

import pytest
import requests
from compose_stack import ComposeStack, StackError, log, missing_tools

from shared.settings import SERVICES

HANOI = timezone(timedelta(hours=7))
pytestmark = pytest.mark.containers
IN_CI = os.environ.get("CI", "").lower() == "true"
UNIT, UNIT_NAME = "HN-CT-SXD", "Sở Xây dựng (thử nghiệm container)"
OFFICIAL, HEAD = "CB-CT-001", "CB-CT-GD"
PROCEDURE = "1.001612"
APPLICANT = "Nguyễn Thị Phương Thảo"
WAIT = 120  # seconds: a bound on the sweeps and consumers, not a measurement


def wait_until(predicate, message: str, timeout: float = WAIT, interval: float = 1.0):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout}s waiting for {message}")
        time.sleep(interval)


@contextlib.contextmanager
def shown(request):
    """Progress lines reach the terminal (the CI log) while the stack is built, not only on failure."""
    capture = request.config.pluginmanager.getplugin("capturemanager")
    with capture.global_and_fixture_disabled() if capture else contextlib.nullcontext():
        yield


@pytest.fixture(scope="module")
def stack(request, tmp_path_factory):
    missing = missing_tools()
    if missing:
        if os.environ.get("KYCUONG_SKIP_CONTAINERS") and not IN_CI:
            pytest.skip(f"KYCUONG_SKIP_CONTAINERS is set and {', '.join(missing)} missing")
        pytest.fail(f"{', '.join(missing)} not installed: .ci/run installs them (apt: podman buildah runc "
                    "mmdebstrap netavark aardvark-dns; podman-compose into var/deploy-tools); a developer without "
                    "them may set KYCUONG_SKIP_CONTAINERS=1 or run pytest -m 'not containers'")
    if os.environ.get("KYCUONG_SKIP_CONTAINERS") and not IN_CI:
        pytest.skip("KYCUONG_SKIP_CONTAINERS is set")
    started = time.monotonic()
    try:
        topology = ComposeStack(tmp_path_factory.mktemp("containers"))
    except StackError as exc:
        pytest.fail(str(exc))
    with shown(request):
        log(f"project {topology.project}, gateway {topology.gateway}")
        try:
            topology.build_images()
            topology.up({"web": [f"web_{s}" for s in SERVICES], "worker": [f"worker_{s}" for s in SERVICES]})
        except (StackError, subprocess.TimeoutExpired) as exc:
            topology.down()
            pytest.fail(str(exc))
    yield topology
    with shown(request):
        topology.down()  # nothing left to do when the last test took it down
        summary = ", ".join(f"{name} {took:.1f}s" for name, took in topology.timings.items())
        log(f"total {time.monotonic() - started:.0f}s: {summary}")


@pytest.fixture(scope="module")
def token(stack) -> str:
    """Minted by `kycuong token` inside a running container, with the stack's own secret."""
    return stack.exec("web_tasks", "kycuong", "token", "--sub", "containers-test", "--role", "admin",
                      "--role", "inspector", "--role", "office").strip()


@pytest.fixture(scope="module")
def api(stack, token):
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {token}"

    def call(method: str, path: str, **kw) -> requests.Response:
        return session.request(method, f"{stack.gateway}{path}", timeout=60, **kw)

    return call


@pytest.fixture(scope="module")
def directory(api):
    """The unit, its official and its head, and the procedure, set up through the API."""
    r = api("POST", "/discipline/api/v1/units", json={"code": UNIT, "name": UNIT_NAME, "parent": None,
                                                       "kind": "department"})
    assert r.status_code == 200, r.text
    for code, name, leader in ((OFFICIAL, "Nguyễn Văn Bình", False), (HEAD, "Trần Thị Hạnh", True)):
        r = api("POST", "/discipline/api/v1/officials", json={
            "code": code, "name": name, "unit": UNIT, "position": "Giám đốc" if leader else "Chuyên viên",
            "category": "cong_chuc", "is_leader": leader})
        assert r.status_code == 200, r.text
    r = api("POST", f"/discipline/api/v1/units/{UNIT}/heads", json={"official": HEAD, "since": "2024-01-01"})
    assert r.status_code == 200, r.text
    r = api("POST", "/dossiers/api/v1/procedures", json={
        "code": PROCEDURE, "name": "Đăng ký thành lập hộ kinh doanh", "processing_days": 3,
        "steps": [{"key": "receive", "name": "Tiếp nhận", "days": 0.5},
                  {"key": "appraise", "name": "Thẩm định", "days": 1.5},
                  {"key": "approve", "name": "Phê duyệt", "days": 1}]})
    assert r.status_code in (201, 409), r.text


def receive_dossier(api, received_at: datetime) -> str:
    code = f"HS-CT-{uuid.uuid4().hex[:6].upper()}"
    r = api("POST", "/dossiers/api/v1/dossiers", json={
        "code": code, "procedure_code": PROCEDURE, "unit": UNIT, "received_at": received_at.isoformat(),
        "handler": OFFICIAL, "applicant": {"name": APPLICANT, "phone": "0912 345 678"}})
    assert r.status_code == 201, r.text
    return code


def test_every_service_is_healthy_behind_the_gateway(stack):
    assert requests.get(f"{stack.gateway}/healthz", timeout=10).json() == {"status": "ok", "service": "gateway"}
    for service in SERVICES:
        r = requests.get(f"{stack.gateway}/{service}/healthz", timeout=10)
        assert r.status_code == 200, (service, r.text)
        assert r.json() == {"status": "ok", "service": service}
        assert r.headers["X-Correlation-ID"]


def test_the_image_is_labelled_with_the_version_and_runs_as_a_plain_user(stack):
    import tomllib

    from compose_stack import ROOT

    version = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]
    label = stack.podman("image", "inspect", "--format",
                         '{{index .Labels "org.opencontainers.image.version"}}', "localhost/kycuong:local").stdout
    assert label.strip() == version
    assert stack.exec("web_tasks", "id", "-u").strip() != "0"


def test_an_overdue_dossier_reaches_discipline_and_reporting(api, directory):
    # Received ten days ago with three working days to handle it: overdue now, whatever today is.
    code = receive_dossier(api, datetime.now(HANOI) - timedelta(days=10))

    dossier = wait_until(lambda: (r := api("GET", f"/dossiers/api/v1/dossiers/{code}")).ok
                         and r.json().get("overdue_since") and r.json(), "the dossiers sweep to mark it overdue")
    assert dossier["unit"] == UNIT

    def explanation_requests():
        r = api("GET", f"/discipline/api/v1/explanations?subject={code}")
        assert r.status_code == 200, r.text
        return len(items := r.json()["items"]) >= 2 and items

    by_role = {item["role"]: item for item in wait_until(explanation_requests, "explanation requests")}
    assert by_role["official"]["official"] == OFFICIAL
    assert by_role["head"]["official"] == HEAD

    period = datetime.now(HANOI).strftime("%Y-%m")

    def ranking_entry():
        r = api("GET", f"/reporting/api/v1/rankings?period={period}&page_size=500")
        assert r.status_code == 200, r.text
        entry = next((item for item in r.json()["items"] if item["unit"] == UNIT), None)
        return entry and entry["overdue_open"] >= 1 and entry

    entry = wait_until(ranking_entry, "the ranking to count the overdue dossier")
    assert entry["unit_name"] == UNIT_NAME
    assert entry["on_time_rate"] < 1

    r = api("GET", f"/reporting/api/v1/units/{UNIT}/scorecard?period={period}")
    assert r.status_code == 200, r.text
    assert UNIT_NAME in r.text


def test_an_apology_letter_downloads_as_a_pdf_in_vietnamese(api, directory, tmp_path):
    now = datetime.now(HANOI)
    code = receive_dossier(api, now - timedelta(hours=1))
    r = api("POST", f"/dossiers/api/v1/dossiers/{code}/apology", json={
        "reason": "Hồ sơ cần xác minh thêm thông tin về địa điểm kinh doanh",
        "new_due_at": (now + timedelta(days=14)).isoformat(), "official": OFFICIAL, "place": "Hà Nội",
        "signed_by": HEAD, "signer_name": "Trần Thị Hạnh"})  # the unit's head signs (Form 04)
    assert r.status_code == 201, r.text

    r = api("GET", f"/dossiers/api/v1/dossiers/{code}/apology.pdf")
    assert r.status_code == 200, r.text
    assert r.headers["Content-Type"].startswith("application/pdf")
    assert r.content.startswith(b"%PDF")
    pdf = tmp_path / "apology.pdf"
    pdf.write_bytes(r.content)
    if not shutil.which("pdftotext"):
        assert not IN_CI, "pdftotext (poppler-utils) is missing: .ci/run installs it"
        pytest.skip("pdftotext (poppler-utils) is not installed: the text of the PDF is not read")
    text = " ".join(subprocess.run(["pdftotext", "-enc", "UTF-8", str(pdf), "-"], capture_output=True, text=True,
                                   check=True).stdout.split())
    assert "PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ" in text
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text
    assert APPLICANT in text
    assert code in text
    assert "Trần Thị Hạnh" in text and "DỰ THẢO" not in text
    # The letter is set in the documents' one font, shipped in the image (shared/fonts: TeX Gyre Termes, every
    # Vietnamese letter), embedded, never a system fallback.
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
    embedded = [name.replace("-", "") for name in re.findall(r"^[A-Z]{6}\+(\S+)\s", fonts, re.MULTILINE)]
    assert embedded, fonts
    assert all(name.startswith("TeXGyreTermes") for name in embedded), fonts


def test_a_periodic_report_downloads_as_an_xlsx(api):
    import openpyxl

    # The reporting worker's sweep issues the last closed reports right after it starts.
    def issued():
        r = api("GET", "/reporting/api/v1/reports?page_size=50")
        assert r.status_code == 200, r.text
        return r.json()["items"]

    report = wait_until(issued, "the reporting sweep to issue the periodic reports")[0]
    r = api("GET", f"/reporting/api/v1/reports/{report['code']}.xlsx")
    assert r.status_code == 200, r.text
    assert r.content.startswith(b"PK")
    workbook = openpyxl.load_workbook(io.BytesIO(r.content), read_only=True)
    cells = [str(value) for sheet in workbook.worksheets for row in sheet.iter_rows(values_only=True)
             for value in row if value is not None]
    assert cells, "the workbook is empty"
    assert any(re.search(r"[ạ-ỹđĐ]", cell) for cell in cells), "no Vietnamese text in the workbook"


def test_both_feedback_replicas_answer_through_the_gateway(stack):
    replicas = stack.names_of("web_feedback")
    assert len(replicas) == 2, replicas
    addresses = {name: stack.ip_addresses(name) for name in replicas}

    r = requests.post(f"{stack.gateway}/feedback/api/v1/feedback", timeout=30, json={
        "channel": "web", "category": "delay", "anonymous": True,
        "content": "Hồ sơ đăng ký hộ kinh doanh của tôi đã quá hẹn năm ngày mà chưa có kết quả"})
    assert r.status_code == 201, r.text
    tracking = r.json()["code"]

    # A citizen follows the feedback by its code; whichever replica answers reads the same database.
    correlation = {}
    for index in range(8):
        cid = f"replica-check-{uuid.uuid4().hex}"
        r = requests.get(f"{stack.gateway}/feedback/api/v1/feedback/{tracking}", timeout=30,
                         headers={"X-Correlation-ID": cid})
        assert r.status_code == 200, r.text
        assert r.json()["code"] == tracking
        correlation[cid] = index

    # The gateway logs the upstream address of each request: both replicas must have answered.
    def upstreams_seen():
        lines = stack.podman("logs", stack.names_of("gateway")[0]).stdout.splitlines()
        seen = {}
        for line in lines:
            match = re.search(r'"upstream":"([^"]*)","correlation_id":"([^"]*)"', line)
            if match and match.group(2) in correlation:
                seen[match.group(2)] = match.group(1).rsplit(":", 1)[0]
        return len(seen) == len(correlation) and seen

    seen = wait_until(upstreams_seen, "the gateway's access log lines", timeout=30)
    answered = {name for name, ips in addresses.items() if ips & set(seen.values())}
    assert answered == set(replicas), f"replica addresses {addresses}, upstreams that answered {set(seen.values())}"


def test_down_leaves_nothing_behind(stack):
    """Runs last in this module: the stack's own teardown, checked."""
    left = stack.down()
    assert left == {}, f"podman-compose down left behind {left}"
