"""Mobile numbers: parsed and validated with phonenumbers, stored in E.164."""

from __future__ import annotations

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


def normalize_phone(raw: str, default_region: str = "NL") -> str:
    """Return `raw` as E.164 (+31612345678), or raise ValidationError with a clear reason."""
    raw = (raw or "").strip()
    if not raw:
        return ""
    try:
        number = phonenumbers.parse(raw, default_region.upper())
    except phonenumbers.NumberParseException as exc:
        raise ValidationError(
            _("'%(raw)s' is not a phone number."), code="invalid_phone", params={"raw": raw}
        ) from exc
    if not phonenumbers.is_valid_number(number):
        raise ValidationError(
            _("'%(raw)s' is not a valid phone number."), code="invalid_phone", params={"raw": raw}
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def phone_search_variants(e164: str) -> list[str]:
    """Digit strings a receptionist might type for this number: international and national."""
    if not e164:
        return []
    number = phonenumbers.parse(e164, None)
    national = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    return [e164.lstrip("+"), "".join(ch for ch in national if ch.isdigit())]


def format_phone(e164: str) -> str:
    if not e164:
        return ""
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
