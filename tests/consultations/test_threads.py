"""Building a page of threads with a fixed number of queries, and caching its rendered HTML."""

import pytest
from django.core.cache import cache
from django.http import QueryDict
from django.utils import translation

from consultations import domain, threads
from consultations.anchors import follower_for
from consultations.models import Stage
from tests.consultations.conftest import during, first_block_key
from tests.consultations.page_helpers import comment
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _post(user, stage, text="Text", **kwargs):
    kwargs.setdefault("stance", "" if kwargs.get("parent_id") else "neutral")
    return domain.post_comment(user, stage, text=text, now=during(stage), **kwargs)


def _fresh(stage):
    return Stage.objects.select_related(
        "consultation__proposal__organization", "consultation__proposal", "revision"
    ).get(pk=stage.pk)


def _render(stage, *, can_comment=False, filters=None, number=1, status="open"):
    """The threads section as a stage page shows it: its placeholders filled."""
    filters = filters or threads.Filters()
    html, page, shown = threads.render_threads(
        stage, filters, number, can_comment=can_comment, status=status
    )
    filled = threads.fill_values(stage, filters, page, shown, threads.Counts(stage))
    return filled.apply(html.encode()).decode()


def _threads(stage, count, users):
    made = []
    for n in range(count):
        if n % 3 == 2:
            made.append(_post(users[n % 2], stage, f"Răspuns {n}", parent_id=made[n - 1].pk))
        else:
            made.append(_post(users[n % 2], stage, f"Comentariul {n}"))
    return made


def test_build_page_assembles_threads_in_order(stage, citizen, citizen2):
    a = _post(citizen, stage, "A")
    b = _post(citizen2, stage, "B")
    a1 = _post(citizen2, stage, "A1", parent_id=a.pk)
    a11 = _post(citizen, stage, "A11", parent_id=a1.pk)
    a2 = _post(citizen2, stage, "A2", parent_id=a.pk)
    b1 = _post(citizen, stage, "B1", parent_id=b.pk)
    page, roots = threads.build_page(_fresh(stage), threads.Filters(), 1)
    assert [root.pk for root in roots] == [a.pk, b.pk]
    assert [reply.pk for reply in roots[0].replies] == [a1.pk, a2.pk]
    assert [reply.pk for reply in roots[0].replies[0].replies] == [a11.pk]
    assert [reply.pk for reply in roots[1].replies] == [b1.pk]
    assert [root.heading_level for root in roots] == [3, 3]
    assert roots[0].replies[0].replies[0].heading_level == 5
    assert page.paginator.count == 2


@pytest.mark.parametrize("count", [5, 60])
def test_build_page_costs_three_queries_whatever_the_number_of_comments(
    stage, citizen, citizen2, count, django_assert_num_queries
):
    _threads(stage, count, [citizen, citizen2])
    fresh = _fresh(stage)
    follower_for(fresh.consultation.proposal)  # the proposal's revisions, cached
    with django_assert_num_queries(3):
        page, roots = threads.build_page(fresh, threads.Filters(), 1)
        # Authors and answers come with the comments.
        names = [reply.author_name for root in roots for reply in [root, *root.replies]]
        answers = [getattr(root, "answer", None) for root in roots]
    assert len(roots) == min(20, count - count // 3)
    assert len(names) == len(roots) + sum(len(root.replies) for root in roots)
    assert answers == [None] * len(roots)


@pytest.mark.parametrize("count", [5, 60])
def test_render_threads_queries_cold_then_two_warm(
    stage, citizen, citizen2, count, django_assert_num_queries
):
    _threads(stage, count, [citizen, citizen2])
    fresh = _fresh(stage)
    cache.clear()
    # The stored counts, the page's threads and their versions, their comments, and the
    # proposal's revisions (for the "follows the text" note).
    with django_assert_num_queries(4):
        cold = threads.render_threads(fresh, threads.Filters(), 1, can_comment=False, status="open")
    # The counts and the page's threads: the section is in the cache under their versions.
    with django_assert_num_queries(2):
        warm = threads.render_threads(fresh, threads.Filters(), 1, can_comment=False, status="open")
    assert (warm[0], warm[2]) == (cold[0], cold[2])
    assert (warm[1].number, warm[1].paginator.count) == (1, count - count // 3)


def test_render_threads_key_follows_the_pages_threads(stage, citizen):
    _post(citizen, stage, "Primul")
    before = _render(_fresh(stage))
    _post(citizen, stage, "Al doilea")
    after = _render(_fresh(stage))
    assert "Al doilea" not in before
    assert "Al doilea" in after
    with translation.override("en"):
        assert "2 threads" in _render(_fresh(stage))


def test_render_threads_per_language_and_viewer_kind(stage, citizen):
    _post(citizen, stage, "Text")
    fresh = _fresh(stage)
    with translation.override("en"):
        english = _render(fresh, can_comment=True)
        reader = _render(fresh)
    assert "Agree: 0" in english
    assert threads.CSRF_PLACEHOLDER in english
    assert threads.CSRF_PLACEHOLDER not in reader
    assert "/reply/" in english and "/reply/" not in reader
    filled = threads.with_csrf(
        english, '<input type="hidden" name="csrfmiddlewaretoken" value="t">'
    )
    assert threads.CSRF_PLACEHOLDER not in filled
    assert filled.count('name="csrfmiddlewaretoken" value="t"') == 1


def test_placeholder_cannot_be_written_by_a_commenter(stage, citizen):
    written = _post(citizen, stage, threads.CSRF_PLACEHOLDER + "<!--fill:total-->")
    domain.react(UserFactory(), written, "agree", now=during(stage))
    html = _render(_fresh(stage))
    assert threads.CSRF_PLACEHOLDER not in html
    assert "&lt;!--consult:csrf--&gt;&lt;!--fill:total--&gt;" in html


def test_placeholders_never_carry_the_text(stage, citizen, citizen2, moderator):
    hidden = _post(citizen, stage, "SECRET-ASCUNS")
    withdrawn = _post(citizen2, stage, "SECRET-RETRAS")
    held = _post(citizen, stage, "SECRET-REȚINUT")
    domain.hide_comment(moderator, hidden, "Injurii", now=during(stage))
    domain.withdraw_comment(citizen2, withdrawn, now=during(stage))
    for _ in range(3):
        domain.flag_comment(UserFactory(), held, reason="abuse", now=during(stage))
    with translation.override("en"):
        html = _render(_fresh(stage), can_comment=True)
    assert "SECRET" not in html
    assert "Hidden by moderation: Injurii" in html
    assert "Withdrawn by its author." in html
    assert "Awaiting moderation." in html
    # No reactions or replies on a comment that is not shown.
    assert f"/comments/{hidden.pk}/react/" not in html


def test_block_counts_count_shown_comments_per_block(stage, citizen, moderator):
    key = first_block_key(stage)
    on_block = _post(citizen, stage, "pe paragraf", block_key=key)
    _post(citizen, stage, "răspuns", parent_id=on_block.pk)
    _post(citizen, stage, "pe tot textul")
    hidden = _post(citizen, stage, "ascuns", block_key=key)
    domain.hide_comment(moderator, hidden, "Spam", now=during(stage))
    assert threads.block_counts(_fresh(stage)) == {key: 2, "": 1}


def test_filters_accept_only_known_values(stage):
    key = first_block_key(stage)
    assert threads.Filters.from_query(QueryDict(f"block={key}&stance=oppose"), stage) == (
        threads.Filters(block=key, stance="oppose")
    )
    assert threads.Filters.from_query(QueryDict("block=whole"), stage).block == "whole"
    assert threads.Filters.from_query(QueryDict("block=<x>&stance=1"), stage) == threads.Filters()
    assert threads.Filters(block=key, stance="support").query(page=2) == (
        f"block={key}&stance=support&page=2"
    )


def test_page_number_reads_anything():
    assert [threads.page_number(v) for v in ("3", None, "x", "-2", "0")] == [3, 1, 1, 1, 1]


def test_paragraph_labels_give_first_words_of_text_blocks(stage):
    labels = threads.paragraph_labels(stage.revision)
    assert list(labels.values()) == [
        "§1 — Finanțările nerambursabile se acordă prin selecție publică…",
        "§2 — Autoritatea publică informează solicitanții în termen de 30…",
        "§3 — Contractul de finanțare se publică pe pagina de internet a…",
    ]


def test_location_points_to_the_page_of_the_thread(open_stage, citizen):
    made = [comment(citizen, open_stage, text=f"{n}") for n in range(21)]
    reply = comment(citizen, open_stage, text="r", parent_id=made[20].pk)
    base = "/proposals/legea-350/consultation/stages/1/"
    assert threads.location(made[0]) == f"{base}#comment-{made[0].pk}"
    assert threads.location(made[20]) == f"{base}?page=2#comment-{made[20].pk}"
    assert threads.location(reply) == f"{base}?page=2#comment-{reply.pk}"
