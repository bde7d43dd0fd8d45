"""Count the comments waiting to be counted (`domain.common.fold_counts`), then group the
top-level comments still waiting for the grouper (with the "manual" setting, or
when its task was lost with a broker down) and those not fingerprinted at all (stored before
grouping existed) with the comments they repeat.

New comments are grouped by a grouper started after their commit
(`consultations.domain.grouping`); this command catches up, per stage the waiting ones first
(`group_pending`) and then the others, oldest first, exactly as if each comment had just been
posted. Last, where the pages of the stages' threads start is written up to the newest thread
(`domain.mark_pages`: after an upgrade that added it, for the threads posted before). Idempotent.
"""

from django.core.management.base import BaseCommand

from consultations import domain
from consultations.models import Stage, StageKind


class Command(BaseCommand):
    help = (
        "Count the comments waiting to be counted, then group identical and near-identical "
        "comments (form letters) not grouped yet; mark where the pages of threads start."
    )

    def add_arguments(self, parser):
        parser.add_argument("--stage", type=int, help="only the stage with this id")

    def handle(self, *args, stage=None, **options):
        stages = Stage.objects.filter(kind__in=StageKind.commentable()).order_by("pk")
        if stage is not None:
            stages = stages.filter(pk=stage)
        counted = domain.fold_counts()
        self.stdout.write(f"{counted} comment(s) counted.")
        total = 0
        for each in stages:
            looked_at = domain.group_pending(stage=each) + domain.group_stage(each)
            total += looked_at
            if looked_at:
                self.stdout.write(f"stage {each.pk}: {looked_at} comment(s) looked at")
        self.stdout.write(f"{total} comment(s) looked at.")
        marked = domain.mark_pages(stages.values_list("pk", flat=True))
        self.stdout.write(f"{marked} page(s) of threads marked.")
