"""Comments, replies, reactions and withdrawal through the domain.

A refused comment leaves no row anywhere: not in our table, not in the comments package's two
tables (django_comments and django_comments_xtd_xtdcomment), not in the activity log.
"""

from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from django.conf import settings
from django.utils import translation
from django_comments.models import Comment
from django_comments_xtd.models import XtdComment

from consultations import domain, threads
from consultations.models import (
    CommentState,
    Follow,
    Reaction,
    StageComment,
)
from core.errors import DomainError
from core.models import ActivityLog
from proposals.models import Proposal
from tests.consultations.conftest import T0, add_written_stage, during, first_block_key
from tests.factories import UserFactory


@pytest.fixture(autouse=True)
def _english():
    """Messages are checked in the source language (the site's default is Romanian)."""
    with translation.override("en"):
        yield


def rows():
    """Rows in every table a comment is stored in, and the log rows about comments."""
    return (
        Comment.objects.count(),
        XtdComment.objects.count(),
        StageComment.objects.count(),
        ActivityLog.objects.filter(verb="comment.posted").count(),
    )


def post(user, stage, text="Un comentariu.", **kwargs):
    kwargs.setdefault("now", during(stage))
    if "parent_id" not in kwargs:
        kwargs.setdefault("stance", "neutral")
    return domain.post_comment(user, stage, text=text, **kwargs)


def refused_post(user, stage, **kwargs):
    before = rows()
    with translation.override("en"), pytest.raises(DomainError) as error:
        post(user, stage, **kwargs)
    assert rows() == before
    return error.value


# --- Posting -----------------------------------------------------------------------------------


def test_comment_on_a_block_with_a_quote(stage, citizen):
    key = first_block_key(stage)
    version = stage.comments_version
    comment = post(
        citizen,
        stage,
        text="Selecția publică trebuie anunțată din timp.\r\n",
        block_key=key,
        quote="  selecție publică\n de proiecte ",
        stance="support",
    )
    comment = StageComment.objects.get(pk=comment.pk)
    assert (comment.level, comment.thread_id, comment.parent_id, comment.order) == (
        0,
        comment.pk,
        comment.pk,
        1,
    )
    assert comment.comment == "Selecția publică trebuie anunțată din timp."
    assert (comment.block_key, comment.quote, comment.stance) == (
        key,
        "selecție publică de proiecte",
        "support",
    )
    assert comment.revision == stage.revision
    assert comment.state == CommentState.VISIBLE
    assert (comment.is_public, comment.is_removed) == (True, False)
    assert (comment.user_name, comment.user_email) == ("", "")
    assert comment.content_object == stage
    assert comment.site_id == settings.SITE_ID
    assert comment.submit_date == during(stage)
    # A new thread: the stage's other pages and threads stay cached; the counts move on.
    assert comment.starts_thread is True and comment.thread_version == 0
    stage.refresh_from_db()
    assert stage.comments_version == version
    # Counted by a worker after the commit (`fold_counts`), read with the stored ones till then.
    assert comment.count_pending is True and not stage.comment_counts.exists()
    assert threads.Counts(stage).rows == [(key, "support", 1, 1)]
    assert domain.fold_counts() == 1
    assert list(stage.comment_counts.values_list("block_key", "stance", "threads", "shown")) == [
        (key, "support", 1, 1)
    ]
    row = ActivityLog.objects.get(verb="comment.posted")
    assert (row.actor, row.target_id, row.data) == (
        citizen,
        str(comment.pk),
        {"parent": None, "block": key},
    )
    # Commenting follows the consultation.
    assert Follow.objects.filter(consultation=stage.consultation, user=citizen).exists()


def test_comment_on_the_whole_text(stage, citizen):
    comment = post(citizen, stage, text="În ansamblu, de acord.", stance="support")
    assert (comment.block_key, comment.quote) == ("", "")


def test_replies_go_three_levels_deep_and_inherit_the_block(stage, citizen, citizen2):
    key = first_block_key(stage)
    top = post(citizen, stage, block_key=key, stance="oppose", quote="selecție publică")
    parent = top
    for level in (1, 2, 3):
        parent = post(
            citizen2 if level % 2 else citizen,
            stage,
            text=f"Răspuns {level}",
            parent_id=parent.pk,
            stance="support",
            block_key="",
            quote="ignored",
        )
        parent = StageComment.objects.get(pk=parent.pk)
        assert (parent.level, parent.thread_id) == (level, top.pk)
        assert (parent.block_key, parent.stance, parent.quote) == (key, "", "")
    assert list(
        StageComment.objects.filter(thread_id=top.pk).order_by("order").values_list("level")
    ) == [(0,), (1,), (2,), (3,)]
    assert ActivityLog.objects.filter(verb="comment.posted").order_by("id").last().data == {
        "parent": StageComment.objects.get(level=2).pk,
        "block": key,
    }


def test_crafted_reply_beyond_the_maximum_depth_leaves_no_row(stage, citizen, citizen2):
    parent = post(citizen, stage)
    for _level in range(3):
        parent = post(citizen2, stage, parent_id=parent.pk)
    assert parent.level == 3
    error = refused_post(citizen, stage, text="Prea adânc", parent_id=parent.pk)
    assert error.message == "Replies go at most 3 levels deep; reply higher up in the thread."
    # No orphan (thread_id 0) row in the comments package's tables either.
    assert not XtdComment.objects.filter(thread_id=0).exists()


# Which comment each reply answers (by its place in the list), top-level comments as None: a
# thread of two branches three levels deep, a reply inserted above later siblings, and a second
# thread, so that renumbering and nested counts are exercised everywhere.
TREE = [None, 0, 1, 2, 1, 0, 5, None, 7, 0, 4, 8, 6]


def tree_shape(comments):
    """Each comment's (parent index, level, order, nested count), in the list's order."""
    index = {comment.pk: number for number, comment in enumerate(comments)}
    fresh = {c.pk: c for c in StageComment.objects.filter(pk__in=list(index))}
    return [
        (
            None if fresh[c.pk].parent_id == c.pk else index[fresh[c.pk].parent_id],
            fresh[c.pk].level,
            fresh[c.pk].order,
            fresh[c.pk].nested_count,
            index[fresh[c.pk].thread_id],
        )
        for c in comments
    ]


def test_reply_positions_are_those_of_the_comments_package(editor, consultation, stage, citizen):
    """Posting places replies itself (fewer statements than the package's save); the tree is
    the one the package's own save builds for the same replies in the same order."""
    posted = []
    for parent in TREE:
        if parent is None:
            posted.append(post(citizen, stage))
        else:
            posted.append(post(citizen, stage, parent_id=posted[parent].pk))

    other = add_written_stage(editor, consultation, opens_at=stage.closes_at)
    packaged = []
    for parent in TREE:
        comment = StageComment(
            stage=other,
            content_object=other,
            site_id=settings.SITE_ID,
            user=citizen,
            comment="Prin pachet.",
            submit_date=during(other),
            parent_id=packaged[parent].pk if parent is not None else 0,
        )
        comment.save()  # not placed: the package's own save computes the position
        packaged.append(comment)

    assert tree_shape(posted) == tree_shape(packaged)
    # The exact tree: the first thread in reading order, then the second.
    first = sorted(
        (order, number)
        for number, (_p, _l, order, _n, root) in enumerate(tree_shape(posted))
        if root == 0
    )
    assert [number for _order, number in first] == [0, 1, 2, 3, 4, 10, 5, 6, 12, 9]
    assert [shape[3] for shape in tree_shape(posted)] == [9, 4, 1, 0, 1, 2, 1, 2, 1, 0, 0, 0, 0]
    assert not XtdComment.objects.filter(thread_id=0).exists()


def test_a_comment_and_a_reply_each_queue_one_search_row(stage, citizen, citizen2):
    from search.models import IndexQueue

    IndexQueue.objects.all().delete()
    top = post(citizen, stage)
    reply = post(citizen2, stage, parent_id=top.pk)
    assert list(IndexQueue.objects.order_by("id").values_list("model", "object_id")) == [
        ("consultations.stagecomment", str(top.pk)),
        ("consultations.stagecomment", str(reply.pk)),
    ]
    assert (top.thread_id, top.parent_id, reply.thread_id, reply.parent_id) == (
        top.pk,
        top.pk,
        top.pk,
        top.pk,
    )


def test_reply_to_a_comment_of_another_stage_is_refused(editor, consultation, stage, citizen):
    other = add_written_stage(editor, consultation, opens_at=T0 + timedelta(hours=2), now=T0)
    elsewhere = post(citizen, other, now=T0 + timedelta(hours=3))
    error = refused_post(citizen, stage, parent_id=elsewhere.pk, now=T0 + timedelta(hours=3))
    assert error.message == "The comment you are replying to is not in this stage."


def test_reply_to_a_missing_comment_is_refused(stage, citizen):
    error = refused_post(citizen, stage, parent_id=987654)
    assert error.message == "The comment you are replying to is not in this stage."


@pytest.mark.parametrize("state", ["hidden", "withdrawn", "held"])
def test_reply_to_a_comment_not_shown_is_refused(stage, citizen, citizen2, moderator, state):
    parent = post(citizen, stage)
    if state == "hidden":
        domain.hide_comment(moderator, parent, "Injurii.", now=during(stage))
    elif state == "withdrawn":
        domain.withdraw_comment(citizen, parent, now=during(stage))
    else:
        StageComment.objects.filter(pk=parent.pk).update(state=CommentState.HELD)
    error = refused_post(citizen2, stage, parent_id=parent.pk)
    assert error.message == "The comment you are replying to is no longer shown."


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("Text cu\x00NUL", "Your comment contains control characters (such as NUL bytes); "
         "remove them."),
        ("Clopoțel\x07", "Your comment contains control characters (such as NUL bytes); "
         "remove them."),
        ("", "Your comment cannot be empty."),
        ("  \n\n ", "Your comment cannot be empty."),
        ("a" * 100_000, "Your comment is 100000 characters long; the limit is 10000."),
    ],
)  # fmt: skip
def test_bad_comment_text_is_refused(stage, citizen, text, message):
    error = refused_post(citizen, stage, text=text)
    assert error.message == message


def test_comment_of_exactly_the_maximum_length_is_kept(stage, citizen):
    text = "ă" * settings.CONSULTATION_COMMENT_MAX_LENGTH
    comment = post(citizen, stage, text=text)
    assert StageComment.objects.get(pk=comment.pk).comment == text


def test_html_is_stored_as_typed(stage, citizen):
    # Escaping is the templates' job; the record keeps exactly what was written.
    text = '<script>alert("x")</script> <b>bold</b>'
    comment = post(citizen, stage, text=text)
    assert StageComment.objects.get(pk=comment.pk).comment == text


def test_quote_not_in_the_paragraph_is_refused(stage, citizen):
    error = refused_post(
        citizen, stage, block_key=first_block_key(stage), quote="cuvinte care nu sunt acolo"
    )
    assert error.message == "The quoted words are not in that paragraph; copy them exactly."


def test_quote_from_another_paragraph_is_refused(stage, citizen):
    second = stage.revision.blocks[1]["key"]
    error = refused_post(citizen, stage, block_key=second, quote="selecție publică de proiecte")
    assert error.message == "The quoted words are not in that paragraph; copy them exactly."


def test_quote_without_a_paragraph_is_refused(stage, citizen):
    error = refused_post(citizen, stage, quote="selecție publică")
    assert error.message == "Quote words from the paragraph you comment on."


def test_quote_too_long_is_refused(stage, citizen):
    error = refused_post(citizen, stage, block_key=first_block_key(stage), quote="x" * 1001)
    assert error.message == "The quoted text is 1001 characters long; the limit is 1000."


def test_unknown_block_key_is_refused(stage, citizen):
    error = refused_post(citizen, stage, block_key="kdoesnotexist")
    assert error.message == "That paragraph is not part of the text under debate."


@pytest.mark.parametrize("stance", ["", "maybe"])
def test_top_level_comment_needs_a_stance(stage, citizen, stance):
    error = refused_post(citizen, stage, stance=stance)
    assert error.message == "Choose whether you support, oppose or are neutral."


def test_unverified_email_cannot_comment(stage):
    person = UserFactory(verified_email=False)
    error = refused_post(person, stage)
    assert (error.code, error.message) == (
        "unverified",
        "Confirm your email address before commenting.",
    )
    EmailAddress.objects.create(user=person, email=person.email, verified=False, primary=True)
    refused_post(person, stage)


def test_inactive_account_cannot_comment(stage, citizen):
    citizen.is_active = False
    citizen.save()
    error = refused_post(citizen, stage)
    assert error.code == "unverified"


def test_meeting_stage_takes_no_comments(editor, consultation, citizen):
    meeting = domain.add_stage(
        editor,
        consultation,
        kind="meeting",
        title="Dezbatere",
        opens_at=T0,
        closes_at=T0 + timedelta(hours=2),
        now=T0,
    )
    error = refused_post(citizen, meeting, now=T0 + timedelta(hours=1))
    assert error.message == "This stage does not take written comments."


def test_call_for_input_stage_takes_comments(editor, consultation, citizen):
    call = domain.add_stage(
        editor,
        consultation,
        kind="call_for_input",
        title="Apel la propuneri",
        opens_at=T0,
        closes_at=T0 + timedelta(days=3),
        now=T0,
    )
    comment = post(citizen, call, stance="support", now=T0 + timedelta(hours=1))
    assert (comment.revision, comment.block_key) == (None, "")


def test_cancelled_stage_takes_no_comments(editor, stage, citizen):
    domain.cancel_stage(editor, stage, "Anulat.", now=T0)
    error = refused_post(citizen, stage)
    assert isinstance(error, domain.StageClosed)
    assert (error.code, error.message) == (
        "cancelled",
        "This stage was cancelled; it no longer takes comments.",
    )


def test_private_proposal_stage_takes_no_comments(stage, citizen):
    # Proposals never go back to draft; the guard still holds if the data says so.
    Proposal.objects.filter(pk=stage.consultation.proposal_id).update(status="draft")
    error = refused_post(citizen, stage)
    assert (error.code, error.message) == ("not_public", "This consultation is not public.")


# --- Reactions ---------------------------------------------------------------------------------


def counts(comment):
    comment = StageComment.objects.get(pk=comment.pk)
    return comment.agree_count, comment.disagree_count


def test_reactions_toggle_and_count(stage, citizen, citizen2):
    comment = post(citizen, stage)
    third = UserFactory()
    moment = during(stage)
    assert domain.react(citizen2, comment, "agree", now=moment) == "agree"
    assert counts(comment) == (1, 0)
    assert domain.react(third, comment, "agree", now=moment) == "agree"
    assert counts(comment) == (2, 0)
    # The other choice replaces the first.
    assert domain.react(citizen2, comment, "disagree", now=moment) == "disagree"
    assert counts(comment) == (1, 1)
    assert Reaction.objects.filter(comment=comment).count() == 2
    # The same choice again takes it back.
    assert domain.react(citizen2, comment, "disagree", now=moment) is None
    assert counts(comment) == (1, 0)
    assert list(Reaction.objects.values_list("user_id", "value")) == [(third.pk, "agree")]


def test_reaction_invalidates_no_page_or_thread(stage, citizen, citizen2):
    # Pages read the reaction counts when they are served (`threads.fill_values`).
    comment = post(citizen, stage)
    stage.refresh_from_db()
    version = stage.comments_version
    domain.react(citizen2, comment, "agree", now=during(stage))
    stage.refresh_from_db()
    assert stage.comments_version == version
    assert StageComment.objects.get(pk=comment.pk).thread_version == 0


def test_a_reply_moves_its_threads_version_and_the_counts(stage, citizen, citizen2):
    key = first_block_key(stage)
    first = post(citizen, stage, block_key=key, stance="oppose")
    other = post(citizen, stage, stance="neutral")
    stage.refresh_from_db()
    version = stage.comments_version
    reply = post(citizen2, stage, text="Răspuns.", parent_id=first.pk, stance="")
    assert (reply.starts_thread, reply.block_key, reply.stance) == (False, key, "")
    versions = dict(StageComment.objects.values_list("pk", "thread_version"))
    assert versions == {first.pk: 1, other.pk: 0, reply.pk: 0}
    stage.refresh_from_db()
    assert stage.comments_version == version
    domain.fold_counts()
    assert sorted(stage.comment_counts.values_list("block_key", "stance", "threads", "shown")) == [
        ("", "neutral", 1, 1),
        (key, "", 0, 1),
        (key, "oppose", 1, 1),
    ]


def test_reaction_refusals(stage, citizen, citizen2, moderator):
    comment = post(citizen, stage)
    with translation.override("en"):
        with pytest.raises(DomainError, match="^You cannot react to your own comment.$"):
            domain.react(citizen, comment, "agree", now=during(stage))
        with pytest.raises(DomainError, match="^Choose agree or disagree.$"):
            domain.react(citizen2, comment, "love", now=during(stage))
        with pytest.raises(DomainError, match="^Confirm your email address before reacting.$"):
            domain.react(UserFactory(verified_email=False), comment, "agree", now=during(stage))
        with pytest.raises(domain.StageClosed):
            domain.react(citizen2, comment, "agree", now=stage.closes_at)
        domain.hide_comment(moderator, comment, "Spam.", now=during(stage))
        with pytest.raises(DomainError, match="^This comment is not shown.$"):
            domain.react(citizen2, comment, "agree", now=during(stage))
    assert Reaction.objects.count() == 0
    assert counts(comment) == (0, 0)


# --- Withdrawal --------------------------------------------------------------------------------


def test_author_withdraws_own_comment_and_replies_stay(stage, citizen, citizen2):
    comment = post(citizen, stage)
    reply = post(citizen2, stage, parent_id=comment.pk)
    moment = during(stage, hours=2)
    domain.withdraw_comment(citizen, comment, now=moment)
    comment = StageComment.objects.get(pk=comment.pk)
    assert (comment.state, comment.state_changed_at, comment.state_changed_by) == (
        CommentState.WITHDRAWN,
        moment,
        citizen,
    )
    assert (comment.is_public, comment.is_removed) == (True, True)
    # The text stays on record; the page shows a placeholder.
    assert comment.comment == "Un comentariu."
    assert StageComment.objects.get(pk=reply.pk).state == CommentState.VISIBLE
    row = ActivityLog.objects.get(verb="comment.withdrawn")
    assert (row.actor, row.old_value, row.new_value) == (citizen, "visible", "")


def test_withdraw_refusals(stage, citizen, citizen2, moderator):
    comment = post(citizen, stage)
    with translation.override("en"):
        with pytest.raises(DomainError, match="^Only its author can withdraw a comment.$"):
            domain.withdraw_comment(citizen2, comment, now=during(stage))
        domain.withdraw_comment(citizen, comment, now=during(stage))
        with pytest.raises(DomainError, match="^You already withdrew this comment.$"):
            domain.withdraw_comment(citizen, comment, now=during(stage))
        hidden = post(citizen, stage, text="Altul")
        domain.hide_comment(moderator, hidden, "Atac la persoană.", now=during(stage))
        with pytest.raises(DomainError, match="^This comment was hidden by moderation.$"):
            domain.withdraw_comment(citizen, hidden, now=during(stage))
    assert ActivityLog.objects.filter(verb="comment.withdrawn").count() == 1


def test_withdraw_refused_once_the_synthesis_is_published(stage, citizen, editor):
    comment = post(citizen, stage)
    domain.set_disposition(editor, comment, outcome="rejected", reason="Nu.")
    domain.publish_synthesis(editor, stage, now=stage.closes_at)
    with translation.override("en"), pytest.raises(DomainError) as error:
        domain.withdraw_comment(citizen, comment, now=stage.closes_at + timedelta(days=1))
    assert error.value.message == (
        "The synthesis of this stage is published; its comments are part of the record."
    )
    assert StageComment.objects.get(pk=comment.pk).state == CommentState.VISIBLE


def test_withdraw_after_the_stage_closed_is_allowed(stage, citizen):
    comment = post(citizen, stage)
    domain.withdraw_comment(citizen, comment, now=stage.closes_at + timedelta(days=1))
    assert StageComment.objects.get(pk=comment.pk).state == CommentState.WITHDRAWN


# --- Following ---------------------------------------------------------------------------------


def test_follow_and_unfollow(consultation, citizen):
    assert domain.follow(citizen, consultation) is True
    assert domain.follow(citizen, consultation) is False
    assert Follow.objects.filter(user=citizen).count() == 1
    assert domain.unfollow(citizen, consultation) is True
    assert domain.unfollow(citizen, consultation) is False
    assert not Follow.objects.filter(user=citizen).exists()
