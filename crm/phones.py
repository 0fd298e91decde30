"""Phone numbers as telephony and websites send them, read with the practice's region.

Both forms are kept: `raw` as given (what staff see and search) and `e164` (what matches a
person). The parsing itself is patients.phone.normalize_phone, the one parser of the
project; here only what comes before it: a SIP address is cut down to its user part, and a
withheld caller id (or nothing) becomes '' so it matches no one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError

from patients.phone import normalize_phone

RAW_MAX = 64  # Communication.phone_raw / Comment.phone_raw
# What exchanges and Twilio send for a hidden number ('+266696687' spells ANONYMOUS).
WITHHELD = frozenset(
    {
        "anonymous",
        "withheld",
        "private",
        "restricted",
        "unknown",
        "unavailable",
        "blocked",
        "266696687",
        "+266696687",
        "7378742833",  # RESTRICTED
        "+7378742833",
        "8656696",  # UNKNOWN
        "+8656696",
    }
)
_SIP = re.compile(r"^sips?:", re.IGNORECASE)


@dataclass(frozen=True)
class Phone:
    raw: str  # as given (without a SIP scheme or host), cut to what the column holds
    e164: str  # '' when withheld, empty or not a valid number: it matches no one
    is_valid: bool


def strip_sip(value: str) -> str:
    """'sip:+31612345678@pbx.example;transport=udp' → '+31612345678'."""
    value = value.strip()
    if _SIP.match(value) or "@" in value:
        value = _SIP.sub("", value).split("@", 1)[0].split(";", 1)[0]
    return value.strip()


def is_withheld(value: str) -> bool:
    return value.strip().lower() in WITHHELD


def parse_phone(raw: str | None, default_region: str) -> Phone:
    """Read a caller id or a typed number with the practice's default region
    (`Practice.default_country`). Never raises: an unreadable number keeps its raw form and
    matches no one."""
    value = strip_sip(raw or "")
    if not value or is_withheld(value):
        return Phone(raw=value[:RAW_MAX], e164="", is_valid=False)
    try:
        e164 = normalize_phone(value, default_region or "NL")
    except ValidationError:
        e164 = _international_without_plus(value)
    return Phone(raw=value[:RAW_MAX], e164=e164, is_valid=bool(e164))


def _international_without_plus(value: str) -> str:
    """Some exchanges send '31612345678' (no '+', no trunk zero): try it as international.
    A national number starts with its trunk prefix (0 in most of Europe; Italy keeps it),
    so only digits not starting with 0 are tried."""
    digits = value.strip()
    if not (digits.isdigit() and not digits.startswith("0") and len(digits) >= 10):
        return ""
    try:
        return normalize_phone("+" + digits, "ZZ")
    except ValidationError:
        return ""


def practice_phone(practice, raw: str | None) -> Phone:
    return parse_phone(raw, practice.default_country)
