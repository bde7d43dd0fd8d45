"""The submission's dossier names every author: the sending organisation, the co-signing
organisations and the endorsements, as they stood when the proposal was sent."""

import io
from datetime import timedelta

import pytest
from django.utils import timezone
from pypdf import PdfReader

from proposals import coauthors, endorsements
from tests.factories import MembershipFactory, OrganizationFactory, UserFactory
from tests.helpers import submit

pytestmark = pytest.mark.django_db


def dossier_text(client, submission):
    response = client.get(f"/register/s/{submission.tracking_code}/dossier.pdf")
    assert response.status_code == 200
    reader = PdfReader(io.BytesIO(response.content))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def test_the_dossier_lists_the_cosigning_organisations_and_endorsements(
    client, published, ngo_editor, ngo_admin, verified_authority
):
    published.target_authority = verified_authority
    published.save(update_fields=["target_authority"])
    amr = OrganizationFactory(name="Asociația Municipiilor din România", slug="amr")
    amr_admin = MembershipFactory(organization=amr, role="admin").user
    coauthors.accept_coauthorship(amr_admin, coauthors.invite_coauthor(ngo_editor, published, amr))
    # Removed before sending: not a co-signer.
    gone = OrganizationFactory(name="Funky Citizens", slug="funky")
    gone_admin = MembershipFactory(organization=gone, role="admin").user
    coauthors.accept_coauthorship(
        gone_admin, coauthors.invite_coauthor(ngo_editor, published, gone)
    )
    coauthors.remove_coauthor(ngo_admin, published.coauthorships.get(organization=gone))
    federation = OrganizationFactory(name="Federația ONG-urilor din Vrancea", slug="fov")
    federation_admin = MembershipFactory(organization=federation, role="admin").user
    endorsements.endorse(
        federation_admin, published, organization=federation, statement="Susținem termenul."
    )
    person = UserFactory(display_name="Ion Vasile")
    withdrawn = endorsements.endorse(UserFactory(display_name="Retras Deja"), published)
    endorsements.withdraw_endorsement(withdrawn.user, withdrawn)
    endorsements.endorse(person, published)
    submission = submit(ngo_editor, published)
    # Endorsed after sending: not in the dossier that was filed.
    endorsements.endorse(
        UserFactory(display_name="Venit Târziu"),
        published,
        now=timezone.now() + timedelta(minutes=5),
    )
    text = dossier_text(client, submission)
    assert "Asociația Vrancea Civică, Asociația Municipiilor din România —" in text
    assert "Depusă de Asociația Vrancea Civică" in text
    assert "Organizații cosemnatare Asociația Municipiilor din România" in text
    assert "Funky Citizens" not in text
    assert "2 susțineri: 1 organizație, 1 persoană." in text
    assert "Federația ONG-urilor din Vrancea: „Susținem termenul.”" in text
    assert "Ion Vasile (participant)" in text
    assert "Retras Deja" not in text and "Venit Târziu" not in text
