"""The citizens' journeys behind the gateway, as a province runs them: nginx with the real deploy/nginx.conf
(its cache of public pages on) in front of the embedded demo. What the gateway keeps a minute must never stand
between a citizen and her own answer: the tracking page after an officer publishes, a refused second rating,
a look-up with the right secret after a wrong one."""

from __future__ import annotations

from pathlib import Path

import pytest
import requests
from conftest import wait_until
from test_web_citizen_feedback import send_follow_and_rate
from test_web_citizen_lookup import look_up_a_late_dossier
from web_support import NGINX, browser, check_page, demo, start_gateway

from kycuong.local_stack import listening_socket
from shared.settings import SERVICES


@pytest.fixture(scope="module")
def gateway(demo, tmp_path_factory):
    if not Path(NGINX).exists():
        pytest.fail("nginx is not installed: .ci/run installs it (apt-get install nginx)")
    base = demo[0]
    tmp = tmp_path_factory.mktemp("citizen-gateway")
    listener = listening_socket()
    # The embedded demo serves every service's prefix on its one port: each upstream is that port.
    process = start_gateway(tmp, {service: base.removeprefix("http://") for service in SERVICES}, listener,
                            fallback=base.removeprefix("http://"))
    url = f"http://127.0.0.1:{listener.getsockname()[1]}"

    def answers():
        assert process.poll() is None, (tmp / "nginx.log").read_text(errors="replace")
        try:
            return requests.get(f"{url}/healthz", timeout=2).ok
        except requests.RequestException:
            return False

    wait_until(answers, timeout=30, interval=0.1, message="the gateway answers")
    yield url
    process.terminate()
    process.wait(timeout=20)
    listener.close()


def test_the_home_page_comes_through_the_gateway_and_is_kept_a_minute(gateway, browser):
    first = requests.get(f"{gateway}/", timeout=10)
    again = requests.get(f"{gateway}/", timeout=10)
    assert first.status_code == 200 and "Xếp hạng" in first.text, first.text[:3000]
    assert again.headers["X-Cache"] == "HIT"
    page = browser.new_page(viewport={"width": 390, "height": 844})
    page.goto(f"{gateway}/")
    assert page.locator("svg.bar-chart rect").count() >= 1
    check_page(page, "gateway-home")
    page.close()


def test_a_citizen_looks_up_a_late_dossier_and_downloads_the_apology_through_the_gateway(gateway, browser,
                                                                                         tmp_path):
    look_up_a_late_dossier(browser, gateway, tmp_path, shots="gateway-citizen")


def test_a_citizen_sends_feedback_follows_it_and_rates_once_through_the_gateway(gateway, browser, tmp_path):
    send_follow_and_rate(browser, gateway, tmp_path, shots="gateway-citizen")
