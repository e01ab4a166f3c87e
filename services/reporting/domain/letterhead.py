"""How a report presents itself as an administrative document: the issuing body under its parent, the number
and symbol, the place-and-date line, the signature block and the recipients ("Nơi nhận"), as Decree
30/2020/NĐ-CP on clerical work lays them out (Điều 8 and Phụ lục I: the national title and motto, the
issuing body, the number and symbol, the place and date, the signer's authority, title and name, and the
recipients). Pure: the policy comes from the operator's rules (KYCUONG_RULES "report_letterhead")."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

# Decree 30/2020, Phụ lục I, khoản 2: the parent body's name may shorten "Ủy ban nhân dân" to "UBND".
_PEOPLES_COMMITTEE = ("ỦY BAN NHÂN DÂN", "UỶ BAN NHÂN DÂN")

# Who compiles the discipline reports unless the province says otherwise: the Office of the People's
# Committee (Văn phòng UBND), which follows directives and the Monday list, and signs for its chief.
DEFAULT_POLICY: dict = {
    "agency": "VĂN PHÒNG",
    "symbol": "BC-VP",
    "signer_authority": "KT. CHÁNH VĂN PHÒNG",
    "signer_title": "PHÓ CHÁNH VĂN PHÒNG",
    "signer_name": None,
    "recipients": [
        "Chủ tịch UBND Thành phố (để báo cáo);",
        "Các Phó Chủ tịch UBND Thành phố;",
        "Sở Nội vụ;",
        "Trung tâm Phục vụ hành chính công;",
        "Các sở, ban, ngành; UBND các phường, xã;",
        "Lưu: VT.",
    ],
}


@dataclass(frozen=True)
class Letterhead:
    parent: str | None  # the body above the issuer, e.g. UBND THÀNH PHỐ HÀ NỘI
    agency: str  # the issuing body, e.g. VĂN PHÒNG
    number_line: str  # Số: 12/BC-VP
    place_date: str  # Hà Nội, ngày 25 tháng 11 năm 2026
    signer_authority: str | None  # KT. CHÁNH VĂN PHÒNG
    signer_title: str | None  # PHÓ CHÁNH VĂN PHÒNG
    signer_name: str | None
    recipients: tuple[str, ...]

    def as_dict(self) -> dict:
        return {"parent": self.parent, "agency": self.agency, "number_line": self.number_line,
                "place_date": self.place_date, "signer_authority": self.signer_authority,
                "signer_title": self.signer_title, "signer_name": self.signer_name,
                "recipients": list(self.recipients)}


def parent_name(root_name: str | None) -> str | None:
    """UBND THÀNH PHỐ HÀ NỘI from the directory's root "Thành phố Hà Nội" (or "UBND Thành phố Hà Nội")."""
    if not root_name or not root_name.strip():
        return None
    name = root_name.strip().upper()
    for long in _PEOPLES_COMMITTEE:
        if name.startswith(long):
            name = name[len(long):].strip()
    if name.startswith("UBND "):
        name = name[len("UBND "):].strip()
    return f"UBND {name}"


def place_name(root_name: str | None) -> str | None:
    """The place of the date line: the province or city's own name, "Hà Nội" for "Thành phố Hà Nội"."""
    if not root_name or not root_name.strip():
        return None
    name = root_name.strip()
    for prefix in ("Ủy ban nhân dân ", "UBND ", "Thành phố ", "Tỉnh "):
        if name.lower().startswith(prefix.lower()):
            name = name[len(prefix):]
    return name.strip() or None


def dated(day: date, place: str | None = None) -> str:
    """"Hà Nội, ngày 05 tháng 3 năm 2026". Decree 30/2020, Phụ lục I, khoản 6: a day below 10 and the months
    1 and 2 are written with a leading 0; other months are not."""
    month = f"{day.month:02d}" if day.month < 3 else str(day.month)
    line = f"ngày {day.day:02d} tháng {month} năm {day.year}"
    return f"{place}, {line}" if place else line[0].upper() + line[1:]


def letterhead(root_name: str | None, number: int, issued_on: date, policy: dict | None = None) -> Letterhead:
    """The letterhead of report number `number` of its year, issued on `issued_on`."""
    chosen = {**DEFAULT_POLICY, **(policy or {})}
    if number < 1:
        raise ValueError("a document's number starts at 1 each year")
    return Letterhead(
        parent=chosen.get("parent") or parent_name(root_name),
        agency=str(chosen["agency"]).upper(),
        # Phụ lục I, khoản 3: a number below 10 is written with a leading 0.
        number_line=f"Số: {number:02d}/{chosen['symbol']}",
        place_date=dated(issued_on, chosen.get("place") or place_name(root_name)),
        signer_authority=chosen.get("signer_authority"),
        signer_title=chosen.get("signer_title"),
        signer_name=chosen.get("signer_name"),
        recipients=tuple(chosen.get("recipients") or ()),
    )
