"""The append-only guard of legal texts and consents lets through an UPDATE that changes nothing.

Writing a row back exactly as it is changes no wording and no consent; it is what restoring
saved rows does (`Model.save_base` tries an UPDATE of every column before an INSERT, e.g. when
Django's tests restore a database with `serialized_rollback`). Any real change or a delete of a
legal text is still refused (see 0005).
"""

from django.db import migrations

ALLOW_UNCHANGED = """
CREATE OR REPLACE FUNCTION accounts_legal_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND NEW IS NOT DISTINCT FROM OLD THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION '% rows are append-only', TG_TABLE_NAME;
END;
$$ LANGUAGE plpgsql;
"""

REFUSE_ALL = """
CREATE OR REPLACE FUNCTION accounts_legal_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '% rows are append-only', TG_TABLE_NAME;
END;
$$ LANGUAGE plpgsql;
"""


def allow_unchanged(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(ALLOW_UNCHANGED, params=None)


def refuse_all(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(REFUSE_ALL, params=None)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0006_profile_region")]

    operations = [migrations.RunPython(allow_unchanged, refuse_all)]
