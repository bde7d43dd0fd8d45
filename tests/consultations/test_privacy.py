"""Personal data in consultations: "download my data" and "delete my account"."""

import json
from datetime import datetime

import pytest
from django.utils import translation

from accounts import domain as accounts_domain
from consultations import domain
from consultations.models import (
    Flag,
    Follow,
    Reaction,
    ReplyOptOut,
    Stage,
    StageComment,
)
from core import privacy
from search.models import IndexQueue
from tests.consultations.conftest import during, first_block_key


@pytest.fixture(autouse=True)
def _english():
    """Messages are checked in the source language (the site's default is Romanian)."""
    with translation.override("en"):
        yield


@pytest.fixture
def history(stage, citizen, citizen2):
    """The citizen's comment and reply, a reaction, a flag, a follow, an opt-out; and someone
    else's comment."""
    moment = during(stage)
    key = first_block_key(stage)
    theirs = domain.post_comment(
        citizen2, stage, text="Comentariul Mariei.", stance="support", now=moment
    )
    mine = domain.post_comment(
        citizen,
        stage,
        text="Termenul e prea scurt.",
        block_key=key,
        quote="selecție publică",
        stance="oppose",
        now=moment,
    )
    reply = domain.post_comment(
        citizen, stage, text="Sunt de acord.", parent_id=theirs.pk, now=moment
    )
    domain.react(citizen, theirs, "agree", now=moment)
    domain.react(citizen2, mine, "disagree", now=moment)
    domain.flag_comment(citizen, theirs, reason="off_topic", note="Nu e despre text.", now=moment)
    ReplyOptOut.objects.create(user=citizen)
    # Comments posted through the comments package's own form also carry these values.
    StageComment.objects.filter(user=citizen).update(
        user_name="Ion Vasile", user_email="ion@example.org", ip_address="192.0.2.7"
    )
    StageComment.objects.filter(user=citizen2).update(
        user_name="Maria Enache", user_email="maria@example.org", ip_address="192.0.2.8"
    )
    return {"mine": mine, "reply": reply, "theirs": theirs}


def test_export_lists_comments_reactions_flags_and_follows(history, stage, citizen):
    mine, reply, theirs = history["mine"], history["reply"], history["theirs"]
    data = privacy.export_user_data(citizen)["consultations"]
    reaction = Reaction.objects.get(user=citizen)
    flag = Flag.objects.get(user=citizen)
    follow = Follow.objects.get(user=citizen)
    posted_at = StageComment.objects.get(pk=mine.pk).submit_date.isoformat()
    assert datetime.fromisoformat(posted_at) == during(stage)
    assert data == {
        "comments": [
            {
                "id": mine.pk,
                "parent_id": None,
                "proposal": "legea-350",
                "proposal_title": "Modificarea Legii nr. 350/2005",
                "stage": 1,
                "stage_title": "Recomandări scrise",
                "block_key": first_block_key(stage),
                "quote": "selecție publică",
                "stance": "oppose",
                "text": "Termenul e prea scurt.",
                "suggestion": "",
                "suggested_text": "",
                "time": posted_at,
                "state": "visible",
                "state_reason": "",
            },
            {
                "id": reply.pk,
                "parent_id": theirs.pk,
                "proposal": "legea-350",
                "proposal_title": "Modificarea Legii nr. 350/2005",
                "stage": 1,
                "stage_title": "Recomandări scrise",
                "block_key": "",
                "quote": "",
                "stance": "",
                "text": "Sunt de acord.",
                "suggestion": "",
                "suggested_text": "",
                "time": posted_at,
                "state": "visible",
                "state_reason": "",
            },
        ],
        "reactions": [
            {
                "comment_id": theirs.pk,
                "proposal": "legea-350",
                "value": "agree",
                "time": reaction.created_at.isoformat(),
            }
        ],
        "flags": [
            {
                "comment_id": theirs.pk,
                "reason": "off_topic",
                "details": "Nu e despre text.",
                "time": flag.created_at.isoformat(),
            }
        ],
        "follows": [
            {
                "proposal": "legea-350",
                "consultation": "Consultare publică Legea 350",
                "since": follow.created_at.isoformat(),
            }
        ],
        "reply_emails": False,
    }
    # What the download serialises; nobody else's data is in it.
    text = json.dumps(data, ensure_ascii=False)
    assert "Maria" not in text and "maria@example.org" not in text


def test_export_of_someone_who_never_took_part(db, citizen):
    assert privacy.export_user_data(citizen)["consultations"] == {
        "comments": [],
        "reactions": [],
        "flags": [],
        "follows": [],
        "reply_emails": True,
    }


def test_account_deletion_keeps_comments_as_from_a_deleted_account(history, stage, citizen):
    version = Stage.objects.get(pk=stage.pk).comments_version
    queued = IndexQueue.objects.count()
    accounts_domain.delete_account(citizen)

    mine = StageComment.objects.get(pk=history["mine"].pk)
    assert (mine.user_name, mine.user_email, mine.user_url, mine.ip_address) == ("", "", "", None)
    assert StageComment.objects.filter(user=citizen, ip_address__isnull=False).count() == 0
    # The text and the thread stay; the author shows as the deleted account.
    assert mine.comment == "Termenul e prea scurt."
    assert mine.user_id == citizen.pk
    with translation.override("en"):
        assert mine.author_name == "Deleted account"
    assert StageComment.objects.get(pk=history["reply"].pk).parent_id == history["theirs"].pk
    # Preferences go; reactions and flags stay, counted, pointing at the tombstone.
    assert not Follow.objects.filter(user=citizen).exists()
    assert not ReplyOptOut.objects.filter(user=citizen).exists()
    assert Reaction.objects.filter(user=citizen).count() == 1
    assert Flag.objects.filter(user=citizen).count() == 1
    # Rendered threads and search documents carrying the old name are refreshed.
    assert Stage.objects.get(pk=stage.pk).comments_version == version + 1
    assert IndexQueue.objects.count() == queued + 2
    assert set(IndexQueue.objects.order_by("-pk")[:2].values_list("model", "object_id")) == {
        ("consultations.stagecomment", str(history["mine"].pk)),
        ("consultations.stagecomment", str(history["reply"].pk)),
    }


def test_account_deletion_leaves_other_peoples_comments_alone(history, citizen, citizen2):
    accounts_domain.delete_account(citizen)
    theirs = StageComment.objects.get(pk=history["theirs"].pk)
    assert (theirs.user_name, theirs.user_email, theirs.ip_address) == (
        "Maria Enache",
        "maria@example.org",
        "192.0.2.8",
    )
    assert theirs.author_name == "Maria Enache"
    assert Follow.objects.filter(user=citizen2).count() == 1


def test_deleted_account_export_is_empty_of_preferences(history, citizen):
    accounts_domain.delete_account(citizen)
    data = privacy.export_user_data(citizen)["consultations"]
    assert (data["follows"], data["reply_emails"]) == ([], True)
    assert [comment["text"] for comment in data["comments"]] == [
        "Termenul e prea scurt.",
        "Sunt de acord.",
    ]
