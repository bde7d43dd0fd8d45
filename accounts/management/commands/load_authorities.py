from django.core.management.base import BaseCommand

from accounts.directory import load_directory
from accounts.models import Organization


class Command(BaseCommand):
    help = "Create or refresh the directory of public authorities (idempotent)."

    def handle(self, *args, **options):
        created, updated = load_directory(Organization)
        self.stdout.write(f"Authorities created: {created}, refreshed: {updated}.")
