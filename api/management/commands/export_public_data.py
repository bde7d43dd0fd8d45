"""Write the public data dump: JSON Lines and CSV per table, with manifest.json.

    manage.py export_public_data                      # publish a new dump at /api/v1/exports/
    manage.py export_public_data --output DIR         # the same dump, written to DIR instead
    manage.py export_public_data --consultation SLUG --output DIR   # one consultation only

SLUG is the slug of the consultation's proposal. DIR must not exist yet: the dump is written
next to it and renamed into place when complete.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from api import exports


class Command(BaseCommand):
    help = "Export the public data set (JSON Lines and CSV with a manifest of counts and hashes)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--consultation",
            metavar="SLUG",
            help="Only the consultation of this proposal (needs --output).",
        )
        parser.add_argument(
            "--output",
            metavar="DIR",
            help="Write the dump to this new directory instead of publishing it.",
        )

    def handle(self, *args, consultation=None, output=None, **options):
        if consultation and not output:
            raise CommandError(
                "--consultation needs --output: the published dump is always the whole data set."
            )
        if output:
            target = Path(output)
            if target.exists():
                raise CommandError(f"{target} already exists; give a new directory.")
            try:
                manifest = exports.write_dump_atomically(target, consultation=consultation)
            except LookupError:
                raise CommandError(
                    f"No public proposal {consultation!r} has a consultation."
                ) from None
            where = target
        else:
            manifest = exports.publish_dump()
            where = exports.current_dump()
        records = sum(entry["records"] for entry in manifest["files"] if entry["format"] == "jsonl")
        self.stdout.write(
            f"Wrote {len(manifest['files'])} files ({records} records) and manifest.json "
            f"to {where}."
        )
