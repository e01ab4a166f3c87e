"""What every browser test shares (import the fixtures into a test module): the embedded demo started once
per module on a held socket, Debian's chromium driven by Playwright, and `check_page` (axe-core, 390 px,
screenshots for a reviewer)."""

from __future__ import annotations

import atexit
import os
import re
import shutil
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import pytest
import requests
from conftest import wait_until
from playwright import sync_api as playwright

from kycuong.local_stack import ROOT, listening_socket
from shared.auth import mint_token
from shared.settings import DEV_JWT_SECRET, SERVICES

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
DEPLOY = ROOT / "deploy"
AXE = Path(__file__).with_name("vendor") / "axe.min.js"
ARTIFACTS = ROOT / "var" / "test-artifacts" / "web"



@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    if not Path(CHROMIUM).exists():
        # CI (which installs it) must run these; a developer without it is told how to get it.
        (pytest.fail if os.environ.get("CI") else pytest.skip)(
            "Debian's chromium is not installed: .ci/run installs it (apt-get install chromium)")
    tmp = tmp_path_factory.mktemp("web")
    sock = listening_socket()
    port = sock.getsockname()[1]
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("KYCUONG_")}, "KYCUONG_VAR_DIR": str(tmp)}
    log = open(tmp / "demo.log", "wb")  # noqa: SIM115
    process = subprocess.Popen([sys.executable, "-m", "kycuong.cli", "up", "--demo", "--fd", str(sock.fileno())],
                               cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, pass_fds=(sock.fileno(),))
    base = f"http://127.0.0.1:{port}"
    admin = {"Authorization": "Bearer " + mint_token(DEV_JWT_SECRET, sub="web-test", unit=None, roles=["admin"],
                                                     now=datetime.now(UTC))}

    def overdue():
        try:
            body = requests.get(f"{base}/dossiers/api/v1/dossiers?overdue=true&page_size=500", headers=admin,
                                timeout=5).json()
        except (requests.ConnectionError, requests.Timeout, ValueError):
            assert process.poll() is None, (tmp / "demo.log").read_text(errors="replace")[-3000:]
            return None
        return [d for d in body.get("items", []) if d.get("current_official")] or None

    held = wait_until(overdue, timeout=90, interval=0.5, message="overdue demo dossiers held by an official")
    official = held[0]["current_official"]
    listed = requests.get(f"{base}/discipline/api/v1/officials?unit={held[0]['unit']}&page_size=500",
                          headers=admin, timeout=5).json()["items"]
    name = next(item["name"] for item in listed if item["code"] == official)
    yield base, official, name
    process.terminate()
    process.wait(timeout=20)
    sock.close()
    log.close()


@pytest.fixture(scope="module")
def browser():
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield browser
        browser.close()


def check_page(page, name: str) -> None:
    """axe-core finds nothing serious or critical; at 390 px nothing scrolls sideways; a screenshot is kept."""
    page.evaluate(AXE.read_text(encoding="utf-8"))  # through DevTools, not a page script: the CSP stays whole
    found = page.evaluate("async () => (await axe.run()).violations.map(v => [v.id, v.impact, v.nodes.length])")
    serious = [v for v in found if v[1] in ("serious", "critical")]
    assert not serious, f"{name}: {serious}"
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate("document.documentElement.scrollWidth") <= 390, f"{name} scrolls sideways at 390 px"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}-390.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.screenshot(path=str(ARTIFACTS / f"{name}-1280.png"), full_page=True)




def sign_in_as(page, base: str, name: str, target: str) -> None:
    """Sign in on the demo's "sign in as" page as the official called `name`, then land on `target`."""
    page.goto(f"{base}/discipline/sign-in?next={target}")
    page.get_by_role("button", name=name, exact=True).first.click()
    page.wait_for_url(f"{base}{target}")


def start_gateway(tmp: Path, upstream: dict[str, str], listener, fallback: str) -> subprocess.Popen:
    """nginx with the real deploy/nginx.conf on the held `listener` socket: each service to its address in
    `upstream` ("127.0.0.1:port"), the others to `fallback` (a port nobody listens on). Its cache is a folder
    of its own, so no other run's pages are ever served from it; nginx's workers (nobody, when the tests run
    as root) write there, so the folder is theirs to write, outside pytest's private temporary folder."""
    cache = Path(tempfile.mkdtemp(prefix="kycuong-test-gateway-cache-"))
    cache.chmod(0o777)
    atexit.register(shutil.rmtree, cache, ignore_errors=True)
    upstreams = (DEPLOY / "nginx-upstreams.conf").read_text(encoding="utf-8")
    for service in SERVICES:
        upstreams = re.sub(rf"(upstream kycuong_{service} \{{\s*server )127\.0\.0\.1:\d+;",
                           rf"\g<1>{upstream.get(service, fallback)};", upstreams)
    (tmp / "nginx-upstreams.conf").write_text(upstreams, encoding="utf-8")
    conf = (DEPLOY / "nginx.conf").read_text(encoding="utf-8")
    for planned, here in (("listen 8100;", f"listen 127.0.0.1:{listener.getsockname()[1]};"),
                          ("pid /tmp/kycuong-gateway.pid;", f"pid {tmp / 'nginx.pid'};"),
                          ("/tmp/kycuong-gateway-cache", str(cache))):
        assert conf.count(planned) == 1, f"deploy/nginx.conf no longer holds {planned!r}"
        conf = conf.replace(planned, here)
    (tmp / "nginx.conf").write_text(conf, encoding="utf-8")
    log = (tmp / "nginx.log").open("wb")
    # nginx takes inherited listening sockets from the NGINX variable (its binary-upgrade path).
    return subprocess.Popen([NGINX, "-c", str(tmp / "nginx.conf"), "-g", "daemon off;"], stdout=log,
                            stderr=subprocess.STDOUT, pass_fds=(listener.fileno(),),
                            env={**os.environ, "NGINX": f"{listener.fileno()};"})
