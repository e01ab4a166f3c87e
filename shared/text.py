"""Text a person could have typed: what no field may hold, wherever text enters (HTTP requests through
shared.web.guards, external events through their schemas)."""

from __future__ import annotations

import re
from typing import Any

# C0 controls except tab, line feed and carriage return; DEL and the C1 controls; the surrogates (a JSON
# "\ud800" decodes to one); U+FFFE and U+FFFF. None of them is text a person typed, XML (DOCX, XLSX) cannot
# hold them, and some terminals and spreadsheets act on them.
_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


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
