"""The monthly satisfaction survey: every month each unit measures the satisfaction of the citizens it
served (the Hà Nội chairman's directive of 2022 on administrative discipline, item 1; the survey method
of Quyết định 359/QĐ-UBND of 18/01/2017), here by inviting a sample of the month's returned dossiers to
rate through their one-time rating tokens. Pure: no database, no clock.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from datetime import date
from typing import Any

from shared.errors import InvalidInput

_PERIOD = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


@dataclass(frozen=True)
class SampleRule:
    """How many of a month's returned dossiers a round invites: `share` of them, at least `minimum` (all
    of them when fewer were returned), at most `maximum`. The size is the province's own policy (no
    national number): operators set it in the rules (`survey_sample`)."""

    share: float = 0.1
    minimum: int = 30
    maximum: int = 400
    source: str = ("Chính sách địa phương (cấu hình survey_sample): 10% số hồ sơ đã trả kết quả trong tháng, "
                   "tối thiểu 30 (hoặc tất cả nếu ít hơn), tối đa 400")

    def size(self, returned: int) -> int:
        wanted = max(self.minimum, math.ceil(self.share * returned))
        return max(0, min(returned, wanted, self.maximum))

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def sample_rule(overrides: Mapping[str, Any] | None) -> SampleRule:
    """The rule in the settings, over the defaults; a wrong setting fails loudly, naming the key."""
    rule = SampleRule(**{k: v for k, v in (overrides or {}).items()
                         if k in ("share", "minimum", "maximum", "source")})
    if not (0 < float(rule.share) <= 1) or int(rule.minimum) < 0 or int(rule.maximum) < int(rule.minimum):
        raise ValueError("survey_sample: share in (0, 1], 0 <= minimum <= maximum")
    return rule


def sample(codes: Iterable[str], size: int, salt: str) -> list[str]:
    """`size` of `codes`, chosen by a keyed hash: as good as a random draw, and the same draw every time
    for the same round, so anyone can check that nobody picked the happy citizens."""
    return sorted(codes, key=lambda code: hashlib.sha256(f"{salt}|{code}".encode()).hexdigest())[:size]


def period_of(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def previous_period(day: date) -> str:
    first = day.replace(day=1)
    return period_of(date.fromordinal(first.toordinal() - 1))


def month_bounds(period: str) -> tuple[date, date]:
    """First day of the month and first day of the next."""
    year, month = int(period[:4]), int(period[5:7])
    return date(year, month, 1), date(year + month // 12, month % 12 + 1, 1)


def check_period(period: Any, today: date) -> str:
    """A month already over (`YYYY-MM`): a round samples a whole month's returned dossiers."""
    if period is None:
        return previous_period(today)
    if not isinstance(period, str) or not _PERIOD.match(period):
        raise InvalidInput("period is a month written YYYY-MM, e.g. 2026-11", {"period": ["YYYY-MM"]})
    if period >= period_of(today):
        raise InvalidInput(f"Chỉ khảo sát tháng đã kết thúc — a round samples a finished month; {period} is "
                           f"not over yet (the latest is {previous_period(today)})",
                           {"period": [f"at most {previous_period(today)}"]})
    return period


def survey_token(secret: str, round_code: str, dossier: str) -> str:
    """The rating token a round gives one sampled dossier: derived, so the unit can read it again to
    deliver it while the database keeps only its digest."""
    return hmac.new(secret.encode(), f"rating:survey:{round_code}:{dossier}".encode(),
                    hashlib.sha256).hexdigest()[:32]
