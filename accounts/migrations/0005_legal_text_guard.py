"""On PostgreSQL the database itself keeps the legal texts and the consents given to them.

A published version of the terms or of the privacy notice is never changed or deleted (people
consented to that wording); a consent row is never changed (when it was given, to which version).
A consent row may go only with its account (`on_delete=CASCADE`; erasure keeps the row and
anonymises the account instead). The models refuse the same in code (`AppendOnlyModel`).
"""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION accounts_legal_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '% rows are append-only', TG_TABLE_NAME;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER accounts_legaltext_append_only
    BEFORE UPDATE OR DELETE ON accounts_legaltext
    FOR EACH ROW EXECUTE FUNCTION accounts_legal_append_only();
CREATE TRIGGER accounts_consent_append_only
    BEFORE UPDATE ON accounts_consent
    FOR EACH ROW EXECUTE FUNCTION accounts_legal_append_only();
"""

DROP = """
DROP TRIGGER IF EXISTS accounts_consent_append_only ON accounts_consent;
DROP TRIGGER IF EXISTS accounts_legaltext_append_only ON accounts_legaltext;
DROP FUNCTION IF EXISTS accounts_legal_append_only();
"""


def create_guard(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def drop_guard(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0004_first_legal_texts")]

    operations = [migrations.RunPython(create_guard, drop_guard)]
