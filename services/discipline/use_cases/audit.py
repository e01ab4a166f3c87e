"""The tamper-evident audit log: appended in the caller's transaction, verified, listed.
"""

from __future__ import annotations

from sqlalchemy import func, select

from services.discipline.domain import audit
from services.discipline.models import AuditEntry, AuditHead
from services.discipline.use_cases.directory import Progress
from shared.db import Page, paginate
from shared.uow import UnitOfWork

AUDIT_HEAD_ID = 1


def record_audit(uow: UnitOfWork, action: str, subject: str, actor: str | None, data: dict) -> None:
    """Append an entry to the tamper-evident log, in the caller's open transaction (it commits or rolls
    back with the change it records; this never commits).

    The chain head row is locked first (FOR UPDATE on PostgreSQL; SQLite already serialises writers), so
    concurrent workers append one after the other: no two entries share a seq or a predecessor.
    `data` is stored as canonical JSON (dates and instants as ISO 8601) and hashed with everything else.
    """
    if not uow.active:
        raise RuntimeError("record_audit must be called inside `with uow:` (it joins that transaction)")
    session = uow.session
    # Locked and read once per database transaction: a consumer's batch appends many entries, and the lock
    # is held until the commit, so the head kept here is the one in the database (nobody else can move it).
    transaction = session.get_transaction()
    kept = uow.memo.get("audit_head")
    if kept is not None and kept[0] is transaction and transaction is not None:
        head = kept[1]
    else:
        head = session.scalars(select(AuditHead).where(AuditHead.id == AUDIT_HEAD_ID).with_for_update()).first()
        if head is None:
            # The migration writes the head; a database created otherwise starts its chain here.
            head = AuditHead(id=AUDIT_HEAD_ID, seq=0, hash=audit.AUDIT_GENESIS)
            session.add(head)
        uow.memo["audit_head"] = (session.get_transaction(), head)
    at = uow.now()
    data_json = audit.audit_canonical_json(data)
    seq = head.seq + 1
    digest = audit.audit_hash(head.hash, seq, at, action, subject, actor, data_json)
    session.add(AuditEntry(seq=seq, at=at, action=action, subject=subject, actor=actor, data=data_json,
                           prev_hash=head.hash, hash=digest))
    head.seq, head.hash = seq, digest


def verify_audit_chain(uow: UnitOfWork, progress: Progress | None = None, batch: int = 5000) -> dict:
    """Recompute the whole chain: {ok, entries, first_broken: {seq, reason} | None}.

    Read in seq order, a batch at a time (keyset paging), so memory stays flat on a long chain.
    """
    with uow:
        session = uow.session
        head = session.get(AuditHead, AUDIT_HEAD_ID)
        total = session.scalar(select(func.count()).select_from(AuditEntry)) or 0
        checker = audit.AuditChainChecker()
        after = 0
        while True:
            rows = session.scalars(select(AuditEntry).where(AuditEntry.seq > after)
                                   .order_by(AuditEntry.seq).limit(batch)).all()
            for row in rows:
                checker.feed(audit.AuditLink(row.seq, row.at, row.action, row.subject, row.actor, row.data,
                                              row.prev_hash, row.hash))
            if progress is not None and total:
                progress(checker.entries, total)
            if len(rows) < batch:
                break
            after = rows[-1].seq
            session.expunge_all()  # the checked rows are not needed again
        broken = checker.finish(head.seq if head else None, head.hash if head else None)
        return {"ok": broken is None, "entries": checker.entries,
                "first_broken": {"seq": broken.seq, "reason": broken.reason} if broken else None}


def list_audit(uow: UnitOfWork, *, subject: str | None = None, action: str | None = None,
               page: int = 1, page_size: int = 50) -> Page:
    """The log, newest first; filter by subject (a request, proposal, inspection code…) or action."""
    with uow:
        query = select(AuditEntry).order_by(AuditEntry.seq.desc())
        if subject:
            query = query.where(AuditEntry.subject == subject)
        if action:
            query = query.where(AuditEntry.action == action)
        return paginate(uow.session, query, page, page_size)


def audit_trail(uow: UnitOfWork, subject: str) -> list[dict]:
    """The entries about one subject (a request, a proposal…), oldest first: what was done, by whom, when,
    and the entry's place in the chain. The caller decides who may read them (the subject's own readers)."""
    with uow:
        rows = uow.session.scalars(select(AuditEntry).where(AuditEntry.subject == subject)
                                   .order_by(AuditEntry.seq)).all()
        return [{"seq": row.seq, "at": row.at, "action": row.action, "actor": row.actor, "hash": row.hash}
                for row in rows]
