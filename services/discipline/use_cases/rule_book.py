"""The sanction rules file: loaded and validated once per process and path, listed for readers.
"""

from __future__ import annotations

import json
from pathlib import Path

from services.discipline import store
from services.discipline.domain import directory, rules
from services.discipline.models import RuleSetConfirmation
from services.discipline.use_cases.audit import record_audit
from shared.errors import Conflict, NotFound
from shared.events.vocabulary import sanction_form_label
from shared.settings import Settings
from shared.uow import UnitOfWork

SHIPPED_RULES = Path(__file__).parent.parent / "rules" / "sanction_rules.json"

# The rule book of each rules file, loaded on first use and kept for the life of the process: a late fact
# never touches the file. An operator who changes the file restarts the service (or calls reload_rule_books).
_rule_books: dict[str, rules.RuleBook] = {}


def rules_path(settings: Settings) -> Path:
    """The shipped rules file, unless KYCUONG_RULES names another as "sanction_rules_path"."""
    configured = (settings.rules or {}).get("sanction_rules_path")
    return Path(configured) if configured else SHIPPED_RULES


def rule_book(settings: Settings) -> rules.RuleBook:
    """The validated rules file named by the settings, read once. A file that cannot be read or is not
    valid is refused (RulesError) each time it is asked for, and kept only once it loads."""
    key = (settings.rules or {}).get("sanction_rules_path") or ""
    book = _rule_books.get(key)
    if book is None:
        book = _rule_books[key] = load_rule_book(rules_path(settings))
    return book


def load_rule_book(path: Path) -> rules.RuleBook:
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise rules.RulesError(f"sanction rules: cannot read {path}: {exc.strerror}") from exc
    except json.JSONDecodeError as exc:
        raise rules.RulesError(f"sanction rules: {path} is not valid JSON: {exc}") from exc
    return rules.parse_rule_book(raw, source=str(path))


def reload_rule_books() -> None:
    """Forget the loaded rule books: the next use reads each file again (an operator's explicit action)."""
    _rule_books.clear()


def rule_book_in_use(uow: UnitOfWork) -> rules.RuleBook:
    """The rule book as the service applies it, inside an open unit of work: the file's sets, with the
    unverified ones an operator confirmed counted as verified (the others are never chosen)."""
    return rule_book(uow.settings).confirmed(set(store.confirmed_rule_sets(uow)))


def confirm_rule_set(uow: UnitOfWork, version: str, *, actor: str, note: str | None = None) -> dict:
    """An operator confirms that an unverified rule set's source was checked against the published text:
    from now on it is chosen for the facts of its dates like any other. Recorded with who and when, and in
    the audit log. Confirming again changes nothing; a verified set needs no confirmation (409)."""
    with uow:
        rule_set = rule_book(uow.settings).by_version(version)
        if rule_set is None:
            raise NotFound(f"no rule set with version {version!r} in the rules file")
        if rule_set.verified:
            raise Conflict(f"the rule set {version} is verified in the rules file (source: {rule_set.cited_source}); "
                           "only an unverified set is confirmed", {"version": ["already verified"]})
        if uow.session.get(RuleSetConfirmation, version) is None:
            now = uow.now()
            uow.session.add(RuleSetConfirmation(version=version, confirmed_by=actor, confirmed_at=now,
                                                note=(note or "").strip() or None))
            record_audit(uow, "rule_set.confirmed", version, actor, {
                "version": version, "source": rule_set.cited_source, "checked": rule_set.verification_note,
                "note": note, "confirmed_at": now})
            uow.session.flush()
            uow.memo.pop(("rule_set_confirmations",), None)
        uow.commit()
    return next(s for s in list_rule_sets(uow) if s["version"] == version)


def list_rule_sets(uow: UnitOfWork) -> list[dict]:
    """Every rule set, newest first, marking those in force today (one per category of officials), with
    its source, whether it is verified, and who confirmed an unverified one."""
    with uow:
        today = uow.now().astimezone(uow.calendar.tz).date()
        book = rule_book(uow.settings)
        confirmations = dict(store.confirmed_rule_sets(uow))
    in_use = book.confirmed(set(confirmations))
    current_versions = {getattr(in_use.in_force(today, category), "version", None) for category in directory.CATEGORIES}
    return [
        {
            "version": s.version, "effective_from": s.effective_from, "legal_basis": s.legal_basis,
            "source": s.cited_source, "verified": s.verified or s.version in confirmations,
            "verified_in_file": s.verified, "verification_note": s.verification_note or None,
            "confirmed_by": getattr(confirmations.get(s.version), "confirmed_by", None),
            "confirmed_at": getattr(confirmations.get(s.version), "confirmed_at", None),
            "forms_source": dict(s.forms_source),
            "explanation_days": s.explanation_days, "in_force": s.version in current_versions,
            "categories": list(s.categories),
            "forms": {c: {p: list(ladder) for p, ladder in by_post.items()} for c, by_post in s.forms.items()},
            "local_measures": dict(s.local_measures), "note": s.note or None,
            "limitation": {"reprimand_years": s.limitation.reprimand_years,
                           "other_years": s.limitation.other_years,
                           "reprimand_forms": list(s.limitation.reprimand_forms),
                           "periods": [{"from": p.since.isoformat() if p.since else None,
                                        "reprimand_years": p.reprimand_years, "other_years": p.other_years,
                                        "source": p.source or None} for p in s.limitation.periods]},
            "handling_days": s.handling_days, "handling_days_extended": s.handling_days_extended,
            "procedure_days": dict(s.procedure_days),
            "rules": [{"id": r.id, "description_vi": r.description_vi, "applies_to": r.applies_to,
                       "threshold": r.threshold, "window_days": r.window_days, "form": r.form, "kind": r.kind,
                       "form_label": sanction_form_label(r.form), "joint_liability": r.joint_liability,
                       "source": r.source}
                      for r in s.rules],
        }
        for s in reversed(book.rule_sets)
    ]
