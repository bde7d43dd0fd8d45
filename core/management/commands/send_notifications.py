"""Send the emails of the events stored for it (`NOTIFICATION_EMAILS` "manual", e.g. from cron;
with "thread", those a stopped process left, and the retries of failed ones; with "celery", those
stored while the broker could not be reached, which Celery beat sends too). Safe next to other
senders (each event is claimed by one), and idempotent: a sent event's row is gone. Exit
status 1 when an event failed this time (it is kept for a later run, at most
`core.mail.MAX_ATTEMPTS` times)."""

from django.core.management.base import BaseCommand

from core import mail
from core.models import PendingNotification


class Command(BaseCommand):
    help = "Send the emails of the stored notification events (oldest first)."

    def handle(self, *args, **options):
        sent = mail.send_pending()
        self.stdout.write(f"Sent {sent.events} event(s), {sent.emails} email(s).")
        given_up = PendingNotification.objects.filter(attempts__gte=mail.MAX_ATTEMPTS).count()
        if given_up:
            self.stdout.write(
                f"{given_up} event(s) failed {mail.MAX_ATTEMPTS} times and are no longer tried "
                "(see their last error in the admin)."
            )
        if sent.failed:
            self.stderr.write(f"{sent.failed} event(s) failed and are kept for the next run.")
            raise SystemExit(1)
