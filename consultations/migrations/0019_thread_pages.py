"""Where each page of a stage's threads starts (`ThreadPage`). No rows are written here: the
worker writes a stage's pages after its next comment, and `manage.py group_comments` writes every
stage's (run it once after this migration); until then a page is counted as before. Written here,
threads being posted by the previous release meanwhile could be passed over."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('consultations', '0018_comment_count_pending'),
    ]

    operations = [
        migrations.CreateModel(
            name='ThreadPage',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('number', models.PositiveIntegerField()),
                ('first_thread', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='consultations.stagecomment')),
                ('stage', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='consultations.stage')),
            ],
            options={
                'constraints': [models.UniqueConstraint(fields=('stage', 'number'), name='one_thread_page_per_number'), models.UniqueConstraint(fields=('stage', 'first_thread'), name='one_thread_page_per_thread')],
            },
        ),
    ]
