"""The index queue: rows written in the change's transaction, applied and removed by drain()."""

import pytest
from django.core.cache import cache
from django.db import transaction

from proposals import domain
from proposals.models import Proposal
from search import indexing
from search.models import IndexQueue
from search.query import build
from tests.helpers import save, text_block
from tests.search.conftest import make_proposal, slugs_for


def queued():
    return list(IndexQueue.objects.order_by("id").values_list("model", "object_id"))


def test_queue_rows_recorded_for_each_change(editor):
    proposal = make_proposal(editor, "coada", "Reabilitare termică.", publish=False)
    row = ("proposals.proposal", str(proposal.pk))
    # create_proposal (the proposal and revision 1), then revision 2.
    assert queued() == [row, row, row]

    domain.publish_proposal(editor, proposal)
    assert queued() == [row, row, row, row]

    save(editor, proposal, [text_block(proposal.current_revision.blocks[0]["key"], "Reabilitare.")])
    assert queued() == [row] * 5


class Abort(Exception):
    pass


def test_queue_rolled_back_change_leaves_no_row(editor):
    with pytest.raises(Abort), transaction.atomic():
        make_proposal(editor, "anulata", "Text care nu ajunge nicăieri.")
        assert len(queued()) == 4
        raise Abort

    assert queued() == []
    assert not Proposal.objects.filter(slug="anulata").exists()
    assert indexing.drain() == 0
    assert slugs_for("nicaieri") == []


def test_queue_rolled_back_revision_leaves_no_row(editor):
    proposal = make_proposal(editor, "stabila", "Colectare selectivă.")
    indexing.drain()

    with pytest.raises(Abort), transaction.atomic():
        save(
            editor,
            proposal,
            [text_block(proposal.current_revision.blocks[0]["key"], "Incinerare.")],
        )
        assert queued() == [("proposals.proposal", str(proposal.pk))]
        raise Abort

    assert queued() == []
    assert indexing.drain() == 0
    assert slugs_for("selectiva") == ["stabila"]
    assert slugs_for("incinerare") == []


def test_drain_applies_and_empties_queue(editor):
    make_proposal(editor, "unu", "Spații verzi.")
    make_proposal(editor, "doi", "Spații de joacă.", publish=False)
    assert len(queued()) == 7
    assert slugs_for("spatii") == []

    assert indexing.drain() == 7

    assert queued() == []
    assert slugs_for("spatii") == ["unu"]
    assert indexing.drain() == 0


def test_drain_in_batches_applies_everything(editor):
    for number in range(3):
        make_proposal(editor, f"lot-{number}", "Transport școlar.")

    assert indexing.drain(batch_size=5) == 12

    assert queued() == []
    assert slugs_for("transport") == ["lot-0", "lot-1", "lot-2"]


def test_drain_removes_proposal_no_longer_public(editor):
    proposal = make_proposal(editor, "ascunsa", "Cartografierea zgomotului.")
    indexing.drain()
    assert slugs_for("zgomotului") == ["ascunsa"]

    # Back to draft (as a moderator's correction would): no longer in index_queryset().
    proposal.status = "draft"
    proposal.save(update_fields=["status"])
    assert queued() == [("proposals.proposal", str(proposal.pk))]

    assert indexing.drain() == 1

    assert slugs_for("zgomotului") == []
    assert indexing.indexed_identifiers(Proposal) == set()
    assert queued() == []


def test_drain_removes_document_of_missing_object(editor):
    proposal = make_proposal(editor, "prezenta", "Parcări rezidențiale.")
    indexing.drain()
    # A row for an object that no longer exists (deleted after it was queued).
    IndexQueue.objects.create(model="proposals.proposal", object_id="987654")

    assert indexing.drain() == 1

    assert indexing.indexed_identifiers(Proposal) == {f"proposals.proposal.{proposal.pk}"}


def _documents_of(*proposals):
    """How many documents the index holds for each of `proposals`."""
    backend = indexing._backend()  # noqa: SLF001
    with backend.index.refresh().searcher() as searcher:
        return [
            len(list(searcher.document_numbers(id=f"proposals.proposal.{proposal.pk}")))
            for proposal in proposals
        ]


def test_drain_replaces_each_document_once_and_removes_only_its_own(editor):
    first = make_proposal(editor, "inlocuita", "Piste de biciclete.")
    second = make_proposal(editor, "alaturi", "Piste de biciclete în parc.")
    gone = make_proposal(editor, "retrasa", "Piste de biciclete pe malul lacului.")
    indexing.drain()
    assert _documents_of(first, second, gone) == [1, 1, 1]
    # Both queued again (twice the first), the third no longer public: one batch.
    for proposal in (first, second, first):
        IndexQueue.objects.create(model="proposals.proposal", object_id=str(proposal.pk))
    gone.status = "draft"
    gone.save(update_fields=["status"])

    assert indexing.drain() == 4

    assert _documents_of(first, second, gone) == [1, 1, 0]
    assert slugs_for("biciclete") == ["alaturi", "inlocuita"]


def test_organisation_rename_reindexes_its_proposals(editor, ngo):
    make_proposal(editor, "redenumire", "Cantine sociale.")
    indexing.drain()

    ngo.name = "Asociația Focșani Solidară"
    ngo.save()
    assert indexing.drain() == 1

    assert [hit.organization for hit in build("cantine", {})] == ["Asociația Focșani Solidară"]
    assert slugs_for("cantine", organization="Asociația Focșani Solidară") == ["redenumire"]
    assert slugs_for("cantine", organization="Asociația Vrancea Civică") == []


def test_celery_drain_task_is_queued_only_when_none_is_waiting(
    editor, settings, tmp_path, django_capture_on_commit_callbacks
):
    """Each commit would queue a drain task; while one waits (its mark in the shared cache),
    the next commits queue none, and the waiting one applies their rows. Celery runs tasks in
    process here (no broker): a task queued is a task run at once."""
    settings.SEARCH_INDEX_UPDATES = "celery"
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(tmp_path / "cache"),
        }
    }
    cache.add(indexing.DRAIN_QUEUED, 1)  # a task waits in the broker
    with django_capture_on_commit_callbacks(execute=True):
        make_proposal(editor, "iluminat", "Iluminat public cu senzori.")
    assert len(queued()) == 4  # no task ran: the rows wait for the queued one
    assert slugs_for("senzori") == []

    indexing.drain_index_queue.delay()  # the waiting task
    assert queued() == []
    assert cache.get(indexing.DRAIN_QUEUED) is None
    assert slugs_for("senzori") == ["iluminat"]

    # None waiting: the next commit queues (and here runs) one, which clears its mark.
    with django_capture_on_commit_callbacks(execute=True):
        make_proposal(editor, "fantani", "Fântâni publice în parcuri.")
    assert queued() == []
    assert cache.get(indexing.DRAIN_QUEUED) is None
    assert slugs_for("parcuri") == ["fantani"]
