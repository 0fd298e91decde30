"""Template placeholders, rendering in the location's time zone and language, SMS segments."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.translation import gettext as _

from practice import localtime
from practice.languages import long_date

PLACEHOLDER = re.compile(r"\{([^{}]*)\}")

PLACEHOLDERS = {
    "patient": "Anna",
    "client": "Anna de Vries",
    "date": "maandag 7 januari 2030",
    "time": "09:30",
    "location": "Utrecht Centrum",
    "location_address": "Oudegracht 120, Utrecht",
    "practitioner": "Jan Bakker",
    "practice": "Tandartspraktijk De Molen",
    "practice_phone": "+31 30 234 5678",
    "link": "https://example.com/a/abc123",
}


# A workflow's own messages are about the client, not an appointment.
CLIENT_PLACEHOLDERS = {
    "patient": "Anna",
    "client": "Anna de Vries",
    "practice": "Tandartspraktijk De Molen",
    "practice_phone": "+31 30 234 5678",
    "booking_link": "https://example.com/p/de-molen/book/",
    "unsubscribe_link": "https://example.com/u/abc123/",
}


def validate_placeholders(text: str, known: dict[str, str] | None = None) -> None:
    """Refuse unknown placeholders, naming them and the ones that exist (of `known`, by
    default those of appointment messages)."""
    known = PLACEHOLDERS if known is None else known
    unknown = sorted({name for name in PLACEHOLDER.findall(text) if name not in known})
    if unknown:
        raise ValidationError(
            _("Unknown placeholder %(unknown)s. Use: %(known)s.")
            % {
                "unknown": ", ".join(f"{{{name}}}" for name in unknown),
                "known": ", ".join(f"{{{name}}}" for name in known),
            },
            code="unknown_placeholder",
        )


def render(text: str, values: dict[str, str]) -> str:
    return PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), text)


@dataclass(frozen=True)
class AppointmentValues:
    """Placeholder values for one appointment, in the location's time zone and language."""

    values: dict[str, str]

    @classmethod
    def build(cls, appointment, *, language: str, link: str) -> AppointmentValues:
        return cls.for_time(
            appointment, appointment.patient, appointment.client, language=language, link=link
        )

    @classmethod
    def build_for_offer(cls, offer, *, language: str, link: str) -> AppointmentValues:
        """A waitlist offer's freed time, for the patient and client of its entry."""
        entry = offer.entry
        return cls.for_time(offer, entry.patient, entry.client, language=language, link=link)

    @classmethod
    def for_time(cls, slot, patient, client, *, language: str, link: str) -> AppointmentValues:
        """`slot` has an appointment's location, practitioner, practice and starts_at."""
        location = slot.location
        local = localtime.to_local(slot.starts_at, location.tz)
        with translation.override(language):
            date = long_date(local)
            time = localtime.time_label(slot.starts_at, location.tz)
        return cls(
            {
                "patient": patient.name,
                "client": client.full_name,
                "date": date,
                "time": time,
                "location": location.name,
                "location_address": ", ".join(p for p in [location.address, location.city] if p),
                "practitioner": slot.practitioner.name,
                "practice": slot.practice.name,
                "practice_phone": location.phone or slot.practice.phone,
                "link": link,
            }
        )


@dataclass(frozen=True)
class ClientValues:
    """Placeholder values for a message about a client (and patient), not an appointment."""

    values: dict[str, str]

    @classmethod
    def build(
        cls, practice, client, patient, *, language: str, booking_link: str, unsubscribe_link: str
    ) -> ClientValues:
        return cls(
            {
                "patient": patient.name if patient is not None else client.full_name,
                "client": client.full_name,
                "practice": practice.name,
                "practice_phone": practice.phone,
                "booking_link": booking_link,
                "unsubscribe_link": unsubscribe_link,
            }
        )

    @classmethod
    def for_number(cls, practice, *, booking_link: str) -> dict[str, str]:
        """For a number on no client's card: nobody to name, nothing to unsubscribe from."""
        return {
            "patient": "",
            "client": "",
            "practice": practice.name,
            "practice_phone": practice.phone,
            "booking_link": booking_link,
            "unsubscribe_link": "",
        }


GSM7 = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    "ÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENDED = set("^{}\\[~]|€")


def sms_segments(text: str) -> int:
    """How many SMS segments `text` takes: GSM-7 160/153 a part, else UCS-2 70/67."""
    if all(ch in GSM7 or ch in GSM7_EXTENDED for ch in text):
        length = sum(2 if ch in GSM7_EXTENDED else 1 for ch in text)
        single, multi = 160, 153
    else:
        length = sum(2 if ord(ch) > 0xFFFF else 1 for ch in text)
        single, multi = 70, 67
    if length <= single:
        return 1 if length else 0
    return -(-length // multi)
