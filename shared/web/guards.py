"""What every request is held to before a view sees it: no control characters in any text it carries,
no number in a path the database cannot hold, a body no larger than the gateway lets through.

One place for every service, so that a field added tomorrow is covered without anyone remembering to.
"""

from __future__ import annotations

from flask import request
from werkzeug.routing import IntegerConverter

from shared.errors import InvalidInput
from shared.text import illegal_characters

# The gateway's client_max_body_size (deploy/nginx.conf): a service reached directly accepts no more.
MAX_BODY_BYTES = 20 * 1024 * 1024
# PostgreSQL's `integer`: an id or a version beyond it cannot exist, and asking for it must be a 404, not
# a 500 from the database.
MAX_PATH_INTEGER = 2**31 - 1

class BoundedIntegerConverter(IntegerConverter):
    """`<int:…>` in a route matches only what the database can hold; a larger number matches no route."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", MAX_PATH_INTEGER)
        super().__init__(map, *args, **kwargs)


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
