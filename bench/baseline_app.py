"""The floor the feedback intake is measured against: a bare Flask endpoint that inserts one row.

    gunicorn bench.baseline_app:app   (with BASELINE_DATABASE_URL set; started by bench/feedback_intake.py)

No schema library, no outbox, no event: parse the JSON, one INSERT in its own transaction, 201 with a
receipt shaped like the feedback service's. The engine has the same pool settings as the services' web
engine (shared/db.py, no pre-ping), so the gap between the two is what the service does on top of writing
a row.
"""

from __future__ import annotations

import os
import uuid
from datetime import UTC, datetime

from flask import Flask, jsonify, request
from sqlalchemy import Column, DateTime, MetaData, String, Table, Text, create_engine, insert

metadata = MetaData()
submissions = Table(
    "baseline_submissions",
    metadata,
    Column("code", String(36), primary_key=True),
    Column("channel", String(16), nullable=False),
    Column("category", String(32), nullable=False),
    Column("content", Text, nullable=False),
    Column("received_at", DateTime(timezone=True), nullable=False),
)


def create_app(database_url: str) -> Flask:
    # As `serve`'s engine (shared.db.make_engine with pre_ping=False): no round trip before each request.
    engine = create_engine(database_url, pool_pre_ping=False, pool_size=10, max_overflow=10, hide_parameters=True)
    app = Flask(__name__)

    @app.post("/baseline/submissions")
    def submit():
        data = request.get_json(silent=True) or {}
        if not isinstance(data.get("content"), str) or not data.get("channel") or not data.get("category"):
            return jsonify({"message": "channel, category and content are required"}), 422
        row = {"code": uuid.uuid4().hex, "channel": data["channel"], "category": data["category"],
               "content": data["content"], "received_at": datetime.now(UTC)}
        with engine.begin() as conn:
            conn.execute(insert(submissions), row)
        return jsonify({"code": row["code"], "status": "received",
                        "received_at": row["received_at"].isoformat()}), 201

    return app


def create_schema(database_url: str) -> None:
    engine = create_engine(database_url)
    metadata.create_all(engine)
    engine.dispose()


# Built at import, i.e. in each gunicorn worker after the fork (no preload): no connection crosses a fork.
app = create_app(os.environ["BASELINE_DATABASE_URL"]) if "BASELINE_DATABASE_URL" in os.environ else None
