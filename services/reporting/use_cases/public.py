"""The public lists: the ranking with its formula and caveats in one language, the good performers (the
top band of the composite score), and the disciplinary decisions of a year (`public_sanctions`, which
only `sanction.decided` fills: a proposal never reaches them)."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import func, select

from services.reporting.domain.report_contents import is_good_performer
from services.reporting.domain.texts import VIOLATORS_NOTES, good_performer_rule, unit_kind_label
from services.reporting.models import PublicSanction
from services.reporting.store.statements import units as _units
from services.reporting.use_cases import rankings
from services.reporting.use_cases.reports import EVERY_UNIT, plain
from shared.errors import InvalidInput
from shared.events.vocabulary import sanction_form_label
from shared.uow import UnitOfWork


def public_ranking(uow: UnitOfWork, period: str | None, kind: str | None, by: str, page: int, page_size: int,
                   lang: str) -> dict[str, Any]:
    """The public ranking: ranks and scores with the formula and its caveats in one language."""
    ranking = rankings.get_ranking(uow, period, page, page_size, kind=kind, by=by)
    return {
        "period": ranking["period"], "kind": kind, "ranked_by": by, "lang": lang, "as_of": ranking["as_of"],
        "formula": _formula_in(ranking["formula"], lang),
        "composite_rules": _composite_in(ranking["composite_rules"], lang),
        "caveats": [{"code": c["code"], "text": c[lang]} for c in ranking["caveats"]],
        "units_not_ranked": ranking["units_not_ranked"],
        "items": [_public_item(item, lang) for item in ranking["items"]],
        "page": ranking["page"], "page_size": ranking["page_size"], "total": ranking["total"],
    }


def good_performers(uow: UnitOfWork, period: str | None, kind: str | None, lang: str) -> dict[str, Any]:
    """Units in the top band of the period's ranking (the public list of good performers)."""
    ranking = rankings.get_ranking(uow, period, 1, EVERY_UNIT, kind=kind, by="composite")
    items = [_public_item(item, lang) for item in ranking["items"]]
    bands = (ranking["composite_rules"] or {}).get("bands") or []
    top = bands[0] if bands else None  # the rules list their bands best first
    return {
        "period": ranking["period"], "kind": kind, "lang": lang, "as_of": ranking["as_of"],
        "rule": good_performer_rule(top, lang),
        "formula": _formula_in(ranking["formula"], lang),
        "composite_rules": _composite_in(ranking["composite_rules"], lang),
        "caveats": [{"code": c["code"], "text": c[lang]} for c in ranking["caveats"]],
        "items": [item for item in items if is_good_performer(item, top)],
    }


def public_violators(uow: UnitOfWork, year: int | None, page: int, page_size: int, lang: str) -> dict[str, Any]:
    """Disciplinary decisions taken in a year (Hà Nội time), newest first: name, unit, form, date."""
    with uow:
        tz = uow.calendar.tz
        this_year = uow.now().astimezone(tz).year
        year = this_year if year is None else year
        if not 2000 <= year <= this_year:
            raise InvalidInput(f"year {year} is outside the years with decisions (2000 to {this_year})",
                               {"year": [f"expected 2000 to {this_year}; năm không hợp lệ"]})
        table = PublicSanction.__table__
        query = (select(table.c.code, table.c.official_name, table.c.unit, _units.c.name.label("unit_name"),
                        table.c.form, table.c.decided_on, table.c.in_force_until)
                 .select_from(table.outerjoin(_units, _units.c.code == table.c.unit))
                 .where(table.c.decided_on >= date(year, 1, 1), table.c.decided_on <= date(year, 12, 31)))
        total = uow.session.scalar(select(func.count()).select_from(query.subquery()))
        rows = uow.session.execute(query.order_by(table.c.decided_on.desc(), table.c.code)
                                   .limit(page_size).offset((page - 1) * page_size)).all()
        return {
            "year": year, "lang": lang,
            "notes": [{"code": note["code"], "text": note[lang]} for note in VIOLATORS_NOTES],
            "items": [{"decision": row.code, "official_name": row.official_name, "unit": row.unit,
                       "unit_name": row.unit_name, "form": row.form,
                       "form_label": sanction_form_label(row.form, lang), "decided_on": row.decided_on,
                       "in_force_until": row.in_force_until} for row in rows],
            "page": page, "page_size": page_size, "total": total,
        }


def _public_item(item: dict, lang: str) -> dict:
    band = item.get("band")
    return {**plain(item), "unit_kind_label": unit_kind_label(item.get("unit_kind"), lang) or None,
            "band": {"code": band["code"], "label": band[lang]} if band else None}


def _formula_in(formula: dict, lang: str) -> dict:
    return {"id": formula["id"], "version": formula["version"], "source": formula.get("source"),
            "effective_from": formula["effective_from"],
            "max_points": formula.get("max_points"), "expression": formula["expression"],
            "text": formula[lang], "not_measured": formula.get(f"not_measured_{lang}")}


def _composite_in(rules: dict | None, lang: str) -> dict | None:
    if rules is None:
        return None
    return {"id": rules["id"], "version": rules["version"], "source": rules.get("source"),
            "effective_from": rules["effective_from"],
            "expression": rules["expression"], "text": rules[lang],
            "bands": [{"code": b["code"], "min": b["min"], "label": b[lang]} for b in rules["bands"]]}
