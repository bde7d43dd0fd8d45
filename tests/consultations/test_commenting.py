"""Commenting through the pages: the time window, nothing lost at the deadline, crafted replies,
bad input, rate limits, reactions, flags, withdrawing and the comment's own page."""

from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from django.db import connection
from django.test import override_settings
from django.utils import timezone

from consultations import domain
from consultations.models import CommentState, Flag, Reaction, StageComment
from core import ratelimit
from core.errors import DomainError
from tests.consultations.conftest import T0, add_written_stage, first_block_key
from tests.consultations.page_helpers import (
    comment,
    comment_counts,
    open_stage_for,
    page_text,
    published_proposal,
    stage_at,
)
from tests.factories import UserFactory
from tests.helpers import messages_of

pytestmark = pytest.mark.django_db

POST_URL = "/proposals/legea-350/consultation/stages/1/comment/"


def post(client, stage, **data):
    data.setdefault("stance", "neutral")
    url = f"/proposals/{stage.consultation.proposal.slug}/consultation/stages/{stage.position}/"
    return client.post(url + "comment/", data)


# --- The time window, exactly (domain) ----------------------------------------------------------


def test_post_comment_at_exactly_opens_at_is_accepted(stage, citizen):
    made = domain.post_comment(citizen, stage, text="Primul", stance="support", now=stage.opens_at)
    assert made.submit_date == stage.opens_at


def test_post_comment_just_before_opens_at_is_refused(stage, citizen):
    with pytest.raises(domain.StageClosed) as refusal:
        domain.post_comment(
            citizen,
            stage,
            text="Prea devreme",
            stance="support",
            now=stage.opens_at - timedelta(microseconds=1),
        )
    assert refusal.value.code == "scheduled"
    assert StageComment.objects.count() == 0


def test_post_comment_at_exactly_closes_at_is_refused(stage, citizen):
    with pytest.raises(domain.StageClosed) as refusal:
        domain.post_comment(citizen, stage, text="Târziu", stance="oppose", now=stage.closes_at)
    assert refusal.value.code == "closed"
    assert StageComment.objects.count() == 0


def test_post_comment_just_before_closes_at_is_accepted(stage, citizen):
    moment = stage.closes_at - timedelta(microseconds=1)
    made = domain.post_comment(citizen, stage, text="La limită", stance="oppose", now=moment)
    assert made.submit_date == moment


def test_post_comment_window_is_the_same_moment_in_any_time_zone(stage, citizen):
    # 12 March 2026 09:00 in Bucharest is 07:00 UTC: the stage closes then, wherever one is.
    from datetime import UTC, datetime

    assert stage.closes_at == datetime(2026, 3, 12, 7, 0, tzinfo=UTC)
    assert T0 + timedelta(days=10) == stage.closes_at
    with pytest.raises(domain.StageClosed):
        domain.post_comment(
            citizen,
            stage,
            text="x",
            stance="neutral",
            now=datetime(2026, 3, 12, 7, 0, tzinfo=UTC),
        )


# --- The time window through the page (real clock) ----------------------------------------------


def test_comment_on_a_stage_that_just_opened_is_accepted(en_client, editor, consultation, citizen):
    now = timezone.now()
    stage = add_written_stage(editor, consultation, opens_at=now - timedelta(seconds=1), now=now)
    en_client.force_login(citizen)
    response = post(en_client, stage, text="Chiar la deschidere")
    made = StageComment.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/proposals/legea-350/consultation/stages/1/#comment-{made.pk}"
    assert made.comment == "Chiar la deschidere"


def test_comment_before_the_stage_opens_is_refused_and_kept(
    en_client, editor, consultation, citizen
):
    stage = add_written_stage(editor, consultation, opens_at=timezone.now() + timedelta(minutes=1))
    en_client.force_login(citizen)
    response = post(en_client, stage, text="Am scris prea devreme")
    assert response.status_code == 409
    assert "comments cannot be posted before then" in page_text(response)
    assert "Am scris prea devreme</textarea>" in page_text(response)
    assert comment_counts() == (0, 0, 0)


def test_late_comment_is_refused_with_409_and_the_text_is_shown_back(
    en_client, editor, consultation, citizen
):
    now = timezone.now()
    stage = stage_at(
        editor,
        consultation,
        opens_at=now - timedelta(days=10),
        closes_at=now - timedelta(seconds=1),
    )
    en_client.force_login(citizen)
    text = "Un comentariu lung,\nscris cu grijă înainte de termen."
    response = post(en_client, stage, text=text, block=first_block_key(stage))
    html = page_text(response)
    assert response.status_code == 409
    assert "your comment was not saved" in html
    assert "Your text is kept below so that you can copy it." in html
    assert (
        '<textarea id="kept-text" rows="8" readonly>Un comentariu lung,\n'
        "scris cu grijă înainte de termen.</textarea>"
    ) in html
    assert response.context["form"] is None
    assert comment_counts() == (0, 0, 0)


def test_comment_on_cancelled_stage_is_refused_and_kept(en_client, editor, open_stage, citizen):
    domain.cancel_stage(editor, open_stage, "Anulată.")
    en_client.force_login(citizen)
    response = post(en_client, open_stage, text="Textul meu")
    assert response.status_code == 409
    assert "This stage was cancelled" in page_text(response)
    assert "Textul meu</textarea>" in page_text(response)
    assert StageComment.objects.count() == 0


# --- Posting ------------------------------------------------------------------------------------


def test_comment_on_a_paragraph_with_quote_and_stance(en_client, open_stage, citizen):
    en_client.force_login(citizen)
    key = first_block_key(open_stage)
    response = post(
        en_client,
        open_stage,
        text="Selecția ar trebui să fie anuală.",
        block=key,
        quote="selecție publică",
        stance="support",
    )
    made = StageComment.objects.get()
    assert response.status_code == 302
    assert (made.block_key, made.quote, made.stance, made.level) == (
        key,
        "selecție publică",
        "support",
        0,
    )
    assert (made.user, made.revision_id, made.state) == (
        citizen,
        open_stage.revision_id,
        CommentState.VISIBLE,
    )
    assert messages_of(response) == ["Your comment was published."]


def test_comment_redirects_to_the_page_of_its_thread(en_client, open_stage, citizen):
    for n in range(20):
        comment(citizen, open_stage, text=f"c{n}")
    en_client.force_login(citizen)
    response = post(en_client, open_stage, text="Al douăzeci și unulea")
    made = StageComment.objects.get(comment="Al douăzeci și unulea")
    assert response["Location"] == (
        f"/proposals/legea-350/consultation/stages/1/?page=2#comment-{made.pk}"
    )


def test_comment_needs_sign_in(client, open_stage):
    response = post(client, open_stage, text="Anonim")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")
    assert StageComment.objects.count() == 0


def test_comment_page_is_post_only(client, open_stage):
    assert client.get(POST_URL).status_code == 405


def test_comment_by_unverified_user_is_refused_with_text_kept(en_client, open_stage):
    en_client.force_login(UserFactory(verified_email=False))
    response = post(en_client, open_stage, text="Nu mi-am confirmat adresa")
    assert response.status_code == 403
    assert "Confirm your email address before commenting." in page_text(response)
    assert "Nu mi-am confirmat adresa</textarea>" in page_text(response)
    assert StageComment.objects.count() == 0


def test_an_address_confirmed_lets_the_next_request_comment(en_client, open_stage):
    """Whether the person confirmed an address is read with them on every request
    (`accounts.backends`): the request after the confirmation is let through, and one after
    the address is removed refused again."""
    person = UserFactory(verified_email=False)
    address = EmailAddress.objects.create(user=person, email=person.email, verified=False)
    en_client.force_login(person)
    assert post(en_client, open_stage, text="Încă neconfirmat").status_code == 403
    address.verified = True
    address.save()
    response = post(en_client, open_stage, text="Acum confirmat")
    assert response.status_code == 302
    address.delete()
    assert post(en_client, open_stage, text="Fără adresă").status_code == 403
    assert list(StageComment.objects.values_list("comment", flat=True)) == ["Acum confirmat"]


def test_comment_without_stance_is_refused(en_client, open_stage, citizen):
    en_client.force_login(citizen)
    response = post(en_client, open_stage, text="Fără poziție", stance="")
    assert response.status_code == 400
    assert "Choose whether you support, oppose or are neutral." in page_text(response)
    assert "Fără poziție</textarea>" in page_text(response)
    assert StageComment.objects.count() == 0


def test_comment_with_quote_not_in_paragraph_is_refused(en_client, open_stage, citizen):
    en_client.force_login(citizen)
    response = post(
        en_client,
        open_stage,
        text="Citat greșit",
        block=first_block_key(open_stage),
        quote="cuvinte care nu există",
    )
    assert response.status_code == 400
    assert "The quoted words are not in that paragraph; copy them exactly." in page_text(response)
    assert StageComment.objects.count() == 0


def test_comment_on_unknown_paragraph_is_refused(en_client, open_stage, citizen):
    en_client.force_login(citizen)
    response = post(en_client, open_stage, text="Paragraf inventat", block="k0000000000")
    assert response.status_code == 400
    assert "Select a valid choice" in page_text(response)
    assert StageComment.objects.count() == 0


def test_comment_with_nul_bytes_is_refused_clearly(en_client, open_stage, citizen):
    en_client.force_login(citizen)
    response = post(en_client, open_stage, text="Bună\x00ziua")
    html = page_text(response)
    assert response.status_code == 400
    assert "This text contains control characters (such as NUL bytes); remove them." in html
    assert "Null characters are not allowed" not in html
    assert "\x00" not in html
    assert "Bunăziua</textarea>" in html
    assert comment_counts() == (0, 0, 0)


def test_comment_of_100_kb_is_refused_and_kept(en_client, open_stage, citizen):
    en_client.force_login(citizen)
    text = "Lung. " * 17067  # 102,402 characters
    response = post(en_client, open_stage, text=text)
    html = page_text(response)
    assert response.status_code == 400
    assert "Your comment is 102401 characters long; the limit is 10000." in html
    assert text + "</textarea>" in html
    assert comment_counts() == (0, 0, 0)


def test_comment_at_the_length_limit_is_accepted(en_client, open_stage, citizen):
    en_client.force_login(citizen)
    response = post(en_client, open_stage, text="a" * 10_000)
    assert response.status_code == 302
    assert len(StageComment.objects.get().comment) == 10_000


@override_settings(COMMENT_RATE_PER_MINUTE=0)
def test_comments_beyond_the_rate_limit_get_429_with_text_kept(en_client, open_stage, citizen):
    en_client.force_login(citizen)
    response = post(en_client, open_stage, text="Prea repede")
    assert response.status_code == 429
    assert "You have sent many comments in the last minute." in page_text(response)
    assert "Prea repede</textarea>" in page_text(response)
    assert StageComment.objects.count() == 0


def test_rate_limit_counts_per_person_and_window():
    window = 1_800_000_000
    assert [ratelimit.allow("comment", 7, limit=2, now=window + i) for i in range(3)] == [
        True,
        True,
        False,
    ]
    assert ratelimit.allow("comment", 8, limit=2, now=window + 3)  # someone else
    assert ratelimit.allow("react", 7, limit=2, now=window + 3)  # another kind of action
    assert ratelimit.allow("comment", 7, limit=2, now=window + 60)  # the next minute


# --- Crafted replies ----------------------------------------------------------------------------


def _assert_refused_without_row(response, message, before):
    assert response.status_code == 400
    assert message in page_text(response)
    assert comment_counts() == before


def test_crafted_reply_to_a_comment_of_another_stage_is_refused(
    en_client, editor, ngo, open_stage, citizen
):
    other_stage = open_stage_for(editor, published_proposal(editor, ngo, "alta"))
    elsewhere = comment(citizen, other_stage, text="În altă consultare")
    before = comment_counts()
    en_client.force_login(citizen)
    response = post(en_client, open_stage, text="Răspuns strecurat", parent_id=elsewhere.pk)
    _assert_refused_without_row(
        response, "The comment you are replying to is not in this stage.", before
    )
    assert "Răspuns strecurat</textarea>" in page_text(response)


def test_crafted_reply_to_a_missing_comment_is_refused(en_client, open_stage, citizen):
    comment(citizen, open_stage)
    before = comment_counts()
    en_client.force_login(citizen)
    response = post(en_client, open_stage, text="Către nimeni", parent_id=999_999)
    _assert_refused_without_row(
        response, "The comment you are replying to is not in this stage.", before
    )
    response = post(en_client, open_stage, text="Către nimeni", parent_id="abc")
    assert response.status_code == 400
    assert comment_counts() == before


def test_crafted_reply_beyond_the_maximum_depth_is_refused(
    en_client, open_stage, citizen, citizen2
):
    parent = comment(citizen, open_stage, text="Nivel 0")
    for level in (1, 2, 3):
        parent = comment(citizen2, open_stage, text=f"Nivel {level}", parent_id=parent.pk)
    assert parent.level == 3
    before = comment_counts()
    en_client.force_login(citizen)
    message = "Replies go at most 3 levels deep; reply higher up in the thread."
    response = post(en_client, open_stage, text="Nivel 4", parent_id=parent.pk)
    _assert_refused_without_row(response, message, before)
    response = en_client.post(f"/comments/{parent.pk}/reply/", {"text": "Nivel 4"})
    _assert_refused_without_row(response, message, before)
    assert "Nivel 4</textarea>" in page_text(response)
    # No orphan row of the comments package either (thread_id 0 is how it shows).
    from django_comments_xtd.models import XtdComment

    assert not XtdComment.objects.filter(thread_id=0).exists()


def test_reply_to_a_hidden_comment_is_refused(en_client, open_stage, citizen, moderator):
    hidden = comment(citizen, open_stage, text="Ascuns")
    domain.hide_comment(moderator, hidden, "Spam")
    before = comment_counts()
    en_client.force_login(citizen)
    response = post(en_client, open_stage, text="Răspuns", parent_id=hidden.pk)
    _assert_refused_without_row(
        response, "The comment you are replying to is no longer shown.", before
    )


# --- Replying through the reply page ------------------------------------------------------------


def test_reply_page_shows_the_parent_and_the_form(en_client, open_stage, citizen, citizen2):
    parent = comment(citizen, open_stage, text="Comentariul părinte")
    en_client.force_login(citizen2)
    response = en_client.get(f"/comments/{parent.pk}/reply/")
    html = page_text(response)
    assert response.status_code == 200
    assert "Comentariul părinte" in html
    assert '<label for="id_text">Your reply' in html


def test_reply_is_posted_under_its_parent(en_client, open_stage, citizen, citizen2):
    parent = comment(citizen, open_stage, text="Părinte", block_key=first_block_key(open_stage))
    en_client.force_login(citizen2)
    response = en_client.post(f"/comments/{parent.pk}/reply/", {"text": "Copil"})
    reply = StageComment.objects.get(comment="Copil")
    assert response.status_code == 302
    assert response["Location"] == f"/proposals/legea-350/consultation/stages/1/#comment-{reply.pk}"
    assert (reply.parent_id, reply.thread_id, reply.level) == (parent.pk, parent.pk, 1)
    assert (reply.block_key, reply.stance) == (parent.block_key, "")


def test_reply_page_beyond_depth_explains_instead_of_the_form(
    en_client, open_stage, citizen, citizen2
):
    parent = comment(citizen, open_stage)
    for _ in range(3):
        parent = comment(citizen2, open_stage, parent_id=parent.pk)
    en_client.force_login(citizen)
    response = en_client.get(f"/comments/{parent.pk}/reply/")
    assert response.context["form"] is None
    assert "Replies go at most 3 levels deep" in page_text(response)


def test_late_reply_is_refused_with_409_and_kept(en_client, editor, consultation, citizen):
    now = timezone.now()
    stage = stage_at(
        editor, consultation, opens_at=now - timedelta(days=10), closes_at=now + timedelta(days=1)
    )
    parent = comment(citizen, stage)
    stage.__class__.objects.filter(pk=stage.pk).update(closes_at=now - timedelta(seconds=1))
    en_client.force_login(citizen)
    response = en_client.post(f"/comments/{parent.pk}/reply/", {"text": "Răspuns întârziat"})
    assert response.status_code == 409
    assert "Răspuns întârziat</textarea>" in page_text(response)
    assert StageComment.objects.count() == 1


def test_reply_page_needs_sign_in(client, open_stage, citizen):
    parent = comment(citizen, open_stage)
    response = client.get(f"/comments/{parent.pk}/reply/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


# --- Reactions ----------------------------------------------------------------------------------


def test_agree_then_take_back(en_client, open_stage, citizen, citizen2):
    target = comment(citizen, open_stage)
    en_client.force_login(citizen2)
    url = f"/comments/{target.pk}/react/"
    response = en_client.post(url, {"value": "agree", "next": "stage"})
    assert (
        response["Location"] == f"/proposals/legea-350/consultation/stages/1/#comment-{target.pk}"
    )
    target.refresh_from_db()
    assert (target.agree_count, target.disagree_count) == (1, 0)
    assert Reaction.objects.get().value == "agree"
    en_client.post(url, {"value": "disagree"})
    target.refresh_from_db()
    assert (target.agree_count, target.disagree_count) == (0, 1)
    response = en_client.post(url, {"value": "disagree"})
    assert response["Location"] == f"/comments/{target.pk}/"
    assert Reaction.objects.count() == 0
    assert messages_of(response)[-1] == "Your reaction was taken back."


def test_reaction_to_own_comment_is_refused_with_message(en_client, open_stage, citizen):
    own = comment(citizen, open_stage)
    en_client.force_login(citizen)
    response = en_client.post(f"/comments/{own.pk}/react/", {"value": "agree"})
    assert response.status_code == 302
    assert messages_of(response) == ["You cannot react to your own comment."]
    assert Reaction.objects.count() == 0


def test_reaction_needs_sign_in(client, open_stage, citizen):
    target = comment(citizen, open_stage)
    response = client.post(f"/comments/{target.pk}/react/", {"value": "agree"})
    assert response["Location"].startswith("/accounts/login/")
    assert Reaction.objects.count() == 0


@override_settings(COMMENT_RATE_PER_MINUTE=0)
def test_reactions_beyond_the_rate_limit_get_429(en_client, open_stage, citizen, citizen2):
    target = comment(citizen, open_stage)
    en_client.force_login(citizen2)
    response = en_client.post(f"/comments/{target.pk}/react/", {"value": "agree"})
    assert response.status_code == 429
    assert "You have reacted many times in the last minute" in page_text(response)
    assert Reaction.objects.count() == 0


# --- Flags --------------------------------------------------------------------------------------


def test_flag_form_and_flagging_twice(en_client, open_stage, citizen, citizen2):
    target = comment(citizen, open_stage)
    en_client.force_login(citizen2)
    url = f"/comments/{target.pk}/flag/"
    html = page_text(en_client.get(url))
    assert "<legend>Why should a moderator look at this comment?" in html
    response = en_client.post(url, {"reason": "spam", "note": "Reclamă"})
    assert response.status_code == 302
    assert messages_of(response) == ["Thank you. A moderator will look at this comment."]
    flag = Flag.objects.get()
    assert (flag.user, flag.reason, flag.note) == (citizen2, "spam", "Reclamă")
    response = en_client.post(url, {"reason": "abuse"})
    assert response.status_code == 400
    assert "You already flagged this comment; a moderator will review it." in page_text(response)
    assert Flag.objects.count() == 1
    target.refresh_from_db()
    assert target.flag_count == 1
    assert "You already reported this comment" in page_text(en_client.get(url))


def test_flag_without_reason_or_own_comment_is_refused(en_client, open_stage, citizen):
    own = comment(citizen, open_stage)
    en_client.force_login(citizen)
    url = f"/comments/{own.pk}/flag/"
    assert en_client.post(url, {"reason": ""}).status_code == 400
    response = en_client.post(url, {"reason": "spam"})
    assert response.status_code == 400
    assert "You cannot flag your own comment; withdraw it instead." in page_text(response)
    assert Flag.objects.count() == 0


def test_flag_with_nul_in_details_is_refused(en_client, open_stage, citizen, citizen2):
    target = comment(citizen, open_stage)
    en_client.force_login(citizen2)
    response = en_client.post(f"/comments/{target.pk}/flag/", {"reason": "spam", "note": "a\x00"})
    assert response.status_code == 400
    assert "control characters" in page_text(response)
    assert Flag.objects.count() == 0


# --- Withdrawing --------------------------------------------------------------------------------


def test_author_withdraws_after_confirming(en_client, open_stage, citizen):
    own = comment(citizen, open_stage, text="Mă răzgândesc")
    en_client.force_login(citizen)
    url = f"/comments/{own.pk}/withdraw/"
    response = en_client.get(url)
    assert response.status_code == 200
    assert "This cannot be undone." in page_text(response)
    own.refresh_from_db()
    assert own.state == CommentState.VISIBLE
    response = en_client.post(url)
    assert response.status_code == 302
    own.refresh_from_db()
    assert own.state == CommentState.WITHDRAWN
    html = page_text(en_client.get(open_stage.get_absolute_url()))
    assert "Mă răzgândesc" not in html
    assert "Withdrawn by its author." in html
    response = en_client.post(url)
    assert response.status_code == 400
    assert "You already withdrew this comment." in page_text(response)


def test_only_the_author_may_withdraw(en_client, client, open_stage, citizen, citizen2):
    own = comment(citizen, open_stage)
    url = f"/comments/{own.pk}/withdraw/"
    assert client.get(url).status_code == 302  # to sign in
    en_client.force_login(citizen2)
    assert en_client.get(url).status_code == 403
    assert en_client.post(url).status_code == 403
    own.refresh_from_db()
    assert own.state == CommentState.VISIBLE


# --- The comment's own page ---------------------------------------------------------------------


def test_comment_page_shows_thread_and_actions_by_role(
    en_client, open_stage, citizen, citizen2, editor, moderator
):
    top = comment(citizen, open_stage, text="Comentariul de sus")
    reply = comment(citizen2, open_stage, text="Răspunsul", parent_id=top.pk)
    url = f"/comments/{reply.pk}/"
    html = page_text(en_client.get(url))
    assert "Comentariul de sus" in html and "Răspunsul" in html
    assert f'class="comment comment-visible comment-current" id="comment-{reply.pk}"' in html
    assert "Withdraw your comment" not in html
    assert "Sign in to comment" in html
    en_client.force_login(citizen2)
    html = page_text(en_client.get(url))
    assert f'href="/comments/{reply.pk}/withdraw/"' in html
    assert f'action="/comments/{reply.pk}/reply/"' in html
    assert "Report this comment" not in html
    en_client.force_login(editor)
    html = page_text(en_client.get(url))
    assert f'href="/comments/{reply.pk}/answer/"' in html
    assert f'href="/moderation/comments/{reply.pk}/"' not in html
    en_client.force_login(moderator)
    html = page_text(en_client.get(url))
    assert f'href="/moderation/comments/{reply.pk}/"' in html
    assert f'href="/comments/{reply.pk}/answer/"' not in html


def test_comment_page_of_hidden_comment_shows_only_the_placeholder(
    en_client, open_stage, citizen, moderator
):
    hidden = comment(citizen, open_stage, text="Textul ascuns")
    domain.hide_comment(moderator, hidden, "Date personale")
    html = page_text(en_client.get(f"/comments/{hidden.pk}/"))
    assert "Textul ascuns" not in html
    assert "Hidden by moderation: Date personale" in html


def test_comment_page_of_missing_comment_is_404(client, db):
    assert client.get("/comments/999999/").status_code == 404


def test_domain_refusals_reach_the_page_as_messages(open_stage, citizen):
    # The messages the pages show are the domain's; a refused action raises, never half-writes.
    with pytest.raises(DomainError):
        domain.post_comment(citizen, open_stage, text="", stance="neutral")
    assert comment_counts() == (0, 0, 0)


# --- What a post costs ---------------------------------------------------------------------------


def test_posting_a_comment_and_a_reply_takes_a_fixed_number_of_queries(
    en_client,
    open_stage,
    citizen,
    citizen2,
    django_assert_num_queries,
    django_capture_on_commit_callbacks,
    mailoutbox,
):
    """The form as the page sends it (with its one-time token). The comment's own rows, its
    thread position, the claim of the token, the log row, the follow, the search queue row
    and the threads version; no second save of the comment's rows, no session write, no
    stored count (a worker counts it). The counts do not grow with the comments already in
    the thread."""
    for number in range(3):
        comment(citizen, open_stage, text=f"Înainte {number}")
    en_client.force_login(citizen)
    en_client.get(open_stage.get_absolute_url())  # the session and the language, as a browser
    # 13: the stage, the user row (whether they confirmed an address read with it), the form's
    # token looked up (a resend is answered with the first result), the command's savepoint
    # with its release (its own transaction outside tests), the three rows, the queue, log and
    # follow rows, the form's claim, the redirect's count. The comment is stored waiting for
    # the grouper and to be counted, which its commit starts outside the request ("manual" in
    # tests: none here; `domain.grouping.catch_up`). On PostgreSQL one more: the shared lock of
    # the threads being posted, taken before the rows (`StageComment.insert`; SQLite's writers
    # queue anyway).
    shared = 1 if connection.vendor == "postgresql" else 0
    with (
        django_assert_num_queries(13 + shared),
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = post(en_client, open_stage, text="Primul.", form_token="a" * 32)
    top = StageComment.objects.get(comment="Primul.")
    assert top.grouping_pending and top.count_pending
    assert response["Location"].endswith(f"#comment-{top.pk}")
    assert (top.thread_id, top.parent_id, top.level, top.order) == (top.pk, top.pk, 0, 1)

    en_client.force_login(citizen2)
    en_client.get(open_stage.get_absolute_url())
    parent, emailed = top, []
    for level in (1, 2):
        mailoutbox.clear()
        # The first reply also emails the author replied to after commit (built from one
        # query, in process: no broker in tests); the second answers its own author, and no
        # email is made. Each reply moves its thread's version; the follow is
        # one statement whether or not it exists. The parent is read under its thread's lock:
        # on PostgreSQL the lock is one statement more (SQLite's writers queue for the whole
        # database).
        lock = 1 if connection.features.has_select_for_update else 0
        with (
            django_assert_num_queries((18 if level == 1 else 17) + lock),
            django_capture_on_commit_callbacks(execute=True),
        ):
            response = post(
                en_client,
                open_stage,
                text=f"Răspuns {level}.",
                parent_id=parent.pk,
                form_token=f"{level}" * 32,
            )
        reply = StageComment.objects.get(comment=f"Răspuns {level}.")
        assert response["Location"].endswith(f"#comment-{reply.pk}")
        assert (reply.thread_id, reply.parent_id, reply.level, reply.order) == (
            top.pk,
            parent.pk,
            level,
            level + 1,
        )
        emailed.append([message.to for message in mailoutbox])
        parent = reply
    # The first reply emailed the author of the comment; the second answered citizen2's own.
    assert emailed == [[[citizen.email]], []]
    top.refresh_from_db()
    assert top.nested_count == 2
