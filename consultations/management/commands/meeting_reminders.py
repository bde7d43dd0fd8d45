"""Email the reminder of the day before to everyone with a seat at a meeting starting within 24
hours (for cron).

Celery beat runs the same thing every fifteen minutes
(`consultations.tasks.send_meeting_reminders`); without a broker, run this command from cron
instead. Idempotent: each registration is reminded
once, whoever gets there first.
"""

from django.core.management.base import BaseCommand

from consultations import domain


class Command(BaseCommand):
    help = "Email the meeting reminders that are due. Safe to run as often as you like."

    def handle(self, *args, **options):
        sent = domain.send_meeting_reminders()
        self.stdout.write(f"Queued {sent} meeting reminder(s).")
