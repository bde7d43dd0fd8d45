"""`manage.py load_demo`: the demo data of every app, in order (idempotent).

Accounts and organisations first (`accounts.demo`), then proposals, their consultations and,
once a consultation is over, the submissions to authorities, so that the dossier the ministry
received carries the synthesis.
"""

from django.core.management.base import BaseCommand
from django.db import transaction

from accounts.demo import DEMO_PASSWORD, load_demo_accounts
from accounts.models import Organization
from consultations.demo import load_demo_consultations
from core import mail
from proposals.demo import load_demo_proposals
from registrations.demo import load_demo_submissions


class Command(BaseCommand):
    help = "Load demo organisations, accounts, proposals, consultations and submissions."

    @transaction.atomic
    def handle(self, *args, **options):
        # The demo's history is backdated: it is nobody's news, and loading it does not flood
        # the console with emails.
        with mail.silenced():
            users = load_demo_accounts()
            load_demo_proposals(users)
            load_demo_consultations(users)
            load_demo_submissions(users)
        self.stdout.write(
            f"Demo data ready: {len(users)} accounts (password {DEMO_PASSWORD!r}), "
            f"{Organization.objects.count()} organisations."
        )
