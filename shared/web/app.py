"""The HTTP side every service shares: app factory, error answers, correlation ids, health, metrics.
Services add flask-smorest Blueprints; nothing here knows a service.
"""

from __future__ import annotations

import time
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any

from flask import Blueprint, Flask, Response, current_app, g, jsonify, render_template, request
from flask_smorest import Api
from prometheus_client import CONTENT_TYPE_LATEST, Counter, Histogram, generate_latest
from sqlalchemy.exc import DBAPIError
from werkzeug.exceptions import HTTPException

from shared import broker
from shared.db import ping
from shared.errors import (
    Conflict,
    DomainError,
    Forbidden,
    InvalidInput,
    NotFound,
    TooLarge,
    TooManyRequests,
    Unauthorized,
)
from shared.logging import correlation_id, service_name
from shared.web import pages
from shared.web.guards import MAX_BODY_BYTES, BoundedIntegerConverter, refuse_illegal_characters
from shared.web.operations import operations_blueprint
from shared.web.schemas import ErrorResponse

if TYPE_CHECKING:
    from shared.runtime import ServiceRuntime

REQUESTS = Counter("kycuong_http_requests_total", "HTTP requests", ["service", "method", "status"])
LATENCY = Histogram("kycuong_http_request_seconds", "HTTP request latency", ["service"])

WEB = Path(__file__).resolve().parent


def docs_blueprint(service: str) -> Blueprint:
    """Swagger UI of one service at /<service>/docs/, every asset served by the platform (no CDN: it must
    work in a province's own network) and no inline script."""
    docs = Blueprint(f"{service}_docs", __name__, template_folder=str(WEB / "templates"),
                     static_folder=str(WEB / "static" / "swagger-ui"), static_url_path="/assets")

    @docs.get("/")
    def swagger_ui():
        return render_template("api_docs.html", title=current_app.config["API_TITLE"],
                               spec_url=f"/{service}/docs/openapi.json", assets=f"/{service}/docs/assets/")

    return docs


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
                403: "forbidden", 405: "method_not_allowed", 400: "bad_request",
                413: "too_large"}.get(error.code, "error")
        message = data.get("message") or error.description or error.name
        if error.code == 413:
            message = f"the request body is larger than {MAX_BODY_BYTES // (1024 * 1024)} MB; send smaller files"
        if error.code == 422 and errors:
            message = "the request has invalid fields: " + ", ".join(sorted(errors))
        if pages.wants_page():
            return pages.error_page(error.code)
        response = jsonify(error_body(error.code, code, message, errors))
        response.status_code = error.code
        return response


# The status of each error a use case raises; a subclass takes its nearest ancestor's.
STATUS = {InvalidInput: 422, TooLarge: 413, NotFound: 404, Conflict: 409, Unauthorized: 401, Forbidden: 403,
          TooManyRequests: 429, DomainError: 400}


def status_of(error: DomainError) -> int:
    return next(STATUS[cls] for cls in type(error).__mro__ if cls in STATUS)


def error_body(status: int, code: str, message: str, errors: dict[str, Any] | None = None) -> dict[str, Any]:
    """The one error shape of every answer: {"code", "status", "message", "errors"}."""
    return {"code": code, "status": status, "message": message, "errors": errors or {}}


def _handle_domain_error(error: DomainError):
    status = status_of(error)
    if pages.wants_page() and status == 401:
        return pages.sign_in_redirect()  # never a JSON 401 to a browser: back to sign in, then back here
    if pages.wants_page() and status in (403, 404):
        return pages.error_page(status, error.message)
    if pages.wants_page() and isinstance(error, TooManyRequests):
        return pages.error_page(429, error.message, retry_after=error.retry_after)
    response = jsonify(error_body(status, error.code, error.message, error.errors))
    response.status_code = status
    if isinstance(error, TooManyRequests):
        response.headers["Retry-After"] = str(error.retry_after)
    return response


# Seconds a client should wait before trying again when the database is away (a restart takes a few).
RETRY_AFTER_DATABASE = 5


def _database_unavailable(error: Exception) -> bool:
    """The database could not be reached or dropped the connection (a restart, a failover), as opposed
    to a statement it refused: the first passes by itself, the second is a bug."""
    if not isinstance(error, DBAPIError):
        return False
    if error.connection_invalidated:
        return True
    name = type(error.orig).__name__ if error.orig is not None else ""
    return name in ("OperationalError", "InterfaceError") and "syntax" not in str(error.orig).lower()


def _handle_unexpected(error: Exception):
    if isinstance(error, HTTPException):
        return current_app.extensions["platform_api"].handle_http_exception(error)
    if _database_unavailable(error):
        # A fault, not a bug: one line, no traceback; the client is told when to try again.
        current_app.logger.warning("database unavailable: %s", type(error.orig).__name__)
        if pages.wants_page():
            return pages.error_page(503, retry_after=RETRY_AFTER_DATABASE)
        response = jsonify(error_body(503, "unavailable", "the database is not answering (it may be restarting); "
                                      f"try again in {RETRY_AFTER_DATABASE} seconds"))
        response.status_code = 503
        response.headers["Retry-After"] = str(RETRY_AFTER_DATABASE)
        return response
    current_app.logger.exception("unhandled error")
    if pages.wants_page():
        return pages.error_page(500, reference=correlation_id.get())
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
        API_SPEC_OPTIONS={
            "components": {"securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer",
                                                               "bearerFormat": "JWT"}}},
        },
    )
    app.config["MAX_CONTENT_LENGTH"] = MAX_BODY_BYTES
    app.url_map.converters["int"] = BoundedIntegerConverter
    app.extensions["kycuong"] = rt
    api = PlatformApi(app)
    app.extensions["platform_api"] = api
    for blueprint in spec.blueprints:
        api.register_blueprint(blueprint, url_prefix=f"/{spec.name}/api/v1{blueprint.url_prefix or ''}")
    api.register_blueprint(operations_blueprint(spec.name, runtime), url_prefix=f"/{spec.name}/api/v1")
    app.register_blueprint(docs_blueprint(spec.name), url_prefix=f"/{spec.name}/docs")
    pages.install(app, spec.name)
    for page in spec.pages:
        app.register_blueprint(page, url_prefix=f"/{spec.name}")
    app.register_error_handler(DomainError, _handle_domain_error)
    app.register_error_handler(Exception, _handle_unexpected)

    @app.before_request
    def _bind_request():
        g.started = time.perf_counter()
        g.started_cpu = time.thread_time()
        cid = request.headers.get("X-Correlation-ID") or str(uuid.uuid4())
        g.correlation_tokens = (correlation_id.set(cid), service_name.set(spec.name))
        refuse_illegal_characters()

    latency = LATENCY.labels(spec.name)  # the service's child, looked up once, not per request
    counted: dict[tuple[str, int], Any] = {}

    @app.after_request
    def _finish(response: Response):
        response.headers["X-Correlation-ID"] = correlation_id.get() or ""
        # Citizens' text is served as JSON only; never let a browser sniff it into HTML and run a script.
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        key = (request.method, response.status_code)
        if (requests := counted.get(key)) is None:
            requests = counted[key] = REQUESTS.labels(spec.name, *key)
        requests.inc()
        if "started" in g:
            elapsed = time.perf_counter() - g.started
            latency.observe(elapsed)
            # The time the app itself spent, and the CPU time of its thread (bench/pages.py reads them; browsers'
            # developer tools show them).
            cpu = time.thread_time() - g.started_cpu
            response.headers["Server-Timing"] = f"app;dur={elapsed * 1000:.1f}, cpu;dur={cpu * 1000:.1f}"
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
            broker.ensure(conn, timeout=2)
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
