"""Posted comments wait to be counted (`StageComment.count_pending`, cleared by
`consultations.domain.common.fold_counts`). Going back to 0017, whose release counts in the
request, first adds the comments still waiting to the stored counts: dropped with the column,
they would never be counted."""

from django.conf import settings
from django.db import migrations, models
from django.db.models import Count, F, Q


def fold_waiting(apps, schema_editor):
    StageComment = apps.get_model("consultations", "StageComment")
    CommentCount = apps.get_model("consultations", "CommentCount")
    waiting = (
        StageComment.objects.filter(count_pending=True)
        .order_by()
        .values("stage_id", "block_key", "stance")
        .annotate(
            threads=Count("pk", filter=Q(starts_thread=True)),
            shown=Count("pk", filter=Q(state="visible")),
        )
    )
    for row in waiting:
        key = {"stage_id": row["stage_id"], "block_key": row["block_key"], "stance": row["stance"]}
        CommentCount.objects.get_or_create(**key, defaults={"threads": 0, "shown": 0})
        CommentCount.objects.filter(**key).update(
            threads=F("threads") + row["threads"], shown=F("shown") + row["shown"]
        )
    StageComment.objects.filter(count_pending=True).update(count_pending=False)


class Migration(migrations.Migration):
    dependencies = [
        ("consultations", "0017_comment_grouping_pending"),
        ("django_comments_xtd", "0008_auto_20200920_2037"),
        ("proposals", "0011_coauthors_endorsements_revision_organization"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="stagecomment",
            name="count_pending",
            field=models.BooleanField(db_default=False, default=False, editable=False),
        ),
        migrations.AddIndex(
            model_name="stagecomment",
            index=models.Index(
                condition=models.Q(("count_pending", True)),
                fields=["stage", "xtdcomment_ptr"],
                name="comments_count_pending",
            ),
        ),
        migrations.RunPython(migrations.RunPython.noop, reverse_code=fold_waiting),
    ]
