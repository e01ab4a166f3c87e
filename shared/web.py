"""The HTTP side every service shares: app factory, error shape, correlation ids, health, metrics,
pagination. Services add flask-smorest Blueprints; nothing here knows a service.
"""

from __future__ import annotations

import time
import uuid
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from flask import Flask, Response, current_app, g, jsonify, request
from flask_smorest import Api
from marshmallow import Schema, fields, validate
from prometheus_client import CONTENT_TYPE_LATEST, Counter, Histogram, generate_latest
from werkzeug.exceptions import HTTPException

from shared import broker
from shared.db import ping
from shared.errors import DomainError, error_body
from shared.logging import correlation_id, service_name

if TYPE_CHECKING:
    from shared.runtime import ServiceRuntime

REQUESTS = Counter("kycuong_http_requests_total", "HTTP requests", ["service", "method", "status"])
LATENCY = Histogram("kycuong_http_request_seconds", "HTTP request latency", ["service"])

SWAGGER_UI_URL = "https://cdn.jsdelivr.net/npm/swagger-ui-dist@5.17.14/"


def runtime() -> ServiceRuntime:
    return current_app.extensions["kycuong"]


class PlatformApi(Api):
    """flask-smorest Api whose errors take the platform's one JSON shape."""

    def __init__(self, app):
        self.ERROR_SCHEMA = ErrorResponse  # documents the real shape in OpenAPI
        super().__init__(app)

    def handle_http_exception(self, error: HTTPException):
        data = getattr(error, "data", None) or {}
        errors: dict[str, Any] = {}
        for location, messages in (data.get("messages") or {}).items():
            if isinstance(messages, dict):
                for field, msgs in messages.items():
                    errors[field if location == "json" else f"{location}.{field}"] = msgs
            else:
                errors[location] = messages
        code = {422: "invalid_input", 404: "not_found", 409: "conflict", 401: "unauthorized",
                403: "forbidden", 405: "method_not_allowed", 400: "bad_request"}.get(error.code, "error")
        message = data.get("message") or error.description or error.name
        if error.code == 422 and errors:
            message = "the request has invalid fields: " + ", ".join(sorted(errors))
        response = jsonify(error_body(error.code, code, message, errors))
        response.status_code = error.code
        return response


def _handle_domain_error(error: DomainError):
    response = jsonify(error.as_dict())
    response.status_code = error.status
    return response


def _handle_unexpected(error: Exception):
    if isinstance(error, HTTPException):
        return current_app.extensions["platform_api"].handle_http_exception(error)
    current_app.logger.exception("unhandled error")
    response = jsonify(error_body(500, "internal_error",
                                  f"an unexpected error occurred; quote correlation id {correlation_id.get()}"))
    response.status_code = 500
    return response


def create_service_app(rt: ServiceRuntime, *, root_routes: bool = True) -> Flask:
    spec = rt.spec
    app = Flask(f"kycuong.{spec.name}")
    app.json.ensure_ascii = False  # Vietnamese stays readable
    app.json.sort_keys = False
    app.config.update(
        API_TITLE=spec.title or f"Kỷ Cương — {spec.name}",
        API_VERSION="v1",
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX=f"/{spec.name}/docs",
        OPENAPI_JSON_PATH="openapi.json",
        OPENAPI_SWAGGER_UI_PATH="/",
        OPENAPI_SWAGGER_UI_URL=SWAGGER_UI_URL,
        API_SPEC_OPTIONS={
            "components": {"securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer",
                                                               "bearerFormat": "JWT"}}},
        },
    )
    app.extensions["kycuong"] = rt
    api = PlatformApi(app)
    app.extensions["platform_api"] = api
    for blueprint in spec.blueprints:
        api.register_blueprint(blueprint, url_prefix=f"/{spec.name}/api/v1{blueprint.url_prefix or ''}")
    for page in spec.pages:
        app.register_blueprint(page, url_prefix=f"/{spec.name}")
    app.register_error_handler(DomainError, _handle_domain_error)
    app.register_error_handler(Exception, _handle_unexpected)

    @app.before_request
    def _bind_request():
        g.started = time.perf_counter()
        cid = request.headers.get("X-Correlation-ID") or str(uuid.uuid4())
        g.correlation_tokens = (correlation_id.set(cid), service_name.set(spec.name))

    @app.after_request
    def _finish(response: Response):
        response.headers["X-Correlation-ID"] = correlation_id.get() or ""
        # Citizens' text is served as JSON only; never let a browser sniff it into HTML and run a script.
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        REQUESTS.labels(spec.name, request.method, response.status_code).inc()
        if "started" in g:
            LATENCY.labels(spec.name).observe(time.perf_counter() - g.started)
        return response

    @app.teardown_request
    def _unbind(_exc):
        tokens = g.pop("correlation_tokens", None)
        if tokens:
            correlation_id.reset(tokens[0])
            service_name.reset(tokens[1])

    prefixes = [f"/{spec.name}"] + ([""] if root_routes else [])
    for prefix in prefixes:
        app.add_url_rule(f"{prefix}/healthz", f"healthz{prefix}", healthz)
        app.add_url_rule(f"{prefix}/readyz", f"readyz{prefix}", readyz)
        app.add_url_rule(f"{prefix}/metrics", f"metrics{prefix}", metrics)
    return app


def healthz():
    return jsonify({"status": "ok", "service": runtime().name})


def readyz():
    rt = runtime()
    checks: dict[str, str] = {}
    try:
        ping(rt.engine)
        checks["database"] = "ok"
    except Exception as exc:
        checks["database"] = f"unavailable: {exc.__class__.__name__}"
    if rt.settings.in_memory_broker:
        checks["broker"] = "ok (in-memory)"
    else:
        conn = broker.connect(rt.settings.broker_url)
        try:
            conn.ensure_connection(max_retries=1, timeout=2)
            checks["broker"] = "ok"
        except Exception as exc:
            checks["broker"] = f"unavailable: {exc.__class__.__name__}"
        finally:
            conn.release()
    ready = all(v.startswith("ok") for v in checks.values())
    response = jsonify({"status": "ready" if ready else "not_ready", "service": rt.name, "checks": checks})
    response.status_code = 200 if ready else 503
    return response


def metrics():
    return Response(generate_latest(), mimetype=CONTENT_TYPE_LATEST)


LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")


class LocalDateTime(fields.DateTime):
    """An instant as users read it: ISO 8601 in Asia/Ho_Chi_Minh (stored in UTC)."""

    def _serialize(self, value, attr, obj, **kwargs):
        if value is not None and value.tzinfo is not None:
            value = value.astimezone(LOCAL_TZ)
        return super()._serialize(value, attr, obj, **kwargs)


class ErrorResponse(Schema):
    code = fields.String(metadata={"description": "machine-readable error code"})
    status = fields.Integer()
    message = fields.String(metadata={"description": "what went wrong and what to fix"})
    errors = fields.Dict(metadata={"description": "messages per field"})


class PageArgs(Schema):
    page = fields.Integer(load_default=1, validate=validate.Range(min=1))
    page_size = fields.Integer(load_default=50, validate=validate.Range(min=1, max=500))


def page_schema(item_schema: type[Schema], name: str) -> type[Schema]:
    """The response schema of a paginated list: {items, page, page_size, total}."""
    return type(name, (Schema,), {
        "items": fields.List(fields.Nested(item_schema)),
        "page": fields.Integer(),
        "page_size": fields.Integer(),
        "total": fields.Integer(),
    })


def paginate(query, session, page: int, page_size: int) -> dict:
    """Run a SQLAlchemy select with paging; returns the page envelope with ORM objects as items."""
    from sqlalchemy import func, select

    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    items = session.scalars(query.limit(page_size).offset((page - 1) * page_size)).all()
    return {"items": items, "page": page, "page_size": page_size, "total": total}
