"""Submissions, their documents and reminders move to the registrations app.

Only Django's idea of the models moves: the tables keep their names (`proposals_submission`, ...),
their rows and the PostgreSQL guard trigger of 0006. The registrations app's 0001 takes the models
over in its state and renames the content types, so permissions and activity entries follow.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("proposals", "0007_document_import"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveField(
                    model_name="submission",
                    name="answered_by",
                ),
                migrations.RemoveField(
                    model_name="submission",
                    name="authority",
                ),
                migrations.RemoveField(
                    model_name="submission",
                    name="proposal",
                ),
                migrations.RemoveField(
                    model_name="submission",
                    name="registered_by",
                ),
                migrations.RemoveField(
                    model_name="submission",
                    name="revision",
                ),
                migrations.RemoveField(
                    model_name="submission",
                    name="sender_organization",
                ),
                migrations.RemoveField(
                    model_name="submission",
                    name="submitted_by",
                ),
                migrations.RemoveField(
                    model_name="submissiondocument",
                    name="submission",
                ),
                migrations.RemoveField(
                    model_name="submissiondocument",
                    name="uploaded_by",
                ),
                migrations.DeleteModel(
                    name="Reminder",
                ),
                migrations.DeleteModel(
                    name="Submission",
                ),
                migrations.DeleteModel(
                    name="SubmissionDocument",
                ),
            ],
            database_operations=[],
        ),
    ]
