"""Swagger UI works without Internet: the page and every asset it loads come from the platform itself."""

import re

import pytest

from shared.settings import SERVICES


@pytest.mark.parametrize("service", SERVICES)
def test_swagger_ui_loads_only_assets_the_service_serves(start_service, service):
    running = start_service(service, workers=False)
    page = running.client.get(f"/{service}/docs/")
    assert page.status_code == 200 and page.mimetype == "text/html"
    html = page.get_data(as_text=True)
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert assets, "the page loads Swagger UI's script and style"
    for asset in assets:
        assert asset.startswith(f"/{service}/docs/assets/"), f"{asset} is not served by the platform"
        answer = running.client.get(asset)
        assert answer.status_code == 200 and len(answer.data) > 100, asset
    # No inline script: the page runs under a Content-Security-Policy that forbids them.
    assert not re.search(r"<script>(?!</script>)", html)
    spec_url = re.search(r'data-spec-url="([^"]+)"', html).group(1)
    spec = running.client.get(spec_url).get_json()
    assert spec["openapi"].startswith("3.") and spec["paths"]
