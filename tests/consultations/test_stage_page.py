"""The public pages of a consultation: the timeline, the stage page (pinned text with comment
counts, filters, cached threads, the comment form), following, the home page list."""

import re
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone

from consultations import domain
from consultations.calendar import last_day, working_days_between
from consultations.models import Follow, StageComment
from core.models import ActivityLog
from proposals.models import Proposal
from tests.consultations.conftest import add_written_stage, first_block_key
from tests.consultations.page_helpers import (
    comment,
    open_stage_for,
    page_text,
    published_proposal,
    queries_of,
    stage_at,
)
from tests.factories import MembershipFactory, OrganizationFactory, UserFactory

pytestmark = pytest.mark.django_db

STAGE = "/proposals/legea-350/consultation/stages/1/"


def thread_ids(response):
    """The ids of the comments shown on a page, in order."""
    return [
        int(pk)
        for pk in re.findall(
            r'<article class="comment[^"]*" id="comment-(\d+)"', page_text(response)
        )
    ]


# --- The stage page -----------------------------------------------------------------------------


def test_stage_page_shows_pinned_text_with_counts_per_block(en_client, open_stage, citizen):
    keys = [block["key"] for block in open_stage.revision.blocks]
    comment(citizen, open_stage, block_key=keys[0])
    comment(citizen, open_stage, block_key=keys[0])
    comment(citizen, open_stage, block_key=keys[2])
    comment(citizen, open_stage)  # on the whole text
    response = en_client.get(open_stage.get_absolute_url())
    html = page_text(response)
    assert response.status_code == 200
    assert "Finanțările nerambursabile se acordă prin selecție publică de proiecte." in html
    assert f'<a href="{STAGE}?block={keys[0]}#threads">2 comments' in html
    assert f'<a href="{STAGE}?block={keys[1]}#threads">0 comments' in html
    assert f'<a href="{STAGE}?block={keys[2]}#threads">1 comment<' in html
    assert f'<a href="{STAGE}?block={keys[0]}#comment-form">Comment on this paragraph' in html
    assert "1 comment on the whole text." in html
    assert '<h2 id="comments-heading">4 comments</h2>' in html


def test_stage_page_paragraph_link_preselects_block_and_filters(en_client, open_stage, citizen):
    en_client.force_login(citizen)
    keys = [block["key"] for block in open_stage.revision.blocks]
    on_first = comment(citizen, open_stage, block_key=keys[0])
    on_second = comment(citizen, open_stage, block_key=keys[1])
    response = en_client.get(open_stage.get_absolute_url() + f"?block={keys[1]}")
    assert response.context["form"].initial["block"] == keys[1]
    assert f'<option value="{keys[1]}" selected>' in page_text(response)
    assert thread_ids(response) == [on_second.pk]
    assert on_first.pk not in thread_ids(response)


def test_stage_page_filters_by_stance_and_whole_text(en_client, open_stage, citizen):
    key = first_block_key(open_stage)
    support = comment(citizen, open_stage, block_key=key, stance="support")
    oppose = comment(citizen, open_stage, stance="oppose")
    reply = comment(citizen, open_stage, text="Răspuns", parent_id=oppose.pk)
    url = open_stage.get_absolute_url()
    assert thread_ids(en_client.get(url + "?stance=support")) == [support.pk]
    assert thread_ids(en_client.get(url + "?stance=oppose")) == [oppose.pk, reply.pk]
    assert thread_ids(en_client.get(url + "?block=whole")) == [oppose.pk, reply.pk]
    assert thread_ids(en_client.get(url + "?block=whole&stance=support")) == []
    assert "No comment matches these filters." in page_text(
        en_client.get(url + "?block=whole&stance=support")
    )
    # Unknown values are ignored rather than failing.
    assert thread_ids(en_client.get(url + "?block=k-nope&stance=maybe")) == [
        support.pk,
        oppose.pk,
        reply.pk,
    ]


def test_stage_page_paginates_twenty_threads(en_client, open_stage, citizen):
    comments = [comment(citizen, open_stage, text=f"Comentariul {n}") for n in range(23)]
    url = open_stage.get_absolute_url()
    first = en_client.get(url)
    assert thread_ids(first) == [c.pk for c in comments[:20]]
    assert "Page 1 of 2" in page_text(first)
    assert f'<a href="{STAGE}?page=2#threads" rel="next">' in page_text(first)
    second = en_client.get(url + "?page=2")
    assert thread_ids(second) == [c.pk for c in comments[20:]]
    # Out of range or malformed pages give the nearest page.
    assert thread_ids(en_client.get(url + "?page=99")) == [c.pk for c in comments[20:]]
    assert thread_ids(en_client.get(url + "?page=abc")) == [c.pk for c in comments[:20]]


def test_stage_page_threads_nest_replies(en_client, open_stage, citizen, citizen2):
    top = comment(citizen, open_stage, text="Primul")
    reply = comment(citizen2, open_stage, text="Al doilea", parent_id=top.pk)
    deeper = comment(citizen, open_stage, text="Al treilea", parent_id=reply.pk)
    later = comment(citizen2, open_stage, text="Alt fir")
    late_reply = comment(citizen, open_stage, text="Răspuns târziu", parent_id=top.pk)
    response = en_client.get(open_stage.get_absolute_url())
    # Depth-first: each thread with its replies in thread order.
    assert thread_ids(response) == [top.pk, reply.pk, deeper.pk, late_reply.pk, later.pk]
    html = page_text(response)
    assert f'<h3 class="comment-author" id="comment-{top.pk}-title">Ion Vasile</h3>' in html
    assert f'<h4 class="comment-author" id="comment-{reply.pk}-title">Maria Enache</h4>' in html
    assert f'<h5 class="comment-author" id="comment-{deeper.pk}-title">Ion Vasile</h5>' in html


def test_stage_page_escapes_html_in_comments_and_display_names(en_client, open_stage):
    villain = UserFactory(display_name='<script>alert("nume")</script>')
    comment(
        villain,
        open_stage,
        text='<img src=x onerror=alert(1)>\n<script>alert("text")</script>',
        block_key=first_block_key(open_stage),
        quote="Finanțările nerambursabile",
    )
    html = page_text(en_client.get(open_stage.get_absolute_url()))
    assert "<script>alert" not in html
    assert "<img src=x" not in html
    assert "&lt;script&gt;alert(&quot;nume&quot;)&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=alert(1)&gt;<br>&lt;script&gt;" in html


def test_stage_page_hidden_withdrawn_and_held_comments_show_placeholders(
    en_client, open_stage, citizen, citizen2, moderator
):
    hidden = comment(citizen, open_stage, text="Text ascuns de moderator")
    withdrawn = comment(citizen2, open_stage, text="Text retras de autor")
    held = comment(citizen, open_stage, text="Text reținut pentru verificare")
    reply = comment(citizen2, open_stage, text="Răspuns care rămâne", parent_id=hidden.pk)
    domain.hide_comment(moderator, hidden, "Limbaj jignitor")
    domain.withdraw_comment(citizen2, withdrawn)
    for _ in range(3):
        domain.flag_comment(UserFactory(), held, reason="spam")
    response = en_client.get(open_stage.get_absolute_url())
    html = page_text(response)
    for text in ("Text ascuns de moderator", "Text retras de autor", "Text reținut pentru"):
        assert text not in html
    assert "Hidden by moderation: Limbaj jignitor" in html
    assert "Withdrawn by its author." in html
    assert "Awaiting moderation." in html
    assert "Răspuns care rămâne" in html
    assert thread_ids(response) == [hidden.pk, reply.pk, withdrawn.pk, held.pk]
    # Only the shown comment counts.
    assert '<h2 id="comments-heading">1 comment</h2>' in html


def test_stage_page_anonymous_is_invited_to_sign_in(en_client, open_stage):
    response = en_client.get(open_stage.get_absolute_url())
    assert response.context["form"] is None
    assert response.context["why_not"] == "anonymous"
    assert "Sign in to comment" in page_text(response)


def test_stage_page_unverified_user_is_asked_to_confirm_email(en_client, open_stage):
    en_client.force_login(UserFactory(verified_email=False))
    response = en_client.get(open_stage.get_absolute_url())
    assert response.context["why_not"] == "unverified"
    assert "Confirm your email address to comment." in page_text(response)


def test_stage_page_verified_user_gets_the_form(en_client, open_stage, citizen):
    en_client.force_login(citizen)
    html = page_text(en_client.get(open_stage.get_absolute_url()))
    assert 'action="/proposals/legea-350/consultation/stages/1/comment/"' in html
    assert '<label for="id_text">Your comment' in html
    assert '<label for="id_block">Paragraph</label>' in html
    assert "<legend>Your position" in html
    # No browser-side cut of a long pasted text: the server says it is too long and keeps it;
    # with JavaScript the page says the limit first (data-limit, static/js/limits.js).
    textarea = re.search(r"<textarea [^>]*id=\"id_text\"[^>]*>", html).group(0)
    assert "maxlength" not in textarea
    assert 'data-limit="10000"' in textarea


def test_stage_page_scheduled_stage_says_when_it_opens(en_client, editor, consultation, citizen):
    opens_at = timezone.now() + timedelta(days=2)
    stage = add_written_stage(editor, consultation, opens_at=opens_at)
    en_client.force_login(citizen)
    response = en_client.get(stage.get_absolute_url())
    assert response.context["why_not"] == "scheduled"
    assert response.context["form"] is None
    assert "Comments open on" in page_text(response)
    assert "Scheduled" in page_text(response)


def test_stage_page_closed_stage(en_client, editor, consultation, citizen):
    now = timezone.now()
    stage = stage_at(
        editor, consultation, opens_at=now - timedelta(days=11), closes_at=now - timedelta(days=1)
    )
    en_client.force_login(citizen)
    response = en_client.get(stage.get_absolute_url())
    assert response.context["why_not"] == "closed"
    assert "This stage closed on" in page_text(response)


def test_stage_page_cancelled_stage_shows_reason(en_client, editor, open_stage, citizen):
    domain.cancel_stage(editor, open_stage, "Textul se revizuiește.")
    en_client.force_login(citizen)
    response = en_client.get(open_stage.get_absolute_url())
    assert response.context["why_not"] == "cancelled"
    assert "Textul se revizuiește." in page_text(response)
    assert "This stage was cancelled" in page_text(response)


def test_stage_page_shows_short_period_reason(en_client, editor, consultation):
    now = timezone.now()
    stage = stage_at(editor, consultation, opens_at=now, closes_at=now + timedelta(days=5))
    html = page_text(en_client.get(stage.get_absolute_url()))
    assert "This period is shorter than the law expects." in html
    assert "Termen scurtat pentru test." in html


def test_stage_page_of_private_draft_is_404(client, en_client, open_stage, citizen, editor):
    comment_row = comment(citizen, open_stage)
    Proposal.objects.filter(pk=open_stage.consultation.proposal_id).update(status="draft")
    en_client.force_login(citizen)
    url = open_stage.get_absolute_url()
    assert en_client.get(url).status_code == 404
    assert client.get(url).status_code == 404
    assert en_client.get(f"/comments/{comment_row.pk}/").status_code == 404
    assert en_client.get("/proposals/legea-350/consultation/").status_code == 404
    response = en_client.post(url + "comment/", {"text": "x", "stance": "neutral"})
    assert response.status_code == 404
    assert StageComment.objects.count() == 1
    # The organisation's members still see it.
    en_client.force_login(editor)
    assert en_client.get(url).status_code == 200


def test_refused_comment_page_keeps_links_to_the_stage(en_client, open_stage, citizen):
    # Shown at the posting address: filters and page links must still lead to the stage page.
    en_client.force_login(citizen)
    response = en_client.post(STAGE + "comment/", {"text": "", "stance": "neutral"})
    html = page_text(response)
    assert response.status_code == 400
    assert f'<form method="get" action="{STAGE}#threads" class="filters"' in html
    assert 'href="?' not in html


def test_call_for_input_without_revision_takes_comments_on_the_whole(
    en_client, editor, consultation, citizen
):
    now = timezone.now()
    stage = domain.add_stage(
        editor,
        consultation,
        kind="call_for_input",
        title="Apel la propuneri",
        opens_at=now - timedelta(minutes=1),
        closes_at=now + timedelta(days=20),
        now=now,
    )
    assert stage.revision is None
    en_client.force_login(citizen)
    response = en_client.get(stage.get_absolute_url())
    assert response.status_code == 200
    assert list(response.context["form"].fields["block"].choices) == [("", "The whole text")]
    response = en_client.post(
        stage.get_absolute_url() + "comment/", {"text": "Idee", "stance": "support"}
    )
    assert response.status_code == 302
    assert StageComment.objects.get().revision_id is None


def test_meeting_stage_page_shows_the_meeting_and_no_comment_form(en_client, editor, consultation):
    now = timezone.now()
    stage = domain.add_stage(
        editor,
        consultation,
        kind="meeting",
        title="Dezbatere publică",
        opens_at=now + timedelta(days=3),
        closes_at=now + timedelta(days=3, hours=2),
        meeting_at=now + timedelta(days=3),
        meeting_place="Sala mare a primăriei",
        meeting_link="https://meet.example.org/dezbatere",
        agenda="1. Prezentare\n2. Întrebări",
        now=now,
    )
    response = en_client.get(stage.get_absolute_url())
    html = page_text(response)
    assert response.status_code == 200
    assert "Sala mare a primăriei" in html
    assert '<a href="https://meet.example.org/dezbatere" rel="nofollow noopener">' in html
    assert "1. Prezentare<br>2. Întrebări" in html
    assert 'id="comment-form"' not in html
    assert 'id="threads"' not in html


def test_stage_page_unknown_stage_is_404(client, open_stage):
    assert client.get("/proposals/legea-350/consultation/stages/9/").status_code == 404
    assert client.get("/proposals/nu-exista/consultation/stages/1/").status_code == 404


def test_stage_page_shows_due_opening_without_writing(en_client, open_stage):
    """Reading never writes: before the scheduled task records the opening, the page shows the
    stage open and the proposal in consultation, from the dates alone."""
    proposal = open_stage.consultation.proposal
    assert (open_stage.opening_processed_at, proposal.status) == (None, "published")
    logged = ActivityLog.objects.count()
    response = en_client.get(open_stage.get_absolute_url())
    assert response.context["proposal"].status == "in_consultation"
    assert "In consultation" in page_text(response)
    open_stage.refresh_from_db()
    proposal.refresh_from_db()
    assert (open_stage.opening_processed_at, proposal.status) == (None, "published")
    assert ActivityLog.objects.count() == logged
    assert domain.process_stage_events() == 1
    proposal.refresh_from_db()
    assert proposal.status == "in_consultation"


def test_stage_page_days_and_working_days_left(en_client, editor, consultation):
    stage = add_written_stage(
        editor, consultation, opens_at=timezone.now() - timedelta(minutes=1), days=10
    )
    response = en_client.get(stage.get_absolute_url())
    left = response.context["left"]
    assert left["days"] == 9
    html = page_text(response)
    assert "9 days left" in html
    zone = stage.consultation.organization.zone
    expected = working_days_between(
        timezone.localtime(timezone.now(), zone).date(), last_day(stage.closes_at, zone), "RO"
    )
    assert left["working_days"] == expected
    assert f"{expected} working day" in html


# --- The query-count guard ----------------------------------------------------------------------


def _stage_with_comments(editor, organization, slug, count, users):
    proposal = published_proposal(editor, organization, slug)
    stage = open_stage_for(editor, proposal)
    keys = [block["key"] for block in stage.revision.blocks]
    made = []
    while len(made) < count:
        n = len(made)
        if n % 2 and made:
            parent = made[n - 1] if made[n - 1].level < 3 else made[0]
            made.append(comment(users[n % 2], stage, text=f"Răspuns {n}", parent_id=parent.pk))
        else:
            made.append(
                comment(
                    users[n % 2],
                    stage,
                    text=f"Comentariul {n}",
                    block_key=keys[n % 3] if n % 4 else "",
                    stance=("support", "oppose", "neutral")[n % 3],
                )
            )
    domain.set_disposition(editor, made[0], outcome="rejected", reason="Nu se justifică.")
    return stage


@pytest.fixture
def five_and_sixty(editor, ngo, citizen, citizen2):
    few = _stage_with_comments(editor, ngo, "cinci", 5, [citizen, citizen2])
    many = _stage_with_comments(editor, ngo, "saizeci", 60, [citizen, citizen2])
    assert StageComment.objects.filter(stage=few).count() == 5
    assert StageComment.objects.filter(stage=many).count() == 60
    return few, many


def _cold_and_warm(client, stage):
    url = stage.get_absolute_url()
    client.get(url)  # records the stage's opening, warms per-process caches
    cache.clear()
    cold, cold_queries = queries_of(client, url)
    warm, warm_queries = queries_of(client, url)
    return cold, warm, cold_queries, warm_queries


# Anonymous, cold cache: the page's version (core.pagecache: a few columns of the stage, its
# proposal and organisation; the stored comment counts; every stage's comments version and
# dates; the page's threads and their versions; the reaction counts of their comments), then the
# page itself: the stage with its proposal, organisation and revisions, the stages' dates, the
# stored counts, the page's threads, their comments with authors and answers, anchors (the
# proposal's revisions), the stage list, the reaction counts and the proposal's co-authors (the
# header names them). Warm: the version only; the page comes whole from the cache, its counts
# written in.
ANONYMOUS_COLD = 14
ANONYMOUS_WARM = 5


def test_stage_page_query_count_is_constant_anonymous(client, five_and_sixty):
    few, many = five_and_sixty
    few_cold, few_warm, _, _ = _cold_and_warm(client, few)
    many_cold, many_warm, cold_queries, warm_queries = _cold_and_warm(client, many)
    assert (few_cold, few_warm) == (ANONYMOUS_COLD, ANONYMOUS_WARM), cold_queries
    assert (many_cold, many_warm) == (ANONYMOUS_COLD, ANONYMOUS_WARM), warm_queries
    # Page 2 of the 60 comments costs the same: whether it exists comes from the stored counts.
    cache.clear()
    assert queries_of(client, many.get_absolute_url() + "?page=2")[0] == ANONYMOUS_COLD


def test_stage_page_query_count_is_constant_signed_in(client, five_and_sixty, citizen):
    few, many = five_and_sixty
    client.force_login(citizen)
    few_cold, few_warm, _, _ = _cold_and_warm(client, few)
    many_cold, many_warm, cold_queries, _ = _cold_and_warm(client, many)
    assert few_cold == many_cold, cold_queries
    assert few_warm == many_warm
    # Signed in adds the user with their profile and whether they confirmed their email, read
    # together (the profile gives their language: this browser has no language cookie),
    # three role checks (the header's edit and withdraw links, the stage's manage links) and,
    # cold, the session (the cache was cleared).
    # Signed-in pages are never served whole from the cache (they hold personal parts): the
    # anonymous page's own queries (9 cold; warm, the threads section from the cache: the stage,
    # the stages' dates and list, the counts, the page's threads and their reaction counts, the
    # header's co-authors) plus these, and the viewer's own reactions on the page's threads (1).
    assert (few_cold, few_warm) == (9 + 5 + 1, 7 + 4 + 1)


def test_stage_page_cache_shows_new_comment_after_posting(en_client, open_stage, citizen):
    url = open_stage.get_absolute_url()
    first = comment(citizen, open_stage, text="Primul comentariu")
    assert thread_ids(en_client.get(url)) == [first.pk]
    assert thread_ids(en_client.get(url)) == [first.pk]  # from the cache
    en_client.force_login(citizen)
    response = en_client.post(
        url + "comment/", {"text": "Al doilea comentariu", "stance": "oppose"}
    )
    assert response.status_code == 302
    second = StageComment.objects.get(comment="Al doilea comentariu")
    html = page_text(en_client.get(url))
    assert "Al doilea comentariu" in html
    assert thread_ids(en_client.get(url)) == [first.pk, second.pk]


def test_stage_page_cache_follows_moderation(en_client, open_stage, citizen, moderator):
    url = open_stage.get_absolute_url()
    target = comment(citizen, open_stage, text="Un text care va fi ascuns")
    assert "Un text care va fi ascuns" in page_text(en_client.get(url))
    domain.hide_comment(moderator, target, "Spam")
    html = page_text(en_client.get(url))
    assert "Un text care va fi ascuns" not in html
    assert "Hidden by moderation: Spam" in html


def test_stage_page_cached_threads_carry_each_viewers_csrf_token(open_stage, citizen, citizen2):
    from django.test import Client

    comment(citizen2, open_stage, text="De reacționat")
    tokens = []
    for user in (citizen, citizen2):
        browser = Client()
        browser.force_login(user)
        html = page_text(browser.get(open_stage.get_absolute_url()))
        assert "<!--consult:csrf-->" not in html
        found = re.findall(
            r'action="/comments/\d+/react/" class="inline-form reaction-form">'
            r'<input type="hidden" name="csrfmiddlewaretoken" value="([^"]+)">',
            html,
        )
        assert len(found) == 1
        tokens.append(found[0])
    assert tokens[0] != tokens[1]


# --- The consultation page ----------------------------------------------------------------------


def test_consultation_page_lists_stages_with_status_dates_and_time_left(
    en_client, editor, consultation, citizen
):
    now = timezone.now()
    closed = stage_at(
        editor,
        consultation,
        opens_at=now - timedelta(days=20),
        closes_at=now - timedelta(days=10),
        title="Prima etapă",
    )
    opened = add_written_stage(
        editor, consultation, opens_at=now - timedelta(minutes=1), days=10, title="A doua etapă"
    )
    comment(citizen, opened)
    response = en_client.get("/proposals/legea-350/consultation/")
    html = page_text(response)
    assert response.status_code == 200
    assert [row["status"] for row in response.context["timeline"]] == ["closed", "open"]
    assert [row["count"] for row in response.context["timeline"]] == [0, 1]
    assert "Prima etapă" in html and "A doua etapă" in html
    assert "9 days left" in html
    assert "working day" in html
    assert "Europe/Bucharest" in html
    assert closed.get_absolute_url() in html
    assert "Sign in to follow this consultation by email" in html
    assert "Add a stage" not in html


def test_consultation_page_shows_editor_links(en_client, editor, open_stage):
    en_client.force_login(editor)
    html = page_text(en_client.get("/proposals/legea-350/consultation/"))
    assert "/proposals/legea-350/consultation/stages/new/" in html
    assert "/proposals/legea-350/consultation/stages/1/edit/" in html
    assert "/proposals/legea-350/consultation/stages/1/cancel/" in html
    assert "/proposals/legea-350/consultation/stages/1/answers/" in html
    assert "/proposals/legea-350/consultation/stages/1/remove/" not in html


def test_consultation_page_in_bulgarian_organisation_uses_sofia_time(en_client):
    bulgarian = OrganizationFactory(country="BG", name="Гражданско сдружение", slug="sdruzhenie")
    editor = MembershipFactory(organization=bulgarian, role="editor").user
    proposal = published_proposal(editor, bulgarian, "naredba", ["Член 1.", "Член 2."])
    open_stage_for(editor, proposal, short_period_reason="Спешност.", days=20)
    response = en_client.get("/proposals/naredba/consultation/")
    assert "Europe/Sofia" in page_text(response)
    assert "Спешност." in page_text(response)


def test_consultation_page_without_consultation_is_404(client, debated_proposal):
    assert client.get("/proposals/legea-350/consultation/").status_code == 404


def test_follow_and_unfollow(en_client, consultation, citizen):
    en_client.force_login(citizen)
    url = "/proposals/legea-350/consultation/follow/"
    response = en_client.post(url, {"action": "follow"})
    assert response.status_code == 302
    assert Follow.objects.filter(consultation=consultation, user=citizen).count() == 1
    en_client.post(url, {"action": "follow"})
    assert Follow.objects.filter(consultation=consultation, user=citizen).count() == 1
    assert "Stop following" in page_text(en_client.get("/proposals/legea-350/consultation/"))
    en_client.post(url)  # no action: toggles
    assert not Follow.objects.filter(consultation=consultation, user=citizen).exists()


def test_follow_needs_sign_in_and_post(client, consultation):
    url = "/proposals/legea-350/consultation/follow/"
    response = client.post(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert client.get(url).status_code == 405
    assert Follow.objects.filter(consultation=consultation).count() == 1  # its creator


# --- Other pages --------------------------------------------------------------------------------


def test_proposal_pages_link_to_the_consultation(en_client, open_stage):
    html = page_text(en_client.get("/proposals/legea-350/"))
    assert '<a href="/proposals/legea-350/consultation/">Consultation</a>' in html


def test_home_lists_open_consultations_closing_soonest_first(en_client, editor, ngo, open_stage):
    sooner_proposal = published_proposal(editor, ngo, "mai-urgent")
    sooner = open_stage_for(editor, sooner_proposal, days=3, short_period_reason="Urgent.")
    later_proposal = published_proposal(editor, ngo, "programat")
    consultation = domain.create_consultation(editor, later_proposal, title="Programată")
    add_written_stage(editor, consultation, opens_at=timezone.now() + timedelta(days=1))
    response = en_client.get("/")
    assert [stage.pk for stage in response.context["open_consultations"]] == [
        sooner.pk,
        open_stage.pk,
    ]
    html = page_text(response)
    assert "Open consultations, closing soonest first" in html
    assert "2 days left" in html
    assert "9 days left" in html
