"""Each thread keeps its searcher open between searches and reopens it when the index changes:
after a drain in this thread, another thread or another process, and after a rebuild."""

import os
import subprocess
import sys
import threading

from haystack import connections

from search import indexing
from tests.helpers import save, text_block
from tests.search.conftest import make_proposal, raw_document, slugs_for, write_documents


def test_searcher_kept_until_a_drain_changes_the_index(editor, backend):
    proposal = make_proposal(editor, "rampa", "Rampă pentru biciclete.")
    indexing.drain()

    assert slugs_for("biciclete") == ["rampa"]
    opened = backend.current()
    assert slugs_for("trotinete") == []
    assert backend.current() is opened  # nothing written: the same searcher

    block = proposal.current_revision.blocks[0]["key"]
    save(editor, proposal, [text_block(block, "Parcare pentru trotinete.")])
    indexing.drain()

    assert slugs_for("trotinete") == ["rampa"]
    assert slugs_for("biciclete") == []
    assert backend.current() is not opened
    assert opened.searcher.is_closed


def test_searcher_sees_a_write_by_another_thread(backend):
    """As when the drain thread commits: this thread's searcher is reopened on the next search."""
    write_documents(backend, [raw_document(1, "bănci în parc")])
    assert backend.search("banci", end_offset=20)["hits"] == 1
    opened = backend.current()

    def drain_like():
        other = connections["default"].get_backend()  # that thread's own backend
        write_documents(other, [raw_document(2, "fântână și bănci")], delete=[1])

    writer = threading.Thread(target=drain_like)
    writer.start()
    writer.join()

    found = backend.search("banci", end_offset=20)
    assert [result.pk for result in found["results"]] == ["2"]
    assert backend.search("fantana", end_offset=20)["hits"] == 1
    assert backend.current() is not opened


def test_searchers_are_per_thread(backend):
    write_documents(backend, [raw_document(1, "copaci pe strada mare")])
    mine = backend.current().searcher
    seen, errors = {}, []

    def search(name):
        try:
            # The same backend object from another thread: a searcher of its own.
            seen[name] = backend.current().searcher
            found = backend.search("copaci", end_offset=20)
            assert [result.pk for result in found["results"]] == ["1"]
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=search, args=(n,)) for n in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    searchers = [mine, *seen.values()]
    assert len({id(searcher) for searcher in searchers}) == 4


def test_searcher_sees_the_haystack_connection_of_each_thread():
    """Haystack also gives each thread a backend of its own."""
    other = []
    thread = threading.Thread(target=lambda: other.append(connections["default"].get_backend()))
    thread.start()
    thread.join()
    assert other[0] is not connections["default"].get_backend()


def test_searcher_sees_a_rebuilt_index(backend):
    write_documents(backend, [raw_document(1, "lampa veche")])
    assert backend.search("lampa", end_offset=20)["hits"] == 1
    generation = backend.current().searcher.reader().generation()

    # Rebuilt from scratch: the new index counts generations from the start again.
    backend.clear()
    write_documents(backend, [raw_document(2, "felinar nou")])
    assert backend.index.refresh().latest_generation() == generation

    assert backend.search("lampa", end_offset=20)["hits"] == 0
    found = backend.search("felinar", end_offset=20)
    assert [result.pk for result in found["results"]] == ["2"]


WRITER = """
import django
django.setup()
from haystack import connections
backend = connections["default"].get_backend()
backend.setup()
writer = backend.index.writer()
writer.add_document(id="proposals.proposal.2", django_ct="proposals.proposal", django_id="2",
                    text="semafor nou", content_type_exact="proposal")
writer.delete_by_term("id", "proposals.proposal.1")
writer.commit()
"""


def test_searcher_sees_a_commit_by_another_process(backend, whoosh_path):
    write_documents(backend, [raw_document(1, "semafor vechi")])
    assert backend.search("semafor", end_offset=20)["hits"] == 1
    opened = backend.current()

    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "consult.settings_test",
        "WHOOSH_PATH": str(whoosh_path),
    }
    subprocess.run([sys.executable, "-c", WRITER], env=env, check=True, timeout=120)

    found = backend.search("semafor", end_offset=20)
    assert [result.pk for result in found["results"]] == ["2"]
    assert backend.search("vechi", end_offset=20)["hits"] == 0
    assert backend.current() is not opened
