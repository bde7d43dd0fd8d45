"""A proposal's history starts with its first real text: no empty template revision, and no
picker offers an empty version (revision 1 of proposals made before this rule was an empty
template; such revisions stay in the history, untouched)."""

import pytest
from django.utils import translation

from consultations import domain as consultations_domain
from consultations.forms_manage import StageForm
from core.errors import DomainError
from proposals import content, domain
from proposals.models import Proposal, Revision
from registrations import domain as registration
from registrations.forms import SubmitForm
from tests.factories import ProposalFactory
from tests.helpers import editor_data, en_client_for, messages_of

EDIT = "/proposals/fara-text/edit/"


@pytest.fixture
def draft(ngo, ngo_editor):
    """A policy draft of `ngo` with no revision yet."""
    return ProposalFactory(
        editor=ngo_editor, organization=ngo, kind="policy", slug="fara-text", blocks=None
    )


@pytest.mark.django_db
def test_editor_of_a_new_draft_shows_the_template_unsaved(draft, ngo_editor):
    response = en_client_for(ngo_editor).get(EDIT)
    html = response.content.decode()
    assert response.status_code == 200
    assert response.context["base"] == 0
    assert [block["type"] for block in response.context["blocks"]] == ["heading", "text"] * 6
    assert '<input type="hidden" name="base" value="0">' in html
    assert "You are writing the first version" in html
    assert 'href="/proposals/fara-text/import/"' in html
    assert not Revision.objects.exists()


@pytest.mark.django_db
def test_saving_the_untouched_template_is_refused_and_keeps_the_form(draft, ngo_editor):
    client = en_client_for(ngo_editor)
    blocks = client.get(EDIT).context["blocks"]
    response = client.post(EDIT, editor_data(blocks, base=0, title="Titlu tastat"))
    assert response.status_code == 400
    assert messages_of(response) == [
        "Write some text before saving the first version: the sections are still empty."
    ]
    assert 'value="Titlu tastat"' in response.content.decode()
    assert not Revision.objects.exists()


@pytest.mark.django_db
def test_first_save_with_text_is_revision_one(draft, ngo_editor):
    client = en_client_for(ngo_editor)
    blocks = client.get(EDIT).context["blocks"]
    blocks[1] = dict(blocks[1], text="Plățile întârzie nouă luni.")
    response = client.post(
        EDIT, editor_data(blocks, base=0, title=draft.title, message="Prima formă")
    )
    revision = Revision.objects.get()
    assert response.status_code == 302
    assert response["Location"] == "/proposals/fara-text/v/1/"
    assert (revision.number, revision.parent, revision.message) == (1, None, "Prima formă")
    assert revision.blocks[1]["text"] == "Plățile întârzie nouă luni."
    assert (revision.words_added, revision.words_removed) == (revision.word_count, 0)


@pytest.mark.django_db
def test_page_of_a_draft_without_text_offers_writing_or_importing(draft, ngo_editor, client):
    response = en_client_for(ngo_editor).get("/proposals/fara-text/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "No version of the text yet" in html
    assert 'href="/proposals/fara-text/edit/"' in html
    assert 'href="/proposals/fara-text/import/"' in html
    assert 'href="/proposals/fara-text/publish/"' not in html  # nothing to publish yet
    assert client.get("/proposals/fara-text/").status_code == 404  # still a private draft
    assert en_client_for(ngo_editor).get("/proposals/fara-text/history/").status_code == 200
    assert en_client_for(ngo_editor).get("/proposals/fara-text/v/1/").status_code == 404


def _legacy_empty_revision(proposal, user):
    """Revision 1 as drafts had it before: the untouched template of their kind."""
    with translation.override(proposal.language):
        blocks = domain.starting_blocks(proposal.kind)
    revision = Revision(
        proposal=proposal,
        number=1,
        author=user,
        message="Prima versiune",
        title=proposal.title,
        summary="",
        blocks=blocks,
    )
    revision.content_hash = revision.compute_hash()
    revision.save()
    Proposal.objects.filter(pk=proposal.pk).update(current_revision=revision)
    proposal.current_revision = revision
    return revision


@pytest.fixture
def legacy(draft, ngo_editor, verified_authority):
    """A published proposal whose revision 1 is an empty template and revision 2 its text."""
    Proposal.objects.filter(pk=draft.pk).update(target_authority=verified_authority)
    draft.refresh_from_db()
    empty = _legacy_empty_revision(draft, ngo_editor)
    blocks = [dict(block) for block in empty.blocks]
    blocks[1]["text"] = "Textul real al propunerii."
    domain.save_revision(
        ngo_editor,
        draft,
        base_number=1,
        title=draft.title,
        summary="",
        blocks=blocks,
        message="Text",
    )
    domain.publish_proposal(ngo_editor, draft)
    draft.refresh_from_db()
    return draft


@pytest.mark.django_db
def test_empty_revision_is_not_offered_for_a_stage(legacy, ngo_editor):
    consultation = consultations_domain.create_consultation(ngo_editor, legacy, title="Consultare")
    form = StageForm(consultation=consultation)
    assert [revision.number for revision in form.fields["revision"].queryset] == [2]
    empty = legacy.revisions.get(number=1)
    assert not empty.has_content and content.has_content(legacy.current_revision.blocks)


@pytest.mark.django_db
def test_empty_revision_is_refused_for_a_stage_by_the_domain(legacy, ngo_editor):
    from datetime import timedelta

    from django.utils import timezone

    consultation = consultations_domain.create_consultation(ngo_editor, legacy, title="Consultare")
    now = timezone.now()
    with translation.override("en"), pytest.raises(DomainError) as caught:
        consultations_domain.add_stage(
            ngo_editor,
            consultation,
            kind="written",
            title="Scris",
            opens_at=now + timedelta(days=1),
            closes_at=now + timedelta(days=20),
            revision=legacy.revisions.get(number=1),
            now=now,
        )
    assert caught.value.message == "Revision 1 has no text yet; choose another."
    assert not consultation.stages.exists()


@pytest.mark.django_db
def test_empty_revision_is_not_offered_nor_accepted_for_a_submission(legacy, ngo_editor):
    form = SubmitForm(proposal=legacy)
    assert [value for value, _label in form.fields["revision"].choices] == [2]
    with translation.override("en"), pytest.raises(DomainError) as caught:
        registration.submit_proposal(ngo_editor, legacy, legacy.revisions.get(number=1), "")
    assert caught.value.message == "Revision 1 has no text yet; choose another."
    assert not legacy.submissions.exists()


@pytest.mark.django_db
def test_empty_revision_cannot_be_restored(legacy, ngo_editor):
    html = en_client_for(ngo_editor).get(f"/proposals/{legacy.slug}/v/1/").content.decode()
    assert f'href="/proposals/{legacy.slug}/v/1/restore/"' not in html
    with translation.override("en"), pytest.raises(DomainError) as caught:
        domain.restore_revision(ngo_editor, legacy, 1)
    assert caught.value.message == "Revision 1 has no text yet; choose another."
    assert legacy.revisions.count() == 2


@pytest.mark.django_db
def test_a_stage_already_on_an_empty_revision_can_still_be_changed(legacy, ngo_editor):
    from datetime import timedelta

    from django.utils import timezone

    from consultations.models import Stage

    consultation = consultations_domain.create_consultation(ngo_editor, legacy, title="Consultare")
    now = timezone.now()
    empty = legacy.revisions.get(number=1)
    stage = Stage.objects.create(  # as a stage made before empty revisions were refused
        consultation=consultation,
        position=1,
        kind="written",
        title="Scris",
        opens_at=now + timedelta(days=1),
        closes_at=now + timedelta(days=20),
        revision=empty,
        created_by=ngo_editor,
    )
    form = StageForm(consultation=consultation, stage=stage)
    assert [revision.number for revision in form.fields["revision"].queryset] == [2, 1]
