"""Co-authoring organisations through their pages: the owner invites, the invited admins
accept or decline (page and email), the owner removes after confirming; every move is a log
row, a row is never deleted, and every page names the authors."""

import pytest
from django.core import mail
from django.test import Client
from django.utils import translation

from core.errors import DomainError, InvalidTransition, NotAllowed
from core.models import ActivityLog
from proposals import coauthors, domain
from proposals.models import Coauthorship, Proposal
from tests.factories import MembershipFactory, OrganizationFactory, UserFactory
from tests.helpers import en_client_for, messages_of

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    """Refusals read in English (the domain is called outside any request here)."""
    translation.activate("en")


@pytest.fixture
def partner(db):
    """A municipal association with an admin (Romanian emails) and an editor."""
    organization = OrganizationFactory(name="Asociația Municipiilor din România", slug="amr")
    admin = MembershipFactory(
        organization=organization,
        role="admin",
        user__email="admin@amr.example.org",
        user__display_name="Admin AMR",
    ).user
    MembershipFactory(organization=organization, role="editor", user__email="ed@amr.example.org")
    return organization, admin


def log_verbs(proposal):
    return list(
        ActivityLog.objects.filter(verb__startswith="coauthor.")
        .order_by("pk")
        .values_list("verb", "new_value")
    )


def test_invite_accept_lifecycle_through_the_pages(
    published, ngo_editor, ngo_admin, partner, django_capture_on_commit_callbacks
):
    organization, admin = partner
    owner = en_client_for(ngo_editor)
    with django_capture_on_commit_callbacks(execute=True):
        response = owner.post(
            f"/proposals/{published.slug}/authors/", {"organization": organization.pk}
        )
    assert response.status_code == 302
    assert messages_of(response) == [
        "Asociația Municipiilor din România was invited; its administrators were emailed."
    ]
    coauthorship = Coauthorship.objects.get()
    assert (coauthorship.status, coauthorship.invited_by) == ("invited", ngo_editor)
    # The invitation goes to the invited organisation's admins only, in their language.
    assert [message.to for message in mail.outbox] == [["admin@amr.example.org"]]
    invitation = mail.outbox[0]
    assert invitation.subject == (
        "Asociația Vrancea Civică invită organizația dumneavoastră să fie coautoare a unei "
        "propuneri"
    )
    assert f"{coauthorship.get_absolute_url()}\n" in invitation.body
    assert "Ca administrator al organizației dumneavoastră" in invitation.body

    invited = en_client_for(admin)
    page = invited.get(coauthorship.get_absolute_url())
    assert page.status_code == 200
    assert b'name="action" value="accept"' in page.content
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = invited.post(coauthorship.get_absolute_url(), {"action": "accept"})
    assert response.status_code == 302
    assert response["Location"] == published.get_absolute_url()
    coauthorship.refresh_from_db()
    assert (coauthorship.status, coauthorship.answered_by) == ("accepted", admin)
    # The owner's editors and admins are told.
    assert sorted(message.to[0] for message in mail.outbox) == sorted(
        [ngo_editor.email, ngo_admin.email]
    )
    assert log_verbs(published) == [
        ("coauthor.invited", "Asociația Municipiilor din România"),
        ("coauthor.accepted", "Asociația Municipiilor din România"),
    ]
    # Every page names the co-author now.
    detail = en_client_for(UserFactory()).get(published.get_absolute_url()).content.decode()
    assert "Co-authors:" in detail and "Asociația Municipiilor din România" in detail
    listing = en_client_for(UserFactory()).get("/proposals/").content.decode()
    assert "Asociația Vrancea Civică, Asociația Municipiilor din România →" in listing


def test_decline_keeps_the_row_and_tells_the_owner(
    published, ngo_editor, partner, django_capture_on_commit_callbacks
):
    organization, admin = partner
    coauthorship = coauthors.invite_coauthor(ngo_editor, published, organization)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = en_client_for(admin).post(coauthorship.get_absolute_url(), {"action": "decline"})
    assert response.status_code == 302
    assert Coauthorship.objects.get().status == "declined"
    assert [message.to for message in mail.outbox] == [[ngo_editor.email]]
    assert mail.outbox[0].subject == (
        "Asociația Municipiilor din România a refuzat să fie coautoare a propunerii dumneavoastră"
    )
    # Declined: no rights; answering again is refused; inviting again makes a new row.
    with pytest.raises(InvalidTransition):
        coauthors.accept_coauthorship(admin, coauthorship)
    again = coauthors.invite_coauthor(ngo_editor, published, organization)
    assert list(Coauthorship.objects.order_by("pk").values_list("status", flat=True)) == [
        "declined",
        "invited",
    ]
    assert again.pk != coauthorship.pk


def test_an_editor_of_the_invited_organisation_sees_but_cannot_answer(
    published, ngo_editor, partner
):
    organization, _admin = partner
    coauthorship = coauthors.invite_coauthor(ngo_editor, published, organization)
    editor = organization.memberships.get(role="editor").user
    client = en_client_for(editor)
    page = client.get(coauthorship.get_absolute_url())
    assert page.status_code == 200
    assert b'value="accept"' not in page.content
    assert client.post(coauthorship.get_absolute_url(), {"action": "accept"}).status_code == 403
    assert en_client_for(UserFactory()).get(coauthorship.get_absolute_url()).status_code == 404
    assert Coauthorship.objects.get().status == "invited"


def test_remove_asks_for_confirmation_then_removes_and_emails(
    published, ngo_editor, ngo_admin, partner, django_capture_on_commit_callbacks
):
    organization, admin = partner
    coauthorship = coauthors.invite_coauthor(ngo_editor, published, organization)
    coauthors.accept_coauthorship(admin, coauthorship)
    url = f"/proposals/{published.slug}/authors/{coauthorship.pk}/remove/"
    owner = en_client_for(ngo_admin)
    confirm = owner.get(url)
    assert confirm.status_code == 200
    assert "Remove Asociația Municipiilor din România from the authors" in confirm.content.decode()
    assert Coauthorship.objects.get().status == "accepted"  # a GET changes nothing
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = owner.post(url)
    assert response.status_code == 302
    coauthorship.refresh_from_db()
    assert (coauthorship.status, coauthorship.removed_by) == ("removed", ngo_admin)
    assert [message.to for message in mail.outbox] == [["admin@amr.example.org"]]
    # The removed organisation's editors lost the authors' rights at once.
    editor = organization.memberships.get(role="editor").user
    assert en_client_for(editor).get(f"/proposals/{published.slug}/edit/").status_code == 403
    assert [verb for verb, _name in log_verbs(published)] == [
        "coauthor.invited",
        "coauthor.accepted",
        "coauthor.removed",
    ]


def test_coauthors_cannot_remove_coauthors_or_withdraw(published, ngo_editor, partner):
    organization, admin = partner
    coauthorship = coauthors.invite_coauthor(ngo_editor, published, organization)
    coauthors.accept_coauthorship(admin, coauthorship)
    with pytest.raises(NotAllowed):
        coauthors.remove_coauthor(admin, coauthorship)
    with pytest.raises(NotAllowed):
        domain.withdraw_proposal(admin, published, "Nu mai susținem.")
    with pytest.raises(NotAllowed):
        coauthors.invite_coauthor(admin, published, OrganizationFactory())
    assert Coauthorship.objects.get().status == "accepted"
    assert Proposal.objects.get(pk=published.pk).status == "published"


def test_invitations_refused_with_a_message(published, ngo, ngo_editor, partner, authority):
    organization, _admin = partner
    with pytest.raises(DomainError, match="public authority cannot co-author"):
        coauthors.invite_coauthor(ngo_editor, published, authority)
    with pytest.raises(DomainError, match="already the proposal's author"):
        coauthors.invite_coauthor(ngo_editor, published, ngo)
    coauthors.invite_coauthor(ngo_editor, published, organization)
    with pytest.raises(DomainError, match="already invited or co-authoring"):
        coauthors.invite_coauthor(ngo_editor, published, organization)
    assert Coauthorship.objects.count() == 1


def test_the_invite_form_refuses_an_organisation_already_invited(published, ngo_editor, partner):
    organization, _admin = partner
    coauthors.invite_coauthor(ngo_editor, published, organization)
    response = en_client_for(ngo_editor).post(
        f"/proposals/{published.slug}/authors/", {"organization": organization.pk}
    )
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    assert Coauthorship.objects.count() == 1


def test_the_authors_page_shows_past_coauthors_to_authors_only(published, ngo_editor, partner):
    organization, admin = partner
    coauthorship = coauthors.invite_coauthor(ngo_editor, published, organization)
    coauthors.decline_coauthorship(admin, coauthorship)
    url = f"/proposals/{published.slug}/authors/"
    assert "Declined" in en_client_for(ngo_editor).get(url).content.decode()
    public = en_client_for(UserFactory()).get(url).content.decode()
    assert "Asociația Municipiilor din România" not in public


def test_cached_pages_name_a_new_co_author_at_once(published, ngo_editor, partner):
    # The proposal page is kept for anonymous visitors (core.pagecache): a co-author joining
    # makes it again.
    organization, admin = partner
    anonymous = Client(HTTP_ACCEPT_LANGUAGE="en")
    first = anonymous.get(f"/proposals/{published.slug}/").content.decode()
    assert organization.name not in first
    invitation = coauthors.invite_coauthor(ngo_editor, published, organization)
    coauthors.accept_coauthorship(admin, invitation)
    assert organization.name in anonymous.get(f"/proposals/{published.slug}/").content.decode()
    coauthors.remove_coauthor(ngo_editor, Coauthorship.objects.get(pk=invitation.pk))
    assert organization.name not in anonymous.get(f"/proposals/{published.slug}/").content.decode()
