"""Comments follow the text: a comment on a paragraph says when that paragraph later changed or
was removed, and every revision page shows how many comments each paragraph received."""

import pytest
from django.core.cache import cache

from consultations import domain
from consultations.anchors import TextNote, follower_for
from proposals.models import Proposal
from tests.consultations.page_helpers import comment, page_text
from tests.helpers import save, text_block

pytestmark = pytest.mark.django_db


@pytest.fixture
def keys(open_stage):
    return [block["key"] for block in open_stage.revision.blocks]


def _revise(editor, proposal, changes, *, drop=()):
    """A new revision: the current blocks with some texts changed and some blocks dropped."""
    proposal.refresh_from_db()
    blocks = [
        text_block(block["key"], changes.get(block["key"], block["text"]))
        for block in proposal.current_revision.blocks
        if block["key"] not in drop
    ]
    return save(editor, proposal, blocks, message="Revizuit")


@pytest.fixture
def revised(editor, open_stage, keys):
    """Revision 3 changes §1 and removes §3; revision 4 changes §2."""
    proposal = open_stage.consultation.proposal
    _revise(editor, proposal, {keys[0]: "Finanțările se acordă anual."}, drop=[keys[2]])
    _revise(editor, proposal, {keys[1]: "Autoritatea răspunde în 15 zile."})
    proposal.refresh_from_db()
    assert proposal.current_revision.number == 4
    return proposal


def test_follower_finds_first_later_revision_where_the_paragraph_changed(open_stage, keys, revised):
    follower = follower_for(revised)
    revision = open_stage.revision_id
    assert follower.note(revision, keys[0]) == TextNote("changed", 2, 3)
    assert follower.note(revision, keys[1]) == TextNote("changed", 2, 4)
    assert follower.note(revision, keys[2]) == TextNote("removed", 2, 3)
    assert follower.note(revision, "") is None
    assert follower.note(revised.current_revision_id, keys[1]) is None
    assert follower.note(None, keys[0]) is None


def test_follower_says_nothing_while_the_paragraph_is_unchanged(editor, open_stage, keys):
    proposal = open_stage.consultation.proposal
    _revise(editor, proposal, {keys[0]: "Alt text."})
    proposal.refresh_from_db()
    assert follower_for(proposal).note(open_stage.revision_id, keys[1]) is None


def test_follower_reads_revisions_once_per_current_revision(
    open_stage, revised, django_assert_num_queries
):
    cache.clear()
    with django_assert_num_queries(1):
        follower_for(revised)
    with django_assert_num_queries(0):
        follower_for(revised)


def test_stage_page_shows_where_commented_paragraphs_went(
    en_client, editor, open_stage, keys, citizen
):
    changed = comment(citizen, open_stage, text="Despre primul", block_key=keys[0])
    removed = comment(citizen, open_stage, text="Despre al treilea", block_key=keys[2])
    general = comment(citizen, open_stage, text="Despre tot")
    url = open_stage.get_absolute_url()
    assert "This paragraph" not in page_text(en_client.get(url))  # and now cached
    proposal = open_stage.consultation.proposal
    _revise(editor, proposal, {keys[0]: "Finanțările se acordă anual."}, drop=[keys[2]])
    html = page_text(en_client.get(url))
    assert html.count("This paragraph changed in revision 3.") == 1
    assert html.count("This paragraph was removed in revision 3.") == 1
    assert '<a href="/proposals/legea-350/compare/2/3/">Compare revisions 2 and 3</a>' in html
    # Each note sits in its comment.
    for item, expected in ((changed, "changed"), (removed, "removed"), (general, None)):
        start = html.index(f'id="comment-{item.pk}"')
        end = html.index("</article>", start)
        fragment = html[start:end]
        if expected is None:
            assert "This paragraph" not in fragment
        else:
            assert f"This paragraph {'changed' if expected == 'changed' else 'was removed'}" in (
                fragment
            )
    assert "The proposal has changed since: the current version is revision 3." in html


def test_comment_page_shows_where_the_paragraph_went(en_client, open_stage, keys, citizen, revised):
    made = comment(citizen, open_stage, text="Despre al doilea", block_key=keys[1])
    html = page_text(en_client.get(f"/comments/{made.pk}/"))
    assert "This paragraph changed in revision 4." in html
    assert 'href="/proposals/legea-350/compare/2/4/"' in html


def test_revision_pages_show_comments_per_paragraph_across_revisions(
    en_client, editor, open_stage, keys, citizen, citizen2, moderator
):
    first = comment(citizen, open_stage, text="a", block_key=keys[0])
    comment(citizen2, open_stage, text="b", block_key=keys[0])
    comment(citizen2, open_stage, text="c", parent_id=first.pk)
    comment(citizen, open_stage, text="d", block_key=keys[2])
    hidden = comment(citizen, open_stage, text="e", block_key=keys[1])
    domain.hide_comment(moderator, hidden, "Spam")
    stage_link = "/proposals/legea-350/consultation/stages/1/"
    html = page_text(en_client.get("/proposals/legea-350/v/2/"))
    assert (
        f'<a href="{stage_link}?block={keys[0]}#threads">3 comments in “Recomandări scrise”</a>'
    ) in html
    assert f'<a href="{stage_link}?block={keys[2]}#threads">1 comment in' in html
    assert f"?block={keys[1]}#threads" not in html  # only shown comments count
    # The comments follow paragraph §1 into revision 3, where §3 no longer exists.
    _revise(editor, open_stage.consultation.proposal, {keys[0]: "Nou."}, drop=[keys[2]])
    html = page_text(en_client.get("/proposals/legea-350/v/3/"))
    assert f'<a href="{stage_link}?block={keys[0]}#threads">3 comments in' in html
    assert f"?block={keys[2]}#threads" not in html


def test_revision_page_without_consultation_has_no_counts(en_client, debated_proposal):
    html = page_text(en_client.get("/proposals/legea-350/"))
    assert "block-comments" not in html
    assert Proposal.objects.get(pk=debated_proposal.pk).current_revision.number == 2
