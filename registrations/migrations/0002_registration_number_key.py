"""Registration numbers are unique per authority and year by their key (`core.text.identifier_key`:
case, invisible characters and look-alike letters do not count), no longer by their exact text.

The column is added and the constraint swapped first, while every key is empty, then the keys of
the registered submissions are filled in the order they were registered. A number registered
before this migration that looks like an earlier one of the same authority and year (possible
until now: "12" and "12" followed by a zero-width space) keeps its row and its text but gets no
key, so the earlier one holds the number; such rows are printed for the register's keepers.
"""

from django.db import migrations, models

from core.text import identifier_key


def fill_keys(apps, schema_editor):
    Submission = apps.get_model("registrations", "Submission")
    rows = (
        Submission.objects.using(schema_editor.connection.alias)
        .filter(registration_year__isnull=False)
        .exclude(registration_number="")
        .order_by(models.F("registered_at").asc(nulls_last=True), "pk")
        .values_list("pk", "authority_id", "registration_year", "registration_number")
    )
    held = set()
    for pk, authority_id, year, number in rows.iterator():
        key = identifier_key(number) or None
        if key is not None and (authority_id, year, key) in held:
            print(f"\n  submission {pk}: number {number!r} looks like an earlier one; no key.")
            continue
        held.add((authority_id, year, key))
        Submission.objects.using(schema_editor.connection.alias).filter(pk=pk).update(
            registration_number_key=key
        )


class Migration(migrations.Migration):
    dependencies = [("registrations", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="submission",
            name="registration_number_key",
            field=models.TextField(blank=True, editable=False, null=True),
        ),
        migrations.RemoveConstraint(
            model_name="submission",
            name="unique_registration_number_per_authority_year",
        ),
        migrations.AddConstraint(
            model_name="submission",
            constraint=models.UniqueConstraint(
                condition=models.Q(("registration_year__isnull", False)),
                fields=("authority", "registration_year", "registration_number_key"),
                name="unique_registration_number_key_per_authority_year",
            ),
        ),
        migrations.RunPython(fill_keys, migrations.RunPython.noop),
    ]
