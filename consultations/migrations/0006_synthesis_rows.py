"""A published synthesis's table moves from one JSON value (`Synthesis.rows`) to one
`SynthesisRow` a row, with the same dicts and numbers; `Synthesis.paragraphs` says where each
paragraph's rows start. On PostgreSQL the database itself refuses to change or remove a row.
`Synthesis.rows` goes in the next migration (a table's schema is not changed in the transaction
that wrote rows pointing at it)."""

import django.db.models.deletion
from django.db import migrations, models

BATCH = 1000

GUARD = """
CREATE OR REPLACE FUNCTION consultations_synthesisrow_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'consultations_synthesisrow rows are append-only (% refused)', TG_OP;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER consultations_synthesisrow_append_only
    BEFORE UPDATE OR DELETE ON consultations_synthesisrow
    FOR EACH ROW EXECUTE FUNCTION consultations_synthesisrow_append_only();
"""

UNGUARD = """
DROP TRIGGER IF EXISTS consultations_synthesisrow_append_only ON consultations_synthesisrow;
DROP FUNCTION IF EXISTS consultations_synthesisrow_append_only();
"""


def create_guard(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        # params=None: psycopg would read the "%" of RAISE EXCEPTION as a placeholder.
        schema_editor.execute(GUARD, params=None)


def drop_guard(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(UNGUARD, params=None)


def paragraphs_of(rows):
    """Where each paragraph's rows start, as `consultations.domain.synthesis` records it."""
    paragraphs = []
    for number, row in enumerate(rows, start=1):
        key = row.get("block_key") or ""
        if not paragraphs or paragraphs[-1]["block_key"] != key:
            paragraphs.append(
                {"block_key": key, "block": row.get("block") or "", "first": number, "rows": 0}
            )
        paragraphs[-1]["rows"] += 1
    return paragraphs


def rows_to_table(apps, schema_editor):
    """Each synthesis's frozen rows, unchanged and in order, become its table rows (numbered
    as they were: 1..n)."""
    Synthesis = apps.get_model("consultations", "Synthesis")
    SynthesisRow = apps.get_model("consultations", "SynthesisRow")
    for synthesis in Synthesis.objects.order_by("pk").iterator(chunk_size=20):
        rows = synthesis.rows or []
        for start in range(0, len(rows), BATCH):
            SynthesisRow.objects.bulk_create(
                SynthesisRow(synthesis=synthesis, number=number, data=row)
                for number, row in enumerate(rows[start : start + BATCH], start=start + 1)
            )
        synthesis.paragraphs = paragraphs_of(rows)
        synthesis.save(update_fields=["paragraphs"])
    if schema_editor.connection.vendor == "postgresql":
        # Check the new rows' foreign keys now: PostgreSQL refuses to add the guard's trigger
        # to a table with checks still pending.
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def table_to_rows(apps, schema_editor):
    Synthesis = apps.get_model("consultations", "Synthesis")
    SynthesisRow = apps.get_model("consultations", "SynthesisRow")
    for synthesis in Synthesis.objects.order_by("pk").iterator(chunk_size=20):
        synthesis.rows = list(
            SynthesisRow.objects.filter(synthesis=synthesis)
            .order_by("number")
            .values_list("data", flat=True)
        )
        synthesis.save(update_fields=["rows"])
    SynthesisRow.objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("consultations", "0005_thread_versions_and_counts")]

    operations = [
        migrations.CreateModel(
            name="SynthesisRow",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("number", models.PositiveIntegerField()),
                ("data", models.JSONField()),
                (
                    "synthesis",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="table_rows",
                        to="consultations.synthesis",
                    ),
                ),
            ],
            options={
                "verbose_name": "row of a synthesis",
                "verbose_name_plural": "rows of a synthesis",
                "ordering": ["synthesis", "number"],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("synthesis", "number"), name="unique_synthesis_row"
                    )
                ],
            },
        ),
        migrations.AddField(
            model_name="synthesis",
            name="paragraphs",
            field=models.JSONField(default=list),
        ),
        migrations.RunPython(rows_to_table, table_to_rows),
        migrations.RunPython(create_guard, drop_guard),
    ]
