"""The audit chain, pure: hashing is canonical, and the checker names the first link that does not hold
(a changed entry, a deleted one, entries cut from the end, a forged predecessor)."""

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from services.discipline.domain import audit

HANOI = timezone(timedelta(hours=7))
T0 = datetime(2026, 11, 16, 9, 0, tzinfo=HANOI)


def chain(n: int) -> list[audit.AuditLink]:
    """n well-formed entries, as record_audit would write them."""
    links, prev = [], audit.AUDIT_GENESIS
    for seq in range(1, n + 1):
        at = T0 + timedelta(minutes=seq)
        data = audit.audit_canonical_json({"official": f"CB-{seq:03d}", "lý_do": "Hồ sơ quá hạn"})
        digest = audit.audit_hash(prev, seq, at, "explanation.requested", f"GT-{seq}", "system", data)
        links.append(audit.AuditLink(seq, at, "explanation.requested", f"GT-{seq}", "system", data, prev, digest))
        prev = digest
    return links


def check(links, head_seq=None, head_hash=None):
    checker = audit.AuditChainChecker()
    for link in links:
        checker.feed(link)
    return checker.finish(head_seq, head_hash), checker.entries


def test_canonical_json_is_the_same_whatever_the_key_order_and_keeps_vietnamese_letters():
    a = audit.audit_canonical_json({"b": 1, "a": "Phường Hoàn Kiếm", "on": date(2025, 7, 1)})
    b = audit.audit_canonical_json({"on": date(2025, 7, 1), "a": "Phường Hoàn Kiếm", "b": 1})
    assert a == b == '{"a":"Phường Hoàn Kiếm","b":1,"on":"2025-07-01"}'


def test_an_instant_hashes_the_same_in_any_timezone():
    data = audit.audit_canonical_json({"at": T0})
    assert data == audit.audit_canonical_json({"at": T0.astimezone(UTC)})
    assert (audit.audit_hash(audit.AUDIT_GENESIS, 1, T0, "x", "s", None, data)
            == audit.audit_hash(audit.AUDIT_GENESIS, 1, T0.astimezone(UTC), "x", "s", None, data))


def test_every_field_is_in_the_hash():
    base = (audit.AUDIT_GENESIS, 1, T0, "explanation.accepted", "GT-1", "CB-100", '{"a":1}')
    digests = {audit.audit_hash(*base)}
    for index, other in enumerate(("1" * 64, 2, T0 + timedelta(seconds=1), "explanation.rejected", "GT-2",
                                   "CB-200", '{"a":2}')):
        changed = list(base)
        changed[index] = other
        digests.add(audit.audit_hash(*changed))
    assert len(digests) == 8


def test_data_that_cannot_be_written_as_json_is_refused():
    with pytest.raises(TypeError, match="audit data cannot hold"):
        audit.audit_canonical_json({"x": object()})


def test_an_intact_chain_verifies():
    links = chain(5)
    broken, entries = check(links, 5, links[-1].hash)
    assert broken is None and entries == 5


def test_an_empty_chain_verifies():
    assert check([], 0, audit.AUDIT_GENESIS) == (None, 0)


def test_a_changed_entry_is_named_by_its_seq():
    links = chain(5)
    links[2] = replace(links[2], data=links[2].data.replace("CB-003", "CB-999"))
    broken, entries = check(links, 5, links[-1].hash)
    assert broken.seq == 3 and "đã bị sửa" in broken.reason
    assert entries == 5  # the walk goes on to count every entry


def test_a_changed_entry_whose_hash_was_recomputed_breaks_the_next_link():
    links = chain(5)
    forged = replace(links[2], actor="someone-else")
    links[2] = replace(forged, hash=audit.audit_hash(forged.prev_hash, 3, forged.at, forged.action,
                                                      forged.subject, forged.actor, forged.data))
    broken, _ = check(links, 5, links[-1].hash)
    assert broken.seq == 4 and "không nối" in broken.reason


def test_a_deleted_entry_is_named_as_the_missing_seq():
    links = chain(5)
    del links[1]
    broken, _ = check(links, 5, links[-1].hash)
    assert broken.seq == 2 and "bị thiếu" in broken.reason


def test_entries_cut_from_the_end_are_caught_by_the_head():
    links = chain(5)
    broken, _ = check(links[:3], 5, links[-1].hash)
    assert broken.seq == 4 and "4 đến 5" in broken.reason


def test_a_head_that_does_not_match_the_last_entry_is_reported():
    links = chain(3)
    broken, _ = check(links, 3, "f" * 64)
    assert broken.seq == 3
