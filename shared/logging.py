"""Structured JSON logs carrying the correlation id of the request or event being handled."""

from __future__ import annotations

import contextvars
import json
import logging
import sys
from contextlib import contextmanager
from datetime import UTC, datetime

correlation_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("correlation_id", default=None)
service_name: contextvars.ContextVar[str | None] = contextvars.ContextVar("service_name", default=None)

_RESERVED = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        if (cid := correlation_id.get()) is not None:
            entry["correlation_id"] = cid
        if (svc := service_name.get()) is not None:
            entry["service"] = svc
        for key, value in record.__dict__.items():
            if key not in _RESERVED and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def configure(level: str = "INFO") -> None:
    root = logging.getLogger()
    if any(isinstance(h.formatter, JsonFormatter) for h in root.handlers):
        root.setLevel(level)
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root.handlers[:] = [handler]
    root.setLevel(level)
    for noisy in ("amqp", "kombu", "pika", "werkzeug", "alembic.runtime.migration"):
        logging.getLogger(noisy).setLevel("WARNING")


@contextmanager
def bound(correlation: str | None = None, service: str | None = None):
    tokens = []
    if correlation is not None:
        tokens.append((correlation_id, correlation_id.set(correlation)))
    if service is not None:
        tokens.append((service_name, service_name.set(service)))
    try:
        yield
    finally:
        for var, token in reversed(tokens):
            var.reset(token)
