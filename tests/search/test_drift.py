"""`manage.py search_index drift`: compares the index with the database, `--repair` fixes it."""

import json
from io import StringIO

import pytest
from django.core.management import call_command
from haystack import connections

from proposals.models import Proposal
from search import indexing
from search.models import IndexQueue
from tests.search.conftest import make_proposal, slugs_for

IN_SYNC = {
    "consultations.consultation": {"missing": [], "extra": []},
    "consultations.stagecomment": {"missing": [], "extra": []},
    "proposals.proposal": {"missing": [], "extra": []},
}


def run(*args):
    out = StringIO()
    call_command("search_index", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def two(editor):
    first = make_proposal(editor, "prima", "Piețe agroalimentare.")
    second = make_proposal(editor, "a-doua", "Piețe volante.")
    make_proposal(editor, "ciorna", "Piețe ciornă.", publish=False)
    indexing.drain()
    return first, second


def delete_document(identifier):
    backend = connections["default"].get_backend()
    writer = backend.index.refresh().writer()
    writer.delete_by_term("id", identifier)
    writer.commit()


def test_drift_in_sync(two):
    output = run("drift")

    assert output.endswith("The index matches the database.\n")
    assert json.loads(output[: output.rindex("}") + 1]) == IN_SYNC
    assert indexing.drift() == IN_SYNC


def test_drift_reports_missing_document(two):
    first, _second = two
    delete_document(f"proposals.proposal.{first.pk}")
    assert slugs_for("piete") == ["a-doua"]

    out = StringIO()
    with pytest.raises(SystemExit) as exit_info:
        call_command("search_index", "drift", stdout=out)

    assert exit_info.value.code == 1
    output = out.getvalue()
    assert json.loads(output[: output.rindex("}") + 1]) == {
        **IN_SYNC,
        "proposals.proposal": {"missing": [f"proposals.proposal.{first.pk}"], "extra": []},
    }
    assert output.endswith("1 difference(s) between the database and the index.\n")


def test_drift_reports_stale_document(two):
    _first, second = two
    # Behind the queue's back: no signal, no queue row.
    Proposal.objects.filter(pk=second.pk).update(status="draft")
    assert IndexQueue.objects.count() == 0

    with pytest.raises(SystemExit) as exit_info:
        run("drift")

    assert exit_info.value.code == 1
    assert indexing.drift() == {
        **IN_SYNC,
        "proposals.proposal": {"missing": [], "extra": [f"proposals.proposal.{second.pk}"]},
    }


def test_drift_repair_fixes_both(two):
    first, second = two
    delete_document(f"proposals.proposal.{first.pk}")
    Proposal.objects.filter(pk=second.pk).update(status="draft")

    output = run("drift", "--repair")

    assert output.endswith("Repaired 2 difference(s); 0 left.\n")
    assert indexing.drift() == IN_SYNC
    assert IndexQueue.objects.count() == 0
    assert slugs_for("piete") == ["prima"]
    assert run("drift").endswith("The index matches the database.\n")


def test_drift_repair_when_in_sync_changes_nothing(two):
    output = run("drift", "--repair")

    assert output.endswith("The index matches the database.\n")
    assert slugs_for("piete") == ["a-doua", "prima"]


def test_drain_command_applies_queue(editor):
    make_proposal(editor, "comanda", "Piețe noi.")

    assert run("drain") == "Applied 4 queued change(s).\n"
    assert slugs_for("piete") == ["comanda"]
    assert run("drain") == "Applied 0 queued change(s).\n"
