"""The statements of posting a comment written once per process (`core.sql`), not compiled by
the ORM for every comment: each gives exactly what the ORM's form of it gives, on SQLite and
PostgreSQL."""

import re

import pytest
from django.db import IntegrityError, connection, transaction
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django_comments.models import Comment
from django_comments_xtd.models import XtdComment

from accounts.models import Organization
from accounts.rules import has_confirmed_email
from consultations import domain, threads
from consultations.domain.common import bump_thread_version, count_comment
from consultations.models import CommentCount, Consultation, Follow, Stage, StageComment
from core import activity, idempotency, sql
from core.models import ActivityLog, PostedForm
from proposals import stored_blocks
from proposals.models import Proposal, Revision
from search.models import IndexQueue
from tests.consultations.page_helpers import comment

pytestmark = pytest.mark.django_db


def columns(instance, model):
    """Every column of `instance`'s row in `model`'s own table, as the ORM reads it."""
    names = [field.attname for field in model._meta.local_concrete_fields]
    row = model.objects.filter(pk=instance.pk).values_list(*names).get()
    return dict(zip(names, row, strict=True))


def test_a_posted_comment_has_the_rows_the_orms_save_gives(open_stage, citizen, citizen2):
    posted = comment(citizen, open_stage, text="Textul meu.", stance="support", block_key="")
    saved = StageComment(
        stage=open_stage,
        revision=open_stage.revision,
        content_object=open_stage,
        site_id=posted.site_id,
        user=citizen,
        comment="Textul meu.",
        submit_date=posted.submit_date,
        stance="support",
        is_public=True,
    )
    saved.save()
    for model in (Comment, XtdComment, StageComment):
        mine, theirs = columns(posted, model), columns(saved, model)
        for name in ("id", "comment_ptr_id", "xtdcomment_ptr_id", "thread_id", "parent_id"):
            if name in mine:
                assert mine[name] == posted.pk and theirs[name] == saved.pk
                del mine[name], theirs[name]
        if model is StageComment:  # posted, it waits to be counted (`domain.fold_counts`)
            assert (mine.pop("count_pending"), theirs.pop("count_pending")) == (True, False)
        assert mine == theirs, model
    # One statement a row, the top-level comment its own thread from the first.
    reply = comment(citizen2, open_stage, text="Răspuns.", parent_id=posted.pk)
    assert (reply.thread_id, reply.parent_id, reply.level, reply._state.adding) == (
        posted.pk,
        posted.pk,
        1,
        False,
    )
    assert StageComment.objects.get(pk=reply.pk).thread_id == posted.pk


def test_insert_refuses_a_reply_not_placed(open_stage, citizen):
    first = comment(citizen, open_stage)
    with pytest.raises(ValueError, match="placed reply"):
        StageComment(stage=open_stage, parent_id=first.pk, comment="x").insert()


def test_the_log_queue_follow_and_claim_rows_are_those_the_orm_writes(open_stage, citizen):
    entry = activity.record(citizen, "comment.posted", open_stage, data={"block": "a1"})
    assert entry.pk is not None and not entry._state.adding
    stored = ActivityLog.objects.get(pk=entry.pk)
    assert (stored.actor, stored.verb, stored.target, stored.scope, stored.data) == (
        citizen,
        "comment.posted",
        open_stage,
        open_stage,
        {"block": "a1"},
    )
    assert stored.created_at is not None

    follow = sql.Insert.of(Follow, ignore_conflicts=True)
    consultation = open_stage.consultation
    assert follow.execute(Follow(consultation=consultation, user=citizen)) == 1
    assert follow.execute(Follow(consultation=consultation, user=citizen)) == 0
    assert Follow.objects.filter(consultation=consultation, user=citizen).count() == 1
    assert sql.Insert.of(Follow, ignore_conflicts=True) is follow  # written once

    sql.Insert.of(IndexQueue).execute(IndexQueue(model="a.b", object_id="7"))
    assert list(IndexQueue.objects.filter(model="a.b").values_list("object_id", flat=True)) == ["7"]


def test_the_counts_and_the_threads_version_move_as_the_orms_updates(open_stage, citizen):
    first = comment(citizen, open_stage, text="Unu.", stance="oppose")
    assert not CommentCount.objects.exists()  # posting leaves the stored counts alone
    domain.fold_counts()
    row = CommentCount.objects.get(stage=open_stage, stance="oppose")
    assert (row.shown, row.threads) == (1, 1)
    count_comment(first, shown=-1, threads=2)
    row.refresh_from_db()
    assert (row.shown, row.threads) == (0, 3)
    count_comment(StageComment(stage=open_stage, block_key="zz", stance=""), shown=1)
    made = CommentCount.objects.get(stage=open_stage, block_key="zz")
    assert (made.shown, made.threads) == (1, 0)
    before = StageComment.objects.get(pk=first.pk).thread_version
    bump_thread_version(first)
    assert StageComment.objects.get(pk=first.pk).thread_version == before + 1


def test_the_stage_read_for_posting_is_what_the_orm_reads(open_stage):
    orm = Stage.objects.select_related("consultation__proposal__organization", "revision").get(
        pk=open_stage.pk
    )
    slug = open_stage.consultation.proposal.slug
    for read in (
        domain.stage_to_post_to(pk=open_stage.pk),
        domain.stage_to_post_to(slug=slug, position=open_stage.position),
    ):
        pairs = [
            (read, orm, Stage),
            (read.consultation, orm.consultation, Consultation),
            (read.consultation.proposal, orm.consultation.proposal, Proposal),
            (
                read.consultation.proposal.organization,
                orm.consultation.proposal.organization,
                Organization,
            ),
            (read.revision, orm.revision, Revision),
        ]
        for mine, theirs, model in pairs:
            for field in model._meta.concrete_fields:
                assert getattr(mine, field.attname) == getattr(theirs, field.attname), (
                    model,
                    field.name,
                )
            assert not mine._state.adding
    with pytest.raises(Stage.DoesNotExist):
        domain.stage_to_post_to(slug=slug, position=99)
    with pytest.raises(Stage.DoesNotExist):
        domain.stage_to_post_to(pk=0)


def test_a_stage_without_a_revision_is_read_without_one(open_stage):
    Stage.objects.filter(pk=open_stage.pk).update(revision=None)
    assert domain.stage_to_post_to(pk=open_stage.pk).revision is None


def test_a_revisions_blocks_are_read_once_per_process_under_its_hash(open_stage):
    stored_blocks.forget()
    revision = open_stage.revision
    with CaptureQueriesContext(connection) as first:
        read = domain.stage_to_post_to(pk=open_stage.pk)
    with CaptureQueriesContext(connection) as second:
        again = domain.stage_to_post_to(pk=open_stage.pk)
    assert (len(first), len(second)) == (2, 1)
    assert read.revision.blocks == again.revision.blocks == revision.blocks
    assert again.revision.blocks is read.revision.blocks
    # Another content under the same id (SQLite may give a rolled-back revision's id again):
    # read anew.
    other = Revision.objects.only("pk", "content_hash").get(pk=revision.pk)
    other.content_hash = "0" * 64
    with CaptureQueriesContext(connection) as third:
        stored_blocks.fill_blocks(other)
    assert len(third) == 1
    stored_blocks.forget()


def test_paragraph_labels_are_made_once_and_given_as_a_copy(open_stage):
    revision = domain.stage_to_post_to(pk=open_stage.pk).revision
    labels = threads.paragraph_labels(revision)
    labels["x"] = "changed"
    assert "x" not in threads.paragraph_labels(revision)
    assert threads.paragraph_labels(revision) == threads._paragraph_labels(revision)


def test_the_confirmed_email_check_answers_as_the_orm(citizen):
    from allauth.account.models import EmailAddress

    assert has_confirmed_email(citizen) is True
    EmailAddress.objects.filter(user=citizen).update(verified=False)
    assert has_confirmed_email(citizen) is False
    assert EmailAddress.objects.filter(user=citizen).exists()


def test_the_redirects_page_counts_the_threads_before_it(open_stage, citizen):
    made = [comment(citizen, open_stage, text=f"Fir {n}.") for n in range(threads.PER_PAGE + 1)]
    reply = comment(citizen, open_stage, text="Răspuns.", parent_id=made[-1].pk)
    assert [threads.page_of(c) for c in (made[0], made[-2], made[-1], reply)] == [1, 1, 2, 2]
    orm = StageComment.objects.filter(
        stage=open_stage, starts_thread=True, pk__lt=made[-1].pk
    ).count()
    assert orm == threads.PER_PAGE


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's query plans")
def test_the_redirects_count_is_read_from_the_partial_index():
    with connection.cursor() as cursor:
        cursor.execute(
            "EXPLAIN QUERY PLAN " + sql.kept("threads_before", threads._threads_before_sql),
            [1, 100] * 3,
        )
        plan = " ".join(str(row[-1]) for row in cursor.fetchall())
    # The threads from the nearest page's first (`ThreadPage`, its unique (stage, first thread)
    # index) to the comment's thread.
    assert "INDEX stage_threads (stage_id=? AND xtdcomment_ptr_id>? AND xtdcomment_ptr_id<?)" in (
        plan
    ), plan
    pages = re.findall(r"SEARCH consultations_threadpage USING [A-Z ]*INDEX \S+ \(([^)]*)\)", plan)
    assert pages == ["stage_id=? AND first_thread_id<?"] * 2, plan


def _request(user, token):
    request = RequestFactory().post("/x/", {"form_token": token, "text": "a"})
    request.user = user
    return request


def test_a_token_claimed_last_answers_a_resend_with_the_first_result(open_stage, citizen):
    token = idempotency.new_token()

    def post(claim):
        return comment(citizen, open_stage, text="O dată.", then=claim)

    first, repeated = idempotency.run_once(_request(citizen, token), "c", post, claim_last=True)
    assert repeated is False
    again, repeated = idempotency.run_once(_request(citizen, token), "c", post, claim_last=True)
    assert (again, repeated) == (first, True)
    assert StageComment.objects.filter(comment="O dată.").count() == 1
    claim = PostedForm.objects.get(token=token)
    assert (claim.kind, claim.user, claim.result) == ("c", citizen, first)


def test_a_token_claimed_last_by_another_person_does_not_stand_for_the_form(
    open_stage, citizen, citizen2
):
    token = idempotency.new_token()
    idempotency.run_once(
        _request(citizen, token),
        "c",
        lambda claim: comment(citizen, open_stage, then=claim),
        claim_last=True,
    )
    mine, repeated = idempotency.run_once(
        _request(citizen2, token),
        "c",
        lambda claim: comment(citizen2, open_stage, text="Al meu.", then=claim),
        claim_last=True,
    )
    assert (repeated, mine.user, mine.comment) == (False, citizen2, "Al meu.")
    assert PostedForm.objects.get(token=token).user == citizen


def test_an_integrity_error_of_the_command_itself_is_raised(open_stage, citizen):
    def broken(claim):
        with transaction.atomic():
            made = comment(citizen, open_stage, text="Pierdut.", then=claim)
            Follow.objects.create(consultation=open_stage.consultation, user=citizen)  # exists
        return made

    with pytest.raises(IntegrityError):
        idempotency.run_once(
            _request(citizen, idempotency.new_token()), "c", broken, claim_last=True
        )
    assert not StageComment.objects.filter(comment="Pierdut.").exists()
    assert not PostedForm.objects.exists()


def test_a_command_that_does_not_claim_its_token_is_a_mistake_said_at_once(open_stage, citizen):
    with pytest.raises(RuntimeError, match="did not claim"):
        idempotency.run_once(
            _request(citizen, idempotency.new_token()),
            "c",
            lambda claim: comment(citizen, open_stage),
            claim_last=True,
        )


def test_posting_claims_the_token_in_its_own_transaction_without_a_savepoint(
    en_client, open_stage, citizen
):
    comment(citizen, open_stage, text="Primul: face rândul numărătorii.", stance="neutral")
    en_client.force_login(citizen)
    data = {"text": "Fără puncte de salvare.", "stance": "neutral", "form_token": "c" * 32}
    url = f"/proposals/{open_stage.consultation.proposal.slug}/consultation/stages/1/comment/"
    with CaptureQueriesContext(connection) as captured:
        assert en_client.post(url, data).status_code == 302
    savepoints = [q["sql"] for q in captured if q["sql"].startswith("SAVEPOINT")]
    assert len(savepoints) == 1  # the command's own atomic block (a test runs in a transaction)
    made = StageComment.objects.get(comment="Fără puncte de salvare.")
    assert PostedForm.objects.get(token="c" * 32).result == made


def test_nothing_of_a_refused_command_is_kept_with_its_claim_last(open_stage, citizen):
    token = idempotency.new_token()
    with pytest.raises(domain.DomainError), transaction.atomic():
        idempotency.run_once(
            _request(citizen, token),
            "c",
            lambda claim: comment(citizen, open_stage, text="", then=claim),
            claim_last=True,
        )
    assert not PostedForm.objects.filter(token=token).exists()
    assert StageComment.objects.count() == 0
    assert not CommentCount.objects.filter(stage=open_stage).exclude(shown=0).exists()


def test_a_replys_parent_is_read_under_its_threads_lock_as_the_orm_reads_it(
    open_stage, citizen, citizen2
):
    first = comment(citizen, open_stage, text="Început.", stance="oppose", block_key="")
    reply = comment(citizen2, open_stage, text="Răspuns.", parent_id=first.pk)
    deeper = comment(citizen, open_stage, text="Mai jos.", parent_id=reply.pk)
    later = comment(citizen2, open_stage, text="Al doilea.", parent_id=first.pk)
    wanted = ("pk", "level", "state", "block_key", "user_id", "thread_id", "parent_id", "order")
    for posted in (first, reply, deeper, later):
        read = StageComment.locked_parent(posted.pk, open_stage.pk)
        orm = StageComment.objects.only(*wanted).get(pk=posted.pk)
        assert [getattr(read, name) for name in wanted] == [getattr(orm, name) for name in wanted]
        # The same fields deferred, except that each of its three rows' pk is known.
        assert read.get_deferred_fields() == orm.get_deferred_fields() - {"id", "comment_ptr_id"}
        assert (read.id, read.comment_ptr_id) == (posted.pk, posted.pk)
        assert read._state.adding is False
    # The order values: the first comment, its first reply, that reply's reply, the second.
    assert [StageComment.locked_parent(c.pk, open_stage.pk).order for c in (first, reply)] == [1, 2]
    assert [StageComment.locked_parent(c.pk, open_stage.pk).order for c in (deeper, later)] == [
        3,
        4,
    ]
    assert StageComment.objects.get(pk=first.pk).nested_count == 3
    assert StageComment.objects.get(pk=reply.pk).nested_count == 1


def test_no_parent_is_read_from_another_stage_or_beyond_a_bigint(open_stage, citizen):
    first = comment(citizen, open_stage, text="Început.", stance="oppose")
    assert StageComment.locked_parent(first.pk, open_stage.pk + 1) is None
    assert StageComment.locked_parent(first.pk + 1000, open_stage.pk) is None
    assert StageComment.locked_parent(10**20, open_stage.pk) is None
    assert StageComment.locked_parent(0, open_stage.pk) is None


def test_a_reply_to_an_impossible_parent_id_is_refused_with_the_text_kept(
    en_client, open_stage, citizen
):
    en_client.force_login(citizen)
    url = f"/proposals/{open_stage.consultation.proposal.slug}/consultation/stages/1/comment/"
    data = {"text": "Răspunsul meu păstrat.", "parent_id": str(10**20), "form_token": "d" * 32}
    response = en_client.post(url, data)
    assert response.status_code == 400
    assert "The comment you are replying to is not in this stage." in response.content.decode()
    assert "Răspunsul meu păstrat." in response.content.decode()
    assert StageComment.objects.count() == 0


def test_a_replys_place_moves_the_later_comments_and_counts_it_in_its_ancestors(
    open_stage, citizen, citizen2
):
    first = comment(citizen, open_stage, text="Început.", stance="support")
    a = comment(citizen2, open_stage, text="A.", parent_id=first.pk)
    b = comment(citizen, open_stage, text="B.", parent_id=a.pk)
    c = comment(citizen2, open_stage, text="C.", parent_id=b.pk)
    d = comment(citizen, open_stage, text="D.", parent_id=first.pk)
    # Under A, after its last descendant (C): D moves down by one.
    e = comment(citizen2, open_stage, text="E.", parent_id=a.pk)
    rows = dict(
        XtdComment.norel_objects.filter(thread_id=first.pk).values_list("comment_ptr_id", "order")
    )
    assert rows == {first.pk: 1, a.pk: 2, b.pk: 3, c.pk: 4, e.pk: 5, d.pk: 6}
    nested = dict(
        XtdComment.norel_objects.filter(thread_id=first.pk).values_list(
            "comment_ptr_id", "nested_count"
        )
    )
    assert nested == {first.pk: 5, a.pk: 3, b.pk: 1, c.pk: 0, e.pk: 0, d.pk: 0}
    # C is as deep as replies go: a reply to it is refused and nothing moves.
    with pytest.raises(domain.DomainError):
        comment(citizen, open_stage, text="F.", parent_id=c.pk)
    assert (
        dict(
            XtdComment.norel_objects.filter(thread_id=first.pk).values_list(
                "comment_ptr_id", "nested_count"
            )
        )
        == nested
    )
