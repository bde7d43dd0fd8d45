"""The registrations app takes over the submission models from proposals (see proposals 0008).

State only: the tables exist already. Existing content types are renamed rather than recreated,
so the permissions attached to them and the activity entries that point at them stay valid.
"""

import core.validators
import django.db.models.deletion
import core.models
from django.conf import settings
from django.db import migrations, models


MOVED_MODELS = ("submission", "submissiondocument", "reminder")


def rename_content_types(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    ContentType.objects.using(schema_editor.connection.alias).filter(
        app_label="proposals", model__in=MOVED_MODELS
    ).update(app_label="registrations")


def restore_content_types(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    ContentType.objects.using(schema_editor.connection.alias).filter(
        app_label="registrations", model__in=MOVED_MODELS
    ).update(app_label="proposals")


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("accounts", "0002_load_authorities"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("proposals", "0008_move_submissions_to_registrations"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="Submission",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        (
                            "content_hash",
                            models.CharField(
                                blank=True, max_length=64, verbose_name="SHA-256 hash"
                            ),
                        ),
                        (
                            "tracking_code",
                            models.CharField(
                                max_length=16, unique=True, verbose_name="tracking code"
                            ),
                        ),
                        (
                            "channel",
                            models.CharField(
                                choices=[
                                    ("platform", "Through the platform"),
                                    ("email", "Email"),
                                    ("post", "Post"),
                                    ("in_person", "In person"),
                                ],
                                max_length=16,
                                verbose_name="channel",
                            ),
                        ),
                        (
                            "status",
                            models.CharField(
                                choices=[
                                    ("submitted", "Submitted"),
                                    ("registered", "Registered"),
                                    ("answered", "Answered"),
                                ],
                                db_index=True,
                                default="submitted",
                                max_length=16,
                                verbose_name="status",
                            ),
                        ),
                        (
                            "sender_name",
                            models.CharField(
                                max_length=200,
                                validators=[core.validators.no_control_characters],
                                verbose_name="sender",
                            ),
                        ),
                        (
                            "title",
                            models.CharField(
                                max_length=300,
                                validators=[core.validators.no_control_characters],
                                verbose_name="title",
                            ),
                        ),
                        (
                            "cover_letter",
                            models.TextField(
                                blank=True,
                                max_length=20000,
                                validators=[core.validators.no_control_characters],
                                verbose_name="cover letter",
                            ),
                        ),
                        ("submitted_at", models.DateTimeField(verbose_name="submitted")),
                        (
                            "received_on",
                            models.DateField(blank=True, null=True, verbose_name="received on"),
                        ),
                        (
                            "registration_number",
                            models.CharField(
                                blank=True,
                                max_length=50,
                                validators=[core.validators.no_control_characters],
                                verbose_name="registration number",
                            ),
                        ),
                        (
                            "registration_date",
                            models.DateField(
                                blank=True, null=True, verbose_name="registration date"
                            ),
                        ),
                        (
                            "registration_year",
                            models.PositiveSmallIntegerField(blank=True, editable=False, null=True),
                        ),
                        (
                            "registration_source",
                            models.CharField(
                                blank=True,
                                choices=[
                                    ("authority", "Confirmed by the authority"),
                                    ("submitter", "Declared by the submitter"),
                                ],
                                max_length=16,
                                verbose_name="registration recorded by",
                            ),
                        ),
                        (
                            "registered_at",
                            models.DateTimeField(
                                blank=True, null=True, verbose_name="registration recorded"
                            ),
                        ),
                        (
                            "original_deadline",
                            models.DateField(
                                blank=True, null=True, verbose_name="original answer deadline"
                            ),
                        ),
                        (
                            "deadline",
                            models.DateField(
                                blank=True, db_index=True, null=True, verbose_name="answer deadline"
                            ),
                        ),
                        (
                            "extended_at",
                            models.DateTimeField(
                                blank=True, null=True, verbose_name="deadline extended"
                            ),
                        ),
                        (
                            "extension_reason",
                            models.TextField(
                                blank=True,
                                validators=[core.validators.no_control_characters],
                                verbose_name="reason for the extension",
                            ),
                        ),
                        (
                            "answer_status",
                            models.CharField(
                                blank=True,
                                choices=[
                                    ("accepted", "Accepted"),
                                    ("partially_accepted", "Partially accepted"),
                                    ("rejected", "Rejected"),
                                    ("forwarded", "Forwarded to the competent authority"),
                                ],
                                max_length=24,
                                verbose_name="answer",
                            ),
                        ),
                        (
                            "answer_text",
                            models.TextField(
                                blank=True,
                                max_length=50000,
                                validators=[core.validators.no_control_characters],
                                verbose_name="answer text",
                            ),
                        ),
                        (
                            "answered_on",
                            models.DateField(blank=True, null=True, verbose_name="answer date"),
                        ),
                        (
                            "answered_at",
                            models.DateTimeField(
                                blank=True, null=True, verbose_name="answer recorded"
                            ),
                        ),
                        (
                            "answered_by",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                                verbose_name="answered by",
                            ),
                        ),
                        (
                            "authority",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="received_submissions",
                                to="accounts.organization",
                                verbose_name="authority",
                            ),
                        ),
                        (
                            "proposal",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="submissions",
                                to="proposals.proposal",
                                verbose_name="proposal",
                            ),
                        ),
                        (
                            "registered_by",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                                verbose_name="registered by",
                            ),
                        ),
                        (
                            "revision",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="submissions",
                                to="proposals.revision",
                                verbose_name="revision",
                            ),
                        ),
                        (
                            "sender_organization",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="sent_submissions",
                                to="accounts.organization",
                                verbose_name="sending organisation",
                            ),
                        ),
                        (
                            "submitted_by",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                                verbose_name="submitted by",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "submission",
                        "verbose_name_plural": "submissions",
                        "db_table": "proposals_submission",
                        "ordering": ["-submitted_at", "-id"],
                    },
                ),
                migrations.CreateModel(
                    name="Reminder",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        (
                            "kind",
                            models.CharField(
                                choices=[
                                    ("due_soon", "Answer due soon"),
                                    ("overdue", "Answer overdue"),
                                ],
                                max_length=16,
                            ),
                        ),
                        ("sent_on", models.DateField()),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        (
                            "recipient",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "submission",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="reminders",
                                to="registrations.submission",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "reminder",
                        "verbose_name_plural": "reminders",
                        "db_table": "proposals_reminder",
                        "ordering": ["-sent_on", "-pk"],
                    },
                ),
                migrations.CreateModel(
                    name="SubmissionDocument",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        (
                            "kind",
                            models.CharField(
                                choices=[
                                    ("received", "Document received"),
                                    ("answer", "Answer document"),
                                ],
                                max_length=16,
                                verbose_name="kind",
                            ),
                        ),
                        (
                            "file",
                            models.FileField(
                                max_length=200,
                                upload_to=core.models.stored_file_path,
                            ),
                        ),
                        ("name", models.CharField(max_length=200, verbose_name="file name")),
                        ("extension", models.CharField(max_length=8)),
                        ("content_type", models.CharField(max_length=100)),
                        ("size", models.PositiveIntegerField(verbose_name="size")),
                        ("sha256", models.CharField(max_length=64, verbose_name="SHA-256 hash")),
                        ("uploaded_at", models.DateTimeField(auto_now_add=True)),
                        (
                            "submission",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="documents",
                                to="registrations.submission",
                            ),
                        ),
                        (
                            "uploaded_by",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "submission document",
                        "verbose_name_plural": "submission documents",
                        "db_table": "proposals_submissiondocument",
                        "ordering": ["uploaded_at", "pk"],
                    },
                ),
                migrations.AddConstraint(
                    model_name="submission",
                    constraint=models.UniqueConstraint(
                        condition=models.Q(("registration_year__isnull", False)),
                        fields=("authority", "registration_year", "registration_number"),
                        name="unique_registration_number_per_authority_year",
                    ),
                ),
                migrations.AddConstraint(
                    model_name="submission",
                    constraint=models.CheckConstraint(
                        condition=models.Q(
                            ("proposal__isnull", True), ("revision__isnull", False), _connector="OR"
                        ),
                        name="platform_submission_has_revision",
                    ),
                ),
                migrations.AddConstraint(
                    model_name="reminder",
                    constraint=models.UniqueConstraint(
                        fields=("submission", "kind", "recipient", "sent_on"),
                        name="unique_reminder_per_day",
                    ),
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(rename_content_types, restore_content_types),
    ]
