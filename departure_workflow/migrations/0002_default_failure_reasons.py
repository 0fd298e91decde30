from django.db import migrations


def install(apps, schema_editor):
    """Existing practices get the default failure reasons (new ones get them on creation)."""
    from departure_workflow.services import DEFAULT_FAILURE_REASONS

    Practice = apps.get_model("practice", "Practice")
    FailureReason = apps.get_model("departure_workflow", "FailureReason")
    for practice in Practice.objects.all():
        if not FailureReason.objects.filter(practice=practice).exists():
            FailureReason.objects.bulk_create(
                FailureReason(practice=practice, label=label, position=i)
                for i, label in enumerate(DEFAULT_FAILURE_REASONS)
            )


class Migration(migrations.Migration):
    dependencies = [("departure_workflow", "0001_initial")]

    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
