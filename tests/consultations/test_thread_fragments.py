"""A change re-renders only what it changed: each thread of a stage page is rendered and cached
on its own under its version, reaction counts and other counts are written into cached HTML, and
no cached fragment ever shows what changed since (a hidden comment, another language, another
viewer's links)."""

from datetime import UTC

import pytest
from django.core.cache import cache
from django.utils import translation

from consultations import domain, threads
from tests.consultations.conftest import during
from tests.consultations.page_helpers import Rendered
from tests.consultations.test_threads import _fresh, _post, _render
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _page(stage, *, can_comment=False, language="en"):
    with translation.override(language):
        return _render(_fresh(stage), can_comment=can_comment)


@pytest.fixture
def twenty(stage, citizen, citizen2):
    """Twenty threads of two comments each (the roots; each root's `.reply`)."""
    roots = []
    for n in range(20):
        root = _post(citizen, stage, f"Comentariul {n}")
        root.reply = _post(citizen2, stage, f"Răspunsul {n}", parent_id=root.pk)
        roots.append(root)
    cache.clear()
    return roots


def test_a_new_reply_renders_its_thread_only(stage, twenty, citizen):
    _page(stage)
    reply = _post(citizen, stage, "Un răspuns nou", parent_id=twenty[7].pk)
    with Rendered() as renders:
        html = _page(stage)
    # The thread's root, its earlier reply and the new one; the other 19 threads from the cache
    # (and only that thread's comments are read).
    assert sorted(renders.comments) == sorted([twenty[7].pk, twenty[7].reply.pk, reply.pk])
    assert "Un răspuns nou" in html
    assert html.count('class="comment comment-visible') == 41


def test_a_reaction_renders_no_thread_and_shows_the_new_counts(stage, twenty, citizen2):
    before = _page(stage)
    assert before.count("Agree: 0 · Disagree: 0") == 40
    domain.react(citizen2, twenty[3], "agree", now=during(stage))
    domain.react(UserFactory(), twenty[3], "disagree", now=during(stage))
    with Rendered() as renders:
        after = _page(stage)
    assert renders.comments == []
    assert after.count("Agree: 0 · Disagree: 0") == 39
    start = after.index(f'id="comment-{twenty[3].pk}"')
    assert after.index("Agree: 1 · Disagree: 1", start) < after.index("</footer>", start)
    assert "<!--fill:" not in after


def test_a_hidden_comment_is_never_served_from_a_thread_cached_before(
    stage, twenty, moderator, client
):
    secret = twenty[5]
    assert "Comentariul 5<" in _page(stage)
    assert "Comentariul 5<" in _page(stage, can_comment=True)
    domain.hide_comment(moderator, secret, "Date personale", now=during(stage))
    for can_comment in (False, True):
        html = _page(stage, can_comment=can_comment)
        assert "Comentariul 5<" not in html
        assert "Hidden by moderation: Date personale" in html
    # The page as anyone reads it.
    page = client.get(stage.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Comentariul 5<" not in page
    assert "Comentariul 6<" in page


def test_threads_are_cached_per_language_and_viewer_kind(stage, twenty, citizen):
    _page(stage, language="ro")
    _page(stage, can_comment=True, language="ro")
    _post(citizen, stage, "Alt fir")  # the page changes; every thread but the new one is cached
    english = _page(stage, language="en")
    romanian = _page(stage, language="ro")
    commenter = _page(stage, can_comment=True, language="ro")
    assert "Agree: 0" in english and "De acord: 0" not in english
    assert "De acord: 0" in romanian and "Agree: 0" not in romanian
    assert "/reply/" not in romanian and threads.CSRF_PLACEHOLDER not in romanian
    # Page 1: twenty threads of two comments, each with its reply link.
    assert commenter.count("/reply/") == 40 and threads.CSRF_PLACEHOLDER in commenter


def test_the_text_is_not_rendered_again_for_a_reaction_or_a_comment(stage, twenty, citizen2):
    stage = _fresh(stage)
    key = stage.revision.blocks[0]["key"]
    with translation.override("en"):
        threads.render_text(stage, status="open")
        domain.react(citizen2, twenty[0], "agree", now=during(stage))
        _post(citizen2, stage, "Pe paragraf", block_key=key)
        with Rendered() as renders:
            html = threads.render_text(_fresh(stage), status="open")
        assert renders.names == []
        fresh = _fresh(stage)
        counts = threads.Counts(fresh)
        filled = threads.fill_values(
            fresh, threads.Filters(), threads.paginate(counts, threads.Filters(), 1), [], counts
        )
    # Its count is written in: one comment on the first paragraph, none on the others.
    text = filled.apply(html.encode()).decode()
    assert f'?block={key}#threads">1 comment<' in text
    assert text.count('#threads">0 comments<') == len(stage.revision.blocks) - 1
    assert "<!--fill:" not in text


def test_threads_show_dates_in_the_organisations_zone(stage, twenty, settings):
    # Rendered apart from the page, a thread still shows its dates in the organisation's zone
    # (Europe/Bucharest here), not the server's.
    settings.TIME_ZONE = "UTC"
    fresh = _fresh(stage)
    zone = fresh.consultation.proposal.organization.zone
    html = _page(stage)
    local = twenty[0].submit_date.astimezone(zone).isoformat()
    assert f'datetime="{local}"' in html
    assert f'datetime="{twenty[0].submit_date.astimezone(UTC).isoformat()}"' not in html
