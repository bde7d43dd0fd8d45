"""The synthesis's table now lives in `SynthesisRow` (0003 copied it there)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("consultations", "0006_synthesis_rows")]

    operations = [migrations.RemoveField(model_name="synthesis", name="rows")]
