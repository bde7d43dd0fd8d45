"""Endorsements: verified participants in their own name, organisations by an admin; one active
endorsement each (also under twenty simultaneous requests, on PostgreSQL); withdrawable, the
row kept; shown with their counts on the proposal's page, in the API and in the dossier."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from allauth.account.models import EmailAddress
from django.db import connection
from django.test import Client
from django.utils import translation

from core.errors import DomainError, InvalidTransition, NotAllowed
from core.models import ActivityLog
from proposals import coauthors, domain, endorsements
from proposals.models import Endorsement
from tests.factories import MembershipFactory, OrganizationFactory, ProposalFactory, UserFactory
from tests.helpers import en_client_for, messages_of

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    """Refusals read in English (the domain is called outside any request here)."""
    translation.activate("en")


@pytest.fixture
def association(db):
    """An association with an admin (who endorses in its name) and an editor (who may not)."""
    organization = OrganizationFactory(name="Asociația Pro Democrația", slug="apd")
    admin = MembershipFactory(organization=organization, role="admin").user
    editor = MembershipFactory(organization=organization, role="editor").user
    return organization, admin, editor


def url(proposal):
    return f"/proposals/{proposal.slug}/endorsements/"


def test_a_participant_endorses_with_a_statement_shown_on_the_page(published, user):
    client = en_client_for(user)
    response = client.post(url(published), {"endorser": "", "statement": "  Susțin!  "})
    assert response.status_code == 302
    assert messages_of(response) == ["Thank you: your endorsement is published."]
    endorsement = Endorsement.objects.get()
    assert (endorsement.user, endorsement.organization, endorsement.statement) == (
        user,
        None,
        "Susțin!",
    )
    page = en_client_for(UserFactory()).get(published.get_absolute_url()).content.decode()
    assert "1 endorsement: 0 organisations, 1 person." in page
    assert "Ana Popescu" in page and "Susțin!" in page
    assert ActivityLog.objects.filter(verb="endorsement.added").count() == 1


def test_an_unverified_participant_cannot_endorse(published):
    person = UserFactory()
    EmailAddress.objects.filter(user=person).update(verified=False)
    with pytest.raises(NotAllowed, match="Confirm your email address"):
        endorsements.endorse(person, published)
    response = en_client_for(person).post(url(published), {"endorser": "", "statement": ""})
    assert response.status_code == 302
    assert messages_of(response) == ["Confirm your email address to endorse proposals."]
    assert not Endorsement.objects.exists()


def test_an_organisation_endorses_through_its_admin_only(published, association):
    organization, admin, editor = association
    with pytest.raises(NotAllowed, match="administrators can endorse in its name"):
        endorsements.endorse(editor, published, organization=organization)
    response = en_client_for(admin).post(
        url(published), {"endorser": str(organization.pk), "statement": "Sprijinim."}
    )
    assert response.status_code == 302
    endorsement = Endorsement.objects.get()
    assert (endorsement.organization, endorsement.user) == (organization, admin)
    # The admin can still endorse in their own name: another endorser.
    endorsements.endorse(admin, published)
    assert endorsements.endorsement_counts(published) == {
        "organizations": 1,
        "people": 1,
        "total": 2,
    }


def test_a_second_endorsement_is_refused_with_a_message(published, user, association):
    organization, admin, _editor = association
    endorsements.endorse(user, published)
    with pytest.raises(DomainError, match="You already endorse this proposal."):
        endorsements.endorse(user, published, statement="Din nou")
    endorsements.endorse(admin, published, organization=organization)
    with pytest.raises(DomainError, match="Asociația Pro Democrația already endorses"):
        endorsements.endorse(admin, published, organization=organization)
    assert Endorsement.objects.count() == 2


def test_withdrawing_keeps_the_row_and_endorsing_again_makes_a_new_one(published, user):
    first = endorsements.endorse(user, published, statement="Prima")
    client = en_client_for(user)
    withdraw_url = f"/proposals/{published.slug}/endorsements/{first.pk}/withdraw/"
    assert client.get(withdraw_url).status_code == 200
    assert Endorsement.objects.get().withdrawn_at is None  # a GET changes nothing
    response = client.post(withdraw_url)
    assert response.status_code == 302
    first.refresh_from_db()
    assert first.withdrawn_at is not None and first.withdrawn_by == user
    assert endorsements.endorsement_counts(published)["total"] == 0
    with pytest.raises(InvalidTransition):
        endorsements.withdraw_endorsement(user, first)
    second = endorsements.endorse(user, published, statement="A doua")
    assert list(Endorsement.objects.order_by("pk").values_list("statement", "withdrawn_at")) == [
        ("Prima", first.withdrawn_at),
        ("A doua", None),
    ]
    assert second.pk != first.pk
    assert list(
        ActivityLog.objects.filter(verb__startswith="endorsement.")
        .order_by("pk")
        .values_list("verb", flat=True)
    ) == ["endorsement.added", "endorsement.withdrawn", "endorsement.added"]


def test_only_the_endorser_withdraws(published, user, association):
    organization, admin, editor = association
    mine = endorsements.endorse(user, published)
    theirs = endorsements.endorse(admin, published, organization=organization)
    with pytest.raises(NotAllowed):
        endorsements.withdraw_endorsement(UserFactory(), mine)
    with pytest.raises(NotAllowed):
        endorsements.withdraw_endorsement(editor, theirs)
    other = en_client_for(UserFactory())
    assert other.post(f"{url(published)}{mine.pk}/withdraw/").status_code == 403
    assert Endorsement.objects.active().count() == 2


def test_drafts_withdrawn_proposals_and_authors_cannot_be_endorsed(
    published, ngo, ngo_editor, ngo_admin, user, association
):
    organization, admin, _editor = association
    draft = ProposalFactory(editor=ngo_editor, organization=ngo, slug="ciorna")
    with pytest.raises(InvalidTransition, match="cannot be endorsed"):
        endorsements.endorse(user, draft)
    with pytest.raises(DomainError, match="An author of the proposal cannot endorse it."):
        endorsements.endorse(ngo_admin, published, organization=ngo)
    coauthorship = coauthors.invite_coauthor(ngo_editor, published, organization)
    coauthors.accept_coauthorship(admin, coauthorship)
    with pytest.raises(DomainError, match="An author of the proposal cannot endorse it."):
        endorsements.endorse(admin, published, organization=organization)
    domain.withdraw_proposal(ngo_editor, published, "Retrasă.")
    with pytest.raises(InvalidTransition, match="cannot be endorsed"):
        endorsements.endorse(user, published)
    assert not Endorsement.objects.exists()


def test_a_statement_too_long_or_with_control_characters_is_refused_and_kept(published, user):
    client = en_client_for(user)
    long_text = "a" * 1001
    response = client.post(url(published), {"endorser": "", "statement": long_text})
    assert response.status_code == 400
    assert long_text in response.content.decode()
    response = client.post(url(published), {"endorser": "", "statement": "Text\x00ascuns"})
    assert response.status_code == 400
    with pytest.raises(DomainError):
        endorsements.endorse(user, published, statement="Text\x07ascuns")
    assert not Endorsement.objects.exists()


def test_the_api_lists_endorsements_and_counts(published, user, association):
    organization, admin, _editor = association
    endorsements.endorse(user, published, statement="Da")
    endorsements.endorse(admin, published, organization=organization, statement="Sprijinim.")
    body = Client().get(f"/api/v1/proposals/{published.slug}/").json()
    assert body["endorsement_counts"] == {"organizations": 1, "people": 1, "total": 2}
    assert [(e["endorser"], e["statement"]) for e in body["endorsements"]] == [
        ("Asociația Pro Democrația", "Sprijinim."),
        ("Ana Popescu", "Da"),
    ]
    assert body["endorsements"][0]["organization"]["slug"] == "apd"
    assert body["endorsements"][1]["organization"] is None


# --- Races (PostgreSQL) -------------------------------------------------------------------------


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs concurrent transactions")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_twenty_simultaneous_endorsement_requests_store_one_row(published, user):
    start = threading.Barrier(20)

    def send(_n):
        client = Client()
        client.cookies["consult_language"] = "en"
        client.force_login(user)
        start.wait()
        try:
            return client.post(url(published), {"endorser": "", "statement": "Dublu clic"})
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=20) as pool:
        responses = list(pool.map(send, range(20)))
    statuses = sorted(response.status_code for response in responses)
    assert set(statuses) <= {302, 400}
    assert statuses.count(302) >= 1
    refused = [r.content.decode() for r in responses if r.status_code == 400]
    assert all("You already endorse this proposal." in page for page in refused)
    assert Endorsement.objects.filter(proposal=published).count() == 1
    assert ActivityLog.objects.filter(verb="endorsement.added").count() == 1


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs concurrent transactions")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_twenty_simultaneous_organisation_endorsements_store_one_row(published, association):
    organization, admin, _editor = association
    start = threading.Barrier(20)

    def endorse(_n):
        translation.activate("en")  # each thread has its own language
        start.wait()
        try:
            endorsements.endorse(admin, published, organization=organization)
        except DomainError as error:
            return str(error.message)
        finally:
            connection.close()
        return "ok"

    with ThreadPoolExecutor(max_workers=20) as pool:
        results = list(pool.map(endorse, range(20)))
    assert sorted(results) == ["Asociația Pro Democrația already endorses this proposal."] * 19 + [
        "ok"
    ]
    assert Endorsement.objects.filter(proposal=published, organization=organization).count() == 1


def test_endorsements_are_in_the_data_export_and_end_with_the_account(published, user, association):
    from accounts import domain as accounts_domain
    from core import privacy

    organization, admin, _editor = association
    mine = endorsements.endorse(user, published, statement="Susțin pentru că…")
    theirs = endorsements.endorse(admin, published, organization=organization, statement="Noi.")
    exported = privacy.export_user_data(user)["endorsements"]
    assert exported == [
        {
            "proposal": published.slug,
            "organization": None,
            "statement": "Susțin pentru că…",
            "endorsed": mine.created_at.isoformat(),
            "withdrawn": None,
        }
    ]
    assert privacy.export_user_data(admin)["endorsements"][0]["organization"] == organization.name
    accounts_domain.delete_account(user)
    mine.refresh_from_db()
    assert mine.withdrawn_at is not None and mine.statement == ""
    theirs.refresh_from_db()
    assert (theirs.withdrawn_at, theirs.statement) == (None, "Noi.")
    assert endorsements.endorsement_counts(published) == {
        "organizations": 1,
        "people": 0,
        "total": 1,
    }
    assert ActivityLog.objects.filter(verb="endorsement.withdrawn").count() == 1
