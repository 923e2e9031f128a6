"""Which new passwords are refused: short ones and guessable ones (ASVS 2.1.1, 2.1.7; NIST
800-63B 5.1.1.2).

At least 12 characters (the API schema's minimum stays 10 for clients of API 2.x; shorter than 12
is refused here, with the field named).

zxcvbn estimates how many guesses a password takes, matching it against lists of the most common
(breached) passwords, names, words, keyboard patterns, dates and the account's own details; a
password scoring below 3 ("safely unguessable" against throttled online attacks) is refused with
zxcvbn's advice. There are no composition rules: a long passphrase is welcome, `Summer2024!` is
not."""

from __future__ import annotations

import asyncio
import re

from litestar.exceptions import ClientException
from zxcvbn import zxcvbn

MIN_LENGTH = 12
MIN_SCORE = 3
# zxcvbn scores at most 72 characters (its matching grows with length); what follows cannot make a
# password guessable.
SCORED_LENGTH = 72


def weakness(password: str, *personal: str) -> str | None:
    """Why `password` is too short or too guessable, or None."""
    if len(password) < MIN_LENGTH:
        return f"use at least {MIN_LENGTH} characters; a few words make a good password"
    # The account's details as words: "marta.kowalska@example.com" -> marta, kowalska, example...
    words = [word for text in personal for word in re.split(r"[\W_]+", text.lower()) if word]
    result = zxcvbn(password[:SCORED_LENGTH], user_inputs=words)
    if result["score"] >= MIN_SCORE:
        return None
    feedback = result["feedback"]
    advice = [feedback.get("warning") or "", *feedback.get("suggestions", [])]
    return " ".join(part for part in advice if part) or "too easy to guess"


async def refuse_guessable(password: str, *personal: str, field: str = "password") -> None:
    """422 naming `field` when the password is too easy to guess (checked on a worker thread)."""
    reason = await asyncio.to_thread(weakness, password, *personal)
    if reason is not None:
        raise ClientException(
            f"the password is too weak: {reason}",
            status_code=422,
            extra={"code": "WEAK_PASSWORD", "errors": [{"field": field, "message": reason}]},
        )
