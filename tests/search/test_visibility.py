"""Only public proposals are in the index: drafts never, withdrawn ones yes (they stay public)."""

from proposals import domain
from proposals.models import Proposal
from search import indexing
from tests.helpers import save, text_block
from tests.search.conftest import facet_counts, make_proposal, page_slugs, slugs_for


def test_draft_unique_word_found_nowhere(editor, en_client):
    make_proposal(
        editor, "draft", "Ornitologie urbană și biodiversitate.", title="Ciornă", publish=False
    )
    make_proposal(editor, "public", "Biodiversitate în parcuri.", title="Parcuri")
    assert indexing.drain() == 7

    response = en_client.get("/search/", {"q": "ornitologie"})
    assert response.status_code == 200
    assert page_slugs(response) == []
    assert response.context["page"].paginator.count == 0
    assert facet_counts(response) == {
        "type": {},
        "status": {},
        "organization": {},
        "authority": {},
        "topic": {},
        "year": {},
    }
    assert "<mark>" not in response.content.decode()
    assert "Ciornă" not in response.content.decode()

    # A word both share: only the public one, counted once.
    response = en_client.get("/search/", {"q": "biodiversitate"})
    assert page_slugs(response) == ["public"]
    assert facet_counts(response)["status"] == {"published": 1}
    assert facet_counts(response)["organization"] == {"Asociația Vrancea Civică": 1}
    assert "Ornitologie" not in response.content.decode()
    assert "Ciornă" not in response.content.decode()
    public = Proposal.objects.get(slug="public")
    assert indexing.indexed_identifiers(Proposal) == {f"proposals.proposal.{public.pk}"}


def test_draft_found_after_publish_and_drain(editor, en_client):
    draft = make_proposal(editor, "draft", "Ornitologie urbană.", publish=False)
    indexing.drain()
    assert slugs_for("ornitologie") == []

    domain.publish_proposal(editor, draft)
    assert slugs_for("ornitologie") == []  # not yet applied
    assert indexing.drain() == 1

    response = en_client.get("/search/", {"q": "ornitologie"})
    assert page_slugs(response) == ["draft"]
    assert facet_counts(response)["status"] == {"published": 1}
    assert "<mark>Ornitologie</mark> urbană." in response.content.decode()


def test_withdrawn_proposal_stays_found_as_withdrawn(editor, en_client):
    proposal = make_proposal(editor, "retrasa", "Iluminat public cu LED.")
    indexing.drain()

    domain.withdraw_proposal(editor, proposal, "Primăria a rezolvat problema.")
    assert indexing.drain() == 1

    response = en_client.get("/search/", {"q": "iluminat"})
    assert page_slugs(response) == ["retrasa"]
    assert facet_counts(response)["status"] == {"withdrawn": 1}
    assert response.context["results"][0]["status"] == "Withdrawn"
    assert "Asociația Vrancea Civică → Primăria Municipiului Focșani · Withdrawn" in (
        response.content.decode()
    )


def test_new_revision_replaces_old_words_after_drain(editor, en_client):
    proposal = make_proposal(editor, "transport", "Piste pentru biciclete pe bulevard.")
    indexing.drain()

    key = proposal.current_revision.blocks[0]["key"]
    save(editor, proposal, [text_block(key, "Linii noi de tramvai pe bulevard.")])
    # Until the queue is applied the index still holds the previous text.
    assert slugs_for("biciclete") == ["transport"]
    assert slugs_for("tramvai") == []

    assert indexing.drain() == 1

    assert slugs_for("biciclete") == []
    assert slugs_for("tramvai") == ["transport"]
    assert slugs_for("bulevard") == ["transport"]
    response = en_client.get("/search/", {"q": "tramvai"})
    assert "Linii noi de <mark>tramvai</mark> pe bulevard." in response.content.decode()
    assert "biciclete" not in response.content.decode()


def test_draft_revisions_before_publishing_not_found(editor):
    proposal = make_proposal(editor, "ciorna", "Prima formă: canalizare.", publish=False)
    key = proposal.current_revision.blocks[0]["key"]
    save(editor, proposal, [text_block(key, "Forma finală: apă potabilă.")])
    domain.publish_proposal(editor, proposal)
    indexing.drain()

    assert slugs_for("canalizare") == []
    assert slugs_for("potabila") == ["ciorna"]
