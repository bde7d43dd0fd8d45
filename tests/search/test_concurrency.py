"""Several processes changing proposals and draining the queue at once lose nothing."""

import json
import os
import subprocess
import sys
import time

import pytest
from django.conf import settings
from django.db import connection

from search import indexing
from search.models import IndexQueue
from tests.search.conftest import slugs_for
from tests.search.index_worker import unique_word
from tests.search.test_drift import IN_SYNC

PROCESSES = 4
PROPOSALS_EACH = 6


def database_url():
    """A DATABASE_URL other processes can use to reach the PostgreSQL test database."""
    config = connection.settings_dict
    password = f":{config['PASSWORD']}" if config["PASSWORD"] else ""
    port = f":{config['PORT']}" if config["PORT"] else ""
    return f"postgres://{config['USER']}{password}@{config['HOST']}{port}/{config['NAME']}"


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_changes_and_drains_lose_nothing(editor, whoosh_path, tmp_path):
    if connection.vendor != "postgresql":
        # SQLite takes one writer at a time for its whole file: the concurrent changes and
        # drains this test is about need PostgreSQL. CI runs it there.
        pytest.skip("runs on PostgreSQL, where other processes can reach the test database")
    from accounts.models import Organization

    # The workers address this authority; a flush by an earlier transactional test may have
    # removed the directory loaded by the migrations.
    Organization.objects.get_or_create(
        slug="primaria-municipiului-focsani",
        defaults={"kind": "authority", "name": "Primăria Municipiului Focșani", "country": "RO"},
    )
    barrier = tmp_path / "barrier"
    barrier.mkdir()
    url = database_url()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "consult.settings_test",
        "DATABASE_URL": url,
        "WHOOSH_PATH": str(whoosh_path),
    }
    workers = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.search.index_worker",
                editor.email,
                f"w{n}",
                str(PROPOSALS_EACH),
                str(barrier),
            ],
            cwd=settings.BASE_DIR,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for n in range(PROCESSES)
    ]
    try:
        deadline = time.monotonic() + 120
        while len(list(barrier.glob("ready-*"))) < PROCESSES:
            assert all(worker.poll() is None for worker in workers), "a worker died early"
            assert time.monotonic() < deadline, "workers never got ready"
            time.sleep(0.05)
        (barrier / "go").touch()
        outputs = [worker.communicate(timeout=300) for worker in workers]
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.kill()
                worker.wait()

    for worker, (_stdout, stderr) in zip(workers, outputs, strict=True):
        assert "LockError" not in stderr
        assert worker.returncode == 0, stderr
    reports = [json.loads(stdout.strip().splitlines()[-1]) for stdout, _stderr in outputs]

    indexing.drain()

    assert IndexQueue.objects.count() == 0
    assert indexing.drift() == IN_SYNC
    published = {slug: word for report in reports for slug, word in report["published"].items()}
    drafts = [slug for report in reports for slug in report["drafts"]]
    assert len(published) == PROCESSES * 4
    assert len(drafts) == PROCESSES * 2
    # Every document holds the newest text: the first words of revised proposals are gone.
    for slug, word in published.items():
        prefix, number = slug.split("-")
        assert slugs_for(word) == [slug]
        first = unique_word("prima", prefix, int(number))
        assert slugs_for(first) == ([] if word.startswith("doua") else [slug])
    for slug in drafts:
        prefix, number = slug.split("-")
        assert slugs_for(unique_word("prima", prefix, int(number))) == []
