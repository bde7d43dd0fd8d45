"""Moderation pages: the queue of held and flagged comments, and one comment's review, where it
is hidden with a reason, shown again or its flags dismissed — each through the domain, logged."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from consultations import domain
from consultations.models import CommentState, StageComment
from core.models import ActivityLog
from tests.consultations.conftest import during
from tests.factories import UserFactory
from tests.helpers import messages_of


def post(stage, user, text, *, minutes=60, **kwargs):
    kwargs.setdefault("stance", "neutral")
    return domain.post_comment(user, stage, text=text, now=during(stage, minutes / 60), **kwargs)


def flag(comment, reason="spam", note=""):
    return domain.flag_comment(
        UserFactory(), comment, reason=reason, note=note, now=during(comment.stage, 5)
    )


def verbs(comment):
    return list(
        ActivityLog.objects.for_object(comment).order_by("id").values_list("verb", flat=True)
    )


@pytest.fixture
def mod_client(en_client, moderator):
    en_client.force_login(moderator)
    return en_client


@pytest.fixture
def comments(stage, citizen, citizen2):
    first = post(stage, citizen, "Primul comentariu, semnalat.", minutes=10)
    held = post(stage, citizen2, "Al doilea, reținut pentru verificare.", minutes=20)
    quiet = post(stage, citizen, "Al treilea, fără semnalări.", minutes=30)
    flag(first, "abuse", "Jignește un alt participant.")
    for _ in range(3):
        flag(held, "spam")
    first.refresh_from_db()
    held.refresh_from_db()
    return {"first": first, "held": held, "quiet": quiet}


def test_queue_lists_held_and_flagged_comments_oldest_first(mod_client, comments):
    assert comments["held"].state == CommentState.HELD
    response = mod_client.get("/moderation/")
    assert response.status_code == 200
    queue = list(response.context["page"].object_list)
    assert queue == [comments["first"], comments["held"]]
    page = response.content.decode()
    assert "Insulting or hateful: Jignește un alt participant." in page
    assert "Spam or advertising" in page
    assert "Held for review" in page
    assert "Al treilea" not in page
    assert f'href="/moderation/comments/{comments["first"].pk}/"' in page
    assert "2 comments wait for review" in page


def test_queue_leaves_out_reviewed_hidden_and_withdrawn_comments(
    mod_client, moderator, comments, citizen
):
    domain.dismiss_flags(moderator, comments["first"])
    domain.hide_comment(moderator, comments["held"], "Publicitate.")
    response = mod_client.get("/moderation/")
    assert list(response.context["page"].object_list) == []
    assert "Nothing waits for review." in response.content.decode()


def test_queue_is_paginated_with_a_constant_number_of_queries(mod_client, stage, citizen):
    def queries():
        with CaptureQueriesContext(connection) as captured:
            response = mod_client.get("/moderation/")
        assert response.status_code == 200
        return len(captured)

    flag(post(stage, citizen, "Comentariul 0"))
    few = queries()
    for number in range(1, 30):
        flag(post(stage, citizen, f"Comentariul {number}", minutes=60 + number))
    many = queries()
    assert few == many
    first = mod_client.get("/moderation/")
    assert len(first.context["page"].object_list) == 25
    second = mod_client.get("/moderation/?page=2")
    assert [c.comment for c in second.context["page"].object_list] == [
        f"Comentariul {n}" for n in range(25, 30)
    ]


def test_moderate_page_shows_the_comment_its_flags_and_history(mod_client, comments):
    comment = comments["first"]
    response = mod_client.get(f"/moderation/comments/{comment.pk}/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Primul comentariu, semnalat." in page
    assert "Jignește un alt participant." in page
    assert "Comment posted" in page and "Comment flagged" in page
    assert 'value="hide"' in page and 'value="dismiss"' in page
    assert 'value="restore"' not in page


def test_hide_needs_a_reason_and_changes_nothing_without_one(mod_client, comments):
    comment = comments["first"]
    before = ActivityLog.objects.count()
    for reason in ("", "   ", "Motiv\x00"):
        response = mod_client.post(
            f"/moderation/comments/{comment.pk}/", {"action": "hide", "reason": reason}
        )
        assert response.status_code == 400
    comment.refresh_from_db()
    assert comment.state == CommentState.VISIBLE
    assert ActivityLog.objects.count() == before


def test_hide_with_a_reason_hides_logs_and_returns_to_the_queue(mod_client, moderator, comments):
    comment = comments["first"]
    response = mod_client.post(
        f"/moderation/comments/{comment.pk}/",
        {"action": "hide", "reason": "Atac la persoană."},
    )
    assert response.status_code == 302
    assert response["Location"] == "/moderation/"
    assert messages_of(response) == ["The comment was hidden."]
    comment.refresh_from_db()
    assert (comment.state, comment.state_reason, comment.state_changed_by) == (
        CommentState.HIDDEN,
        "Atac la persoană.",
        moderator,
    )
    assert comment.open_flags == 0
    assert verbs(comment)[-1] == "comment.hidden"
    assert comment not in mod_client.get("/moderation/").context["page"].object_list


def test_restore_shows_a_hidden_comment_again(mod_client, moderator, comments):
    comment = comments["first"]
    domain.hide_comment(moderator, comment, "Greșeală.")
    response = mod_client.post(f"/moderation/comments/{comment.pk}/", {"action": "restore"})
    assert response.status_code == 302
    comment.refresh_from_db()
    assert (comment.state, comment.state_reason) == (CommentState.VISIBLE, "")
    assert verbs(comment)[-2:] == ["comment.hidden", "comment.restored"]


def test_restore_of_a_held_comment_clears_its_flags(mod_client, comments):
    comment = comments["held"]
    page = mod_client.get(f"/moderation/comments/{comment.pk}/").content.decode()
    assert 'value="restore"' in page
    response = mod_client.post(f"/moderation/comments/{comment.pk}/", {"action": "restore"})
    assert response.status_code == 302
    comment.refresh_from_db()
    assert (comment.state, comment.open_flags) == (CommentState.VISIBLE, 0)


def test_dismiss_flags_keeps_the_comment_and_empties_the_queue(mod_client, comments):
    comment = comments["first"]
    response = mod_client.post(f"/moderation/comments/{comment.pk}/", {"action": "dismiss"})
    assert response.status_code == 302
    comment.refresh_from_db()
    assert (comment.state, comment.flags_reviewed, comment.flag_count) == ("visible", 1, 1)
    assert verbs(comment)[-1] == "comment.flags_dismissed"


@pytest.mark.parametrize(
    ("target", "data", "message"),
    [
        ("quiet", {"action": "restore"}, "Only a hidden or held comment can be restored."),
        ("quiet", {"action": "dismiss"}, "This comment has no flags waiting for review."),
        ("quiet", {"action": "delete"}, "Choose what to do with the comment."),
        ("quiet", {}, "Choose what to do with the comment."),
    ],
)
def test_impossible_actions_are_refused_with_a_message(mod_client, comments, target, data, message):
    comment = comments[target]
    before = ActivityLog.objects.count()
    response = mod_client.post(f"/moderation/comments/{comment.pk}/", data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert ActivityLog.objects.count() == before
    comment.refresh_from_db()
    assert comment.state == CommentState.VISIBLE


def test_hiding_twice_is_refused(mod_client, moderator, comments):
    comment = comments["first"]
    domain.hide_comment(moderator, comment, "Prima dată.")
    response = mod_client.post(
        f"/moderation/comments/{comment.pk}/", {"action": "hide", "reason": "A doua oară."}
    )
    assert response.status_code == 400
    assert "This comment is already not shown." in response.content.decode()
    comment.refresh_from_db()
    assert comment.state_reason == "Prima dată."


@pytest.mark.parametrize("comment_id", ["999999", "99999999999999999999"])
def test_unknown_comment_is_404(mod_client, comment_id):
    assert mod_client.get(f"/moderation/comments/{comment_id}/").status_code == 404


def test_moderation_link_in_the_navigation_for_staff_only(en_client, moderator, citizen):
    en_client.force_login(citizen)
    assert 'href="/moderation/"' not in en_client.get("/").content.decode()
    en_client.force_login(moderator)
    assert 'href="/moderation/"' in en_client.get("/").content.decode()


def test_held_comment_text_is_kept_for_the_moderator(mod_client, comments):
    comment = StageComment.objects.get(pk=comments["held"].pk)
    page = mod_client.get(f"/moderation/comments/{comment.pk}/").content.decode()
    assert "Al doilea, reținut pentru verificare." in page
