"""The tamper-evident audit log: canonical JSON of an entry, its hash link, and the walk that finds the
first break in the chain."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

AUDIT_GENESIS = "0" * 64  # the prev_hash of the first entry: nothing before it


def audit_canonical_json(data: Mapping[str, Any]) -> str:
    """The one text of `data` that is hashed and stored: keys sorted, no spaces, UTF-8 kept as is, dates
    and instants in ISO 8601 (instants in UTC), so the same facts always hash the same."""

    def plain(value: Any) -> Any:
        if isinstance(value, datetime):
            return value.astimezone(UTC).isoformat() if value.tzinfo else value.isoformat()
        if isinstance(value, date):
            return value.isoformat()
        if isinstance(value, (set, frozenset, tuple)):
            return [plain(v) for v in (sorted(value) if isinstance(value, (set, frozenset)) else value)]
        raise TypeError(f"audit data cannot hold a {type(value).__name__}: {value!r}")

    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=plain,
                      allow_nan=False)


def audit_hash(prev_hash: str, seq: int, at: datetime, action: str, subject: str, actor: str | None,
               data_json: str) -> str:
    """sha256 over the previous entry's hash and this entry's whole content. Every field is in the
    hashed text, so changing any of them, or the order of entries, breaks the link."""

    content = json.dumps([prev_hash, seq, at.astimezone(UTC).isoformat(), action, subject, actor, data_json],
                         separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(content.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class AuditLink:
    """One stored entry of the chain as read back for verification."""

    seq: int
    at: datetime
    action: str
    subject: str
    actor: str | None
    data: str
    prev_hash: str
    hash: str


@dataclass(frozen=True)
class ChainBreak:
    seq: int
    reason: str


class AuditChainChecker:
    """Walks the entries in seq order, one at a time (the chain can be long), and keeps the first break.

    A break is named by the seq where the chain stops holding: a changed entry by its own seq, a deleted
    entry by the seq that is missing, and entries cut from the end by the first seq the chain head still
    counts."""

    def __init__(self) -> None:
        self.entries = 0
        self.first_broken: ChainBreak | None = None
        self._last_seq = 0
        self._last_hash = AUDIT_GENESIS

    def feed(self, link: AuditLink) -> None:
        self.entries += 1
        if self.first_broken is not None:
            return
        expected = self._last_seq + 1
        if link.seq != expected:
            self.first_broken = ChainBreak(expected, f"mục số {expected} bị thiếu (đã bị xoá): sau mục "
                                                     f"{self._last_seq} là mục {link.seq}")
        elif link.prev_hash != self._last_hash:
            self.first_broken = ChainBreak(link.seq, f"mục số {link.seq} không nối với mục trước: mã băm của "
                                                     "mục trước đã bị thay đổi hoặc mục bị chèn vào")
        elif audit_hash(link.prev_hash, link.seq, link.at, link.action, link.subject, link.actor,
                        link.data) != link.hash:
            self.first_broken = ChainBreak(link.seq, f"nội dung mục số {link.seq} đã bị sửa: mã băm không khớp "
                                                     "với nội dung")
        self._last_seq, self._last_hash = link.seq, link.hash

    def finish(self, head_seq: int | None, head_hash: str | None) -> ChainBreak | None:
        """Compare the end of the chain with its head (the last seq and hash appended): entries deleted
        from the end leave no gap between the ones that remain, only a head that counts further."""
        if self.first_broken is None and head_seq is not None:
            if head_seq > self._last_seq:
                self.first_broken = ChainBreak(self._last_seq + 1, f"mục số {self._last_seq + 1} đến {head_seq} "
                                                                   "bị thiếu (đã bị xoá ở cuối chuỗi)")
            elif head_seq < self._last_seq or head_hash != self._last_hash:
                self.first_broken = ChainBreak(self._last_seq, f"mục cuối số {self._last_seq} không khớp với "
                                                               "đầu chuỗi đã lưu")
        return self.first_broken

