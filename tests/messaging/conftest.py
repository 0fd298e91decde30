import datetime as dt

import pytest
from django.utils import timezone

from messaging.models import Message, MessagingSettings, SmsGateway
from messaging.services import templates_install_defaults
from patients.models import Client

from .. import factories as f


@pytest.fixture
def messaging_on(practice_a):
    """Practice A sends confirmations and reminders by SMS and email, with 100 segments."""
    MessagingSettings.objects.unscoped().create(
        practice=practice_a, confirmation_enabled=True, reminder_enabled=True
    )
    templates_install_defaults(practice_a)
    return SmsGateway.objects.unscoped().create(
        practice=practice_a,
        account_sid="AC" + "1" * 32,
        auth_token="secret-token-1234",
        sender="+3197010000000",
        credit_segments=100,
    )


@pytest.fixture
def wants_both(patient_a):
    client = patient_a.client
    client.confirmation_channel = client.reminder_channel = "both"
    client.save()
    return patient_a


@pytest.fixture
def sms_to(messaging_on, wants_both, practice_a, dentist, location_a, ctype_a):
    """make(number): a confirmation SMS to `number` (set on the client), due now."""

    def make(number):
        Client.objects.unscoped().filter(pk=wants_both.client_id).update(mobile=number)
        start = timezone.now() + dt.timedelta(days=2)
        appointment = f.AppointmentFactory(
            practice=practice_a,
            patient=wants_both,
            practitioner=dentist,
            location=location_a,
            consultation_type=ctype_a,
            starts_at=start,
            ends_at=start + dt.timedelta(minutes=30),
        )
        return Message.objects.unscoped().create(
            practice=practice_a,
            appointment=appointment,
            client_id=wants_both.client_id,
            kind="confirmation",
            channel="sms",
            recipient=number,
            due_at=timezone.now(),
            idempotency_key=f"t:{number}:{appointment.pk}",
        )

    return make
