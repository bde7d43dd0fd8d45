"""Posting a comment and a reply on PostgreSQL: their statements prepared, the reply's thread
locked until its transaction ends."""

import psycopg
import pytest
from django.db import connection, transaction
from django.db.transaction import TransactionManagementError

from consultations.models import StageComment
from tests.consultations.page_helpers import comment

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="prepared statements and row locks: PostgreSQL"
)


@pytest.fixture(autouse=True)
def kept_connections(monkeypatch):
    """Connections kept between requests, as in production: only there are statements
    prepared (`core.sql.kept_cursor`)."""
    monkeypatch.setitem(connection.settings_dict, "CONN_MAX_AGE", 60)


def _prepared(words, without=None):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s "
            "AND statement NOT LIKE %s",
            [f"%{words}%", f"%{without}%" if without else ""],
        )
        return cursor.fetchone()[0]


def _other_connection(autocommit=True):
    params = connection.get_connection_params()
    return psycopg.connect(
        **{key: params[key] for key in ("dbname", "user", "host", "port") if key in params},
        autocommit=autocommit,
    )


@pytest.mark.django_db
def test_posting_a_comment_and_a_reply_prepares_their_statements(open_stage, citizen, citizen2):
    first = comment(citizen, open_stage, text="Primul.", stance="support")
    comment(citizen2, open_stage, text="Răspuns.", parent_id=first.pk)
    for words in (
        'INSERT INTO "django_comments"',
        'UPDATE "consultations_stagecomment" SET "thread_version"',
        "FOR UPDATE",
        "MIN(CASE WHEN",
        "pg_advisory_xact_lock_shared",
    ):
        assert _prepared(words) == 1, words
    # A comment's log row is not read back (it goes in the comment's pipeline of statements);
    # the fixtures' rows were.
    assert _prepared('INSERT INTO "core_activitylog"', without="RETURNING") == 1
    # The stored counts are a worker's (`domain.fold_counts`), not the request's.
    assert _prepared('"consultations_commentcount"') == 0
    assert StageComment.objects.count() == 2


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_reply_holds_its_threads_lock_until_its_transaction_ends(open_stage, citizen):
    first = comment(citizen, open_stage, text="Primul.", stance="support")
    reply = comment(citizen, open_stage, text="Al doilea.", parent_id=first.pk)
    with _other_connection(autocommit=False) as other, transaction.atomic():
        parent = StageComment.locked_parent(reply.pk, open_stage.pk)
        assert (parent.pk, parent.thread_id) == (reply.pk, first.pk)
        with pytest.raises(psycopg.errors.LockNotAvailable):
            other.execute(
                "SELECT 1 FROM consultations_stagecomment WHERE xtdcomment_ptr_id = %s "
                "FOR UPDATE NOWAIT",
                [first.pk],
            )
        other.rollback()
        # The reply's own row is not locked: only its thread's first comment.
        other.execute(
            "SELECT 1 FROM consultations_stagecomment WHERE xtdcomment_ptr_id = %s "
            "FOR UPDATE NOWAIT",
            [reply.pk],
        )
        other.rollback()
    # Nothing of another stage's threads, and not outside a transaction.
    with transaction.atomic():
        assert StageComment.locked_parent(reply.pk, open_stage.pk + 1) is None
        with _other_connection() as other:
            other.execute(
                "SELECT 1 FROM consultations_stagecomment WHERE xtdcomment_ptr_id = %s "
                "FOR UPDATE NOWAIT",
                [first.pk],
            )
    with pytest.raises(TransactionManagementError):
        StageComment.locked_parent(reply.pk, open_stage.pk)
