import pytest
from django.utils import translation

from tests.factories import MembershipFactory, UserFactory


@pytest.fixture
def en_client(client):
    """A browser that chose English, so page text is the stable English source.

    The test itself speaks English too, so that form errors and messages read after the request
    are English whatever the catalogues hold.
    """
    client.cookies["consult_language"] = "en"
    translation.activate("en")
    return client


@pytest.fixture
def staff(db):
    return UserFactory(is_staff=True, display_name="Moderator")


@pytest.fixture
def second_admin(ngo):
    return MembershipFactory(organization=ngo, role="admin", user__display_name="Second Admin").user
