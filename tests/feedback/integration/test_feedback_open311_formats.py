"""Open311 GeoReport v2 as existing clients use it: JSON and XML, the discovery document, checked with a
third-party GeoReport client from PyPI (`georeport`) over real HTTP; and what the public may see of a request:
its place and text only once its answer is published, its text without the contact details the reporter
typed into it."""

from __future__ import annotations

import threading

import pytest
import requests
import xmltodict
from georeport import GeoReport
from werkzeug.serving import make_server

O311 = "/feedback/open311/v2"
TYPED = ("Hồ sơ đăng ký hộ kinh doanh quá hạn 10 ngày, lệ phí 1.500.000 đồng đã nộp. Gọi tôi 0912.345.678 "
         "hoặc binh.tran@example.vn.")


@pytest.fixture
def served(start_service):
    """The feedback service behind a real HTTP server on a port the system chose."""
    svc = start_service("feedback", workers=False)
    server = make_server("127.0.0.1", 0, svc.app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield svc, f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


def step(svc, code, name, body=None):
    response = svc.client.post(f"/feedback/api/v1/feedback/{code}/{name}", json=body or {},
                               headers=svc.headers(unit="SO-XD", roles=("officer",)))
    assert response.status_code < 300, response.get_json()


def test_a_georeport_client_reads_services_and_requests_in_json_and_in_xml(served):
    svc, base = served
    created = requests.post(f"{base}{O311}/requests.xml", timeout=5, data={
        "service_code": "delay", "description": TYPED, "lat": "21.0285", "long": "105.8542",
        "attribute[unit]": "SO-XD", "email": "binh.tran@example.vn"})
    assert created.status_code == 201
    assert created.headers["Content-Type"] == "text/xml; charset=utf-8"
    request_id = xmltodict.parse(created.content)["service_requests"]["request"]["service_request_id"]

    for fmt in ("json", "xml"):
        client = GeoReport(f"{base}{O311}", output_format=fmt)
        services = client.get_service_list()
        assert {s["service_code"] for s in services} >= {"delay", "misconduct"}
        assert {s["metadata"] for s in services if s["service_code"] == "misconduct"} == {True if fmt == "json"
                                                                                          else "true"}
        definition = client.get_service_definition("misconduct")
        kinds = definition["attributes"] if fmt == "json" else definition["attributes"]["attribute"]
        assert "misconduct_kind" in {a["code"] for a in kinds}
        found = client.get_service_requests(service_request_id=request_id)
        found = found if isinstance(found, list) else [found]  # xmltodict gives one request as a dict
        assert [r["service_request_id"] for r in found] == [request_id]
        assert found[0]["status"] == "open" and found[0]["agency_responsible"] == "SO-XD"


def test_an_unpublished_request_shows_neither_its_place_nor_its_text(served):
    svc, base = served
    request_id = requests.post(f"{base}{O311}/requests.json", timeout=5, data={
        "service_code": "delay", "description": TYPED, "lat": "21.0285", "long": "105.8542",
        "address_string": "Số 1 Tràng Tiền", "attribute[unit]": "SO-XD"}).json()[0]["service_request_id"]

    for fmt in ("json", "xml"):
        answer = requests.get(f"{base}{O311}/requests/{request_id}.{fmt}", timeout=5)
        assert answer.status_code == 200
        for private in ("21.0285", "105.8542", "Tràng Tiền", "0912", "binh.tran"):
            assert private not in answer.text, (fmt, private)

    step(svc, request_id, "accept")
    step(svc, request_id, "answer", {"text": "Đã trả kết quả cho công dân ngày 20/11/2026."})
    step(svc, request_id, "publish")
    published = requests.get(f"{base}{O311}/requests/{request_id}.json", timeout=5).json()[0]
    assert (published["lat"], published["long"]) == (21.0285, 105.8542)
    assert published["description"] == ("Hồ sơ đăng ký hộ kinh doanh quá hạn 10 ngày, lệ phí 1.500.000 đồng đã "
                                        "nộp. Gọi tôi [đã ẩn] hoặc [đã ẩn].")
    as_xml = xmltodict.parse(requests.get(f"{base}{O311}/requests/{request_id}.xml", timeout=5).content)
    shown = as_xml["service_requests"]["request"]
    assert (shown["lat"], shown["long"], shown["description"]) == ("21.0285", "105.8542", published["description"])
    assert "Đã trả kết quả" in shown["status_notes"]


def test_errors_and_the_discovery_document_come_in_the_format_asked_for(served):
    _, base = served
    missing = requests.get(f"{base}{O311}/requests/PA-202611-ZZZZZZ.xml", timeout=5)
    assert missing.status_code == 404
    assert xmltodict.parse(missing.content)["errors"]["error"]["code"] == "404"
    bad = requests.post(f"{base}{O311}/requests.xml", data={"service_code": "weather", "description": "x"},
                        timeout=5)
    assert bad.status_code == 400 and "service_code" in xmltodict.parse(bad.content)["errors"]["error"][
        "description"]

    as_json = requests.get(f"{base}/feedback/open311/discovery.json", timeout=5).json()
    [endpoint] = as_json["endpoints"]
    assert endpoint["url"] == f"{base}{O311}" and endpoint["formats"] == ["text/xml", "application/json"]
    as_xml = xmltodict.parse(requests.get(f"{base}/feedback/open311/discovery.xml", timeout=5).content)
    assert as_xml["discovery"]["endpoints"]["endpoint"]["formats"]["format"] == ["text/xml", "application/json"]
    assert as_xml["discovery"]["changeset"] == as_json["changeset"]
