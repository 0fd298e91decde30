import pytest

from messaging.models import MessagingSettings, SmsGateway
from messaging.services import templates_install_defaults


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
