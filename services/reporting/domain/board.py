"""The Service Center's live board (Trung tâm Phục vụ hành chính công watches every unit's dossiers in real
time): where each open dossier stands now, counted per (unit, procedure, step).

A dossier is on the board while it is open: received (its receipt, completion or overdue notice told when)
and neither completed nor ended. It is there in one of three states, judged from its events only (never
from the clock, so the stored counters cannot go stale between two events):

- overdue: an overdue notice about its current due instant or a later one (a notice about an earlier due
  instant says nothing once the deadline moved later: the dossiers service warns again for the new one),
  or marked late by a second supplement request (late whatever the dates, Decision 766/QĐ-TTg);
- due soon: not overdue, its clock running, and a warning (`dossier.due_soon`) about its current due
  instant or a later one;
- within: the others (waiting for the citizen's supplement among them: the clock stands still).

Its step and official are those of the newest hand-over (`dossier.handed_over`, ordered by its instant, not
by arrival); before any hand-over arrives, those the newest overdue or warning notice named (the step
holding the dossier at that moment), else no step and the receiving official.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime

from services.reporting.domain.dossier_facts import DossierFact

STATES = ("within", "due_soon", "overdue")
# Worst first: what the board and the drill-down sort by.
STATE_RANK = {"overdue": 0, "due_soon": 1, "within": 2}
NO_STEP = ""  # the counters' key for a dossier whose step is not known yet


@dataclass(frozen=True)
class Position:
    """The newest hand-over: the step and official that hold the dossier since `at`."""

    at: datetime
    step: str | None
    official: str | None
    from_step: str | None = None  # tells apart two hand-overs stamped with the same instant

    def order(self) -> tuple:
        return self.at.astimezone(UTC), self.from_step or "", self.step or "", self.official or ""


@dataclass(frozen=True)
class Warning:
    """The newest `dossier.due_soon`: the due instant it warned about, and who held the dossier then."""

    due_at: datetime
    detected_at: datetime
    step: str | None = None
    official: str | None = None

    def order(self) -> tuple:
        return (self.detected_at.astimezone(UTC), self.due_at.astimezone(UTC), self.step or "",
                self.official or "")


@dataclass(frozen=True)
class Placement:
    """What the board keeps of a dossier besides its fact: its procedure, newest hand-over and warning."""

    procedure: str | None = None
    position: Position | None = None
    warning: Warning | None = None

    def handed_over(self, position: Position) -> Placement:
        if self.position is not None and self.position.order() >= position.order():
            return self
        return replace(self, position=position)

    def warned(self, warning: Warning) -> Placement:
        if self.warning is not None and self.warning.order() >= warning.order():
            return self
        return replace(self, warning=warning)

    def with_procedure(self, procedure: str | None) -> Placement:
        # A dossier's procedure never changes: the first one told stays (as dossier_facts.procedure_code).
        return self if self.procedure is not None or procedure is None else replace(self, procedure=procedure)


@dataclass(frozen=True)
class BoardEntry:
    """Where one open dossier is counted, and who holds it."""

    unit: str
    procedure: str
    step: str
    state: str
    official: str | None

    @property
    def key(self) -> tuple[str, str, str]:
        return self.unit, self.procedure, self.step


def state_of(fact: DossierFact, warning: Warning | None) -> str:
    """within, due_soon or overdue (see the module's docstring)."""
    due = fact.due_at
    if fact.marked_late is not None:
        return "overdue"
    notice = fact.overdue
    if notice is not None:
        noticed = fact.legal(notice.due_at)
        if due is None or noticed is None or noticed >= due:
            return "overdue"
    if warning is not None and fact.paused_since is None:
        warned = fact.legal(warning.due_at)
        if due is None or warned >= due:
            return "due_soon"
    return "within"


def holder(fact: DossierFact, placement: Placement) -> tuple[str | None, str | None]:
    """(step, official) holding the dossier now, as far as its events tell."""
    if placement.position is not None:
        return placement.position.step, placement.position.official
    notices = [(n.detected_at.astimezone(UTC), n.step, n.official)
               for n in (fact.overdue, placement.warning) if n is not None]
    if notices:
        _, step, official = max(notices, key=lambda n: (n[0], n[1] or "", n[2] or ""))
        return step, official or (fact.receipt.handler if fact.receipt else None)
    return None, fact.receipt.handler if fact.receipt else None


def entry_of(fact: DossierFact, placement: Placement) -> BoardEntry | None:
    """Where the dossier is counted on the board; None when it is not open (or not known to be received)."""
    unit = fact.unit
    if unit is None or fact.received_at is None or fact.completed_at is not None:
        return None
    step, official = holder(fact, placement)
    return BoardEntry(unit, placement.procedure or "", step or NO_STEP, state_of(fact, placement.warning), official)


Counts = tuple[int, int, int]  # open, due soon, overdue


def counts_of(state: str) -> Counts:
    return 1, int(state == "due_soon"), int(state == "overdue")


def entry_changes(before: BoardEntry | None, after: BoardEntry | None) -> dict[tuple[str, str, str], Counts]:
    """What moving one dossier from `before` to `after` adds to the counters, per (unit, procedure, step)."""
    changes: dict[tuple[str, str, str], Counts] = {}
    if before is not None and after is not None and before.key == after.key and before.state == after.state:
        return changes
    if before is not None:
        changes[before.key] = tuple(-n for n in counts_of(before.state))
    if after is not None:
        added = counts_of(after.state)
        current = changes.get(after.key, (0, 0, 0))
        changes[after.key] = tuple(a + b for a, b in zip(current, added, strict=True))
    return {key: counts for key, counts in changes.items() if any(counts)}
