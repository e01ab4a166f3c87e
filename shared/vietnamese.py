"""Vietnamese text order, for every list users read (units, officials, rankings).

Vietnamese sorts letter by letter on its own alphabet (ă, â after a; đ after d; ê after e; ô, ơ after o;
ư after u), and only then by tone, in the dictionary order ngang, huyền, hỏi, ngã, sắc, nặng. Byte or
Unicode order gets both wrong ("Đống Đa" before "Dương Nội" would be right only by accident, "Ô Chợ
Dừa" lands after "Xuân Đỉnh"). Digraphs (ch, ng, nh…) are not treated as letters, as in ICU's "vi"
collation. Numbers compare as numbers ("Phường 2" before "Phường 10"). The key is plain ASCII whose
byte order is the Vietnamese order, so it can be stored and sorted on by the database (column
collation "C") and pages stay consistent.
"""

from __future__ import annotations

import unicodedata

_ALPHABET = "aăâbcdđeêfghijklmnoôơpqrstuưvwxyz"
# Ranks are written with these digits, whose ASCII order is their numeric order.
_DIGITS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_LEVEL_SEPARATOR = _DIGITS[0]  # below every rank: a shorter name sorts first
_SPACE_RANK = 1
_NUMBER_RANK = 2  # a number: this rank, then its length, then its digits
_LETTER_RANK = 3
_OTHER_RANK = _LETTER_RANK + len(_ALPHABET)  # letters outside the Vietnamese alphabet, last
_MODIFIERS = {"\u0306": "breve", "\u0302": "circumflex", "\u031b": "horn"}
_MODIFIED = {("a", "breve"): "ă", ("a", "circumflex"): "â", ("e", "circumflex"): "ê",
             ("o", "circumflex"): "ô", ("o", "horn"): "ơ", ("u", "horn"): "ư"}
# Tone marks in dictionary order; no mark (thanh ngang) is 0.
_TONES = {"\u0300": 1, "\u0309": 2, "\u0303": 3, "\u0301": 4, "\u0323": 5}


def _letter(char: str) -> tuple[int, int, int] | None:
    """(primary rank, tone, case) of one letter; None for a separator."""
    if not char.isalnum():
        return None
    case = 1 if char.isupper() else 0
    lower = char.lower()
    if lower == "ð":  # eth is often typed for đ in old documents and spreadsheets
        lower = "đ"
    if lower == "đ":
        return _LETTER_RANK + _ALPHABET.index("đ"), 0, case
    base, *marks = unicodedata.normalize("NFD", lower)
    tone = 0
    for mark in marks:
        if mark in _MODIFIERS:
            base = _MODIFIED.get((base, _MODIFIERS[mark]), base)
        elif mark in _TONES:
            tone = _TONES[mark]
    if base in _ALPHABET:
        return _LETTER_RANK + _ALPHABET.index(base), tone, case
    return _OTHER_RANK, tone, case


def sort_key(text: str) -> str:
    """An ASCII key whose byte order is Vietnamese dictionary order: letters first, then tones, then
    case; any run of spaces or punctuation counts as one word break; numbers by value."""
    primary: list[str] = []
    tones: list[str] = []
    cases: list[str] = []

    def put(rank: str, tone: int = 0, case: int = 0) -> None:
        primary.append(rank)
        tones.append(_DIGITS[tone])
        cases.append(_DIGITS[case])

    text = unicodedata.normalize("NFC", text.strip())
    i = 0
    while i < len(text):
        char = text[i]
        if char.isascii() and char.isdigit():
            j = i
            while j < len(text) and text[j].isascii() and text[j].isdigit():
                j += 1
            number = text[i:j].lstrip("0") or "0"
            put(_DIGITS[_NUMBER_RANK])
            put(_DIGITS[min(len(number), len(_DIGITS) - 1)])  # a longer number is a larger one
            for digit in number:
                put(digit)
            i = j
            continue
        i += 1
        letter = _letter(char)
        if letter is None:
            if primary and primary[-1] != _DIGITS[_SPACE_RANK]:
                put(_DIGITS[_SPACE_RANK])
            continue
        rank, tone, case = letter
        put(_DIGITS[rank], tone, case)
    while primary and primary[-1] == _DIGITS[_SPACE_RANK]:
        primary.pop()
        tones.pop()
        cases.pop()
    return "".join(primary) + _LEVEL_SEPARATOR + "".join(tones) + _LEVEL_SEPARATOR + "".join(cases)


def folded(text: str) -> str:
    """The text without tones, marks and case, đ as d: what a search compares, so that "ba dinh" finds
    "Phường Ba Đình"."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return " ".join("".join(char for char in decomposed if not unicodedata.combining(char)).lower().split())
