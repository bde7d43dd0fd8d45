"""Handle the consultation stages that opened or closed since the last run (for cron).

Celery beat runs the same thing every five minutes (`consultations.tasks.process_stage_events`);
without a broker, run this command from cron instead. Idempotent: each opening and closing is
handled once, whoever gets there first.
"""

from django.core.management.base import BaseCommand
from django.utils import timezone

from consultations import domain


class Command(BaseCommand):
    help = (
        "Record consultation stages that opened or closed, move their proposals' status and "
        "email the followers. Safe to run as often as you like."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="only list the events that are due"
        )

    def handle(self, *args, dry_run=False, **options):
        now = timezone.now()
        due = list(
            domain.due_stage_events(now)
            .select_related("consultation__proposal")
            .order_by("opens_at", "pk")
        )
        if dry_run:
            for stage in due:
                events = self._due(stage, now)
                self.stdout.write(f"due: {self._describe(stage)}: {', '.join(events)}")
            self.stdout.write(f"{len(due)} stage(s) with events due.")
            return
        handled = domain.process_stage_events(now=now)
        for stage in due:
            stage.refresh_from_db(fields=["opening_processed_at", "closing_processed_at"])
            # Only what this run handled carries its moment (another run may have been first).
            events = [
                event
                for event, moment in (
                    ("opened", stage.opening_processed_at),
                    ("closed", stage.closing_processed_at),
                )
                if moment == now
            ]
            if events:
                self.stdout.write(f"{self._describe(stage)}: {', '.join(events)}")
        self.stdout.write(f"Handled {handled} stage event(s).")

    @staticmethod
    def _due(stage, now):
        events = []
        if stage.opening_processed_at is None and stage.opens_at <= now:
            events.append("opened")
        if stage.closing_processed_at is None and stage.closes_at <= now:
            events.append("closed")
        return events

    @staticmethod
    def _describe(stage):
        proposal = stage.consultation.proposal
        return f"{proposal.slug} stage {stage.position} “{stage.title}” (#{stage.pk})"
