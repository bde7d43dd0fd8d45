"""Posts hostile files to the verification page in a process of its own and prints, as JSON, the
answers and the peak memory of that process: run by tests/registrations/test_verify_uploads.py
(a fresh process, so its peak resident size is the page's alone, not the test suite's).

    python -m tests.registrations.memory_probe <folder of files>

The folder holds the files to post (made by the test: generating them here would count their
making). The database is a SQLite file in that folder, its tables made from the models.
"""

import json
import os
import sys
from pathlib import Path


def _setup(folder):
    database = folder / "probe.sqlite3"
    database.unlink(missing_ok=True)
    os.environ["DJANGO_SETTINGS_MODULE"] = "consult.settings_test"
    os.environ["DATABASE_URL"] = f"sqlite:///{database}"
    os.environ["VERIFY_RATE_PER_MINUTE"] = "1000"
    import django

    django.setup()
    from django.apps import apps
    from django.conf import settings
    from django.core.management import call_command

    # Tables straight from the models: no need for the data migrations here.
    settings.MIGRATION_MODULES = {config.label: None for config in apps.get_app_configs()}
    call_command("migrate", run_syncdb=True, verbosity=0)


def _submission():
    from django.utils import timezone

    from proposals import domain
    from tests.factories import (
        AUTHORITY_SLUG,
        MembershipFactory,
        OrganizationFactory,
        ProposalFactory,
    )
    from tests.helpers import save, submit, text_block

    OrganizationFactory(
        kind="authority",
        slug=AUTHORITY_SLUG,
        name="Primăria Municipiului Focșani",
        verified_at=timezone.now(),
    )
    ngo = OrganizationFactory(name="Asociația Probă", slug="proba")
    editor = MembershipFactory(organization=ngo, role="editor").user
    proposal = ProposalFactory(editor=editor, organization=ngo, slug="proba", title="Probă")
    key = proposal.current_revision.blocks[0]["key"]
    save(editor, proposal, [text_block(key, "Finanțarea se acordă multianual.")])
    domain.publish_proposal(editor, proposal)
    return submit(editor, proposal)


def peak_memory():
    """This process's peak resident size (VmHWM), in bytes. Not ru_maxrss: a process started by
    another counts there the size its parent had when it started it."""
    status = Path("/proc/self/status").read_text()
    return next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM:"))


def main():
    folder = Path(sys.argv[1])
    _setup(folder)
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.test import Client
    from django.test.utils import setup_test_environment

    setup_test_environment()  # the test client's host, emails kept in memory
    submission = _submission()
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.cookies["consult_language"] = "en"
    client.get("/register/verify/")
    before = peak_memory()
    answers = {}
    for path in sorted(folder.iterdir()):
        if path.suffix not in (".docx", ".pdf"):
            continue
        upload = SimpleUploadedFile(path.name, path.read_bytes())
        response = client.post(
            "/register/verify/",
            {"code": submission.tracking_code, "text": "Textul meu", "file": upload},
        )
        answers[path.name] = {
            "status": response.status_code,
            "page": response.content.decode(),
        }
        del upload, response
    print(
        json.dumps(
            {
                "answers": answers,
                "peak_before": before,
                "peak": peak_memory(),
            }
        )
    )


if __name__ == "__main__":
    main()
