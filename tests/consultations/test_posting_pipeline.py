"""`core.sql.pipeline`: statements sent without waiting for each answer on PostgreSQL, one by
one on SQLite; an error in the block is Django's and rolls the transaction back."""

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.transaction import TransactionManagementError

from consultations import domain
from consultations.models import Follow, StageComment
from core import activity, sql
from core.models import ActivityLog, PostedForm
from core.sql import Insert
from search.models import IndexQueue

pytestmark = pytest.mark.django_db

POSTGRES = connection.vendor == "postgresql"


def _in_pipeline():
    raw = connection.connection
    return bool(getattr(getattr(raw, "pgconn", None), "pipeline_status", 0))


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


# --- The comment's own pipeline (`domain.post_comment`) -----------------------------------------


def _claim_with(token):
    def claim(comment):
        Insert.of(PostedForm).execute(
            PostedForm(token=token, kind="comment", fingerprint="f" * 64, result_id=comment.pk)
        )

    return claim


def test_a_comments_writes_and_claim_go_in_the_pipeline(open_stage, citizen):
    """On PostgreSQL each of the comment's writes is sent in pipeline mode (none waits for the
    one before); the first row, whose id is read back, included."""
    sent = []

    def note(execute, statement, params, many, context):
        sent.append((statement.split("(")[0].strip(), _in_pipeline()))
        return execute(statement, params, many, context)

    with connection.execute_wrapper(note):
        comment = domain.post_comment(
            citizen, open_stage, text="În linie.", stance="support", then=_claim_with("p" * 32)
        )
    writes = [(words, piped) for words, piped in sent if words.startswith(("INSERT", "SELECT pg_"))]
    assert [words for words, _piped in writes] == [
        *(["SELECT pg_advisory_xact_lock_shared"] if POSTGRES else []),
        'INSERT INTO "django_comments"',
        'INSERT INTO "django_comments_xtd_xtdcomment"',
        'INSERT INTO "consultations_stagecomment"',
        'INSERT INTO "search_indexqueue"',
        'INSERT INTO "core_activitylog"',
        'INSERT INTO "consultations_follow"',
        'INSERT INTO "core_postedform"',
    ]
    assert {piped for _words, piped in writes} == {POSTGRES}
    assert PostedForm.objects.get(token="p" * 32).result_id == str(comment.pk)


@pytest.mark.parametrize("prepared", [False, True], ids=["sent-as-is", "prepared"])
def test_a_claim_taken_meanwhile_fails_at_the_pipelines_end_and_nothing_stays(
    open_stage, citizen, monkeypatch, prepared
):
    """The form's token claimed by another sending between the early look and this claim: the
    claim's INSERT breaks the unique token at the end of the comment's pipeline, raised as
    Django's `IntegrityError` (what `core.idempotency` catches), and none of the comment's rows
    stay. With statements prepared (connections kept, as in production) too; the connection
    then posts the next comment."""
    if prepared and not POSTGRES:
        pytest.skip("statements are prepared on PostgreSQL only")
    if prepared:
        monkeypatch.setitem(connection.settings_dict, "CONN_MAX_AGE", 60)
    PostedForm.objects.create(token="t" * 32, kind="comment", fingerprint="e" * 64)
    counts = (StageComment.objects.count(), ActivityLog.objects.count(), IndexQueue.objects.count())
    with pytest.raises(IntegrityError):
        domain.post_comment(
            citizen, open_stage, text="Prea târziu.", stance="oppose", then=_claim_with("t" * 32)
        )
    assert not _in_pipeline()
    assert (
        StageComment.objects.count(),
        ActivityLog.objects.count(),
        IndexQueue.objects.count(),
    ) == counts
    assert not Follow.objects.filter(user=citizen).exists()
    later = domain.post_comment(
        citizen, open_stage, text="Altă dată.", stance="oppose", then=_claim_with("u" * 32)
    )
    assert StageComment.objects.get(pk=later.pk).comment == "Altă dată."
    assert PostedForm.objects.filter(token__in=["t" * 32, "u" * 32]).count() == 2
