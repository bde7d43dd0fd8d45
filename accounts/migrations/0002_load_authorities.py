from django.db import migrations


def load(apps, schema_editor):
    from accounts.directory import load_directory

    load_directory(apps.get_model("accounts", "Organization"))


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
