"""Where a dossier stands on the live board (domain.board), without a database."""

from datetime import datetime, timedelta, timezone

from services.reporting.domain.board import (
    BoardEntry,
    Placement,
    Position,
    Warning,
    entry_changes,
    entry_of,
    state_of,
)
from services.reporting.domain.dossier_facts import (
    Completion,
    DeadlineMove,
    DossierFact,
    MarkedLate,
    OverdueNotice,
    Receipt,
    SupplementPause,
)

HANOI = timezone(timedelta(hours=7))
T0 = datetime(2026, 11, 2, 9, 0, tzinfo=HANOI)
DUE = T0 + timedelta(days=5)
RECEIVED = DossierFact("HS-1", receipt=Receipt(T0, "U1", T0, DUE, handler="CB-1"))


def overdue(due=DUE, step="appraise"):
    return OverdueNotice(due + timedelta(minutes=5), "U1", T0, due, due + timedelta(minutes=5), step, "CB-2")


def warning(due=DUE):
    return Warning(due, due - timedelta(days=1), "appraise", "CB-2")


def test_states_from_events_only():
    assert state_of(RECEIVED, None) == "within"
    assert state_of(RECEIVED, warning()) == "due_soon"
    fact = DossierFact("HS-1", receipt=RECEIVED.receipt, overdue=overdue())
    assert state_of(fact, warning()) == "overdue"
    # The deadline moved later than the notice's: neither overdue nor due soon until warned again.
    moved = DossierFact("HS-1", receipt=RECEIVED.receipt, overdue=overdue(),
                        deadline=DeadlineMove(DUE + timedelta(hours=1), "U1", DUE + timedelta(days=3)))
    assert state_of(moved, warning()) == "within"
    assert state_of(moved, warning(DUE + timedelta(days=3))) == "due_soon"
    # Moved earlier: the notice about the later deadline still holds.
    earlier = DossierFact("HS-1", receipt=RECEIVED.receipt, overdue=overdue(),
                          deadline=DeadlineMove(DUE + timedelta(hours=1), "U1", DUE - timedelta(days=1)))
    assert state_of(earlier, None) == "overdue"
    paused = DossierFact("HS-1", receipt=RECEIVED.receipt,
                         pause=SupplementPause(DUE - timedelta(days=2), "U1", DUE - timedelta(days=2), 1))
    assert state_of(paused, warning()) == "within"
    marked = DossierFact("HS-1", receipt=RECEIVED.receipt,
                         marked_late=MarkedLate(T0 + timedelta(days=1), "U1", T0 + timedelta(days=1),
                                                "second_supplement"))
    assert state_of(marked, None) == "overdue"


def test_entry_is_the_newest_hand_over_and_none_once_finished():
    first = Position(T0 + timedelta(hours=1), "appraise", "CB-2", "receive")
    second = Position(T0 + timedelta(days=1), "approve", "LD-1", "appraise")
    placed = Placement("P1").handed_over(second).handed_over(first)
    assert placed == Placement("P1").handed_over(first).handed_over(second)
    assert entry_of(RECEIVED, placed) == BoardEntry("U1", "P1", "approve", "within", "LD-1")
    # Before any hand-over: the step the notice named, the receiving official when it named none.
    assert entry_of(RECEIVED, Placement("P1")) == BoardEntry("U1", "P1", "", "within", "CB-1")
    assert entry_of(RECEIVED, Placement("P1").warned(warning())).step == "appraise"
    done = DossierFact("HS-1", receipt=RECEIVED.receipt,
                       completion=Completion(DUE, "U1", T0, DUE, DUE, "on_time"))
    assert entry_of(done, placed) is None
    assert entry_of(DossierFact("HS-1"), placed) is None  # a hand-over alone: not known to be received


def test_changes_move_one_dossier():
    within = BoardEntry("U1", "P1", "appraise", "within", "CB-2")
    overdue_at_approve = BoardEntry("U1", "P1", "approve", "overdue", "LD-1")
    assert entry_changes(None, within) == {("U1", "P1", "appraise"): (1, 0, 0)}
    assert entry_changes(within, overdue_at_approve) == {("U1", "P1", "appraise"): (-1, 0, 0),
                                                         ("U1", "P1", "approve"): (1, 0, 1)}
    assert entry_changes(within, BoardEntry("U1", "P1", "appraise", "due_soon", "CB-3")) == {
        ("U1", "P1", "appraise"): (0, 1, 0)}
    assert entry_changes(within, within) == {}
    assert entry_changes(overdue_at_approve, None) == {("U1", "P1", "approve"): (-1, 0, -1)}
