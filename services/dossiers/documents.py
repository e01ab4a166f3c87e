"""The apology to the citizen as a document: "Phiếu xin lỗi và hẹn lại ngày trả kết quả" (the form of
Circular 01/2018/TT-VPCP), as PDF (WeasyPrint from an HTML template) and DOCX (python-docx).

Both files are written from one `ApologyContent`, so they always say the same words. Dates are written as
administrative documents write them (Decree 30/2020/NĐ-CP): days below 10 and the months 1 and 2 with a
leading zero ("ngày 05 tháng 02 năm 2026", "ngày 16 tháng 11 năm 2026"). Instants are shown in Hà Nội
time whatever zone they arrive in.

WeasyPrint and python-docx are imported inside the functions that use them: they take a while to import and
only the few requests that ask for a document need them.
"""

from __future__ import annotations

import dataclasses
import io
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from shared.document_fonts import font_face_css
from shared.document_text import xml_text

TEMPLATES = Path(__file__).with_name("templates")
LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
MOTTO = ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc")
TITLE = "PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ"
SIGNER_NOTE = "(Ký, ghi rõ họ tên, đóng dấu)"
DRAFT_MARK = "DỰ THẢO"
DRAFT_NOTE = ("(Dự thảo do hệ thống chuẩn bị: thủ trưởng cơ quan ghi lý do, ngày hẹn lại trả kết quả và ký ban "
              "hành; chưa gửi công dân)")
PDF_MEDIA_TYPE = "application/pdf"
DOCX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
# Blank to fill by hand, as on the printed form.
BLANK = "……"
# The font of Vietnamese administrative documents, and the one this machine has for the PDF.
DOCX_FONT = "Times New Roman"


@dataclass(frozen=True)
class ApologyLetter:
    """What the apology says. Instants with a timezone offset; `issued_on` is the local date of signing."""

    agency_name: str
    parent_agency_name: str | None
    place: str
    issued_on: date
    dossier_code: str
    applicant_name: str
    procedure_name: str
    received_at: datetime
    previous_due_at: datetime
    # None in a draft: the head fills in the new date and the reason.
    new_due_at: datetime | None
    reason: str | None
    signer_title: str = "Thủ trưởng cơ quan"
    signer_name: str | None = None
    # The document's number and symbol (e.g. 15/PXL-UBND); left blank to fill in when not given.
    number: str | None = None
    # A draft the platform prepares before the unit issues the letter: marked so, never sent as it is.
    draft: bool = False


@dataclass(frozen=True)
class ApologyContent:
    """Every line of the document in order, as both files print it (NFC text)."""

    parent: str | None
    agency: str
    number_line: str
    motto: tuple[str, str]
    dated_line: str
    title: str
    to_line: str
    body: tuple[str, ...]
    signer_title: str
    signer_note: str
    signer_name: str
    draft_mark: str | None = None
    draft_note: str | None = None


# -- wording ----------------------------------------------------------------------------------------

def _two(number: int) -> str:
    return f"{number:02d}"


def _month(month: int) -> str:
    # Decree 30/2020: a leading zero for the months 1 and 2 only (tháng 01, tháng 02, tháng 3 … tháng 12).
    return f"{month:02d}" if month < 3 else str(month)


def date_words(day: date) -> str:
    """ngày 05 tháng 02 năm 2026"""
    return f"ngày {_two(day.day)} tháng {_month(day.month)} năm {day.year}"


def instant_words(moment: datetime) -> str:
    """08 giờ 30, ngày 25 tháng 11 năm 2026 (Hà Nội time)."""
    local = moment.astimezone(LOCAL_TZ) if moment.tzinfo is not None else moment
    return f"{_two(local.hour)} giờ {_two(local.minute)}, {date_words(local.date())}"


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", " ".join(text.split()))


def _sentence(text: str) -> str:
    """The reason as the sentence "Lý do: …." ends: one full stop, not two."""
    text = _nfc(text)
    return text if text.endswith((".", "!", "?", "…")) else text + "."


def _procedure_in_sentence(name: str) -> str:
    """The procedure's name after "thủ tục hành chính": the portal names many "Thủ tục đăng ký …", which
    would read "thủ tục hành chính Thủ tục đăng ký …"; and a name starts lower case mid-sentence unless it
    starts with an abbreviation (UBND, GCN)."""
    name = _nfc(name)
    if name.casefold().startswith("thủ tục "):
        name = name[len("thủ tục "):]
    if len(name) > 1 and name[1].islower():
        name = name[0].lower() + name[1:]
    return name


def apology_content(letter: ApologyLetter) -> ApologyContent:
    # What XML cannot hold never reaches the DOCX (or the PDF): a reason typed with a stray control character
    # must not make a letter that can never be written.
    letter = dataclasses.replace(letter, **{f.name: xml_text(value) for f in dataclasses.fields(letter)
                                            if isinstance(value := getattr(letter, f.name), str)})
    agency = _nfc(letter.agency_name)
    received_on = letter.received_at.astimezone(LOCAL_TZ).date() if letter.received_at.tzinfo else \
        letter.received_at.date()
    body = (
        f"{date_words(received_on).capitalize()}, {agency} tiếp nhận giải quyết hồ sơ đề nghị giải quyết thủ tục "
        f"hành chính {_procedure_in_sentence(letter.procedure_name)} của Ông/Bà.",
        f"Mã số hồ sơ: {_nfc(letter.dossier_code)}.",
        f"Thời gian hẹn trả kết quả giải quyết hồ sơ: {instant_words(letter.previous_due_at)}.",
        f"Tuy nhiên đến nay, {agency} chưa trả kết quả giải quyết hồ sơ của Ông/Bà đúng thời hạn quy định ghi "
        "trên Giấy tiếp nhận hồ sơ và hẹn trả kết quả.",
        f"Lý do: {_sentence(letter.reason) if letter.reason else BLANK}",
        f"Sự chậm trễ này đã gây phiền hà cho Ông/Bà. {agency} xin lỗi Ông/Bà và hẹn lại thời gian trả kết quả "
        f"vào {instant_words(letter.new_due_at) if letter.new_due_at else BLANK}.",
        "Mong nhận được sự thông cảm của Ông/Bà vì sự chậm trễ này.",
    )
    return ApologyContent(
        parent=_nfc(letter.parent_agency_name).upper() if letter.parent_agency_name else None,
        agency=agency.upper(),
        number_line=f"Số: {_nfc(letter.number) if letter.number else BLANK}",
        motto=MOTTO,
        dated_line=f"{_nfc(letter.place)}, {date_words(letter.issued_on)}",
        title=TITLE,
        to_line=f"Kính gửi: {_nfc(letter.applicant_name)}",
        body=body,
        signer_title=_nfc(letter.signer_title).upper(),
        signer_note=SIGNER_NOTE,
        signer_name=_nfc(letter.signer_name) if letter.signer_name and not letter.draft else "",
        draft_mark=DRAFT_MARK if letter.draft else None,
        draft_note=DRAFT_NOTE if letter.draft else None,
    )


# -- HTML and PDF -----------------------------------------------------------------------------------

@cache
def _environment() -> Environment:
    # Autoescape: the reason and the names are typed by people; "<" in them must print, not become markup.
    return Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]))


def render_apology_html(letter: ApologyLetter) -> str:
    content = apology_content(letter)
    return _environment().get_template("apology.html").render(
        font_face=Markup(font_face_css()),  # our own CSS, not user text
        letter=letter, title=content.title, motto=content.motto, number_line=content.number_line,
        dated_line=content.dated_line, to_line=content.to_line, body=content.body,
        header={"parent": content.parent, "agency": content.agency}, draft_mark=content.draft_mark,
        draft_note=content.draft_note,
        signature={"title": content.signer_title, "note": content.signer_note, "name": content.signer_name},
    )


def render_apology_pdf(letter: ApologyLetter) -> bytes:
    """The apology as an A4 PDF with the documents' one font embedded (shared.document_fonts)."""
    from weasyprint import HTML

    return HTML(string=render_apology_html(letter), base_url=str(TEMPLATES)).write_pdf()


# -- the receipt ------------------------------------------------------------------------------------

def render_receipt_pdf(receipt, lookup_url: str) -> bytes:
    """The receipt the one-stop desk hands over (Thông tư 01/2018/TT-VPCP, mẫu số 01: giấy tiếp nhận hồ sơ và
    hẹn trả kết quả): the code, the secret that opens the look-up page, and a QR code to that page with both."""
    import segno
    from weasyprint import HTML

    qr = segno.make(lookup_url, error="m")
    svg = qr.svg_inline(scale=3, border=2, omitsize=False)
    html = _environment().get_template("receipt.html").render(
        font_face=Markup(font_face_css()), receipt=receipt, motto=MOTTO, lookup_url=lookup_url,
        qr=Markup(svg),  # segno's own SVG of the address: no user text in it but the escaped URL
        received=instant_words(receipt.received_at), due=instant_words(receipt.due_at))
    return HTML(string=html, base_url=str(TEMPLATES)).write_pdf()


# -- DOCX -------------------------------------------------------------------------------------------

def render_apology_docx(letter: ApologyLetter) -> bytes:
    """The apology as a Word document with the same lines as the PDF, for units that sign on paper."""
    from docx import Document
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Mm, Pt

    content = apology_content(letter)
    document = Document()
    section = document.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(20), Mm(20)
    section.left_margin, section.right_margin = Mm(30), Mm(20)
    normal = document.styles["Normal"]
    normal.font.name = DOCX_FONT
    normal.font.size = Pt(13)
    normal.paragraph_format.space_after = Pt(0)

    def line(container, text: str, *, bold=False, italic=False, align=WD_ALIGN_PARAGRAPH.CENTER, size=None,
             first=False):
        paragraph = container.paragraphs[0] if first else container.add_paragraph()
        paragraph.alignment = align
        run = paragraph.add_run(text)
        run.bold, run.italic = bold, italic
        if size is not None:
            run.font.size = Pt(size)
        return paragraph

    header = document.add_table(rows=1, cols=2)
    header.alignment = WD_TABLE_ALIGNMENT.CENTER
    issuer, motto = header.rows[0].cells
    issuer.width, motto.width = Mm(68), Mm(92)
    first = True
    if content.parent:
        line(issuer, content.parent, first=True, size=12)
        first = False
    line(issuer, content.agency, bold=True, first=first, size=12)
    _short_rule(issuer.add_paragraph(), Mm(20))
    line(issuer, content.number_line, size=12)
    line(motto, content.motto[0], bold=True, first=True, size=12)
    line(motto, content.motto[1], bold=True)
    _short_rule(motto.add_paragraph(), Mm(22))
    line(motto, content.dated_line, italic=True)

    if content.draft_mark:
        line(document, content.draft_mark, bold=True, size=16).paragraph_format.space_before = Pt(12)
        line(document, content.draft_note, italic=True, size=11)
    title = line(document, content.title, bold=True, size=14)
    title.paragraph_format.space_before = Pt(24)
    title.paragraph_format.space_after = Pt(12)
    line(document, content.to_line).paragraph_format.space_after = Pt(12)
    for text in content.body:
        paragraph = line(document, text, align=WD_ALIGN_PARAGRAPH.JUSTIFY)
        paragraph.paragraph_format.first_line_indent = Mm(10)
        paragraph.paragraph_format.space_after = Pt(6)

    signature = document.add_table(rows=1, cols=2)
    block = signature.rows[0].cells[1]
    line(block, content.signer_title, bold=True, first=True)
    line(block, content.signer_note, italic=True)
    name = line(block, content.signer_name, bold=True)
    name.paragraph_format.space_before = Pt(60)

    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _short_rule(paragraph, indent) -> None:
    """A short line under the agency and under the motto: an empty paragraph's bottom border, narrowed by
    indents, so the line is drawn, not typed with underscores that would read as text."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    paragraph.paragraph_format.left_indent = indent
    paragraph.paragraph_format.right_indent = indent
    borders = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for key, value in (("w:val", "single"), ("w:sz", "6"), ("w:space", "1"), ("w:color", "000000")):
        bottom.set(qn(key), value)
    borders.append(bottom)
    paragraph._p.get_or_add_pPr().append(borders)
