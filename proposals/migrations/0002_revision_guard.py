"""On PostgreSQL the database itself refuses to change or remove a revision row."""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION proposals_revision_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'proposals_revision rows are append-only (% refused)', TG_OP;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER proposals_revision_append_only
    BEFORE UPDATE OR DELETE ON proposals_revision
    FOR EACH ROW EXECUTE FUNCTION proposals_revision_append_only();
"""

DROP = """
DROP TRIGGER IF EXISTS proposals_revision_append_only ON proposals_revision;
DROP FUNCTION IF EXISTS proposals_revision_append_only();
"""


def create_guard(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        # params=None: the SQL is sent as written; with parameters psycopg would read the "%" of
        # RAISE EXCEPTION as a placeholder and refuse the migration.
        schema_editor.execute(CREATE, params=None)


def drop_guard(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("proposals", "0001_initial")]

    operations = [migrations.RunPython(create_guard, drop_guard)]
