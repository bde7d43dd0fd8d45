"""Daily reminders about answer deadlines (for cron; Celery beat runs the same task)."""

from datetime import date

from django.core.management.base import BaseCommand, CommandError

from registrations.domain import send_answer_reminders


class Command(BaseCommand):
    help = (
        "Email registrars about answers due within 5 working days and sending organisations "
        "about overdue answers. Safe to run more than once a day: nothing is sent twice."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--date", dest="day", help="Run as if today were this day (YYYY-MM-DD); default: today."
        )

    def handle(self, *args, day=None, **options):
        today = None
        if day:
            try:
                today = date.fromisoformat(day)
            except ValueError:
                raise CommandError(f"--date must be YYYY-MM-DD, not {day!r}.") from None
        sent = send_answer_reminders(today=today)
        self.stdout.write(
            f"Reminders queued: {sent['due_soon']} due soon, {sent['overdue']} overdue."
        )
