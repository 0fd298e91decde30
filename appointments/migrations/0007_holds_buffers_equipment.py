"""Appointments hold their practitioner, room and equipment for their time plus buffers.

`held_from`/`held_until` are filled from the appointment's own time for existing rows; the
no-double-booking exclusion constraints now compare the held time and cover equipment too.
"""

import django.db.models.deletion
from django.db import migrations, models

from practice.migration_ops import postgres_only_sql

RELEASED = "status NOT IN ('cancelled', 'no_show')"


def _exclude(name: str, column: str, span: str = "held_from, held_until") -> str:
    return (
        f"ALTER TABLE appointments_appointment ADD CONSTRAINT {name} "
        f"EXCLUDE USING gist ({column} WITH =, tstzrange({span}) WITH &&) "
        f"WHERE ({RELEASED} AND {column} IS NOT NULL);"
    )


class Migration(migrations.Migration):
    dependencies = [
        ("appointments", "0006_consultationtype_fee_recall_to_book"),
        ("practice", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="consultationtype",
            name="equipment_kind",
            field=models.CharField(
                blank=True,
                help_text="For example: x-ray. Leave empty when no equipment is needed.",
                max_length=50,
                verbose_name="needs equipment of kind",
            ),
        ),
        migrations.AddField(
            model_name="appointment",
            name="equipment",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="appointments",
                to="practice.equipment",
                verbose_name="equipment",
            ),
        ),
        migrations.AddField(
            model_name="appointment",
            name="held_from",
            field=models.DateTimeField(editable=False, null=True, verbose_name="held from"),
        ),
        migrations.AddField(
            model_name="appointment",
            name="held_until",
            field=models.DateTimeField(editable=False, null=True, verbose_name="held until"),
        ),
        migrations.RunSQL(
            "UPDATE appointments_appointment SET held_from = starts_at, held_until = ends_at",
            migrations.RunSQL.noop,
        ),
        migrations.AlterField(
            model_name="appointment",
            name="held_from",
            field=models.DateTimeField(editable=False, verbose_name="held from"),
        ),
        migrations.AlterField(
            model_name="appointment",
            name="held_until",
            field=models.DateTimeField(editable=False, verbose_name="held until"),
        ),
        migrations.AddConstraint(
            model_name="appointment",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("held_from__lte", models.F("starts_at")),
                    ("held_until__gte", models.F("ends_at")),
                ),
                name="appt_hold_covers_time",
            ),
        ),
        postgres_only_sql(
            "ALTER TABLE appointments_appointment DROP CONSTRAINT appt_no_practitioner_overlap;"
            "ALTER TABLE appointments_appointment DROP CONSTRAINT appt_no_room_overlap;"
            + _exclude("appt_no_practitioner_overlap", "practitioner_id")
            + _exclude("appt_no_room_overlap", "room_id")
            + _exclude("appt_no_equipment_overlap", "equipment_id"),
            "ALTER TABLE appointments_appointment DROP CONSTRAINT appt_no_practitioner_overlap;"
            "ALTER TABLE appointments_appointment DROP CONSTRAINT appt_no_room_overlap;"
            "ALTER TABLE appointments_appointment DROP CONSTRAINT appt_no_equipment_overlap;"
            + _exclude("appt_no_practitioner_overlap", "practitioner_id", "starts_at, ends_at")
            + _exclude("appt_no_room_overlap", "room_id", "starts_at, ends_at"),
        ),
    ]
