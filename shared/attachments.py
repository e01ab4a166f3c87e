"""Files that citizens and officials attach (feedback, explanations): one way to check and to store them.

The type is judged from the file's first bytes, never from the name or the type the upload claims, and
a file is stored under a name of our own: the uploaded name is kept for display only, never used as a path.
Each service sets its own limits (how many files, how large).
"""

from __future__ import annotations

import hashlib
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from shared.errors import InvalidInput, TooLarge

# The types accepted and the extension each is stored with.
TYPES = {"image/jpeg": ".jpg", "image/png": ".png", "application/pdf": ".pdf"}
FIELD = "attachments"


class AttachmentTooLarge(TooLarge):
    pass


@dataclass(frozen=True)
class Upload:
    """A checked attachment (type sniffed from its bytes) waiting to be stored with what it belongs to."""

    filename: str
    content_type: str
    data: bytes

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


class _File(Protocol):  # werkzeug's FileStorage, as far as it is used here
    filename: str | None
    stream: object


def sniff_type(head: bytes) -> str | None:
    """The type the bytes really are (JPEG, PNG or PDF), whatever the upload claims."""
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    return None


def read_uploads(files: Sequence[_File], *, max_files: int, max_bytes: int) -> list[Upload]:
    """Read and check uploaded files; the first file that breaks a rule stops the request with an error
    naming it (413 when too large, 422 otherwise), so nothing is stored."""
    limit_mb = max_bytes // (1024 * 1024)
    if len(files) > max_files:
        raise InvalidInput(f"tối đa {max_files} tệp — at most {max_files} attachments",
                           {FIELD: [f"at most {max_files} files"]})
    uploads = []
    for index, file in enumerate(files):
        data = file.stream.read(max_bytes + 1)
        # NFC, no control characters, white space folded: the name is shown to people, never used as a path.
        shown = unicodedata.normalize("NFC", file.filename or "")
        name = " ".join("".join(ch for ch in shown if unicodedata.category(ch) != "Cc").split()) or f"tep-{index + 1}"
        if len(data) > max_bytes:
            raise AttachmentTooLarge(f"Tệp {name!r} vượt quá {limit_mb} MB — each attachment is at most {limit_mb} MB",
                                     {FIELD: {str(index): [f"larger than {limit_mb} MB"]}})
        kind = sniff_type(data[:16])
        if kind is None:
            raise InvalidInput(f"Tệp {name!r} không đúng định dạng — attach JPEG, PNG or PDF files only (checked "
                               "from the file's content)", {FIELD: {str(index): ["not a JPEG, PNG or PDF file"]}})
        uploads.append(Upload(filename=_with_extension(name, TYPES[kind]), content_type=kind, data=data))
    return uploads


def store(folder: Path, uploads: Iterable[Upload]) -> list[tuple[Upload, str]]:
    """Write the files into `folder` as 1.pdf, 2.jpg …; returns each upload with the name it was stored as."""
    stored = []
    for index, upload in enumerate(uploads, start=1):
        folder.mkdir(parents=True, exist_ok=True)
        name = f"{index}{TYPES[upload.content_type]}"
        (folder / name).write_bytes(upload.data)
        stored.append((upload, name))
    return stored


def _with_extension(name: str, extension: str) -> str:
    """The shown name ending with the extension of what the file really is: a PDF uploaded as `thu.html`
    is offered for download as `thu.pdf`, never as a page a browser would open and run."""
    stem, dot, suffix = name.rpartition(".")
    if dot and stem and suffix.lower() in {"jpg", "jpeg"} and extension == ".jpg":
        return name
    if dot and stem and "." + suffix.lower() == extension:
        return name
    return (stem if dot and stem else name) + extension
