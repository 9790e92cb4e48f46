"""Parsing of values that come from outside as text: dates, true/false words, whole numbers.

One parser per kind of value. Each caller keeps its own error messages (an API answer, a page notice, an
embed problem list, a settings error), so the parsers raise plain exceptions that say what was wrong and
leave the wording to the caller.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Collection

# YYYY-MM-DD and nothing else: date.fromisoformat() alone also takes 20230101 and 2023-W01-1.
DATE_PATTERN = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# ASCII digits only: str.isdigit() also says yes to "²" and "①", which int() then refuses (a 500).
_WHOLE_NUMBER = re.compile(r"^[0-9]+$")


class DateFormatError(ValueError):
    """The text is not a date written YYYY-MM-DD."""


class UnrealDateError(ValueError):
    """The text is written YYYY-MM-DD but names no day (2023-02-30)."""


def parse_date(raw: object) -> dt.date:
    """The day `raw` names; DateFormatError if it is not text written YYYY-MM-DD, UnrealDateError if no such day."""
    if not isinstance(raw, str) or not DATE_PATTERN.match(raw):
        raise DateFormatError(raw)
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise UnrealDateError(raw) from None


def is_whole_number(raw: str | None) -> bool:
    """True for a non-empty run of the digits 0-9 and nothing else (no sign, space or other script's digits)."""
    return raw is not None and bool(_WHOLE_NUMBER.match(raw))


# The one vocabulary of true/false words. A caller accepts a part of it (the API says true/false/1/0, an embed
# says on/off/true/false) so that what each documents stays what it takes.
BOOLEAN_WORDS = {
    "true": True,
    "1": True,
    "yes": True,
    "on": True,
    "false": False,
    "0": False,
    "no": False,
    "off": False,
}


def parse_bool(raw: str, *, words: Collection[str] = tuple(BOOLEAN_WORDS)) -> bool:
    """What `raw` means, if it is one of `words` (a part of BOOLEAN_WORDS); ValueError otherwise.

    Case and spaces are the caller's choice: it lowers or strips `raw` first if it means to accept those."""
    if raw not in words or raw not in BOOLEAN_WORDS:
        raise ValueError(raw)
    return BOOLEAN_WORDS[raw]
