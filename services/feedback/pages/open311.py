"""Open311 GeoReport v2 over the feedback service, in both of its formats (JSON and XML, `.json`/`.xml`),
with its discovery document, so existing Open311 clients (city apps, 311 dashboards) can submit and read
requests. Our categories are its services; our tracking codes its service_request_id. Contact fields are
stored like those of the platform's own form: never shown; a request's place and text are public only once
its answer is published, and its text then with the telephone numbers and e-mail addresses the reporter
typed hidden (domain.redaction).
"""

from __future__ import annotations

from datetime import datetime, tzinfo
from typing import Any
from xml.etree import ElementTree

from flask import Blueprint, Response, jsonify, request
from werkzeug.exceptions import HTTPException

from services.feedback import domain
from services.feedback.domain.redaction import redact_contacts
from services.feedback.models import Feedback
from services.feedback.use_cases import intake
from services.feedback.use_cases.open311 import open311_requests
from shared.errors import DomainError, InvalidInput
from shared.web import client_address, runtime, status_of

open311 = Blueprint("open311", __name__)
BASE = "/open311/v2"

# Words Open311 clients search services by.
_KEYWORDS = {
    "delay": "chậm trễ, quá hạn, trễ hẹn",
    "misconduct": "nhũng nhiễu, sách nhiễu, vòi vĩnh",
    "procedure": "thủ tục, giấy tờ",
    "attitude": "thái độ, tác phong",
    "policy": "chính sách, quy định",
    "other": "khác",
}


def _routes(path: str):
    """Open311 clients append `.json` or `.xml`; the bare path answers JSON."""
    def register(view):
        open311.add_url_rule(f"{BASE}/{path}.json", view_func=view, methods=view.methods)
        open311.add_url_rule(f"{BASE}/{path}.xml", endpoint=f"{view.__name__}_xml", view_func=view,
                             methods=view.methods)
        open311.add_url_rule(f"{BASE}/{path}", endpoint=f"{view.__name__}_bare", view_func=view,
                             methods=view.methods)
        return view
    return register


# The singular element of each list in GeoReport v2's XML (services/service, attributes/attribute …).
_XML_ITEMS = {"services": "service", "service_requests": "request", "errors": "error", "attributes": "attribute",
              "values": "value", "endpoints": "endpoint", "formats": "format"}


def _wants_xml() -> bool:
    return request.path.endswith(".xml")


def _xml_value(parent: ElementTree.Element, name: str, value: Any) -> None:
    element = ElementTree.SubElement(parent, name)
    if isinstance(value, list):
        for item in value:
            _xml_value(element, _XML_ITEMS.get(name, "item"), item)
    elif isinstance(value, dict):
        for key, inner in value.items():
            _xml_value(element, key, inner)
    elif isinstance(value, bool):
        element.text = "true" if value else "false"
    elif value is not None:
        element.text = str(value)


def _answer(body: list | dict, root: str, status: int = 200) -> Response:
    """The answer in the format the client asked for: a JSON array/object, or GeoReport v2's XML whose root
    is `root` (a list's items named as the spec names them)."""
    if not _wants_xml():
        response = jsonify(body)
    else:
        element = ElementTree.Element(root)
        if isinstance(body, list):
            for item in body:
                _xml_value(element, _XML_ITEMS[root], item)
        else:
            for key, value in body.items():
                _xml_value(element, key, value)
        text = ElementTree.tostring(element, encoding="unicode", short_empty_elements=True)
        response = Response('<?xml version="1.0" encoding="utf-8"?>\n' + text,
                            mimetype="text/xml", content_type="text/xml; charset=utf-8")
    response.status_code = status
    return response


def _error(status: int, description: str, extra: dict | None = None):
    response = _answer([{"code": status, "description": description}], "errors", status)
    for key, value in (extra or {}).items():
        response.headers[key] = value
    return response


# Our form's field names as an Open311 client knows them, so an error names the field it sent.
_OPEN311_FIELDS = {"category": "service_code", "content": "description", "unit": "attribute[unit]",
                   "official": "attribute[official]", "misconduct_kind": "attribute[misconduct_kind]",
                   "reporter.phone": "phone", "reporter.email": "email", "reporter.name": "first_name"}


@open311.errorhandler(DomainError)
def _domain_error(error: DomainError):
    details = "; ".join(f"{_OPEN311_FIELDS.get(field, field)}: {messages}" for field, messages in error.errors.items())
    extra = {"Retry-After": str(error.retry_after)} if isinstance(error, domain.RateLimited) else None
    status = status_of(error)
    return _error(400 if status == 422 else status,
                  error.message + (f" ({details})" if details else ""), extra)


@open311.errorhandler(HTTPException)
def _http_error(error: HTTPException):
    return _error(error.code or 500, error.description or error.name)


def services_list():
    """GET services.json / services.xml — our categories as Open311 services."""
    return _answer([
        {"service_code": code, "service_name": label,
         "description": f"Phản ánh, kiến nghị: {label.lower()}", "metadata": code == domain.MISCONDUCT_CATEGORY,
         "type": "realtime", "keywords": _KEYWORDS.get(code, ""), "group": "Phản ánh, kiến nghị"}
        for code, label in domain.CATEGORIES.items()
    ], "services")


services_list.methods = ["GET"]
_routes("services")(services_list)


def service_definition(service_code: str):
    """GET services/<code>.json — the extra attributes a misconduct report needs."""
    if service_code not in domain.CATEGORIES:
        raise InvalidInput(f"unknown service_code {service_code!r}", {"service_code": ["unknown"]})
    attributes = [
        {"variable": True, "code": "unit", "datatype": "string", "required": service_code == "misconduct",
         "datatype_description": "mã đơn vị bị phản ánh", "order": 1, "description": "Đơn vị bị phản ánh"},
        {"variable": True, "code": "official", "datatype": "string", "required": False,
         "datatype_description": "mã cán bộ", "order": 2, "description": "Cán bộ bị phản ánh"},
    ]
    if service_code == domain.MISCONDUCT_CATEGORY:
        attributes.append({"variable": True, "code": "misconduct_kind", "datatype": "singlevaluelist",
                           "required": True, "order": 3, "description": "Loại hành vi",
                           "datatype_description": "",
                           "values": [{"key": k, "name": v} for k, v in domain.MISCONDUCT_KINDS.items()]})
    return _answer({"service_code": service_code, "attributes": attributes}, "service_definition")


service_definition.methods = ["GET"]
open311.add_url_rule(f"{BASE}/services/<service_code>.json", view_func=service_definition)
open311.add_url_rule(f"{BASE}/services/<service_code>.xml", endpoint="service_definition_xml",
                     view_func=service_definition)


def requests_collection():
    """POST: submit a request (form-encoded or JSON); GET: search requests."""
    if request.method == "POST":
        return _create_request()
    args = request.args
    ids = [i for i in (args.get("service_request_id") or "").split(",") if i.strip()]
    status = args.get("status")
    if status not in (None, "", "open", "closed"):
        raise InvalidInput("status is open or closed", {"status": ["open|closed"]})
    found = open311_requests(runtime().uow(), ids=ids or None, service_code=args.get("service_code"),
                             start=_instant(args, "start_date"), end=_instant(args, "end_date"),
                             status=status or None)
    return _answer(_views(found), "service_requests")


requests_collection.methods = ["GET", "POST"]
_routes("requests")(requests_collection)


def request_by_id(service_request_id: str):
    found = open311_requests(runtime().uow(), ids=[service_request_id])
    if not found:
        return _error(404, f"no service request {service_request_id!r}")
    return _answer(_views(found), "service_requests")


request_by_id.methods = ["GET"]
_routes("requests/<service_request_id>")(request_by_id)


def _create_request():
    form = request.get_json(silent=True) if request.is_json else request.form
    form = form or {}
    client = intake.open311_client(runtime().uow(), form.get("api_key"), client_address())
    intake.admit(runtime().uow(), client)
    attribute = {key[len("attribute["):-1]: value for key, value in form.items()
                 if key.startswith("attribute[") and key.endswith("]")}
    attribute.update(form.get("attribute") or {} if isinstance(form.get("attribute"), dict) else {})
    name = " ".join(part for part in (form.get("first_name"), form.get("last_name")) if part) or None
    has_contact = bool(form.get("email") or form.get("phone"))
    submission = domain.FeedbackForm(
        channel="web",
        category=form.get("service_code"),
        content=form.get("description"),
        unit=attribute.get("unit"),
        official=attribute.get("official"),
        misconduct_kind=attribute.get("misconduct_kind"),
        # Open311 allows reports without contact: they are anonymous here.
        anonymous=not has_contact,
        reporter=domain.ReporterForm(name=name, phone=form.get("phone"), email=form.get("email")) if has_contact
        else None,
        device_id=form.get("device_id"),
        account_id=form.get("account_id"),
    )
    place = intake.Place(lat=_number(form, "lat"), long=_number(form, "long"),
                         address_string=form.get("address_string"))
    feedback, created = intake.receive_feedback(runtime().uow(), submission,
                                                intake.Delivery(sender=client, place=place))
    notice = ("Đã tiếp nhận phản ánh; tra cứu bằng mã " if created
              else "Phản ánh này đã được gửi trước đó; mã tra cứu ") + feedback.code
    return _answer([{"service_request_id": feedback.code, "service_notice": notice, "account_id": None}],
                   "service_requests", 201 if created else 200)


# GeoReport v2's discovery document: where the endpoint is and which formats it speaks. The date this
# endpoint's behaviour last changed (XML answers, private places): clients compare it to notice changes.
CHANGESET = "2026-12-02T00:00:00+07:00"


def discovery():
    """GET discovery.json / discovery.xml."""
    root = request.host_url.rstrip("/") + "/feedback/open311"
    return _answer({
        "changeset": CHANGESET,
        "contact": "Phản ánh, kiến nghị về thủ tục hành chính và kỷ luật, kỷ cương hành chính; hỗ trợ kỹ thuật: "
                   "liên hệ quản trị hệ thống của Văn phòng UBND.",
        "key_service": "Khóa API (api_key) do quản trị hệ thống cấp cho từng ứng dụng; không có khóa vẫn gửi "
                       "được, theo hạn mức của mỗi địa chỉ.",
        "endpoints": [{"specification": "http://wiki.open311.org/GeoReport_v2", "url": f"{root}/v2",
                       "changeset": CHANGESET, "type": "production",
                       "formats": ["text/xml", "application/json"]}],
    }, "discovery")


discovery.methods = ["GET"]
for _prefix in ("/open311", BASE):
    open311.add_url_rule(f"{_prefix}/discovery.json", endpoint=f"discovery_json{_prefix}", view_func=discovery)
    open311.add_url_rule(f"{_prefix}/discovery.xml", endpoint=f"discovery_xml{_prefix}", view_func=discovery)


def _number(form, key: str) -> float | None:
    raw = form.get(key)
    if raw in (None, ""):
        return None
    try:
        return float(raw)
    except (TypeError, ValueError) as exc:
        raise InvalidInput(f"{key} must be a decimal number", {key: ["a number"]}) from exc


def _instant(args, key: str) -> datetime | None:
    raw = args.get(key)
    if not raw:
        return None
    try:
        moment = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError as exc:
        raise InvalidInput(f"{key} must be a W3C datetime, e.g. 2026-11-16T09:00:00+07:00",
                           {key: ["invalid datetime"]}) from exc
    if moment.tzinfo is None:
        raise InvalidInput(f"{key} needs its UTC offset", {key: ["no offset"]})
    return moment


def _views(found: list[Feedback]) -> list[dict[str, Any]]:
    tz = runtime().calendar.tz
    return [_view(feedback, tz) for feedback in found]


def _view(feedback: Feedback, tz: tzinfo) -> dict[str, Any]:
    """A request as Open311 GeoReport v2 shows it: public fields only, never who sent it; its text, address
    and exact place only once the answer is published, and the text then without the contact details the
    reporter typed into it."""
    published = feedback.status == domain.PUBLISHED
    view: dict[str, Any] = {
        "service_request_id": feedback.code,
        "status": domain.open311_status(feedback.status),
        "status_notes": domain.open311_notes(feedback.status, feedback.refusal_reason or feedback.sent_back_reason,
                                             feedback.answer if published else None),
        "service_name": domain.CATEGORIES[feedback.category],
        "service_code": feedback.category,
        "agency_responsible": feedback.unit,
        "requested_datetime": feedback.received_at.astimezone(tz).isoformat(),
        "updated_datetime": (feedback.updated_at or feedback.received_at).astimezone(tz).isoformat(),
    }
    if published:
        view["description"] = redact_contacts(feedback.content)
        view["address"] = redact_contacts(feedback.address_string)
        view["lat"], view["long"] = feedback.latitude, feedback.longitude
    return view
