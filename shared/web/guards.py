"""What every request is held to before a view sees it: no control characters in any text it carries,
no number in a path the database cannot hold, a body no larger than the gateway lets through.

One place for every service, so that a field added tomorrow is covered without anyone remembering to.
"""

from __future__ import annotations

import re
from typing import Any

from flask import request
from werkzeug.routing import IntegerConverter

from shared.errors import InvalidInput

# The gateway's client_max_body_size (deploy/nginx.conf): a service reached directly accepts no more.
MAX_BODY_BYTES = 20 * 1024 * 1024
# PostgreSQL's `integer`: an id or a version beyond it cannot exist, and asking for it must be a 404, not
# a 500 from the database.
MAX_PATH_INTEGER = 2**31 - 1

# C0 controls except tab, line feed and carriage return; DEL and the C1 controls; the surrogates (a JSON
# "\ud800" decodes to one); U+FFFE and U+FFFF. None of them is text a person typed, XML (DOCX, XLSX) cannot
# hold them, and some terminals and spreadsheets act on them.
_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


class BoundedIntegerConverter(IntegerConverter):
    """`<int:…>` in a route matches only what the database can hold; a larger number matches no route."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", MAX_PATH_INTEGER)
        super().__init__(map, *args, **kwargs)


def illegal_characters(value: Any, path: str = "") -> dict[str, list[str]]:
    """Every string in `value` (nested lists and objects too) holding a character no text may hold,
    by its path (`items.0.title`)."""
    found: dict[str, list[str]] = {}
    if isinstance(value, str):
        match = _ILLEGAL.search(value)
        if match:
            found[path or "body"] = [f"contains the control character U+{ord(match.group()):04X} "
                                     f"(at position {match.start() + 1}); remove it"]
    elif isinstance(value, dict):
        for key, item in value.items():
            key_text = str(key)
            if _ILLEGAL.search(key_text):
                found[f"{path}.{key_text!r}" if path else repr(key_text)] = ["the field name holds a control "
                                                                            "character"]
            found.update(illegal_characters(item, f"{path}.{key_text}" if path else key_text))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found.update(illegal_characters(item, f"{path}.{index}" if path else str(index)))
    return found


def refuse_illegal_characters() -> None:
    """Before every request: the query, a form's fields and a JSON body hold no control character.
    A body that is not valid JSON is left for the view to refuse with its own message."""
    found: dict[str, list[str]] = {}
    for key, values in request.args.lists():
        for value in values:
            found.update(illegal_characters(value, f"query.{key}"))
    if request.mimetype == "application/json" or request.mimetype.endswith("+json"):
        body = request.get_json(silent=True, cache=True)
        if body is not None:
            found.update(illegal_characters(body))
    elif request.mimetype in ("multipart/form-data", "application/x-www-form-urlencoded"):
        for key, values in request.form.lists():
            for value in values:
                found.update(illegal_characters(value, key))
        for key, upload in request.files.items(multi=True):
            if upload.filename:
                found.update(illegal_characters(upload.filename, f"{key}.filename"))
    if found:
        raise InvalidInput("the request holds control characters, which no text may contain: "
                           + ", ".join(sorted(found)), found)
