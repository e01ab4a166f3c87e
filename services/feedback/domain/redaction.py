"""What a citizen typed, made fit to publish: telephone numbers, e-mail addresses and identity card numbers
written into a report's text are hidden before anyone else reads it.

A reporter's contact details are kept apart and never shown (Nghị định 13/2023/NĐ-CP on personal data: a
telephone number and an e-mail address are personal data, shown only with consent), but people also type
them, or their identity card number, into the text itself ("gọi tôi 0912 345 678"). Published text and Open311
answers pass through here. Telephone numbers are found by Google's libphonenumber (the `phonenumbers`
package) with Việt Nam as the default region and only numbers valid there, so every way of writing a
Vietnamese number (0912.345.678, +84 912 345 678, 024 3825 3536) is recognised while an amount (1.500.000
đồng), a date or a procedure code is not.
"""

from __future__ import annotations

import re

import phonenumbers

HIDDEN = "[đã ẩn]"
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
# A citizen identity card number (CCCD: 12 digits, the first three the province of birth, 001 to 096).
_CITIZEN_ID = re.compile(r"(?<!\d)0\d{11}(?!\d)")


def redact_contacts(text: str | None) -> str | None:
    """The text with every telephone number, e-mail address and identity card number replaced by "[đã ẩn]"."""
    if not text:
        return text
    text = _CITIZEN_ID.sub(HIDDEN, _EMAIL.sub(HIDDEN, text))
    pieces, last = [], 0
    for match in phonenumbers.PhoneNumberMatcher(text, "VN", leniency=phonenumbers.Leniency.VALID):
        pieces += [text[last:match.start], HIDDEN]
        last = match.end
    return "".join(pieces) + text[last:]
