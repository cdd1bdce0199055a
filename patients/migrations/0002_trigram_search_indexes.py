"""Trigram indexes for the patient search (PostgreSQL only).

The search matches every word of the folded name anywhere in ``search_name``
(``LIKE '%word%'``) or part of the MRN (``UPPER(mrn) LIKE UPPER('%text%')``); a B-tree cannot
serve a leading wildcard, a pg_trgm GIN index can. SQLite (the demo) keeps its plain indexes.
"""

from django.db import migrations

INDEXES = [
    ("patient_search_name_trgm", "(search_name gin_trgm_ops)"),
    ("patient_mrn_upper_trgm", "(UPPER(mrn::text) gin_trgm_ops)"),
]


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, expression in INDEXES:
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON patients_patient USING gin {expression}")


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _expression in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("patients", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
