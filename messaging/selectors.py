from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Q, QuerySet

from practice.models import Practice
from practice.scoping import for_practice

from .models import Message, MessageTemplate, MessagingSettings, SmsGateway, SmsOptOut


def messaging_settings(practice: Practice) -> MessagingSettings:
    """The practice's settings (defaults, all off, until an administrator saves them)."""
    found = for_practice(MessagingSettings, practice).first()
    return found or MessagingSettings(practice=practice)


def sms_gateway(practice: Practice) -> SmsGateway | None:
    return for_practice(SmsGateway, practice).filter(is_active=True).first()


def opted_out_numbers(practice: Practice, numbers: Iterable[str]) -> set[str]:
    """Which of `numbers` (E.164) replied STOP to the practice: one query, none for none."""
    wanted = set(numbers) - {""}
    if not wanted:
        return set()
    rows = for_practice(SmsOptOut, practice).filter(number__in=wanted)
    return set(rows.values_list("number", flat=True))


def template_for(
    practice: Practice, *, consultation_type_id: int, kind: str, channel: str, language: str
) -> MessageTemplate | None:
    """The consultation type's own template, else the practice's one for every type.

    In the wanted language, else English.
    """
    candidates = for_practice(MessageTemplate, practice).filter(
        Q(consultation_type_id=consultation_type_id) | Q(consultation_type__isnull=True),
        kind=kind,
        channel=channel,
        language__in=[language, "en"],
    )

    def rank(t: MessageTemplate) -> tuple[int, int]:
        return (t.consultation_type_id is None, t.language != language)

    return min(candidates, key=rank, default=None)


def appointment_messages(practice: Practice, appointment_id: int) -> QuerySet[Message]:
    return (
        for_practice(Message, practice)
        .filter(appointment_id=appointment_id)
        .order_by("created_at", "id")
    )
