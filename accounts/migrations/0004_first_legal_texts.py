"""The first version of the terms of use and of the privacy notice (`accounts.legal_texts`)."""

from django.db import migrations


def publish_first_versions(apps, schema_editor):
    from accounts.legal_texts import publish_first_versions

    publish_first_versions(apps.get_model("accounts", "LegalText"))


class Migration(migrations.Migration):
    dependencies = [("accounts", "0003_legal_texts_and_consents")]

    operations = [migrations.RunPython(publish_first_versions, migrations.RunPython.noop)]
