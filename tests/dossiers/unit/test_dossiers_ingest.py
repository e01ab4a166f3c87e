"""Who may send an external event to which instance, and what an early event waits for (pure rules)."""

from __future__ import annotations

import pytest

from services.dossiers.domain import dossier as dossier_rules
from services.dossiers.domain import ingest as ingest_rules

HK, BD, TL = "PHUONG-HOAN-KIEM", "PHUONG-BA-DINH", "PHUONG-TAY-HO"
REGISTRY = {"motcua-hk": (HK,), "motcua-bd": (BD,)}


@pytest.mark.parametrize(("publisher", "unit", "verdict", "reason"), [
    ("motcua-hk", HK, ingest_rules.ADMIT, None),
    (None, HK, ingest_rules.REJECT, ingest_rules.NO_PUBLISHER),
    ("", HK, ingest_rules.REJECT, ingest_rules.NO_PUBLISHER),
    ("motcua-xx", HK, ingest_rules.REJECT, ingest_rules.UNKNOWN_PUBLISHER),
    ("motcua-bd", HK, ingest_rules.REJECT, ingest_rules.UNIT_NOT_ALLOWED),
])
def test_a_publisher_may_send_only_for_its_own_units(publisher, unit, verdict, reason):
    admission = ingest_rules.admit_external(REGISTRY, (), publisher, unit)
    assert (admission.verdict, admission.reason) == (verdict, reason)


def test_the_refusal_says_which_units_the_publisher_has():
    admission = ingest_rules.admit_external(REGISTRY, (), "motcua-bd", HK)
    assert HK in admission.message and BD in admission.message


def test_an_instance_leaves_another_instances_units_alone_whoever_sends():
    for publisher in ("motcua-bd", None, "motcua-xx"):
        assert ingest_rules.admit_external(REGISTRY, (HK,), publisher, BD).verdict == ingest_rules.IGNORE
    # Its own unit is judged as usual.
    assert ingest_rules.admit_external(REGISTRY, (HK,), "motcua-bd", HK).reason == ingest_rules.UNIT_NOT_ALLOWED


def test_a_unit_no_instance_is_known_to_serve_is_refused_here():
    admission = ingest_rules.admit_external(REGISTRY, (HK,), None, TL)
    assert (admission.verdict, admission.reason) == (ingest_rules.REJECT, ingest_rules.NO_PUBLISHER)
    assert ingest_rules.admit_external({}, (HK,), None, TL).reason == ingest_rules.UNIT_NOT_SERVED


def test_without_a_registry_every_publisher_is_trusted():
    assert ingest_rules.admit_external({}, (), None, HK).verdict == ingest_rules.ADMIT


@pytest.mark.parametrize(("event_type", "status", "waits_for"), [
    ("dossier.received", None, None),
    ("dossier.handed_over", None, "dossier.received"),
    ("dossier.completed", None, "dossier.received"),
    ("dossier.handed_over", dossier_rules.RECEIVED, None),
    ("dossier.supplement_received", dossier_rules.RECEIVED, "dossier.supplement_requested"),
    ("dossier.supplement_received", dossier_rules.AWAITING_SUPPLEMENT, None),
    ("dossier.returned", dossier_rules.RECEIVED, "dossier.completed"),
    ("dossier.returned", dossier_rules.AWAITING_SUPPLEMENT, "dossier.completed"),
    ("dossier.returned", dossier_rules.COMPLETED, None),
    # A step after the end can never apply: it does not wait, it is refused when applied.
    ("dossier.returned", dossier_rules.REFUSED, None),
    ("dossier.refused", dossier_rules.RECEIVED, None),
])
def test_what_an_early_event_waits_for(event_type, status, waits_for):
    assert ingest_rules.ingest_prerequisite(event_type, status) == waits_for


@pytest.mark.parametrize(("dead_letter_reason", "reason"), [
    ("unit_not_allowed: publisher 'motcua-bd' may not publish for unit 'X' {}", ingest_rules.UNIT_NOT_ALLOWED),
    ("invalid_input: dossier.completed data cannot be read {'completed_at': ['Missing data']}",
     ingest_rules.INVALID_EVENT),
    ("conflict: dossier 'X' is đã có kết quả (completed); …", ingest_rules.REFUSED_BY_STATE),
    ("not a valid CloudEvent: missing id", ingest_rules.INVALID_EVENT),
    ("data must be a JSON object", ingest_rules.INVALID_EVENT),
    ("gave up after 10 deliveries: OperationalError", ingest_rules.FAILED),
])
def test_a_dead_letter_is_counted_under_the_reason_it_starts_with(dead_letter_reason, reason):
    assert ingest_rules.rejection_reason(dead_letter_reason) == reason
