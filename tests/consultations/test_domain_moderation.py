"""Flags, moderation, answers to comments, the synthesis, and who may do what (rules)."""

from datetime import datetime, timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import override_settings
from django.utils import translation

from consultations import domain, threads
from consultations.models import (
    CommentState,
    Disposition,
    Flag,
    StageComment,
    Synthesis,
)
from core.errors import DomainError, NotAllowed
from core.models import ActivityLog
from core.permissions import can
from proposals import domain as proposals_domain
from proposals.models import Proposal
from tests.consultations.conftest import T0, add_written_stage, during, first_block_key
from tests.factories import MembershipFactory, UserFactory


@pytest.fixture(autouse=True)
def _english():
    """Messages are checked in the source language (the site's default is Romanian)."""
    with translation.override("en"):
        yield


def post(user, stage, text="Un comentariu.", **kwargs):
    kwargs.setdefault("now", during(stage))
    if "parent_id" not in kwargs:
        kwargs.setdefault("stance", "neutral")
    return domain.post_comment(user, stage, text=text, **kwargs)


def fresh(comment):
    return StageComment.objects.get(pk=comment.pk)


def log(verb):
    return [
        (row.actor, row.old_value, row.new_value, row.data)
        for row in ActivityLog.objects.filter(verb=verb).order_by("id")
    ]


def refused(function, *args, **kwargs):
    with translation.override("en"), pytest.raises(DomainError) as error:
        function(*args, **kwargs)
    return error.value.message


@pytest.fixture
def comment(stage, citizen):
    return post(citizen, stage, text="Textul art. 5 este neclar.", stance="oppose")


# --- Flags -------------------------------------------------------------------------------------


def test_flag_is_recorded_once_per_person(comment, citizen2):
    domain.flag_comment(citizen2, comment, reason="abuse", note="Jignitor.", now=T0)
    assert list(Flag.objects.values_list("user_id", "reason", "note")) == [
        (citizen2.pk, "abuse", "Jignitor.")
    ]
    assert (fresh(comment).flag_count, fresh(comment).open_flags) == (1, 1)
    assert refused(domain.flag_comment, citizen2, comment, reason="spam") == (
        "You already flagged this comment; a moderator will review it."
    )
    assert Flag.objects.count() == 1
    assert fresh(comment).flag_count == 1
    assert log("comment.flagged") == [(citizen2, "", "abuse", {})]


def test_flag_refusals(comment, citizen, citizen2):
    assert refused(domain.flag_comment, citizen, comment, reason="spam") == (
        "You cannot flag your own comment; withdraw it instead."
    )
    assert refused(domain.flag_comment, citizen2, comment, reason="boring") == (
        "Choose why the comment should be reviewed."
    )
    assert refused(domain.flag_comment, citizen2, comment, reason="other", note="a\x00b") == (
        "The details contains control characters (such as NUL bytes); remove them."
    )
    assert refused(
        domain.flag_comment, UserFactory(verified_email=False), comment, reason="spam"
    ) == ("Confirm your email address before flagging.")
    assert Flag.objects.count() == 0
    assert fresh(comment).flag_count == 0


def test_flag_on_a_comment_not_shown_is_refused(comment, citizen, citizen2):
    domain.withdraw_comment(citizen, comment, now=T0)
    assert refused(domain.flag_comment, citizen2, comment, reason="spam") == (
        "This comment is not shown; it cannot be flagged."
    )


def test_third_flag_holds_the_comment(settings, comment, stage):
    assert settings.CONSULTATION_FLAGS_TO_HOLD == 3
    flaggers = [UserFactory() for _ in range(3)]
    for person in flaggers[:2]:
        domain.flag_comment(person, comment, reason="spam", now=during(stage))
    assert fresh(comment).state == CommentState.VISIBLE
    moment = during(stage, hours=2)
    domain.flag_comment(flaggers[2], comment, reason="abuse", now=moment)
    held = fresh(comment)
    assert (held.state, held.flag_count, held.state_changed_at, held.state_changed_by) == (
        CommentState.HELD,
        3,
        moment,
        None,
    )
    # The comments package's own flag: held comments are not public.
    assert (held.is_public, held.is_removed) == (False, False)
    assert log("comment.held") == [(None, "visible", "held", {"flags": 3})]


@override_settings(CONSULTATION_FLAGS_TO_HOLD=1)
def test_flag_threshold_comes_from_settings(comment, citizen2):
    domain.flag_comment(citizen2, comment, reason="spam", now=T0)
    assert fresh(comment).state == CommentState.HELD


def test_restore_resets_the_open_flags(comment, stage, moderator):
    for _ in range(3):
        domain.flag_comment(UserFactory(), comment, reason="spam", now=during(stage))
    domain.restore_comment(moderator, comment, now=during(stage))
    restored = fresh(comment)
    assert (restored.state, restored.flag_count, restored.flags_reviewed) == ("visible", 3, 3)
    assert restored.open_flags == 0
    # Two new flags are not enough to hold it again; a third new one is.
    for _ in range(2):
        domain.flag_comment(UserFactory(), comment, reason="spam", now=during(stage))
    assert fresh(comment).state == CommentState.VISIBLE
    domain.flag_comment(UserFactory(), comment, reason="spam", now=during(stage))
    assert (fresh(comment).state, fresh(comment).open_flags) == (CommentState.HELD, 3)
    assert log("comment.restored") == [(moderator, "held", "visible", {})]


def test_dismiss_flags_keeps_a_visible_comment(comment, citizen2, moderator):
    assert refused(domain.dismiss_flags, moderator, comment) == (
        "This comment has no flags waiting for review."
    )
    domain.flag_comment(citizen2, comment, reason="off_topic", now=T0)
    domain.dismiss_flags(moderator, comment)
    assert (fresh(comment).state, fresh(comment).open_flags) == (CommentState.VISIBLE, 0)
    assert log("comment.flags_dismissed") == [(moderator, "", "1", {})]


def test_dismiss_flags_of_a_held_comment_restores_it(comment, stage, moderator):
    for _ in range(3):
        domain.flag_comment(UserFactory(), comment, reason="spam", now=during(stage))
    domain.dismiss_flags(moderator, comment)
    assert (fresh(comment).state, fresh(comment).open_flags) == (CommentState.VISIBLE, 0)


# --- Hiding and restoring ----------------------------------------------------------------------


def test_hide_with_a_reason(comment, stage, moderator, citizen2):
    domain.flag_comment(citizen2, comment, reason="abuse", now=during(stage))
    stage.refresh_from_db()
    version = stage.comments_version
    moment = during(stage, hours=3)
    domain.hide_comment(moderator, comment, "Limbaj jignitor.", now=moment)
    hidden = fresh(comment)
    assert (hidden.state, hidden.state_reason, hidden.state_changed_by) == (
        CommentState.HIDDEN,
        "Limbaj jignitor.",
        moderator,
    )
    assert hidden.state_changed_at == moment
    assert (hidden.is_public, hidden.is_removed) == (True, True)
    assert (hidden.flags_reviewed, hidden.open_flags) == (1, 0)
    # Its thread is rendered again (its version), not the stage's other threads; one fewer
    # comment shown in the counts.
    stage.refresh_from_db()
    assert stage.comments_version == version
    assert hidden.thread_version == 1
    # Hidden before it was counted: counted as it is (its thread, not shown) when folded.
    assert [row[2:] for row in threads.Counts(stage).rows] == [(1, 0)]
    domain.fold_counts()
    assert list(stage.comment_counts.values_list("threads", "shown")) == [(1, 0)]
    domain.restore_comment(moderator, hidden, now=moment)
    assert fresh(comment).thread_version == 2
    assert list(stage.comment_counts.values_list("threads", "shown")) == [(1, 1)]
    domain.hide_comment(moderator, comment, "Limbaj jignitor.", now=moment)
    assert log("comment.hidden") == [
        (moderator, "visible", "hidden", {"reason": "Limbaj jignitor."}),
        (moderator, "visible", "hidden", {"reason": "Limbaj jignitor."}),
    ]


def test_hide_refusals(comment, citizen, moderator):
    assert refused(domain.hide_comment, moderator, comment, "  ") == "The reason cannot be empty."
    domain.hide_comment(moderator, comment, "Spam.")
    assert refused(domain.hide_comment, moderator, comment, "Din nou.") == (
        "This comment is already not shown."
    )
    assert ActivityLog.objects.filter(verb="comment.hidden").count() == 1


def test_restore_hidden_comment(comment, moderator):
    domain.hide_comment(moderator, comment, "Greșeală.")
    domain.restore_comment(moderator, comment)
    restored = fresh(comment)
    assert (restored.state, restored.state_reason, restored.is_removed) == ("visible", "", False)
    assert refused(domain.restore_comment, moderator, comment) == (
        "Only a hidden or held comment can be restored."
    )
    assert log("comment.restored") == [(moderator, "hidden", "visible", {})]


def test_withdrawn_comment_cannot_be_restored(comment, citizen, moderator):
    domain.withdraw_comment(citizen, comment)
    assert refused(domain.restore_comment, moderator, comment) == (
        "Only a hidden or held comment can be restored."
    )


# --- Answers (dispositions) --------------------------------------------------------------------


@pytest.fixture
def later_revision(editor, debated_proposal, stage):
    current = debated_proposal.current_revision
    proposals_domain.save_revision(
        editor,
        debated_proposal,
        base_number=current.number,
        title=current.title,
        summary=current.summary,
        blocks=[dict(current.blocks[0], text="Text nou.")] + current.blocks[1:],
        message="După consultare",
    )
    debated_proposal.refresh_from_db()
    return debated_proposal.current_revision


def test_disposition_recorded_and_changed_with_log(comment, editor, later_revision, stage):
    stage.refresh_from_db()
    version = stage.comments_version
    first = domain.set_disposition(editor, comment, outcome="rejected", reason="Nu se aplică.\n")
    assert (first.outcome, first.reason, first.applied_in, first.decided_by) == (
        "rejected",
        "Nu se aplică.",
        None,
        editor,
    )
    second = domain.set_disposition(
        editor, comment, outcome="accepted", reason="Reformulat.", applied_in=later_revision
    )
    assert second.pk == first.pk
    assert Disposition.objects.get().applied_in == later_revision
    stage.refresh_from_db()
    assert stage.comments_version == version
    assert StageComment.objects.get(pk=comment.pk).thread_version == 2
    assert log("disposition.set") == [
        (editor, "", "rejected", {"applied_in": None}),
        (editor, "rejected", "accepted", {"applied_in": 3}),
    ]


@pytest.mark.parametrize(
    ("outcome", "reason", "applied", "message"),
    [
        ("maybe", "r", None, "Choose the answer."),
        ("rejected", " ", None, "The reason cannot be empty."),
        ("rejected", "r\x00", None, "The reason contains control characters (such as NUL "
         "bytes); remove them."),
        ("rejected", "r", "later", "Only an accepted comment is applied in a revision."),
        ("not_applicable", "r", "later", "Only an accepted comment is applied in a revision."),
        ("accepted", "r", "same", "The comment was made on revision 2; it is applied in a "
         "later one."),
        ("partially", "r", "first", "The comment was made on revision 2; it is applied in a "
         "later one."),
    ],
)  # fmt: skip
def test_disposition_refusals(comment, editor, later_revision, outcome, reason, applied, message):
    revisions = {
        "later": later_revision,
        "same": comment.revision,
        "first": later_revision.proposal.revisions.get(number=1),
        None: None,
    }
    assert (
        refused(
            domain.set_disposition,
            editor,
            comment,
            outcome=outcome,
            reason=reason,
            applied_in=revisions[applied],
        )
        == message
    )
    assert Disposition.objects.count() == 0


def test_disposition_applied_in_another_proposal_is_refused(comment, editor, ngo):
    from tests.factories import ProposalFactory

    other = ProposalFactory(editor=editor, organization=ngo)
    assert refused(
        domain.set_disposition,
        editor,
        comment,
        outcome="accepted",
        reason="r",
        applied_in=other.current_revision,
    ) == ("That revision belongs to another proposal.")


def test_hidden_comment_cannot_be_answered(comment, editor, moderator):
    domain.hide_comment(moderator, comment, "Spam.")
    assert refused(domain.set_disposition, editor, comment, outcome="rejected", reason="r") == (
        "Only comments that are shown can be answered."
    )


# --- Synthesis ---------------------------------------------------------------------------------


@pytest.fixture
def debate(stage, citizen, citizen2, moderator):
    """Three top-level comments (two on blocks, one on the whole text), replies, one hidden and
    one withdrawn top-level comment."""
    blocks = [block["key"] for block in stage.revision.blocks]
    on_third = post(
        citizen, stage, text="Publicarea contractului e bună.", block_key=blocks[2],
        stance="support", now=during(stage, 1),
    )  # fmt: skip
    on_first = post(
        citizen2, stage, text="Selecția trebuie anunțată.", block_key=blocks[0],
        quote="selecție publică", stance="oppose", now=during(stage, 2),
    )  # fmt: skip
    whole = post(
        citizen, stage, text="În general de acord.", stance="neutral", now=during(stage, 3)
    )
    reply = post(citizen, stage, text="Nu cred.", parent_id=on_first.pk, now=during(stage, 4))
    post(citizen2, stage, text="Ba da.", parent_id=reply.pk, now=during(stage, 5))
    hidden = post(citizen2, stage, text="Spam", stance="oppose", now=during(stage, 6))
    domain.hide_comment(moderator, hidden, "Reclamă.", now=during(stage, 7))
    withdrawn = post(citizen, stage, text="Retras", stance="support", now=during(stage, 8))
    domain.withdraw_comment(citizen, withdrawn, now=during(stage, 9))
    return {"on_third": on_third, "on_first": on_first, "whole": whole, "reply": reply}


def test_answer_progress_counts_top_level_comments_shown(debate, stage, editor):
    assert domain.answer_progress(stage) == (0, 3)
    domain.set_disposition(editor, debate["on_first"], outcome="rejected", reason="r")
    # Replies can be answered but do not count.
    domain.set_disposition(editor, debate["reply"], outcome="not_applicable", reason="r")
    assert domain.answer_progress(stage) == (1, 3)


def test_synthesis_refused_while_comments_are_unanswered(debate, stage, editor):
    domain.set_disposition(editor, debate["on_first"], outcome="rejected", reason="r")
    with translation.override("en"), pytest.raises(DomainError) as error:
        domain.publish_synthesis(editor, stage, now=stage.closes_at)
    assert error.value.code == "unanswered"
    assert error.value.message == (
        "2 of 3 comments have no answer yet; every comment must be answered before the "
        "synthesis is published."
    )
    assert Synthesis.objects.count() == 0


@pytest.mark.parametrize(("moment", "status"), [(-1, "scheduled"), (1, "open")])
def test_synthesis_refused_before_the_stage_closes(stage, editor, moment, status):
    now = T0 - timedelta(hours=1) if moment < 0 else during(stage)
    assert refused(domain.publish_synthesis, editor, stage, now=now) == (
        f"The stage is still {status}; publish the synthesis after it closes."
    )


def test_synthesis_refused_for_a_meeting(editor, consultation):
    meeting = domain.add_stage(
        editor,
        consultation,
        kind="meeting",
        title="Dezbatere",
        opens_at=T0,
        closes_at=T0 + timedelta(hours=2),
        now=T0,
    )
    assert refused(domain.publish_synthesis, editor, meeting, now=T0 + timedelta(days=1)) == (
        "Only a stage that took comments has a synthesis."
    )


def test_synthesis_rows_and_counts_are_exact(debate, stage, editor, later_revision):
    domain.set_disposition(
        editor, debate["on_first"], outcome="accepted", reason="Am introdus termenul.",
        applied_in=later_revision,
    )  # fmt: skip
    domain.set_disposition(editor, debate["on_third"], outcome="partially", reason="În parte.")
    domain.set_disposition(editor, debate["whole"], outcome="not_applicable", reason="General.")
    moment = stage.closes_at + timedelta(days=2)
    synthesis = domain.publish_synthesis(editor, stage, intro="Mulțumim.", now=moment)
    assert (synthesis.intro, synthesis.published_at, synthesis.published_by) == (
        "Mulțumim.",
        moment,
        editor,
    )
    keys = [block["key"] for block in stage.revision.blocks]
    summary = [
        (
            row["number"],
            row["comment_id"],
            row["author"],
            row["block_key"],
            row["block"],
            row["quote"],
            row["text"],
            row["stance"],
            row["outcome"],
            row["reason"],
            row["applied_in"],
            row["replies"],
        )
        for row in synthesis.rows
    ]
    # The whole-text comment first, then in the order of the text.
    assert summary == [
        (1, debate["whole"].pk, "Ion Vasile", "", "", "", "În general de acord.", "neutral",
         "not_applicable", "General.", None, 0),
        (2, debate["on_first"].pk, "Maria Enache", keys[0], "§1", "selecție publică",
         "Selecția trebuie anunțată.", "oppose", "accepted", "Am introdus termenul.", 3, 2),
        (3, debate["on_third"].pk, "Ion Vasile", keys[2], "§3", "", "Publicarea contractului "
         "e bună.", "support", "partially", "În parte.", None, 0),
    ]  # fmt: skip
    assert datetime.fromisoformat(synthesis.rows[0]["submitted_at"]) == during(stage, 3)
    assert synthesis.counts == {
        "total": 3,
        "stance": {"neutral": 1, "oppose": 1, "support": 1},
        "outcome": {"not_applicable": 1, "accepted": 1, "partially": 1},
    }
    row = ActivityLog.objects.get(verb="synthesis.published")
    assert (row.actor, row.new_value) == (editor, "3")


def test_synthesis_is_frozen_after_publication(debate, stage, editor, citizen, citizen2):
    for comment in (debate["on_first"], debate["on_third"], debate["whole"]):
        domain.set_disposition(editor, comment, outcome="rejected", reason="r")
    synthesis = domain.publish_synthesis(editor, stage, now=stage.closes_at)
    rows = synthesis.rows
    assert refused(
        domain.set_disposition, editor, debate["whole"], outcome="accepted", reason="x"
    ) == ("The synthesis of this stage is published; its answers can no longer change.")
    assert refused(domain.publish_synthesis, editor, stage, now=stage.closes_at) == (
        "The synthesis of this stage is already published."
    )
    # A later change of name does not rewrite the published table.
    citizen.profile.display_name = "Alt nume"
    citizen.profile.save()
    assert Synthesis.objects.get().rows == rows
    assert rows[0]["author"] == "Ion Vasile"
    assert Disposition.objects.filter(outcome="accepted").count() == 0
    assert Synthesis.objects.count() == 1


def test_synthesis_of_a_stage_without_comments(stage, editor):
    synthesis = domain.publish_synthesis(editor, stage, now=stage.closes_at)
    assert (synthesis.rows, synthesis.counts) == ([], {"total": 0, "stance": {}, "outcome": {}})


def test_block_labels_name_headings_and_articles(editor, debated_proposal, consultation):
    current = debated_proposal.current_revision
    proposals_domain.save_revision(
        editor,
        debated_proposal,
        base_number=current.number,
        title=current.title,
        summary="",
        blocks=[
            {"key": "kabc0000001", "type": "heading", "text": "Capitolul I"},
            {
                "key": "kabc0000002",
                "type": "amendment",
                "article": "Art. 5 alin. (2)",
                "action": "modify",
                "in_force": "Vechi.",
                "proposed": "Nou.",
                "rationale": "De ce.",
            },
            current.blocks[0],
        ],
        message="Structură",
    )
    debated_proposal.refresh_from_db()
    assert domain.block_labels(debated_proposal.current_revision) == {
        "kabc0000001": "§1 Capitolul I",
        "kabc0000002": "§2 Art. 5 alin. (2)",
        current.blocks[0]["key"]: "§3",
    }
    stage = add_written_stage(
        editor, consultation, opens_at=T0, revision=debated_proposal.current_revision
    )
    assert first_block_key(stage) == "kabc0000001"


# --- Who may do what (rules) -------------------------------------------------------------------

PERMISSIONS = [
    "consultations.view",
    "consultations.manage",
    "consultations.answer",
    "consultations.moderate",
    "consultations.withdraw_comment",
]
PEOPLE = ["anonymous", "participant", "author", "moderator", "other ngo editor", "editor", "admin"]


def _expected(who, public):
    view = public or who in ("editor", "admin")
    runs = who in ("editor", "admin")
    return (view, runs, runs, who == "moderator", who == "author")


@pytest.fixture
def people(ngo, editor, citizen, other_ngo_editor, moderator):
    return {
        "anonymous": AnonymousUser(),
        "participant": UserFactory(),
        "author": citizen,
        "moderator": moderator,
        "other ngo editor": other_ngo_editor,
        "editor": editor,
        "admin": MembershipFactory(organization=ngo, role="admin").user,
    }


@pytest.mark.parametrize("public", [True, False], ids=["public", "draft"])
@pytest.mark.parametrize("who", PEOPLE)
def test_consultation_permission_matrix(people, stage, comment, who, public):
    if not public:
        # Only the rules are under test: the status is set directly.
        Proposal.objects.filter(pk=stage.consultation.proposal_id).update(status="draft")
    comment = StageComment.objects.select_related("stage__consultation__proposal").get(
        pk=comment.pk
    )
    stage = comment.stage
    person = people[who]
    granted = tuple(
        can(person, permission, comment)
        if permission in ("consultations.withdraw_comment", "consultations.answer")
        else can(person, permission, None if permission.endswith("moderate") else stage)
        for permission in PERMISSIONS
    )
    assert granted == _expected(who, public)


@pytest.mark.parametrize("target", ["consultation", "stage", "comment"])
def test_answer_permission_reaches_the_proposal_from_every_object(
    people, consultation, stage, comment, target
):
    obj = {"consultation": consultation, "stage": stage, "comment": comment}[target]
    assert [can(people[who], "consultations.answer", obj) for who in PEOPLE] == [
        False,
        False,
        False,
        False,
        False,
        True,
        True,
    ]


def test_domain_checks_its_own_rules(comment, other_ngo_editor):
    # The pages and the API call the same commands: each checks `consultations.answer` itself.
    assert not can(other_ngo_editor, "consultations.answer", comment)
    with pytest.raises(NotAllowed, match="Only the organisation's editors and admins"):
        domain.set_disposition(other_ngo_editor, comment, outcome="rejected", reason="r")
    assert not Disposition.objects.filter(comment=comment).exists()


def test_site_administrators_moderate_but_do_not_run_others_consultations(stage, comment):
    root = UserFactory(is_staff=True, is_superuser=True)
    assert [can(root, permission, comment) for permission in PERMISSIONS] == [
        True,  # view: the proposal is public
        False,  # manage: not a member of the organisation
        False,  # answer
        True,  # moderate: site staff
        False,  # withdraw: not the author
    ]
