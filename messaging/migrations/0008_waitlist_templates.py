from django.db import migrations

from messaging.defaults import DEFAULT_TEMPLATES

# Only the new kinds: a template a practice deleted on purpose stays deleted.
WAITLIST_KINDS = ("waitlist_offer", "waitlist_gone")


def install(apps, schema_editor):
    """Existing practices get the shipped waitlist offer and gone templates too."""
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
                if kind in WAITLIST_KINDS
                for language, (subject, body) in by_language.items()
                if (kind, channel, language) not in existing
            ]
        )


class Migration(migrations.Migration):
    dependencies = [("messaging", "0007_waitlist_kinds")]

    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
