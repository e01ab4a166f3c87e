"""Tables of the tasks service (its own database)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from shared.db import UtcDateTime, service_metadata


class Base(DeclarativeBase):
    metadata = service_metadata()


class Task(Base):
    __tablename__ = "tasks"

    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    title: Mapped[str] = mapped_column(Text)
    lead_unit: Mapped[str] = mapped_column(String(64), index=True)
    co_units: Mapped[list[str]] = mapped_column(JSON, default=list)
    document: Mapped[str | None] = mapped_column(String(64), index=True)
    required_product: Mapped[str | None] = mapped_column(Text)
    assigned_by: Mapped[str | None] = mapped_column(String(64))
    due_at: Mapped[datetime | None] = mapped_column(UtcDateTime, index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class TaskUnit(Base):
    """Which units a task concerns (lead and co-operating), for listing a unit's tasks by index."""

    __tablename__ = "task_units"

    task_code: Mapped[str] = mapped_column(ForeignKey("tasks.code"), primary_key=True)
    unit: Mapped[str] = mapped_column(String(64), primary_key=True, index=True)
    role: Mapped[str] = mapped_column(String(8))  # lead | co
