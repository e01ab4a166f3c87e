"""A dossier's statuses, codes and instants; how a finished dossier is judged; which lifecycle steps its
state allows. Pure: time is passed in."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from decimal import Decimal

from shared.codes import is_code
from shared.errors import Conflict, InvalidInput

# A dossier's clock runs while it is `received` (the one value the overdue and warnings sweeps index);
# it stands still while `awaiting_supplement`. Steps (hand-overs) are tracked beside the status.
# `completed` is "result ready"; `returned` is the result handed to the citizen; the other ends close an
# open dossier.
RECEIVED = "received"
AWAITING_SUPPLEMENT = "awaiting_supplement"
COMPLETED = "completed"
RETURNED, REFUSED, WITHDRAWN, STOPPED = "returned", "refused", "withdrawn", "stopped"
OPEN_STATUSES = (RECEIVED, AWAITING_SUPPLEMENT)
ENDS = (RETURNED, REFUSED, WITHDRAWN, STOPPED)
STATUSES = (RECEIVED, AWAITING_SUPPLEMENT, COMPLETED, RETURNED, REFUSED, WITHDRAWN, STOPPED)
STATUS_LABELS_VI = {
    RECEIVED: "đang giải quyết",
    AWAITING_SUPPLEMENT: "chờ công dân bổ sung hồ sơ",
    COMPLETED: "đã có kết quả",
    RETURNED: "đã trả kết quả",
    REFUSED: "đã từ chối giải quyết",
    WITHDRAWN: "công dân đã rút hồ sơ",
    STOPPED: "đã dừng xử lý",
}

HTTP_CHANNELS = ("direct", "online", "post")
EXTERNAL_CHANNEL = "external"

EARLY, ON_TIME, LATE = "early", "on_time", "late"
WITHIN_DEADLINE, OVERDUE = "within_deadline", "overdue"

# Budgets are stored as NUMERIC(10, 4): a finer fraction would be rounded silently.
DAY_PLACES = 4
MAX_PROCESSING_DAYS = Decimal(1000)

# Codes appear in URLs and in other services' records; external one-stop systems use dots and dashes
# (e.g. 000.00.20.H26-261116-0001), never slashes or spaces.

# Desks and external systems send instants from their own clocks; a few minutes ahead of ours is
# clock drift, more is a wrong date that would produce a deadline nobody can meet.
CLOCK_SKEW = timedelta(minutes=5)


def is_valid_code(code: str) -> bool:
    return is_code(code)


def format_days(days: Decimal) -> str:
    """A budget as users read it: 1, 0.25, 15 (never 1.0000 or 1E+1)."""
    return format(days.normalize(), "f")


def require_offset(field: str, moment: datetime) -> None:
    """An instant from outside must say its offset: 16:00 where?"""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise InvalidInput(f"{field} needs a timezone offset",
                           {field: [f"{moment.isoformat()} has no offset; write e.g. {moment.isoformat()}+07:00"]})


def check_received_at(received_at: datetime, now: datetime) -> None:
    require_offset("received_at", received_at)
    if received_at > now + CLOCK_SKEW:
        raise InvalidInput(
            "a dossier cannot be received in the future",
            {"received_at": [f"{received_at.isoformat()} is later than now ({now.isoformat()}); "
                             "send the instant the desk actually received it"]},
        )


def check_completed_at(completed_at: datetime, received_at: datetime, now: datetime) -> None:
    require_offset("completed_at", completed_at)
    if completed_at < received_at:
        raise InvalidInput(
            "a dossier cannot be finished before it was received",
            {"completed_at": [f"must be at or after received_at {received_at.isoformat()}"]},
        )
    if completed_at > now + CLOCK_SKEW:
        raise InvalidInput(
            "a dossier cannot be finished in the future",
            {"completed_at": [f"{completed_at.isoformat()} is later than now ({now.isoformat()})"]},
        )


def completion_timeliness(completed_at: datetime, due_at: datetime, tz: tzinfo) -> str:
    """early / on_time / late for a finished dossier.

    Judged by the promised return *date* (the ngày hẹn trả of the receipt), in local time: before that
    date is early, on it is on time, after it is late. So a dossier due at 10:00 and
    finished at 16:00 the same day is on time, and one finished at 16:59 on a day due at 17:00 is on
    time, not early.
    """
    finished_on = completed_at.astimezone(tz).date()
    due_on = due_at.astimezone(tz).date()
    if finished_on < due_on:
        return EARLY
    if finished_on == due_on:
        return ON_TIME
    return LATE


def promise_kept(completed_at: datetime | None, promised_at: datetime | None, tz: tzinfo) -> bool | None:
    """Whether the apology's new return date was kept, judged by date like the legal one: None without an
    apology or before the result. Keeping it does not make a late dossier on time (Decree 61/2018/ND-CP
    art. 19): it is a second promise, judged apart."""
    if promised_at is None or completed_at is None:
        return None
    return completion_timeliness(completed_at, promised_at, tz) != LATE


def is_overdue(due_at: datetime, now: datetime) -> bool:
    """An open dossier is overdue from its due instant on (the same test the overdue sweep makes)."""
    return due_at <= now


@dataclass(frozen=True)
class Standing:
    """Where a dossier stands against its deadline, as users read it."""

    timeliness: str
    overdue_since: datetime | None


def standing(status: str, due_at: datetime, timeliness: str | None, now: datetime,
             paused_since: datetime | None = None) -> Standing:
    """Finished dossiers keep their judgement; open ones are within the deadline or overdue. While the
    clock stands still for the citizen's supplement, the dossier is judged at the instant it stopped."""
    if status not in OPEN_STATUSES:
        return Standing(timeliness=timeliness, overdue_since=None)
    reference = paused_since if status == AWAITING_SUPPLEMENT and paused_since is not None else now
    if is_overdue(due_at, reference):
        return Standing(timeliness=OVERDUE, overdue_since=due_at)
    return Standing(timeliness=WITHIN_DEADLINE, overdue_since=None)



# -- the lifecycle ----------------------------------------------------------------------------------

LATE_OVERRAN, LATE_SECOND_SUPPLEMENT = "overran", "second_supplement"
# How many supplement requests the law allows; the next one counts the dossier late (Decision 766/QĐ-TTg).
SUPPLEMENTS_ALLOWED = 1
REASON_MAX = 2000
# Ends that need a reason (the citizen must be told why).
ENDS_NEEDING_REASON = (REFUSED, STOPPED)


def conflict_state(code: str, status: str, action: str) -> Conflict:
    """The 409 of an action the dossier's state does not allow, naming that state."""
    return Conflict(f"dossier {code!r} is {STATUS_LABELS_VI.get(status, status)} ({status}); {action}",
                    {"status": [f"current state is {status}"]})


def ensure_open(code: str, status: str, action: str) -> None:
    if status not in OPEN_STATUSES:
        raise conflict_state(code, status, f"{action} needs an open dossier")


def check_at(at: datetime, not_before: datetime, now: datetime, *, field: str = "at",
             not_before_what: str = "the dossier's last recorded event") -> None:
    """An instant reported for a lifecycle event: with an offset, not in the future, and not before what
    already happened (the control sheet reads forward)."""
    require_offset(field, at)
    if at > now + CLOCK_SKEW:
        raise InvalidInput(f"{field} is in the future",
                           {field: [f"{at.isoformat()} is later than now ({now.isoformat()})"]})
    if at < not_before:
        raise InvalidInput(f"{field} is before {not_before_what}",
                           {field: [f"must be at or after {not_before.isoformat()} ({not_before_what})"]})


def check_reasons(reasons: list[str] | None) -> list[str]:
    cleaned = [r.strip() for r in (reasons or []) if isinstance(r, str) and r.strip()]
    if not cleaned:
        raise InvalidInput("a supplement request must say what to supplement and why",
                           {"reasons": ["give at least one reason (e.g. thiếu bản sao giấy khai sinh)"]})
    too_long = [i for i, r in enumerate(cleaned, start=1) if len(r) > REASON_MAX]
    if too_long:
        raise InvalidInput("a reason is too long", {"reasons": [f"reason {i} exceeds {REASON_MAX} characters"
                                                                for i in too_long]})
    return cleaned


def check_reason(reason: str | None, required: bool, why: str) -> str | None:
    reason = (reason or "").strip() or None
    if reason is None and required:
        raise InvalidInput(f"a reason is required: {why}", {"reason": ["required"]})
    if reason is not None and len(reason) > REASON_MAX:
        raise InvalidInput("the reason is too long", {"reason": [f"at most {REASON_MAX} characters"]})
    return reason

