"""On PostgreSQL the database refuses to change what a submission froze, or to delete one."""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION proposals_submission_frozen() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'proposals_submission rows cannot be deleted';
    END IF;
    IF NEW.proposal_id IS DISTINCT FROM OLD.proposal_id
       OR NEW.revision_id IS DISTINCT FROM OLD.revision_id
       OR NEW.content_hash IS DISTINCT FROM OLD.content_hash
       OR NEW.tracking_code IS DISTINCT FROM OLD.tracking_code
       OR NEW.authority_id IS DISTINCT FROM OLD.authority_id
       OR NEW.submitted_at IS DISTINCT FROM OLD.submitted_at THEN
        RAISE EXCEPTION 'the frozen fields of proposals_submission cannot be changed';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER proposals_submission_frozen
    BEFORE UPDATE OR DELETE ON proposals_submission
    FOR EACH ROW EXECUTE FUNCTION proposals_submission_frozen();
"""

DROP = """
DROP TRIGGER IF EXISTS proposals_submission_frozen ON proposals_submission;
DROP FUNCTION IF EXISTS proposals_submission_frozen();
"""


def create_guard(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def drop_guard(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("proposals", "0005_submissions")]

    operations = [migrations.RunPython(create_guard, drop_guard)]
