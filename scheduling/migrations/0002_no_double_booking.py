"""No double booking, guaranteed by PostgreSQL: two exclusion constraints over the appointment's
time range, one per provider and one per room, counting only appointments that hold their slot.

PostgreSQL only (btree_gist, tstzrange). On SQLite (the demo) both operations do nothing and
``scheduling.services.book`` keeps the rule with an overlap query inside its IMMEDIATE
transaction. The status list must match ``models.BLOCKING_STATUSES``.
"""

from django.contrib.postgres.operations import BtreeGistExtension
from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import ProjectState

BLOCKING = "status IN ('scheduled', 'confirmed', 'checked_in', 'completed')"


class PostgresOnlySQL(migrations.RunSQL):
    """RunSQL that runs on PostgreSQL and does nothing on other databases."""

    def database_forwards(
        self, app_label: str, schema_editor: BaseDatabaseSchemaEditor, from_state: ProjectState, to_state: ProjectState
    ) -> None:
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(
        self, app_label: str, schema_editor: BaseDatabaseSchemaEditor, from_state: ProjectState, to_state: ProjectState
    ) -> None:
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)


class Migration(migrations.Migration):
    dependencies = [("scheduling", "0001_initial")]

    operations = [
        BtreeGistExtension(),
        PostgresOnlySQL(
            sql=(
                "ALTER TABLE scheduling_appointment ADD CONSTRAINT appointment_provider_no_overlap "
                "EXCLUDE USING gist (provider_id WITH =, tstzrange(starts_at, ends_at, '[)') WITH &&) "
                f"WHERE ({BLOCKING})"
            ),
            reverse_sql="ALTER TABLE scheduling_appointment DROP CONSTRAINT appointment_provider_no_overlap",
        ),
        PostgresOnlySQL(
            sql=(
                "ALTER TABLE scheduling_appointment ADD CONSTRAINT appointment_room_no_overlap "
                "EXCLUDE USING gist (room_id WITH =, tstzrange(starts_at, ends_at, '[)') WITH &&) "
                f"WHERE (room_id IS NOT NULL AND {BLOCKING})"
            ),
            reverse_sql="ALTER TABLE scheduling_appointment DROP CONSTRAINT appointment_room_no_overlap",
        ),
    ]
