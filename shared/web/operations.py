"""What every service shows its admins about its own messaging: messages that reused an applied event's id
with other content (shared.consumer keeps them instead of applying or dropping them)."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields
from sqlalchemy import func, select

from shared.db import Page
from shared.web.access import protected
from shared.web.schemas import LocalDateTime, PageArgs, page_schema


class EventConflictOut(Schema):
    consumer = fields.String(metadata={"description": "the consumer (service and stream) that received it"})
    event_id = fields.String()
    event_type = fields.String()
    applied_digest = fields.String(metadata={"description": "digest of the content applied first, which stands"})
    digest = fields.String(metadata={"description": "digest of this other content, not applied"})
    body = fields.Function(lambda row: bytes(row.body).decode("utf-8", errors="replace"),
                           metadata={"description": "the message as received"})
    seen_at = LocalDateTime()


EventConflictPage = page_schema(EventConflictOut, "EventConflictPage")


def operations_blueprint(service: str, runtime) -> Blueprint:
    blp = Blueprint(f"{service}_operations", __name__, url_prefix="",
                    description="Vận hành — what the service's admins watch")

    @blp.route("/event-conflicts")
    class EventConflicts(MethodView):
        @protected(blp, "admin")
        @blp.arguments(PageArgs, location="query")
        @blp.response(200, EventConflictPage)
        def get(self, args):
            """Messages that reused an event id with other content: the first content stands; resolve with
            the publisher, newest first."""
            rt = runtime()
            table = rt.event_conflicts
            with rt.engine.connect() as conn:
                total = conn.scalar(select(func.count()).select_from(table))
                rows = conn.execute(select(table).order_by(table.c.seen_at.desc(), table.c.id.desc())
                                    .limit(args["page_size"]).offset((args["page"] - 1) * args["page_size"])).all()
            return Page(items=rows, page=args["page"], page_size=args["page_size"], total=total)

    return blp
