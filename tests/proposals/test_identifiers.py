"""Proposals' address names that look identical (core.text, "Identifiers"): invisible characters
stripped, the case lowered, a taken address refused in any case."""

import pytest
from django.db import connection
from django.utils import translation

from core.errors import DomainError
from proposals import domain
from proposals.models import Proposal
from tests.concurrency import second_while_first_is_open
from tests.factories import ProposalFactory

NEW = "/proposals/new/"


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def create(editor, organization, authority, slug, title="Legea 350"):
    return domain.create_proposal(
        editor,
        organization,
        title=title,
        slug=slug,
        summary="",
        kind="policy",
        target_authority=authority,
    )


def refusal(*args, **kwargs):
    with pytest.raises(DomainError) as error:
        create(*args, **kwargs)
    return error.value.code, str(error.value.message)


def test_create_proposal_stores_the_slug_without_invisible_characters_in_lower_case(
    ngo, ngo_editor, authority
):
    proposal = create(ngo_editor, ngo, authority, " Legea-\u200b350\u00ad\u202e ")
    assert Proposal.objects.get(pk=proposal.pk).slug == "legea-350"
    assert proposal.get_absolute_url() == "/proposals/legea-350/"


@pytest.mark.parametrize("slug", ["legea-350\u2060", "LEGEA-350", "\ufefflegea-350"])
def test_create_proposal_refuses_a_slug_that_looks_like_a_taken_one(
    ngo, ngo_editor, authority, slug
):
    create(ngo_editor, ngo, authority, "legea-350")
    assert refusal(ngo_editor, ngo, authority, slug, title="Alta") == (
        "slug_taken",
        "A proposal with this address name already exists.",
    )
    assert list(Proposal.objects.values_list("slug", flat=True)) == ["legea-350"]


def test_create_proposal_refuses_a_slug_taken_in_another_case_before_slugs_were_lowered(
    ngo, ngo_editor, authority
):
    older = create(ngo_editor, ngo, authority, "legea-350")
    Proposal.objects.filter(pk=older.pk).update(slug="Legea-350")
    assert refusal(ngo_editor, ngo, authority, "legea-350", title="Alta") == (
        "slug_taken",
        "A proposal with this address name already exists.",
    )
    assert Proposal.objects.count() == 1


def test_create_proposal_refuses_a_slug_with_letters_of_another_script(ngo, ngo_editor, authority):
    # The Cyrillic е of "lеgea-350" passes for a Latin e.
    assert refusal(ngo_editor, ngo, authority, "lеgea-350") == (
        "slug",
        "Type an address name (letters, digits, hyphens).",
    )
    assert not Proposal.objects.exists()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs concurrent transactions")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_slug_taken_by_a_transaction_not_yet_committed_is_refused(ngo, ngo_editor, authority):
    """The second creation checks the slug free before the first commits; the unique constraint
    decides, and the second gets the same message as for a slug taken long ago."""
    with pytest.raises(DomainError) as error:
        second_while_first_is_open(
            lambda: create(ngo_editor, ngo, authority, "legea-350"),
            lambda: create(ngo_editor, ngo, authority, "Legea-350\u200b", title="Alta"),
        )
    assert (error.value.code, str(error.value.message)) == (
        "slug_taken",
        "A proposal with this address name already exists.",
    )
    assert list(Proposal.objects.values_list("title", "slug")) == [("Legea 350", "legea-350")]


# --- The form ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("en", "The address name “legea-350” is taken; choose another."),
        ("ro", "Numele în adresă „legea-350” este deja folosit; alegeți altul."),
        ("bg", "Адресното име „legea-350“ е заето; изберете друго."),
    ],
)
def test_create_form_refuses_a_slug_that_looks_like_a_taken_one(
    client, ngo, ngo_editor, authority, language, message
):
    ProposalFactory(editor=ngo_editor, organization=ngo, slug="legea-350")
    client.cookies["consult_language"] = language
    client.force_login(ngo_editor)
    data = {
        "organization": str(ngo.pk),
        "title": "Alta",
        "slug": "Legea-350\u200b",
        "summary": "",
        "kind": "policy",
        "target_authority": str(authority.pk),
        "reference_act": "",
        "language": "ro",
    }
    response = client.post(NEW, data)
    assert response.status_code == 200
    assert response.context["form"].errors == {"slug": [message]}
    assert list(Proposal.objects.values_list("slug", flat=True)) == ["legea-350"]
