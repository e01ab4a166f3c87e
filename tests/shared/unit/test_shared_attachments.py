"""Attachments: the type comes from the bytes, limits name the file at fault, files are stored by our names."""

import io
from dataclasses import dataclass

import pytest

from shared.attachments import AttachmentTooLarge, read_uploads, sniff_type, store
from shared.errors import InvalidInput
from shared.web import status_of

PDF = b"%PDF-1.7\n%\xe2\xe3\n1 0 obj\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"


@dataclass
class FakeFile:  # what werkzeug's FileStorage offers the reader
    filename: str | None
    data: bytes

    @property
    def stream(self):
        return io.BytesIO(self.data)


@pytest.mark.parametrize("head, kind", [(b"\xff\xd8\xff\xe0\x00\x10JFIF", "image/jpeg"),
                                        (PNG, "image/png"),
                                        (PDF, "application/pdf"),
                                        (b"<html><script>", None), (b"MZ\x90\x00", None), (b"", None)])
def test_file_types_come_from_the_bytes(head, kind):
    assert sniff_type(head) == kind


def test_a_file_that_claims_to_be_a_pdf_but_is_not_is_refused_naming_it():
    with pytest.raises(InvalidInput) as refused:
        read_uploads([FakeFile("ok.pdf", PDF), FakeFile("hoá đơn.pdf", b"MZ\x90\x00 not a pdf")],
                     max_files=3, max_bytes=1024)
    assert refused.value.errors == {"attachments": {"1": ["not a JPEG, PNG or PDF file"]}}
    assert "hoá đơn.pdf" in refused.value.message


def test_too_many_or_too_large_files_are_refused_with_the_limit():
    with pytest.raises(InvalidInput) as too_many:
        read_uploads([FakeFile("a.pdf", PDF)] * 3, max_files=2, max_bytes=1024)
    assert too_many.value.errors == {"attachments": ["at most 2 files"]}
    with pytest.raises(AttachmentTooLarge) as too_large:
        read_uploads([FakeFile("big.pdf", PDF + b"x" * (2 * 1024 * 1024))], max_files=2, max_bytes=1024 * 1024)
    assert status_of(too_large.value) == 413  # the HTTP edge answers 413 Content Too Large
    assert too_large.value.errors == {"attachments": {"0": ["larger than 1 MB"]}}


def test_names_are_kept_for_display_in_nfc_and_files_are_stored_under_our_own_names(tmp_path):
    decomposed = "bie\u0302n ba\u0309n\x00.pdf"  # "biên bản" typed with combining marks, and a NUL
    uploads = read_uploads([FakeFile(decomposed, PDF), FakeFile("../../etc/passwd.png", PNG)],
                           max_files=3, max_bytes=1024)
    assert uploads[0].filename == "biên bản.pdf"
    stored = store(tmp_path / "HS-1", uploads)
    assert [name for _, name in stored] == ["1.pdf", "2.png"]
    assert (tmp_path / "HS-1" / "2.png").read_bytes() == PNG
    assert sorted(p.name for p in tmp_path.rglob("*") if p.is_file()) == ["1.pdf", "2.png"]


@pytest.mark.parametrize("claimed, shown", [("thư khiếu nại.html", "thư khiếu nại.pdf"), ("ảnh", "ảnh.pdf"),
                                            ("scan.PDF", "scan.PDF"), (".htaccess", ".htaccess.pdf")])
def test_a_shown_name_ends_with_the_extension_of_what_the_file_is(claimed, shown):
    assert read_uploads([FakeFile(claimed, PDF)], max_files=1, max_bytes=1024)[0].filename == shown


def test_a_jpeg_keeps_either_of_its_usual_extensions():
    jpeg = b"\xff\xd8\xff\xe0\x00\x10JFIF"
    names = [u.filename for u in read_uploads([FakeFile("a.jpeg", jpeg), FakeFile("b.JPG", jpeg),
                                               FakeFile("c.png", jpeg)], max_files=3, max_bytes=1024)]
    assert names == ["a.jpeg", "b.JPG", "c.jpg"]
