"""One process of test_concurrency: creates, revises and publishes proposals through the domain,
calling search.indexing.drain() after each change, while other processes do the same.

    python -m tests.search.index_worker <editor email> <slug prefix> <count> <barrier directory>

Needs DJANGO_SETTINGS_MODULE, DATABASE_URL (the test database) and WHOOSH_PATH (the test index).
Prints one JSON line: {"published": {slug: newest word}, "drafts": [slug, ...]}. Any exception
(a LockError included) ends the process with a traceback and exit status 1.
"""

import json
import sys
import time
from pathlib import Path

import django


def unique_word(kind, prefix, number):
    # Queries match words by prefix after dropping two letters: end with two that carry nothing.
    return f"{kind}{prefix}n{number:02d}qq"


def wait_for_start(barrier, prefix):
    # Everyone starts writing at the same moment, after Django has been set up.
    (barrier / f"ready-{prefix}").touch()
    deadline = time.monotonic() + 120
    while not (barrier / "go").exists():
        if time.monotonic() > deadline:
            raise TimeoutError("the test never said go")
        time.sleep(0.01)


def main(email, prefix, count, barrier):
    django.setup()
    from accounts.models import Organization, User
    from proposals import domain
    from proposals.models import ProposalKind
    from search.indexing import drain

    editor = User.objects.get(email=email)
    organization = editor.memberships.get().organization
    authority = Organization.objects.get(slug="primaria-municipiului-focsani")
    wait_for_start(barrier, prefix)

    published, drafts = {}, []
    for number in range(count):
        slug = f"{prefix}-{number}"
        key = "k00000000a1"
        word = unique_word("prima", prefix, number)
        proposal = domain.create_proposal(
            editor,
            organization,
            title=f"Propunere {slug}",
            slug=slug,
            summary="",
            kind=ProposalKind.OTHER,
            target_authority=authority,
            blocks=[{"key": key, "type": "text", "text": f"Textul {word}."}],
        )
        drain()
        if number % 3 == 2:
            drafts.append(slug)
            continue
        domain.publish_proposal(editor, proposal)
        drain()
        if number % 3 == 0:
            word = unique_word("doua", prefix, number)
            domain.save_revision(
                editor,
                proposal,
                base_number=1,
                title=proposal.title,
                summary="",
                blocks=[{"key": key, "type": "text", "text": f"Textul {word}."}],
                message="",
            )
            drain()
        published[slug] = word
    print(json.dumps({"published": published, "drafts": drafts}))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]), Path(sys.argv[4]))
