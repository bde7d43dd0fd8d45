import json

from django.core.management.base import BaseCommand

from search import indexing


class Command(BaseCommand):
    help = (
        "Search index upkeep: 'drain' applies queued changes; 'drift' reports documents missing "
        "from or extra in the index (exit status 1 if any), '--repair' fixes them."
    )

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["drain", "drift"])
        parser.add_argument("--repair", action="store_true", help="with drift: fix what differs")

    def handle(self, *args, action, repair, **options):
        if action == "drain":
            applied = indexing.drain()
            self.stdout.write(f"Applied {applied} queued change(s).")
            return
        report = indexing.drift()
        problems = sum(len(p["missing"]) + len(p["extra"]) for p in report.values())
        self.stdout.write(json.dumps(report, indent=2))
        if problems and repair:
            indexing.repair(report)
            after = indexing.drift()
            left = sum(len(p["missing"]) + len(p["extra"]) for p in after.values())
            self.stdout.write(f"Repaired {problems} difference(s); {left} left.")
            if left:
                raise SystemExit(1)
        elif problems:
            self.stdout.write(f"{problems} difference(s) between the database and the index.")
            raise SystemExit(1)
        else:
            self.stdout.write("The index matches the database.")
