"""The PDF of a large synthesis, prepared once in the background and served from storage."""

import django.db.models.deletion
from django.db import migrations, models

import consultations.models


class Migration(migrations.Migration):
    dependencies = [("consultations", "0007_remove_synthesis_rows")]

    operations = [
        migrations.CreateModel(
            name="SynthesisFile",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("version", models.PositiveIntegerField()),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("pending", "Being prepared"),
                            ("ready", "Ready"),
                            ("failed", "Failed"),
                        ],
                        default="pending",
                        max_length=8,
                    ),
                ),
                ("rows_done", models.PositiveIntegerField(default=0)),
                ("pages", models.PositiveIntegerField(default=0)),
                (
                    "file",
                    models.FileField(
                        blank=True,
                        max_length=200,
                        upload_to=consultations.models.synthesis_file_path,
                    ),
                ),
                ("requested_at", models.DateTimeField()),
                ("finished_at", models.DateTimeField(blank=True, null=True)),
                (
                    "synthesis",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="files",
                        to="consultations.synthesis",
                    ),
                ),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(
                        fields=("synthesis", "version"), name="one_synthesis_file_per_version"
                    )
                ],
            },
        ),
    ]
