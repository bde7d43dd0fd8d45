"""The directory of public authorities shipped with the platform (accounts/data/authorities.json).

Loading is idempotent: an entry is matched by its slug; new entries are created, existing ones
that came from the directory get their details refreshed. Organisations created by people are
never touched, and nothing is ever deleted.
"""

import json
from pathlib import Path

DATA_FILE = Path(__file__).resolve().parent / "data" / "authorities.json"
FIELDS = ("name", "country", "county", "locality", "website", "description")


def read_directory(path=DATA_FILE):
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)


def load_directory(organization_model, entries=None):
    """Create or refresh directory authorities. Returns (created, updated) counts.

    Takes the model as an argument so that a data migration can pass its historical model.
    """
    entries = read_directory() if entries is None else entries
    created = updated = 0
    for entry in entries:
        values = {field: entry.get(field, "") for field in FIELDS}
        existing = organization_model.objects.filter(slug=entry["slug"]).first()
        if existing is None:
            organization_model.objects.create(
                slug=entry["slug"], kind="authority", from_directory=True, **values
            )
            created += 1
        elif existing.from_directory:
            changed = [field for field in FIELDS if getattr(existing, field) != values[field]]
            if changed:
                for field in changed:
                    setattr(existing, field, values[field])
                existing.save(update_fields=changed)
                updated += 1
    return created, updated
