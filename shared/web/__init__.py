"""The HTTP side every service shares (the edge: nothing below `api.py`/`pages.py` imports it).

- `app`: the Flask app factory, the one error shape, correlation ids, health and metrics;
- `access`: the caller's token, `protected` (the outermost decorator of every protected view);
- `body`: one reader of JSON-or-multipart bodies;
- `schemas`: ErrorResponse, paging arguments and envelopes, local instants.
"""

from shared.web.access import (
    BEARER,
    OPTIONAL_BEARER,
    client_address,
    current_principal,
    current_session,
    documents_errors,
    protected,
    require_roles,
)
from shared.web.app import create_service_app, error_body, healthz, metrics, readyz, runtime, status_of
from shared.web.body import load_body
from shared.web.schemas import LOCAL_TZ, ErrorResponse, LocalDateTime, PageArgs, page_schema

__all__ = [
    "BEARER", "OPTIONAL_BEARER", "LOCAL_TZ", "ErrorResponse", "LocalDateTime", "PageArgs", "client_address",
    "current_session",
    "create_service_app",
    "current_principal", "documents_errors", "error_body", "healthz", "load_body", "metrics", "page_schema",
    "protected", "readyz", "require_roles", "runtime", "status_of",
]
