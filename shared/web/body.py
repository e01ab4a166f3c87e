"""One reader of request bodies that come as JSON or as a form with files (multipart/form-data)."""

from __future__ import annotations

from collections.abc import Iterable

from flask import request
from marshmallow import Schema, ValidationError

from shared import attachments
from shared.errors import InvalidInput


def load_body(schema: Schema, *, max_files: int = 0, max_bytes: int = 0, nested: Iterable[str] = (),
              what: str = "the request") -> tuple[object, list[attachments.Upload]]:
    """(what `schema` loads, uploaded files) from a JSON object or a multipart form.

    In a form, fields named `<group>.<field>` for a group in `nested` become a nested object (for
    example `reporter.name`); files come from the `attachments` field, checked by `shared.attachments`
    (at most `max_files`, each at most `max_bytes`; no files accepted when `max_files` is 0)."""
    if request.mimetype == "multipart/form-data":
        # A part whose Content-Disposition names no field is read by werkzeug under the name None: no
        # field of any schema, and refused as such rather than crashing the readers below.
        if None in request.form or None in request.files:
            raise InvalidInput(f"every part of {what} needs a field name",
                               {"form": ["a part of the form has no name (Content-Disposition: form-data; name=…)"]})
        groups = tuple(nested)
        raw: dict = {key: value for key, value in request.form.items()
                     if not any(key.startswith(f"{group}.") for group in groups)}
        for group in groups:
            prefix = f"{group}."
            values = {key[len(prefix):]: value for key, value in request.form.items() if key.startswith(prefix)}
            if values:
                raw[group] = values
        files = request.files.getlist("attachments")
        if files and not max_files:
            raise InvalidInput(f"{what} takes no attachments", {"attachments": ["not accepted here"]})
        uploads = attachments.read_uploads(files, max_files=max_files, max_bytes=max_bytes) if files else []
    else:
        raw, uploads = request.get_json(silent=True), []
        if not isinstance(raw, dict):
            raise InvalidInput(f"send {what} as a JSON object or as multipart/form-data",
                               {"json": ["a JSON object is required"]})
    try:
        return schema.load(raw), uploads
    except ValidationError as exc:
        messages = exc.normalized_messages()
        raise InvalidInput("the request has invalid fields: " + ", ".join(sorted(messages)), messages) from exc
