import pytest
from django.core.cache import cache
from django.utils import translation

from tests.factories import MembershipFactory, OrganizationFactory, UserFactory


@pytest.fixture(autouse=True)
def _clear_cache():
    # Rate-limit counters live in the cache; each test starts from zero.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _default_language():
    # A request leaves its language active in the test thread; start and end on the default.
    translation.deactivate()
    yield
    translation.deactivate()


@pytest.fixture
def user(db):
    return UserFactory(display_name="Ana Popescu")


@pytest.fixture
def ngo(db):
    return OrganizationFactory(name="Asociația Vrancea Civică", slug="vrancea-civica")


@pytest.fixture
def ngo_admin(ngo):
    return MembershipFactory(organization=ngo, role="admin", user__display_name="Admin ONG").user


@pytest.fixture
def ngo_editor(ngo):
    return MembershipFactory(organization=ngo, role="editor", user__display_name="Editor ONG").user


@pytest.fixture
def outsider(db):
    return UserFactory(display_name="Outsider")
