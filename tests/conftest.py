"""Fixtures shared by every folder. A fixture name means one thing everywhere: a folder's own
conftest.py never defines a name again (tests/test_fixture_names.py checks it)."""

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone, translation

from proposals import domain
from tests.factories import (
    AUTHORITY_SLUG,
    MembershipFactory,
    OrganizationFactory,
    ProposalFactory,
    UserFactory,
    directory_authority,
)
from tests.helpers import save, submit, text_block


def pytest_collection_modifyitems(config, items):
    """Every transactional test restores the migrated rows (serialized_rollback=True).

    After such a test Django empties the tables and leaves them empty, so that the next one can
    put back the rows the migrations made (the site, content types, legal texts) with their own
    ids. A transactional test without it starts from empty tables when it follows one (its
    comments then point to a site that is not there), and its own emptying recreates the content
    types with new ids, which the next test cannot put back: both seen in CI, in whichever order
    the two processes happened to run the tests."""
    from pytest_django.fixtures import validate_django_db

    missing = []
    for item in items:
        fixtures = getattr(item, "fixturenames", ())
        marker = item.get_closest_marker("django_db")
        transactional = "transactional_db" in fixtures or "live_server" in fixtures
        serialized = "django_db_serialized_rollback" in fixtures
        if marker is not None:
            transaction, reset_sequences, _, serialized_rollback, _ = validate_django_db(marker)
            transactional = transactional or transaction or reset_sequences
            serialized = serialized or serialized_rollback
        if transactional and not serialized:
            missing.append(item.nodeid)
    if missing:
        raise pytest.UsageError(
            "Transactional tests without serialized_rollback=True (tests/conftest.py says why):\n"
            + "\n".join(missing)
        )


@pytest.fixture(scope="session", autouse=True)
def _serialized_rows_for_every_connection(django_db_setup):
    """The migrated rows a transactional test puts back (serialized_rollback), known to every
    connection object of the default database, not only the one the test database was made
    with: once Playwright runs (tests/browser), the test's code gets connection objects of
    another context, which Django would find without them, and would then leave the tables
    empty (no site, no content types) for the test."""
    from django.db import connections

    for alias in connections:
        rows = getattr(connections[alias], "_test_serialized_contents", None)
        if rows is not None:
            type(connections[alias])._test_serialized_contents = rows


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


@pytest.fixture
def editor(ngo_editor):
    """Another name for `ngo_editor` (the consultations and search tests call it so)."""
    return ngo_editor


@pytest.fixture
def other_member(db):
    """An editor of another NGO."""
    other = OrganizationFactory(name="Alt ONG", slug="alt-ong")
    return MembershipFactory(organization=other, role="editor", user__display_name="Alt").user


@pytest.fixture
def staff(db):
    return UserFactory(is_staff=True, display_name="Moderator")


@pytest.fixture
def en_client():
    """A browser of its own that chose English, so page text is the stable English source; it
    is not `client`, so a test can have both (an English visitor and another one).

    The test itself speaks English too, so that form errors and messages read after the request
    are English whatever the catalogues hold.
    """
    browser = Client()
    browser.cookies["consult_language"] = "en"
    translation.activate("en")
    return browser


# --- Proposals and submissions ------------------------------------------------------------------


@pytest.fixture
def authority(db):
    """A public authority from the directory loaded by the migrations."""
    return directory_authority(AUTHORITY_SLUG)


@pytest.fixture
def verified_authority(authority):
    """Primăria Municipiului Focșani, verified so that its registrars can act for it."""
    authority.verified_at = timezone.now()
    authority.save(update_fields=["verified_at"])
    return authority


@pytest.fixture
def registrar(verified_authority):
    return MembershipFactory(
        organization=verified_authority,
        role="registrar",
        user__display_name="Elena Registratura",
    ).user


@pytest.fixture
def proposal(ngo, ngo_editor):
    """A draft of `ngo`, kind "other": revision 1 has one text block (`first_blocks`)."""
    return ProposalFactory(
        editor=ngo_editor,
        organization=ngo,
        title="Finanțare multianuală pentru ONG-uri",
        slug="finantare-multianuala",
    )


@pytest.fixture
def published(proposal, ngo_editor):
    """`proposal` with a text in revision 2, published."""
    key = proposal.current_revision.blocks[0]["key"]
    save(ngo_editor, proposal, [text_block(key, "Finanțarea se acordă multianual.")])
    domain.publish_proposal(ngo_editor, proposal)
    proposal.refresh_from_db()
    return proposal


@pytest.fixture
def submission(published, ngo_editor, verified_authority):
    """`published` submitted to the verified Focșani authority (no registrar yet)."""
    return submit(ngo_editor, published)


# --- A broker that cannot be reached -----------------------------------------------------------


@pytest.fixture
def broker_down(settings, monkeypatch):
    """Celery with a broker that refuses connections (a closed port); the pause after a failure
    (`core.background.queue`) starts over for each test."""
    from consult.celery import app
    from core import background

    def forget_connections():
        # Made (and the publishing function, with its retry policy) for the broker named when
        # they were first asked for.
        app._pool = None  # noqa: SLF001
        if "amqp" in app.__dict__:
            app.amqp._producer_pool = None  # noqa: SLF001
            app.amqp.__dict__.pop("send_task_message", None)

    # Celery reads the broker's address from the environment before its settings.
    monkeypatch.delenv("CELERY_BROKER_URL", raising=False)
    monkeypatch.delenv("CELERY_BROKER_WRITE_URL", raising=False)
    monkeypatch.setitem(background._broker, "down_until", 0.0)  # noqa: SLF001
    monkeypatch.setitem(background._broker, "told", set())  # noqa: SLF001
    conf = app.conf
    saved = (conf.task_always_eager, conf.broker_url)
    conf.task_always_eager = False
    conf.broker_url = "redis://127.0.0.1:9/0"
    forget_connections()
    try:
        yield app
    finally:
        conf.task_always_eager, conf.broker_url = saved
        forget_connections()
