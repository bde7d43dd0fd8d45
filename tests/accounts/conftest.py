import pytest

from tests.factories import MembershipFactory


@pytest.fixture
def second_admin(ngo):
    return MembershipFactory(organization=ngo, role="admin", user__display_name="Second Admin").user
