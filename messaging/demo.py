"""Demo messaging: services on, a gateway with credit, clients who want messages.

The dental practice has per-type SMS confirmation templates except for its emergency
consult, so the demo shows 'no template for this consultation type'.
"""

from __future__ import annotations

import random

from appointments.models import ConsultationType
from patients.models import Client
from practice.models import Practice
from practice.scoping import for_practice

from .models import MessageTemplate, MessagingSettings, SmsGateway
from .services import templates_install_defaults

NO_SMS_TEMPLATE_TYPE = "Spoedconsult"


def demo_messaging(practice: Practice) -> None:
    MessagingSettings.objects.unscoped().create(
        practice=practice, confirmation_enabled=True, reminder_enabled=True
    )
    SmsGateway.objects.unscoped().create(
        practice=practice,
        account_sid="AC" + "0" * 28 + "demo",
        auth_token="demo-token",  # noqa: S106 - the demo gateway talks to no one
        sender="+3197010000000" if practice.default_country == "NL" else "+358451234567",
        credit_segments=500,
    )
    templates_install_defaults(practice)
    _per_type_sms_confirmations(practice)
    rng = random.Random(practice.pk)
    clients = list(for_practice(Client, practice).only("id"))
    for client in clients:
        client.confirmation_channel = rng.choice(["both", "both", "sms", "email", ""])
        client.reminder_channel = rng.choice(["both", "sms", "sms", "email", ""])
    Client.objects.unscoped().bulk_update(clients, ["confirmation_channel", "reminder_channel"])


def _per_type_sms_confirmations(practice: Practice) -> None:
    """Replace the all-types SMS confirmation with one per consultation type, but one."""
    defaults = for_practice(MessageTemplate, practice).filter(
        consultation_type__isnull=True, kind="confirmation", channel="sms"
    )
    types = for_practice(ConsultationType, practice).exclude(name=NO_SMS_TEMPLATE_TYPE)
    if not for_practice(ConsultationType, practice).filter(name=NO_SMS_TEMPLATE_TYPE).exists():
        return
    MessageTemplate.objects.unscoped().bulk_create(
        [
            MessageTemplate(
                practice=practice,
                consultation_type=ctype,
                kind=t.kind,
                channel=t.channel,
                language=t.language,
                subject=t.subject,
                body=t.body.replace("{practice}:", f"{{practice}} ({ctype.name}):"),
            )
            for ctype in types
            for t in defaults
        ]
    )
    defaults.delete()
