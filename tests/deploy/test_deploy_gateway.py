"""The gateway (nginx with deploy/nginx.conf) in front of stand-in services.

The configuration under test is the real one; only its listening port, its pid file and the upstream
ports are moved to ports the test holds (no other program can take them meanwhile), so it runs beside
anything already on 8100-8105. Each stand-in service
answers with what it received, the way a service behind the gateway would see the request.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import threading
import time
import uuid
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import requests

from shared.settings import SERVICES

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
STOPPED_SERVICE = "reporting"  # left without a process, as when a service is down

# A developer without nginx skips these; CI (which installs it) must run them, so there they fail instead.
pytestmark = pytest.mark.skipif(NGINX is None and not os.environ.get("CI"),
                                reason="nginx is not installed (.ci/run installs it)")


class EchoService(BaseHTTPRequestHandler):
    """Answers with what reached it; echoes the correlation id as the platform's services do."""

    def _answer(self):
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.server.served = getattr(self.server, "served", 0) + 1
        payload = json.dumps({
            "served": self.server.served,
            "service": self.server.service_name,
            "method": self.command,
            "path": self.path,
            "correlation_id": self.headers.get("X-Correlation-ID"),
            "forwarded_for": self.headers.get_all("X-Forwarded-For"),
            "real_ip": self.headers.get_all("X-Real-IP"),
            "body": body.decode("utf-8"),
        }, ensure_ascii=False).encode("utf-8")
        self.send_response(200)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("X-Correlation-ID", self.headers.get("X-Correlation-ID") or "service-made-id")
        if "/public-page" in self.path:  # as the platform's public pages say
            self.send_header("Cache-Control", "public, max-age=60")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST = _answer

    def log_message(self, *args):
        pass


def held_port(listening: bool) -> socket.socket:
    """A socket on a port of the kernel's choosing, kept open so that no other program takes the port.

    Bound but not listening, the port refuses connections (a stopped service); listening, it is handed to
    nginx, which takes inherited sockets from the `NGINX` environment variable (its binary-upgrade path).
    """
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    if listening:
        sock.listen(128)
        sock.set_inheritable(True)
    return sock


def replace_once(text: str, old: str, new: str) -> str:
    assert text.count(old) == 1, f"expected {old!r} once in the gateway configuration"
    return text.replace(old, new)


@dataclass(frozen=True)
class Gateway:
    url: str
    access_log: Path
    error_log: Path

    def __str__(self) -> str:
        return self.url

    def log_lines(self) -> list[dict]:
        return [json.loads(line) for line in self.access_log.read_text(encoding="utf-8").splitlines()]


@pytest.fixture(scope="module")
def gateway(tmp_path_factory):
    if NGINX is None:
        pytest.fail("nginx is not installed: .ci/run installs it (apt-get install nginx)")
    tmp_path = tmp_path_factory.mktemp("gateway")
    servers = []
    stopped = held_port(listening=False)
    upstreams = (DEPLOY / "nginx-upstreams.conf").read_text(encoding="utf-8")
    for service in SERVICES:
        planned = re.search(rf"upstream kycuong_{service} \{{\s*server 127\.0\.0\.1:(\d+);", upstreams).group(1)
        if service == STOPPED_SERVICE:
            port = stopped.getsockname()[1]
        else:
            server = ThreadingHTTPServer(("127.0.0.1", 0), EchoService)
            server.service_name = service
            threading.Thread(target=server.serve_forever, daemon=True).start()
            servers.append(server)
            port = server.server_address[1]
        upstreams = replace_once(upstreams, f"127.0.0.1:{planned};", f"127.0.0.1:{port};")
    (tmp_path / "nginx-upstreams.conf").write_text(upstreams, encoding="utf-8")

    listener = held_port(listening=True)
    port = listener.getsockname()[1]
    conf = (DEPLOY / "nginx.conf").read_text(encoding="utf-8")
    conf = replace_once(conf, "listen 8100;", f"listen 127.0.0.1:{port};")
    conf = replace_once(conf, "pid /tmp/kycuong-gateway.pid;", f"pid {tmp_path / 'nginx.pid'};")
    (tmp_path / "nginx.conf").write_text(conf, encoding="utf-8")

    access_log = (tmp_path / "access.log").open("wb")
    error_log = (tmp_path / "error.log").open("wb")
    process = subprocess.Popen([NGINX, "-c", str(tmp_path / "nginx.conf"), "-g", "daemon off;"],
                               stdout=access_log, stderr=error_log, pass_fds=(listener.fileno(),),
                               env={**os.environ, "NGINX": f"{listener.fileno()};"})
    try:
        # The socket listens before nginx runs: ready is when nginx answers on it.
        deadline = time.monotonic() + 10
        while True:
            try:
                requests.get(f"http://127.0.0.1:{port}/healthz", timeout=0.5).raise_for_status()
                break
            except requests.RequestException:
                if process.poll() is not None or time.monotonic() > deadline:
                    process.kill()
                    process.wait()
                    pytest.fail(f"nginx did not start: {(tmp_path / 'error.log').read_text()}")
                time.sleep(0.05)
        yield Gateway(f"http://127.0.0.1:{port}", tmp_path / "access.log", tmp_path / "error.log")
    finally:
        process.terminate()
        process.wait(timeout=10)
        access_log.close()
        error_log.close()
        for server in servers:
            server.shutdown()
            server.server_close()
        listener.close()
        stopped.close()


def test_the_gateway_forwards_the_client_address_it_saw_never_one_the_client_claims(gateway):
    seen = requests.get(f"{gateway}/feedback/api/v1/feedback", timeout=5,
                        headers={"X-Forwarded-For": "203.0.113.7", "X-Real-IP": "203.0.113.8"}).json()
    assert seen["forwarded_for"] == ["127.0.0.1"]
    assert seen["real_ip"] == ["127.0.0.1"]


def test_each_service_prefix_reaches_its_service_with_the_path_and_query_unchanged(gateway):
    for service in SERVICES:
        if service == STOPPED_SERVICE:
            continue
        response = requests.get(f"{gateway}/{service}/api/v1/items?page=2&size=5", timeout=5)
        assert response.status_code == 200
        seen = response.json()
        assert seen["service"] == service
        assert seen["path"] == f"/{service}/api/v1/items?page=2&size=5"


def test_a_vietnamese_request_body_arrives_intact(gateway):
    text = '{"noi_dung": "Cán bộ một cửa hẹn trả hồ sơ trễ hạn, đề nghị xem xét"}'
    response = requests.post(f"{gateway}/feedback/api/v1/feedback", data=text.encode("utf-8"),
                             headers={"Content-Type": "application/json; charset=utf-8"}, timeout=5)
    assert response.status_code == 200
    assert response.json()["method"] == "POST"
    assert response.json()["body"] == text


def test_the_callers_correlation_id_is_passed_on_and_returned_once(gateway):
    response = requests.get(f"{gateway}/tasks/healthz", headers={"X-Correlation-ID": "cid-from-portal"}, timeout=5)
    assert response.json()["correlation_id"] == "cid-from-portal"
    assert response.headers["X-Correlation-ID"] == "cid-from-portal"


def test_a_request_without_correlation_id_gets_one_from_the_gateway(gateway):
    response = requests.get(f"{gateway}/dossiers/healthz", timeout=5)
    assigned = response.json()["correlation_id"]
    assert re.fullmatch(r"[0-9a-f]{32}", assigned)
    assert response.headers["X-Correlation-ID"] == assigned


def test_a_stopped_service_answers_503_in_the_platform_error_shape(gateway):
    response = requests.get(f"{gateway}/{STOPPED_SERVICE}/api/v1/scorecards", timeout=5)
    assert response.status_code == 503
    body = response.json()
    assert (body["code"], body["status"], body["errors"]) == ("service_unavailable", 503, {})
    assert response.headers["X-Correlation-ID"]


def test_a_browser_meets_a_stopped_service_as_a_maintenance_page_in_vietnamese(gateway):
    response = requests.get(f"{gateway}/{STOPPED_SERVICE}/workbench", timeout=5,
                            headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    assert response.status_code == 503
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    assert response.headers["Retry-After"] == "30"
    page = response.content.decode("utf-8")
    assert '<html lang="vi">' in page and "<h1>Hệ thống đang bảo trì</h1>" in page
    assert "Xin thử lại sau ít phút" in page
    assert response.headers["X-Correlation-ID"] in page  # the code to quote when reporting it
    assert "<script" not in page and "default-src 'none'" in response.headers["Content-Security-Policy"]


def test_a_public_page_is_kept_a_minute_but_never_for_a_signed_in_official_or_an_api_token(gateway):
    path = f"{gateway}/feedback/public-page?run={uuid.uuid4().hex}"  # never kept by an earlier run
    first, second = requests.get(path, timeout=5), requests.get(path, timeout=5)
    assert (first.headers["X-Cache"], second.headers["X-Cache"]) == ("MISS", "HIT")
    assert second.json()["served"] == first.json()["served"]  # the service answered once
    english = requests.get(path, cookies={"kc_lang": "en"}, timeout=5)
    assert english.headers["X-Cache"] == "MISS"  # each language kept apart
    official = requests.get(path, cookies={"kc_session": "signed-in"}, timeout=5)
    api = requests.get(path, headers={"Authorization": "Bearer x"}, timeout=5)
    assert official.headers["X-Cache"] == api.headers["X-Cache"] == "BYPASS"
    plain = f"{gateway}/feedback/api/v1/feedback"  # no Cache-Control: passed through every time
    assert requests.get(plain, timeout=5).json()["served"] != requests.get(plain, timeout=5).json()["served"]
    assert first.headers["X-Correlation-ID"]


def test_the_home_page_is_reportings(gateway):
    # Reporting is the stopped service here: "/" reaching it is seen as the maintenance page, not a 404.
    response = requests.get(f"{gateway}/", timeout=5, headers={"Accept": "text/html"})
    assert response.status_code == 503 and "Hệ thống đang bảo trì" in response.content.decode("utf-8")


def test_a_path_outside_the_services_answers_404_naming_the_services(gateway):
    response = requests.get(f"{gateway}/payments/api/v1/x", timeout=5)
    assert response.status_code == 404
    body = response.json()
    assert body["code"] == "not_found"
    assert all(f"/{service}/" in body["message"] for service in SERVICES)


def test_the_gateway_reports_its_own_health(gateway):
    response = requests.get(f"{gateway}/healthz", timeout=5)
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "service": "gateway"}


def test_the_access_log_holds_no_query_string_and_no_client_address(gateway):
    requests.get(f"{gateway}/feedback/api/v1/feedback?phone=0912345678", headers={"X-Correlation-ID": "cid-log"},
                 timeout=5)
    deadline = time.monotonic() + 5
    while not (lines := [line for line in gateway.log_lines() if line["correlation_id"] == "cid-log"]):
        assert time.monotonic() < deadline, "the gateway wrote no access log line"
        time.sleep(0.05)
    assert lines[0]["path"] == "/feedback/api/v1/feedback"
    assert lines[0]["status"] == 200
    assert "0912345678" not in gateway.access_log.read_text(encoding="utf-8")
    assert not {"remote", "remote_addr", "client", "ip"} & set(lines[0])


def test_a_failing_service_leaves_no_query_string_or_client_address_in_the_gateway_logs(gateway):
    response = requests.get(f"{gateway}/{STOPPED_SERVICE}/api/v1/lookup?phone=0987654321",
                            headers={"X-Correlation-ID": "cid-down"}, timeout=5)
    assert response.status_code == 503
    deadline = time.monotonic() + 5
    while not [line for line in gateway.log_lines() if line["correlation_id"] == "cid-down"]:
        assert time.monotonic() < deadline, "the gateway wrote no access log line"
        time.sleep(0.05)
    written = gateway.access_log.read_text(encoding="utf-8") + gateway.error_log.read_text(encoding="utf-8")
    assert "0987654321" not in written
    assert "client:" not in written
