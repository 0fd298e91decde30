"""No practitioner and no room ever holds two overlapping appointments (PostgreSQL).

Exclusion constraints make the database refuse the second of two concurrent bookings;
cancelled and no-show appointments release their time.
"""

from django.db import migrations

from practice.migration_ops import postgres_only_sql

RELEASED = "status NOT IN ('cancelled', 'no_show')"


class Migration(migrations.Migration):
    dependencies = [("appointments", "0001_initial")]

    operations = [
        postgres_only_sql(
            "CREATE EXTENSION IF NOT EXISTS btree_gist;"
            "ALTER TABLE appointments_appointment ADD CONSTRAINT appt_no_practitioner_overlap "
            "EXCLUDE USING gist (practitioner_id WITH =, tstzrange(starts_at, ends_at) WITH &&) "
            f"WHERE ({RELEASED});"
            "ALTER TABLE appointments_appointment ADD CONSTRAINT appt_no_room_overlap "
            "EXCLUDE USING gist (room_id WITH =, tstzrange(starts_at, ends_at) WITH &&) "
            f"WHERE ({RELEASED} AND room_id IS NOT NULL);",
            "ALTER TABLE appointments_appointment DROP CONSTRAINT appt_no_practitioner_overlap;"
            "ALTER TABLE appointments_appointment DROP CONSTRAINT appt_no_room_overlap;",
        ),
    ]
