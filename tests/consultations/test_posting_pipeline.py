"""`core.sql.pipeline`: statements sent without waiting for each answer on PostgreSQL, one by
one on SQLite; an error in the block is Django's and rolls the transaction back."""

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.transaction import TransactionManagementError

from consultations.models import Follow
from core import activity, sql
from core.models import ActivityLog
from core.sql import Insert
from search.models import IndexQueue

pytestmark = pytest.mark.django_db

POSTGRES = connection.vendor == "postgresql"


def _in_pipeline():
    raw = connection.connection
    return raw is not None and getattr(raw, "_pipeline", None) is not None


def test_writes_in_a_pipeline_are_stored_and_an_id_asked_for_is_read_back(open_stage, citizen):
    with transaction.atomic(), sql.pipeline():
        assert _in_pipeline() is POSTGRES
        Insert.of(IndexQueue).execute(IndexQueue(model="tests.first", object_id="1"))
        entry = activity.record(citizen, "comment.posted", open_stage, data={"block": "a1"})
        unread = activity.record(
            citizen, "comment.posted", open_stage, data={"block": "a2"}, read_back=False
        )
        Insert.of(Follow, ignore_conflicts=True).execute(
            Follow(consultation=open_stage.consultation, user=citizen)
        )
        Insert.of(Follow, ignore_conflicts=True).execute(
            Follow(consultation=open_stage.consultation, user=citizen)
        )
    assert not _in_pipeline()
    assert entry.pk is not None and unread.pk is None
    assert list(
        ActivityLog.objects.filter(verb="comment.posted").order_by("pk").values_list("data")
    ) == [({"block": "a1"},), ({"block": "a2"},)]
    assert ActivityLog.objects.get(pk=entry.pk).data == {"block": "a1"}
    assert list(
        IndexQueue.objects.filter(model__startswith="tests.").values_list("model", "object_id")
    ) == [("tests.first", "1")]
    assert Follow.objects.filter(user=citizen).count() == 1


def test_an_error_in_a_pipeline_is_djangos_and_nothing_of_the_transaction_stays(
    open_stage, citizen
):
    Follow.objects.create(consultation=open_stage.consultation, user=citizen)
    with pytest.raises(IntegrityError), transaction.atomic(), sql.pipeline():
        Insert.of(IndexQueue).execute(IndexQueue(model="tests.before", object_id="1"))
        # The same follow again, without ignoring the conflict: the unique pair is broken.
        Insert.of(Follow).execute(Follow(consultation=open_stage.consultation, user=citizen))
        Insert.of(IndexQueue).execute(IndexQueue(model="tests.after", object_id="2"))
    assert not _in_pipeline()
    assert not IndexQueue.objects.filter(model__startswith="tests.").exists()
    assert Follow.objects.filter(user=citizen).count() == 1
    # The connection goes on: the next transaction, pipelined too, is stored.
    with transaction.atomic(), sql.pipeline():
        Insert.of(IndexQueue).execute(IndexQueue(model="tests.next", object_id="3"))
    assert list(
        IndexQueue.objects.filter(model__startswith="tests.").values_list("model", "object_id")
    ) == [("tests.next", "3")]


@pytest.mark.skipif(not POSTGRES, reason="SQLite sends statements one by one anyway")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_pipeline_is_refused_outside_a_transaction():
    with pytest.raises(TransactionManagementError), sql.pipeline():
        pass
