from django.db import migrations

from practice.migration_ops import postgres_only_sql


class Migration(migrations.Migration):
    dependencies = [("patients", "0001_initial")]

    operations = [
        postgres_only_sql(
            "CREATE EXTENSION IF NOT EXISTS pg_trgm;"
            "CREATE INDEX patient_search_trgm ON patients_patient "
            "USING gin (search_text gin_trgm_ops);",
            "DROP INDEX IF EXISTS patient_search_trgm;",
        ),
    ]
