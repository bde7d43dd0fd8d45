"""Benchmark of revision comparison and of the history page.

    .venv/bin/python bench/proposals_bench.py            (SQLite; DATABASE_URL for PostgreSQL)

Prints, for a 50,000-word text in 500 blocks: the time to compare two revisions with 0.5 % and
5 % of the words changed (targets 0.2 s and 2 s), and for a proposal with 500 revisions: the number
of queries and the time to render the history page.
"""

import os
import random
import statistics
import sys
import time
from pathlib import Path
from types import SimpleNamespace

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "consult.settings_test")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402

from proposals.diff import compute_diff  # noqa: E402

SYLLABLES = [
    "fi",
    "nan",
    "ța",
    "re",
    "a",
    "u",
    "to",
    "ri",
    "ta",
    "te",
    "lo",
    "ca",
    "le",
    "pro",
    "gra",
    "mul",
    "ti",
    "an",
    "ua",
    "lă",
    "con",
    "tri",
    "bu",
    "ți",
    "e",
    "ș",
    "ne",
]
BLOCKS, WORDS_PER_BLOCK = 500, 100


def vocabulary(rng, size=3000):
    return ["".join(rng.choice(SYLLABLES) for _ in range(rng.randint(1, 4))) for _ in range(size)]


def make_text(rng, words):
    blocks = []
    for index in range(BLOCKS):
        text = " ".join(rng.choice(words) for _ in range(WORDS_PER_BLOCK))
        blocks.append({"key": f"k{index:08x}", "type": "text", "text": text + "."})
    return blocks


def change_words(rng, blocks, words, fraction):
    changed = [dict(block) for block in blocks]
    total = BLOCKS * WORDS_PER_BLOCK
    for _ in range(int(total * fraction)):
        block = changed[rng.randrange(BLOCKS)]
        tokens = block["text"].split(" ")
        tokens[rng.randrange(len(tokens))] = rng.choice(words)
        block["text"] = " ".join(tokens)
    return changed


def revision(number, blocks):
    return SimpleNamespace(number=number, title="Legea nr. 350/2005", summary="", blocks=blocks)


def time_diff(old, new, runs=5):
    timings = []
    for _ in range(runs):
        start = time.perf_counter()
        diff = compute_diff(old, new)
        timings.append(time.perf_counter() - start)
    return statistics.median(timings), diff


def bench_diff():
    rng = random.Random(350)
    words = vocabulary(rng)
    base = make_text(rng, words)
    total = sum(len(block["text"].split()) for block in base)
    print(f"text: {total} words in {BLOCKS} blocks")
    for fraction, target in ((0.005, 0.2), (0.05, 2.0)):
        new = change_words(rng, base, words, fraction)
        seconds, diff = time_diff(revision(1, base), revision(2, new))
        print(
            f"compare, {fraction:.1%} of words changed: {seconds:.3f} s median of 5 "
            f"(target < {target} s) — {len(diff.changed_blocks)} blocks changed, "
            f"+{diff.words_added} −{diff.words_removed} words"
        )


def bench_history(revisions=500):
    from django.test import Client

    from accounts.models import Membership, Organization, User
    from proposals import domain

    user = User.objects.create_user("bench@example.org", "bench-password-123")
    ngo = Organization.objects.create(kind="ngo", name="Bench", slug="bench", country="RO")
    Membership.objects.create(user=user, organization=ngo, role="editor")
    authority = Organization.objects.authorities().first()
    start = time.perf_counter()
    blocks = [{"key": "k000000001", "type": "text", "text": "Prima versiune a textului."}]
    proposal = domain.create_proposal(
        user,
        ngo,
        title="Bench",
        slug="bench",
        summary="",
        kind="other",
        target_authority=authority,
        blocks=blocks,
    )
    for number in range(1, revisions):
        blocks = [dict(blocks[0], text=f"Versiunea {number} a textului.")]
        domain.save_revision(
            user,
            proposal,
            base_number=number,
            title="Bench",
            summary="",
            blocks=blocks,
            message=f"v{number + 1}",
        )
    elapsed = time.perf_counter() - start
    print(
        f"saved {revisions - 1} revisions in {elapsed:.1f} s "
        f"({(revisions - 1) / elapsed:.0f} saves/s)"
    )
    domain.publish_proposal(user, proposal)
    client = Client()
    for page in (1, revisions // 50):
        with CaptureQueriesContext(connection) as queries:
            start = time.perf_counter()
            response = client.get(f"/proposals/bench/history/?page={page}")
            elapsed = time.perf_counter() - start
        assert response.status_code == 200
        print(
            f"history page {page} of {revisions} revisions: {len(queries)} queries, "
            f"{elapsed * 1000:.0f} ms"
        )


def main():
    bench_diff()
    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0)
    try:
        bench_history()
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
