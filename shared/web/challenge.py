"""A question a person answers and a script rarely does, asked of a client over its rate limit on a public
form instead of a bare "429 Too Many Requests": "Bảy cộng năm bằng mấy?". Made and checked here, with no
third-party service (a province's network may not reach one) and no script in the page.

The question's answer travels only as a keyed digest in a signed, short-lived token bound to the client's
address, so a page cannot be answered once and replayed from elsewhere; what a solved question allows is
still counted (the caller takes it from a second allowance)."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from itsdangerous import BadSignature, URLSafeTimedSerializer

LIFETIME_SECONDS = 600
FIELD_TOKEN, FIELD_ANSWER = "challenge_token", "challenge_answer"
_DIGITS_VI = ("không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín")
_DIGITS_EN = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")


@dataclass(frozen=True)
class Challenge:
    question_vi: str
    question_en: str
    token: str


def _serializer(secret: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret, salt="kycuong.challenge")


def _digest(secret: str, answer: int, nonce: str) -> str:
    return hmac.new(secret.encode(), f"{answer}:{nonce}".encode(), hashlib.sha256).hexdigest()[:32]


def ask(secret: str, client: str) -> Challenge:
    """A new question for `client`: the sum of two numbers from two to nine, written in words."""
    first, second = 2 + secrets.randbelow(8), 2 + secrets.randbelow(8)
    nonce = secrets.token_urlsafe(12)
    token = _serializer(secret).dumps({"d": _digest(secret, first + second, nonce), "n": nonce, "c": client})
    return Challenge(f"{_DIGITS_VI[first].capitalize()} cộng {_DIGITS_VI[second]} bằng mấy?",
                     f"What is {_DIGITS_EN[first]} plus {_DIGITS_EN[second]}?", token)


def solved(secret: str, client: str, token: str | None, answer: str | None) -> bool:
    """Whether `answer` answers the question of `token`, asked of this client less than ten minutes ago."""
    if not token or not answer or not answer.strip().isdigit() or len(answer.strip()) > 3:
        return False
    try:
        data = _serializer(secret).loads(token, max_age=LIFETIME_SECONDS)
    except BadSignature:
        return False
    if not isinstance(data, dict) or data.get("c") != client:
        return False
    return hmac.compare_digest(str(data.get("d")), _digest(secret, int(answer.strip()), str(data.get("n"))))
