"""A proposal is found by the names of its authors: the owner's and each co-author's, from the
moment a co-authorship is accepted until it is removed (the queue worker applies each change)."""

from proposals import coauthors
from search import indexing
from search.models import IndexQueue
from tests.factories import MembershipFactory, OrganizationFactory
from tests.helpers import add_coauthor
from tests.search.conftest import make_proposal, page_slugs, slugs_for


def partner_organization():
    organization = OrganizationFactory(name="Asociația Pietonilor Ploieșteni", slug="pietoni")
    admin = MembershipFactory(organization=organization, role="admin").user
    return organization, admin


def test_coauthor_name_finds_the_proposal_once_accepted(editor, en_client):
    proposal = make_proposal(editor, "trotuare", "Trotuare late pe bulevard.")
    other = make_proposal(editor, "parcari", "Parcări de reședință.")
    partner, admin = partner_organization()
    indexing.drain()
    assert slugs_for("ploiesteni") == []
    # The owner's name finds both of its proposals.
    assert slugs_for("Vrancea Civică") == ["parcari", "trotuare"]

    invitation = coauthors.invite_coauthor(editor, proposal, partner)
    indexing.drain()
    assert slugs_for("ploiesteni") == []  # invited is not an author yet

    coauthors.accept_coauthorship(admin, invitation)
    assert IndexQueue.objects.filter(
        model="proposals.proposal", object_id=str(proposal.pk)
    ).exists()
    assert indexing.drain() == 1
    # Diacritics or none, any form of a word of the name.
    assert slugs_for("ploiesteni") == ["trotuare"]
    assert slugs_for("Pietonii Ploieștenii") == ["trotuare"]
    assert slugs_for('"Asociația Pietonilor"') == ["trotuare"]
    response = en_client.get("/search/", {"q": "Pietonilor"})
    assert page_slugs(response) == ["trotuare"]
    # The result names both authors.
    assert [result["organization"] for result in response.context["results"]] == [
        "Asociația Vrancea Civică, Asociația Pietonilor Ploieșteni"
    ]
    assert slugs_for("parcari") == [other.slug]  # the other proposal's document is unchanged


def test_removed_coauthor_name_no_longer_finds_the_proposal(editor):
    proposal = make_proposal(editor, "trotuare", "Trotuare late pe bulevard.")
    partner, admin = partner_organization()
    coauthorship = add_coauthor(editor, proposal, partner, admin)
    indexing.drain()
    assert slugs_for("pietonilor") == ["trotuare"]

    coauthors.remove_coauthor(editor, coauthorship)
    indexing.drain()
    assert slugs_for("pietonilor") == []
    assert slugs_for("trotuare") == ["trotuare"]


def test_renamed_coauthor_is_found_by_its_new_name(editor):
    proposal = make_proposal(editor, "trotuare", "Trotuare late pe bulevard.")
    partner, admin = partner_organization()
    add_coauthor(editor, proposal, partner, admin)
    indexing.drain()

    partner.name = "Federația Bicicliștilor"
    partner.save()
    indexing.drain()
    assert slugs_for("biciclistilor") == ["trotuare"]
    assert slugs_for("pietonilor") == []
