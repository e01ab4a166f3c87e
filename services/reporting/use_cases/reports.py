"""Periodic reports: issued once their window is closed, their figures computed once (from the rankings,
over the reporting windows of the domain's cadence: the 21st to the 20th), kept as a JSON snapshot with
the XLSX and PDF made from it (`documents`), and served as issued whatever events arrive later.
Re-issuing adds a version; versions are never changed."""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import column, func, select, table
from sqlalchemy.orm import Session

from services.reporting import documents
from services.reporting.domain.cadence import ReportPeriod, due_reports, report_period, trend_windows
from services.reporting.domain.letterhead import letterhead
from services.reporting.domain.periods import Period
from services.reporting.domain.report_contents import (
    TaskLine,
    summary,
    task_rows,
    tasks_by_unit,
    trend_point,
    units_with_late_dossiers,
)
from services.reporting.domain.texts import MONDAY_LIST_NOTES, ROOT_KINDS, issuer_name, unit_kind_label
from services.reporting.models import ArchivedEvent, IssuedReport
from services.reporting.store.statements import dialect_insert
from services.reporting.store.statements import occurrences as _occurrences
from services.reporting.store.statements import task_facts as _task_facts
from services.reporting.store.statements import units as _units
from services.reporting.use_cases import evaluations, rankings, trends
from shared.db import UtcDateTime
from shared.errors import Conflict, InvalidInput, NotFound
from shared.uow import UnitOfWork

EVERY_UNIT = 1_000_000  # a report lists every ranked unit on one page


log = logging.getLogger(__name__)


def issue_report(uow: UnitOfWork, kind: str, period_label: str, *, issued_by: str, reissue: bool = False,
                 reason: str | None = None) -> dict[str, Any]:
    """Issue a periodic report once its window is closed: compute its figures, make its XLSX and PDF, store
    them as version 1 (or the next version when `reissue`), record `report.issued`. Two transactions: the
    figures are read in the first, the files stored with the event in the second."""
    with uow:
        session = uow.session
        tz = uow.calendar.tz
        now = uow.now()
        period = report_period(kind, period_label)
        if not period.is_closed(now, tz):
            opens = f"{period.judged_at(tz):%H:%M %d/%m/%Y}"
            raise InvalidInput(
                f"the {kind} report {period.label} covers days up to {period.last_day.isoformat()} and can be "
                f"issued from {opens} (Hà Nội time), when its figures are cut off",
                {"period": [f"not closed until {opens}; kỳ báo cáo chưa kết thúc, chưa thể ban hành"]})
        latest = session.scalar(select(func.max(IssuedReport.version)).where(IssuedReport.code == period.code))
        if latest and not reissue:
            raise Conflict(
                f"report {period.code} was already issued (version {latest}); send reissue=true to issue "
                f"version {latest + 1}, which keeps version {latest}",
                {"reissue": [f"must be true to issue version {latest + 1}; báo cáo đã được ban hành"]})
        version = (latest or 0) + 1
        figures = _report_figures(uow, period)
        number = _number(session, period.code, latest, now.astimezone(tz).year, tz)
        figures.update(version=version, issued_at=now.astimezone(tz).isoformat(), issued_by=issued_by,
                       reason=reason, number=number,
                       letterhead={**letterhead(_root_name(session), number, now.astimezone(tz).date(),
                                                uow.settings.rules.get("report_letterhead")).as_dict(),
                                   "document_kind": period.document_kind_vi, "subject": period.subject_vi})
    # The files are made between the two transactions: rendering takes seconds, and SQLite would keep the
    # whole database locked for writers meanwhile.
    row = {
        "code": period.code, "version": version, "kind": kind, "period": period.label,
        "first_day": period.first_day, "last_day": period.last_day, "as_of": period.judged_at(tz),
        "issued_at": now, "issued_by": issued_by, "reason": reason, "figures": figures,
        "xlsx": documents.build_xlsx(figures), "pdf": documents.build_pdf(figures),
    }
    with uow:
        session = uow.session
        # Two issuers at the same moment (replicas of the sweep, two clicks): the first version stored wins.
        stored = session.execute(dialect_insert(session)(IssuedReport.__table__).values(**row)
                                 .on_conflict_do_nothing().returning(IssuedReport.__table__.c.version)).first()
        if stored is None:
            raise Conflict(f"report {period.code} version {version} was issued by someone else a moment ago; "
                           "reload the list of reports", {"reissue": ["issued meanwhile; đã có người ban hành"]})
        uow.record("report.issued", period.code, {
            "code": period.code, "kind": kind, "period": period.label, "issued_at": now.isoformat(),
            "version": version})
        uow.commit()
        log.info("issued the %s report %s", kind, period.label,
                 extra={"report": period.code, "version": version, "issued_by": issued_by})
        return _report_summary(row)


def reports_due(uow: UnitOfWork) -> list[tuple[str, str]]:
    """(kind, period) of the newest report of each kind that is due today and not issued yet."""
    with uow:
        today = uow.now().astimezone(uow.calendar.tz).date()
        due = due_reports(today)
        issued = set(uow.session.scalars(
            select(IssuedReport.code).where(IssuedReport.code.in_([period.code for period in due]))))
        return [(period.kind, period.label) for period in due if period.code not in issued]


def last_event_projected_at(uow: UnitOfWork) -> datetime | None:
    """When reporting last applied an event to its projections (its inbox keeps the time of each)."""
    inbox = table("inbox", column("processed_at", UtcDateTime))
    with uow:
        return uow.session.scalar(select(func.max(inbox.c.processed_at)))


def list_reports(uow: UnitOfWork, kind: str | None, period: str | None, page: int, page_size: int) -> dict:
    """Issued reports, every version, newest first (without their files)."""
    with uow:
        table = IssuedReport.__table__
        columns = [c for c in table.c if c.name not in ("xlsx", "pdf")]
        query = select(*columns, func.length(table.c.xlsx).label("xlsx_bytes"),
                       func.length(table.c.pdf).label("pdf_bytes"))
        if kind:
            query = query.where(table.c.kind == kind)
        if period:
            query = query.where(table.c.period == period)
        total = uow.session.scalar(select(func.count()).select_from(query.subquery()))
        rows = uow.session.execute(query.order_by(table.c.issued_at.desc(), table.c.code, table.c.version.desc())
                                   .limit(page_size).offset((page - 1) * page_size)).mappings().all()
        return {"items": [_report_summary(row) for row in rows], "page": page, "page_size": page_size,
                "total": total}


def get_report_file(uow: UnitOfWork, code: str, file_format: str, version: int | None) -> dict[str, Any]:
    """One file of an issued report, as issued: the newest version unless one is asked for."""
    with uow:
        table = IssuedReport.__table__
        query = select(table.c.code, table.c.version, table.c.issued_at, table.c[file_format].label("content"))
        query = query.where(table.c.code == code)
        if version is not None:
            query = query.where(table.c.version == version)
        row = uow.session.execute(query.order_by(table.c.version.desc()).limit(1)).first()
        if row is None:
            versions = uow.session.scalars(select(table.c.version).where(table.c.code == code)).all()
            if versions:
                raise NotFound(f"report {code} has no version {version}; its versions are "
                               f"{', '.join(map(str, sorted(versions)))}",
                               {"version": [f"expected one of {sorted(versions)}; không có phiên bản này"]})
            raise NotFound(f"no report {code} has been issued; check the code (BC-2026-11, BC-2026-Q4, "
                           "BC-2026-W47) or issue it with POST /reports",
                           {"code": ["no such report; báo cáo chưa được ban hành"]})
        return {"code": row.code, "version": row.version, "issued_at": row.issued_at, "content": row.content,
                "filename": f"{row.code}-v{row.version}.{file_format}"}


def plain(value):
    """JSON-ready: the snapshot of an issued report is stored as JSON and must read back the same."""
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict):
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [plain(item) for item in value]
    return value


def _root_name(session: Session) -> str | None:
    """The root of the directory (the province or city) when there is exactly one."""
    roots = session.scalars(select(_units.c.name).where(_units.c.parent.is_(None), _units.c.name.is_not(None),
                                                        _units.c.kind.in_(ROOT_KINDS))).all()
    return roots[0] if len(roots) == 1 else None


def _issuer(session: Session) -> str:
    """The authority at the head of the report: the root of the directory, named as its People's Committee."""
    return issuer_name(_root_name(session))


def _number(session: Session, code: str, latest: int | None, year: int, tz) -> int:
    """The report's number in its year's series (Decree 30/2020: numbers restart each 1 January): a new report
    takes the next one, a re-issue keeps the number of the report it replaces."""
    if latest:
        earlier = session.scalar(select(IssuedReport.figures).where(IssuedReport.code == code,
                                                                    IssuedReport.version == latest))
        if earlier and earlier.get("number"):
            return int(earlier["number"])
    start, end = datetime(year, 1, 1, tzinfo=tz), datetime(year + 1, 1, 1, tzinfo=tz)
    return 1 + (session.scalar(select(func.count()).select_from(IssuedReport).where(
        IssuedReport.version == 1, IssuedReport.issued_at >= start, IssuedReport.issued_at < end)) or 0)


def _report_figures(uow: UnitOfWork, period: ReportPeriod) -> dict[str, Any]:
    """Everything a report says, computed now from the projections, as a JSON-ready snapshot."""
    session = uow.session
    tz = uow.calendar.tz
    figures = {
        "code": period.code, "kind": period.kind, "period": period.label, "title": period.title_vi,
        "title_en": period.title_en, "issuer": _issuer(session),
        "window": {"first_day": period.first_day.isoformat(), "last_day": period.last_day.isoformat(),
                   "text": period.window_vi},
        "as_of": period.judged_at(tz).isoformat(),
    }
    if period.kind == "weekly_tasks":
        figures.update(_monday_list(uow, period))
        return figures
    ranking = rankings.get_ranking(uow, period.ranking_period, 1, EVERY_UNIT)
    items = [dict(plain(item), kind_label=unit_kind_label(item.get("unit_kind")))
             for item in ranking["items"]]
    windows = trend_windows(period)
    trend = [trend_point(window, point["received"], point["on_time"])
             for window, point in zip(windows, trends.get_trend(uow, None, [w.ranking_period for w in windows]),
                                      strict=True)]
    figures.update(
        ranking={"items": items, "formula": plain(ranking["formula"]),
                 "units_not_ranked": ranking["units_not_ranked"]},
        summary=summary(items),
        late_units=units_with_late_dossiers(items),
        trend=trend,
        notes=[{"code": c["code"], "vi": c["vi"], "en": c["en"]} for c in plain(ranking["caveats"])],
    )
    if period.kind == "quarterly":
        # Seed 003 II.2.đ: the quarterly evaluation of heads is fed by these figures (the proposed levels are
        # Home Affairs', through the evaluations endpoint).
        window = Period("range", period.first_day, period.last_day)
        figures["heads"] = plain(evaluations.heads_in_report(uow, window, period.judged_at(tz), period.label))
    return figures


def _monday_list(uow: UnitOfWork, period: ReportPeriod) -> dict[str, Any]:
    """The tasks due by the end of the week and not reported, judged at 00:00 on the Monday, from the task
    facts and their progress reports (occurrences of `task.progress_reported`); titles from the archived
    assignment events."""
    session = uow.session
    tz = uow.calendar.tz
    judged_at = period.judged_at(tz)
    facts = session.execute(
        select(_task_facts.c.code, _task_facts.c.lead_unit, _task_facts.c.due_at, _task_facts.c.completed_at)
        .where(_task_facts.c.assigned_at < judged_at, _task_facts.c.due_at < judged_at + timedelta(days=7))
        .where(_task_facts.c.completed_at.is_(None) | (_task_facts.c.completed_at >= judged_at))
    ).all()
    codes = [fact.code for fact in facts]
    archive = ArchivedEvent.__table__
    last_reports = dict(session.execute(
        select(_occurrences.c.subject, func.max(_occurrences.c.at))
        .where(_occurrences.c.kind == "task.progress_reported", _occurrences.c.subject.in_(codes),
               _occurrences.c.at < judged_at)
        .group_by(_occurrences.c.subject)).all()) if codes else {}
    titles: dict[str, dict] = {}
    if codes:
        for subject, data in session.execute(
                select(archive.c.subject, archive.c.data)
                .where(archive.c.type == "task.assigned", archive.c.subject.in_(codes))
                .order_by(archive.c.time)):
            titles[subject] = data  # the newest assignment event last
    names = dict(session.execute(select(_units.c.code, _units.c.name)).all())
    tasks = [TaskLine(fact.code, fact.lead_unit, fact.due_at, fact.completed_at, last_reports.get(fact.code))
             for fact in facts]
    rows = task_rows(tasks, titles, names, period, tz)
    by_unit = tasks_by_unit(rows)
    return {
        "tasks": rows,
        "tasks_by_unit": by_unit,
        "task_summary": {"total": len(rows), "overdue": sum(r["status"] == "overdue" for r in rows),
                         "due_this_week": sum(r["status"] == "due_this_week" for r in rows), "units": len(by_unit)},
        "notes": MONDAY_LIST_NOTES,
    }


def _report_summary(row) -> dict[str, Any]:
    figures = row["figures"]
    return {
        "code": row["code"], "version": row["version"], "kind": row["kind"], "period": row["period"],
        "title": figures["title"], "window": figures["window"]["text"], "first_day": row["first_day"],
        "last_day": row["last_day"], "as_of": row["as_of"], "issued_at": row["issued_at"],
        "issued_by": row["issued_by"], "reason": row["reason"],
        "xlsx_bytes": row["xlsx_bytes"] if "xlsx_bytes" in row else len(row["xlsx"]),
        "pdf_bytes": row["pdf_bytes"] if "pdf_bytes" in row else len(row["pdf"]),
    }
