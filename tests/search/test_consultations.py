"""Consultations and comments in search: only what a visitor can see, facets by type."""

from datetime import timedelta

from django.utils import timezone

from consultations import domain
from consultations.models import Consultation, StageComment
from search import indexing
from tests.factories import UserFactory
from tests.search.conftest import facet_counts, make_proposal


def _stage(editor, slug, text):
    proposal = make_proposal(editor, slug, text, title=f"Propunere {slug}")
    consultation = domain.create_consultation(
        editor, proposal, title="Consultare despre fântânile arteziene"
    )
    now = timezone.now()
    stage = domain.add_stage(
        editor,
        consultation,
        kind="written",
        title="Recomandări scrise",
        opens_at=now - timedelta(minutes=1),
        closes_at=now + timedelta(days=10),
        revision=consultation.proposal.current_revision,
        now=now,
    )
    return consultation, stage


def test_comments_and_consultations_are_found_and_leave_when_hidden(editor, en_client):
    consultation, stage = _stage(editor, "fantani", "Fântânile publice din parcuri.")
    citizen = UserFactory(display_name="Ion Vasile")
    moderator = UserFactory(is_staff=True)
    comment = domain.post_comment(
        citizen, stage, text="Propun hidranți și cișmele în cartierul Sud.", stance="support"
    )
    indexing.drain()
    assert indexing.indexed_identifiers(StageComment) == {
        f"consultations.stagecomment.{comment.pk}"
    }
    assert indexing.indexed_identifiers(Consultation) == {
        f"consultations.consultation.{consultation.pk}"
    }

    # Diacritics folded as for proposals: "cismele" finds "cișmele".
    response = en_client.get("/search/", {"q": "cismele"})
    assert response.status_code == 200
    assert facet_counts(response)["type"] == {"comment": 1}
    assert f"/comments/{comment.pk}/" in response.content.decode()

    response = en_client.get("/search/", {"q": "arteziene"})
    assert facet_counts(response)["type"] == {"consultation": 1}

    # Hidden by moderation: gone from results, snippets and facet counts after the drain.
    domain.hide_comment(moderator, comment, "Date personale")
    indexing.drain()
    assert indexing.indexed_identifiers(StageComment) == set()
    response = en_client.get("/search/", {"q": "cismele"})
    assert facet_counts(response)["type"] == {}
    assert "hidranți" not in response.content.decode()

    # Restored: back again.
    domain.restore_comment(moderator, comment)
    indexing.drain()
    assert indexing.indexed_identifiers(StageComment) == {
        f"consultations.stagecomment.{comment.pk}"
    }


def test_withdrawn_comment_leaves_the_index(editor, en_client):
    _consultation, stage = _stage(editor, "parcuri", "Parcuri.")
    citizen = UserFactory()
    comment = domain.post_comment(citizen, stage, text="Bănci noi în parc.", stance="neutral")
    indexing.drain()
    domain.withdraw_comment(citizen, comment)
    indexing.drain()
    assert indexing.indexed_identifiers(StageComment) == set()
    response = en_client.get("/search/", {"q": "banci"})
    assert response.context["page"].paginator.count == 0


def test_a_comments_document_holds_its_text_once(editor, en_client):
    # The text is the document (what every query reads), its title the result's heading;
    # no second copy of the text (a proposal's summary field) to index.
    _consultation, stage = _stage(editor, "izvoare", "Izvoarele din parcuri.")
    citizen = UserFactory(display_name="Ana Pop")
    comment = domain.post_comment(
        citizen, stage, text="Cerem apă potabilă la izvoarele vechi.", stance="support"
    )
    indexing.drain()
    backend = indexing._backend()  # noqa: SLF001
    with backend.index.refresh().searcher() as searcher:
        stored = searcher.document(id=f"consultations.stagecomment.{comment.pk}")
    assert stored["text"] == "Cerem apă potabilă la izvoarele vechi."
    assert stored["title"] == "Ana Pop — Propunere izvoare"
    assert "summary" not in stored
    response = en_client.get("/search/", {"q": "potabila izvoarele"})
    assert facet_counts(response)["type"] == {"comment": 1}
    assert f"/comments/{comment.pk}/" in response.content.decode()
