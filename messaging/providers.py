"""Where messages go. One small interface; the dispatcher does not care which is behind it.

- DatabaseSmsProvider (default, development): keeps the SMS in our database, shown in the UI.
- Email goes through Django's email backend (console in development).
A Twilio provider using the real `twilio` client comes with the gateway settings.

The dispatcher calls `send_sms` from several threads at once (one provider object for all),
so a provider keeps per-thread what is not thread-safe and does not query the database:
everything it needs comes on the gateway and the message.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.core.mail import EmailMessage
from django.utils.module_loading import import_string


class TemporaryFailure(Exception):
    """Try again later: a 5xx, a refused connection."""


class PermanentFailure(Exception):
    """The provider definitely refused: do not retry."""

    def __init__(self, code: str, provider_code: str = "", detail: str = ""):
        super().__init__(detail or code)
        self.code = code
        self.provider_code = provider_code


class UncertainFailure(Exception):
    """The request may have reached the provider (a timeout after sending): do not resend."""


@dataclass
class Sent:
    provider_id: str
    status: str  # our Message.Status the provider reported (queued, sent, delivered)


class DatabaseSmsProvider:
    """Development: the message stays in our database as sent."""

    def send_sms(self, *, gateway, message, status_callback: str) -> Sent:
        return Sent(provider_id=f"db-{message.pk}", status="sent")

    def find_sent(self, *, gateway, message) -> Sent | None:
        return None  # nothing leaves the database: an unknown send never happened


def sms_provider():
    name = settings.MESSAGING_PROVIDER
    path = settings.SMS_PROVIDERS.get(name, name)
    return import_string(path)()


def send_email(message, *, unsubscribe: str = "") -> Sent:
    """Send `message` by email. With an `unsubscribe` address (news and offers), mail
    programs show their own unsubscribe button: List-Unsubscribe, one-click (RFC 8058)."""
    headers = (
        {
            "List-Unsubscribe": f"<{unsubscribe}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        }
        if unsubscribe
        else {}
    )
    email = EmailMessage(
        subject=message.subject,
        body=message.body,
        to=[message.recipient],
        from_email=settings.DEFAULT_FROM_EMAIL,
        headers=headers,
    )
    try:
        email.send()
    except OSError as exc:  # SMTP refused or unreachable: try again later
        raise TemporaryFailure(str(exc)) from exc
    return Sent(provider_id="", status="sent")
