from datetime import timedelta

import pytest

from consultations import domain
from consultations.models import CommentState, StageComment
from core.errors import DomainError
from tests.consultations.conftest import T0, during, first_block_key


def test_comment_reply_depth_and_window(stage, citizen, citizen2):
    key = first_block_key(stage)
    c = domain.post_comment(
        citizen, stage, text="Sunt de acord.", block_key=key, stance="support", now=during(stage)
    )
    assert (c.level, c.thread_id, c.parent_id) == (0, c.pk, c.pk)
    parent = c
    for level in (1, 2, 3):
        parent = domain.post_comment(
            citizen2, stage, text=f"r{level}", parent_id=parent.pk, now=during(stage)
        )
        assert parent.level == level
    before = StageComment.objects.count()
    with pytest.raises(DomainError):
        domain.post_comment(citizen, stage, text="too deep", parent_id=parent.pk, now=during(stage))
    assert StageComment.objects.count() == before
    with pytest.raises(domain.StageClosed):
        domain.post_comment(citizen, stage, text="late", stance="neutral", now=stage.closes_at)
    domain.post_comment(
        citizen,
        stage,
        text="last second",
        stance="neutral",
        now=stage.closes_at - timedelta(microseconds=1),
    )
    with pytest.raises(domain.StageClosed):
        domain.post_comment(
            citizen, stage, text="early", stance="neutral", now=T0 - timedelta(seconds=1)
        )


def test_flags_hold_and_synthesis(stage, citizen, citizen2, editor, moderator):
    from tests.factories import UserFactory

    c = domain.post_comment(citizen, stage, text="Text", stance="oppose", now=during(stage))
    for _ in range(3):
        domain.flag_comment(UserFactory(), c, reason="spam", now=during(stage))
    c.refresh_from_db()
    assert c.state == CommentState.HELD
    domain.restore_comment(moderator, c, now=during(stage))
    c.refresh_from_db()
    assert c.state == CommentState.VISIBLE and c.open_flags == 0
    with pytest.raises(DomainError):
        domain.publish_synthesis(editor, stage, now=during(stage))
    after = stage.closes_at + timedelta(days=1)
    with pytest.raises(DomainError):
        domain.publish_synthesis(editor, stage, now=after)
    domain.set_disposition(editor, c, outcome="rejected", reason="Nu se justifică.")
    s = domain.publish_synthesis(editor, stage, now=after)
    assert s.counts == {"total": 1, "stance": {"oppose": 1}, "outcome": {"rejected": 1}}
    assert domain.process_stage_events(now=after) == 2
    assert domain.process_stage_events(now=after) == 0
