"""What a disciplined official may receive while a decision is in force, and the cap on the year's
evaluation (Decree 48/2023/ND-CP)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from services.discipline.domain.sanctions import PriorDecision
from shared.events.vocabulary import sanction_form_label

EVALUATION_CAP = "khong_hoan_thanh_nhiem_vu"
EVALUATION_LABELS = {"hoan_thanh_xuat_sac": "Hoàn thành xuất sắc nhiệm vụ", "hoan_thanh_tot": "Hoàn thành tốt nhiệm vụ",
                     "hoan_thanh": "Hoàn thành nhiệm vụ", EVALUATION_CAP: "Không hoàn thành nhiệm vụ"}

# What the bars and the cap rest on; each decision listed cites its own rule set and article.
LEGAL_BASIS = ("Luật Cán bộ, công chức (sửa đổi năm 2019), Điều 82: trong thời gian chịu kỷ luật (12 tháng kể từ "
               "ngày quyết định có hiệu lực) không được nâng ngạch, bổ nhiệm, quy hoạch, khen thưởng; Nghị định "
               "48/2023/NĐ-CP: bị kỷ luật trong năm thì xếp loại không hoàn thành nhiệm vụ.")


@dataclass(frozen=True)
class Eligibility:
    on: date
    may_receive_award: bool
    may_be_appointed: bool
    may_be_planned: bool
    evaluation_cap: str | None  # the best rating the year allows, None when not capped
    in_force: tuple[PriorDecision, ...]
    in_year: tuple[PriorDecision, ...]

    @property
    def reasons(self) -> list[str]:
        """Why, in Vietnamese: one line per decision that bars or caps."""
        lines = [f"Quyết định {d.code} ({sanction_form_label(d.form).lower()}) còn hiệu lực đến "
                 f"{d.in_force_until:%d/%m/%Y}: chưa được khen thưởng, bổ nhiệm, quy hoạch." for d in self.in_force]
        lines += [f"Bị kỷ luật trong năm {self.on.year} (quyết định {d.code}, ngày {d.decided_on:%d/%m/%Y}): "
                  "xếp loại năm không cao hơn «Không hoàn thành nhiệm vụ» (Nghị định 48/2023/NĐ-CP)."
                  for d in self.in_year]
        return lines


def eligibility(decisions: Iterable[PriorDecision], on: date) -> Eligibility:
    """What an official may receive on `on`: no emulation award, appointment or leadership planning while
    a decision is in force, 12 months from its effective date, which may follow the signing day (Law on
    Cadres and Civil Servants, Art. 82, amended 2019); any decision taken in
    the year caps that year's evaluation at "không hoàn thành nhiệm vụ" (Decree 48/2023)."""
    decisions = sorted(decisions, key=lambda d: (d.decided_on, d.code))
    in_force = tuple(d for d in decisions if d.in_force_from <= on <= d.in_force_until)
    in_year = tuple(d for d in decisions if d.decided_on.year == on.year)
    free = not in_force
    return Eligibility(on=on, may_receive_award=free, may_be_appointed=free, may_be_planned=free,
                       evaluation_cap=EVALUATION_CAP if in_year else None, in_force=in_force, in_year=in_year)

