"""The sanction rules file: loaded and validated once per process and path, listed for readers.
"""

from __future__ import annotations

import json
from pathlib import Path

from services.discipline.domain import directory, rules
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


def list_rule_sets(uow: UnitOfWork) -> list[dict]:
    """Every rule set, newest first, marking those in force today (one per category of officials)."""
    with uow:
        today = uow.now().astimezone(uow.calendar.tz).date()
        book = rule_book(uow.settings)
    current = {id(book.in_force(today, category)) for category in directory.CATEGORIES}
    return [
        {
            "version": s.version, "effective_from": s.effective_from, "legal_basis": s.legal_basis,
            "explanation_days": s.explanation_days, "in_force": id(s) in current, "categories": list(s.categories),
            "forms": {c: {p: list(ladder) for p, ladder in by_post.items()} for c, by_post in s.forms.items()},
            "local_measures": dict(s.local_measures), "note": s.note or None,
            "limitation": {"reprimand_years": s.limitation.reprimand_years,
                           "other_years": s.limitation.other_years,
                           "reprimand_forms": list(s.limitation.reprimand_forms)},
            "handling_days": s.handling_days, "handling_days_extended": s.handling_days_extended,
            "procedure_days": dict(s.procedure_days),
            "rules": [{"id": r.id, "description_vi": r.description_vi, "applies_to": r.applies_to,
                       "threshold": r.threshold, "window_days": r.window_days, "form": r.form, "kind": r.kind,
                       "form_label": sanction_form_label(r.form), "joint_liability": r.joint_liability}
                      for r in s.rules],
        }
        for s in reversed(book.rule_sets)
    ]
