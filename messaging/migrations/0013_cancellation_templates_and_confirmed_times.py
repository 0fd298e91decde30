import datetime as dt
import re

from django.db import migrations

from messaging.defaults import DEFAULT_TEMPLATES

# Only the new kinds: a template a practice deleted on purpose stays deleted.
CANCELLATION_KINDS = ("cancellation", "cancel_confirmed")

# A confirmation's or reminder's key names the start it was queued for (services._key).
TIME_KEY = re.compile(r"^appt:\d+:(confirmation|reminder):[a-z]+:(\d+)(:r\d+)?$")


def install(apps, schema_editor):
    """Existing practices get the shipped cancellation templates in the five languages."""
    Practice = apps.get_model("practice", "Practice")
    MessageTemplate = apps.get_model("messaging", "MessageTemplate")
    for practice in Practice.objects.all():
        existing = set(
            MessageTemplate.objects.filter(
                practice=practice, consultation_type__isnull=True
            ).values_list("kind", "channel", "language")
        )
        MessageTemplate.objects.bulk_create(
            [
                MessageTemplate(
                    practice=practice,
                    kind=kind,
                    channel=channel,
                    language=language,
                    subject=subject,
                    body=body,
                )
                for (kind, channel), by_language in DEFAULT_TEMPLATES.items()
                if kind in CANCELLATION_KINDS
                for language, (subject, body) in by_language.items()
                if (kind, channel, language) not in existing
            ]
        )


def backfill_times(apps, schema_editor):
    """Confirmations and reminders queued before the time was stored: read it from the key,
    so their rows say which time they confirmed too."""
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "UPDATE messaging_message SET appointment_starts_at = "
            "to_timestamp(split_part(idempotency_key, ':', 5)::bigint) "
            "WHERE kind IN ('confirmation', 'reminder') AND appointment_id IS NOT NULL "
            r"AND idempotency_key ~ '^appt:\d+:(confirmation|reminder):[a-z]+:\d+(:r\d+)?$'"
        )
        return
    Message = apps.get_model("messaging", "Message")
    rows = Message.objects.filter(
        kind__in=("confirmation", "reminder"), appointment__isnull=False
    ).only("pk", "idempotency_key")
    changed = []
    for message in rows.iterator(chunk_size=2000):
        match = TIME_KEY.match(message.idempotency_key)
        if match:
            message.appointment_starts_at = dt.datetime.fromtimestamp(int(match[2]), tz=dt.UTC)
            changed.append(message)
    Message.objects.bulk_update(changed, ["appointment_starts_at"], batch_size=2000)


class Migration(migrations.Migration):
    dependencies = [("messaging", "0012_cancellation_messages_and_confirmed_time")]

    operations = [
        migrations.RunPython(install, migrations.RunPython.noop),
        migrations.RunPython(backfill_times, migrations.RunPython.noop),
    ]
