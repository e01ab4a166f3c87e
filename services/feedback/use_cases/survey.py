"""The monthly satisfaction survey (the Hà Nội chairman's 2022 directive on administrative discipline,
item 1: every month, measure the satisfaction of those served at the desks): the dossiers returned to
citizens, as `dossier.returned` tells this service, and one round per unit and month that invites a
sample of them through one-time rating tokens marked with the round."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time

from sqlalchemy.exc import IntegrityError

from services.feedback import store
from services.feedback.domain import survey
from services.feedback.models import RatingToken, ReturnedDossier, SurveyRound
from services.feedback.use_cases import put_token, unused_code
from shared.auth import Principal
from shared.errors import Conflict, Forbidden, InvalidInput, NotFound
from shared.uow import UnitOfWork

# Who opens a unit's round: its office, its head, an admin.
OPENER_ROLES = ("office", "head", "admin")


@dataclass(frozen=True)
class RecordReturned:
    code: str
    unit: str
    returned_at: datetime
    procedure_code: str | None = None


@dataclass(frozen=True)
class OpenRound:
    unit: str
    period: str | None = None  # YYYY-MM; the previous month by default


@dataclass(frozen=True)
class Invitation:
    dossier: str
    token: str | None  # None once used


@dataclass(frozen=True)
class RoundView:
    round: SurveyRound
    rated: int
    invitations: list[Invitation] | None = None  # for the unit's staff only


def record_returned(uow: UnitOfWork, command: RecordReturned) -> None:
    """Remember a dossier returned to its citizen (codes only), to be sampled by its month's round. The
    same dossier again (a redelivery, a correction) keeps the latest return."""
    with uow:
        row = uow.session.get(ReturnedDossier, command.code)
        if row is None:
            uow.session.add(ReturnedDossier(code=command.code, unit=command.unit, returned_at=command.returned_at,
                                            procedure_code=command.procedure_code))
        else:
            row.unit, row.returned_at = command.unit, command.returned_at
            row.procedure_code = command.procedure_code or row.procedure_code
        store.note_returned_month(uow.session, command.unit,
                                  survey.period_of(command.returned_at.astimezone(uow.calendar.tz).date()))
        uow.commit()


def open_round(uow: UnitOfWork, principal: Principal | None, command: OpenRound) -> RoundView:
    """Open the unit's survey of a finished month: sample its returned dossiers that have no rating token
    yet (those given one at the desk were invited already), issue each a token marked with the round, and
    emit `survey.round_opened`. Once per unit and month (409 after); `principal` None is the monthly sweep."""
    unit = (command.unit or "").strip()
    if not unit:
        raise InvalidInput("name the unit whose month is surveyed", {"unit": ["required"]})
    if principal is not None:
        if not principal.has_any(OPENER_ROLES):
            raise Forbidden("opening a survey round needs the role office, head or admin")
        if principal.unit != unit:
            raise Forbidden(f"your token is for unit {principal.unit!r}; unit {unit!r} opens its own rounds",
                            {"unit": [f"not {principal.unit!r}"]})
    with uow:
        now = uow.now()
        tz = uow.calendar.tz
        period = survey.check_period(command.period, now.astimezone(tz).date())
        existing = store.round_of(uow.session, unit, period)
        if existing is not None:
            raise Conflict(f"Đơn vị {unit} đã mở đợt khảo sát tháng {period} ({existing.code}) — one round per "
                           "unit and month", {"period": [f"already surveyed: {existing.code}"]})
        first, after = survey.month_bounds(period)
        returned = store.returned_between(uow.session, unit, datetime.combine(first, time(), tz),
                                          datetime.combine(after, time(), tz))
        if not returned:
            raise Conflict(f"Chưa có hồ sơ nào của đơn vị {unit} được trả kết quả trong tháng {period} — no "
                           "returned dossier of this unit is known for that month; nothing to survey",
                           {"period": ["no returned dossiers"]})
        rule = survey.sample_rule(uow.settings.rules.get("survey_sample"))
        candidates = sorted(set(returned) - store.tokened(uow.session, returned))
        code = unused_code(uow, SurveyRound, "KS", now.astimezone(tz), "survey round")
        chosen = survey.sample(candidates, rule.size(len(returned)), code)
        row = SurveyRound(code=code, unit=unit, period=period, opened_at=now,
                          opened_by=principal.sub[:64] if principal else None, returned=len(returned),
                          invited=len(chosen), sample_rule=rule.as_dict())
        uow.session.add(row)
        secret = _secret(uow)
        invitations = []
        for dossier in chosen:
            token = survey.survey_token(secret, code, dossier)
            put_token(uow, token, "dossier", dossier, unit, now, survey_round=code)
            invitations.append(Invitation(dossier, token))
        uow.record("survey.round_opened", code, {
            "code": code, "unit": unit, "period": period, "opened_at": now.astimezone(tz).isoformat(),
            "returned": len(returned), "invited": len(chosen),
        }, unit=unit)
        uow.commit()
        return RoundView(row, 0, invitations)


def get_round(uow: UnitOfWork, principal: Principal, code: str) -> RoundView:
    """A round, with its invitations (the tokens not used yet, for the unit to deliver) to the unit's own
    staff or those who see every unit; how many have rated."""
    with uow:
        row = uow.session.get(SurveyRound, code.strip().upper())
        if row is None:
            raise NotFound(f"no survey round {code!r}", {"code": ["unknown survey round"]})
        principal.ensure_unit(row.unit)
        secret = _secret(uow)
        invitations = [Invitation(t.subject, _unused(t, survey.survey_token(secret, row.code, t.subject)))
                       for t in store.round_tokens(uow.session, row.code)]
        return RoundView(row, store.round_ratings(uow.session, row.code), invitations)


def open_due_rounds(uow: UnitOfWork, limit: int = 50) -> tuple[int, int]:
    """One batch of the monthly sweep: last month's round for each unit with returned dossiers and none
    yet. Returns (opened, looked at)."""
    with uow:
        now = uow.now()
        tz = uow.calendar.tz
        today = now.astimezone(tz).date()
        if today.day < int(uow.settings.rules.get("survey_open_day", 1)):
            return 0, 0
        period = survey.previous_period(today)
        units = store.units_to_survey(uow.session, period, limit)
    opened = 0
    for unit in units:
        try:
            open_round(uow, None, OpenRound(unit=unit, period=period))
            opened += 1
        except (Conflict, IntegrityError):
            pass  # another replica opened it meanwhile: once per unit and month
    # A batch with a unit that could not be opened ends this pass, so a stubborn one cannot spin the sweep.
    return opened, len(units) if opened == len(units) else 0


def _secret(uow: UnitOfWork) -> str:
    return uow.settings.rules.get("rating_token_secret") or uow.settings.jwt_secret


def _unused(token_row: RatingToken, token: str) -> str | None:
    return token if token_row.used_at is None else None
