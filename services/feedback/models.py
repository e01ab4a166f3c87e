"""Tables of the feedback service (its own database)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from shared.db import UtcDateTime, service_metadata


class Base(DeclarativeBase):
    metadata = service_metadata()


class Feedback(Base):
    __tablename__ = "feedback"

    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    category: Mapped[str] = mapped_column(String(32), index=True)
    content: Mapped[str] = mapped_column(Text)
    unit: Mapped[str | None] = mapped_column(String(64))
    official: Mapped[str | None] = mapped_column(String(64), index=True)
    dossier_code: Mapped[str | None] = mapped_column(String(64), index=True)
    anonymous: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(16))
    received_at: Mapped[datetime] = mapped_column(UtcDateTime)
    answer: Mapped[str | None] = mapped_column(Text)  # the public answer, once published
    answered_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    __table_args__ = (
        # A unit's queue, by status, oldest first: the list officers work from.
        Index("ix_feedback_unit_status_received_at", "unit", "status", "received_at"),
        Index("ix_feedback_received_at", "received_at"),
    )


class FeedbackReporter(Base):
    """How to reach the reporter. Kept apart from the feedback so that nothing that reads feedback
    (lists, the public page, events) can serialise it by accident, and so it can be erased on its own.
    Never written for anonymous feedback."""

    __tablename__ = "feedback_reporters"

    feedback_code: Mapped[str] = mapped_column(ForeignKey("feedback.code"), primary_key=True)
    name: Mapped[str | None] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(32))
    email: Mapped[str | None] = mapped_column(String(254))
    address: Mapped[str | None] = mapped_column(String(500))
