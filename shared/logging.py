"""Structured JSON logs carrying the correlation id of the request or event being handled."""

from __future__ import annotations

import contextvars
import json
import logging
import os
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


class ConsoleFormatter(logging.Formatter):
    """One readable line per record for a person at a terminal: time, level, where, what, and the
    correlation id when there is one."""

    def format(self, record: logging.LogRecord) -> str:
        when = datetime.fromtimestamp(record.created).strftime("%H:%M:%S")
        line = f"{when} {record.levelname.lower():<7} {record.name}: {record.getMessage()}"
        extras = [f"{key}={value}" for key, value in record.__dict__.items()
                  if key not in _RESERVED and not key.startswith("_")]
        if extras:
            line += "  (" + ", ".join(extras) + ")"
        if (cid := correlation_id.get()) is not None:
            line += f"  [{cid}]"
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        return line


# Libraries that narrate their work (connections, migrations, font subsetting, layout) at INFO or DEBUG:
# only their warnings reach the platform's log.
QUIET = ("amqp", "kombu", "pika", "werkzeug", "alembic.runtime.migration", "weasyprint", "fontTools",
         "fontTools.subset", "fontTools.ttLib", "matplotlib", "PIL")


def configure(level: str = "INFO", fmt: str | None = None) -> None:
    """JSON lines (for log collectors) unless the output is a terminal; `fmt` ("json" or "console", or
    KYCUONG_LOG_FORMAT) chooses explicitly."""
    root = logging.getLogger()
    fmt = fmt or os.environ.get("KYCUONG_LOG_FORMAT") or ("console" if sys.stderr.isatty() else "json")
    formatter = ConsoleFormatter() if fmt == "console" else JsonFormatter()
    if any(isinstance(h.formatter, (JsonFormatter, ConsoleFormatter)) for h in root.handlers):
        root.setLevel(level)
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(formatter)
    root.handlers[:] = [handler]
    root.setLevel(level)
    for noisy in QUIET:
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
