"""The authentication backends (accounts.backends): the signed-in person and profile read with
one statement, exactly as the ORM reads them; sessions signed in before the switch stay
signed in."""

from datetime import UTC, datetime
from importlib import import_module

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import (
    TOTP,
    format_hotp_value,
    generate_totp_secret,
    hotp_value,
    yield_hotp_counters_from_time,
)
from asgiref.sync import async_to_sync
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.auth import backends as django_backends
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from accounts import backends
from accounts.models import Profile, User
from accounts.rules import has_confirmed_email
from tests.accounts.helpers import link_in, only_email, sign_up_data
from tests.factories import PASSWORD, UserFactory

NEW_MODEL = "accounts.backends.ModelBackend"
NEW_ALLAUTH = "accounts.backends.AuthenticationBackend"
OLD_MODEL = "django.contrib.auth.backends.ModelBackend"
OLD_ALLAUTH = "allauth.account.auth_backends.AuthenticationBackend"
BACKENDS = [backends.ModelBackend(), backends.AuthenticationBackend()]


def values_of(instance):
    """Every concrete field's value, with its type and (for a datetime) its time zone."""
    found = {}
    for field in type(instance)._meta.concrete_fields:
        value = getattr(instance, field.attname)
        found[field.attname] = (value, type(value), getattr(value, "tzinfo", None))
    return found


@pytest.fixture
def person(db):
    """An account whose every field holds a value of its own (a superuser, signed in before,
    a datetime with microseconds) and a profile filled in."""
    person = UserFactory(
        display_name="Ioana Radu",
        language="ro",
        is_superuser=True,
        is_staff=True,
        last_login=datetime(2026, 3, 4, 5, 6, 7, 891011, tzinfo=UTC),
        date_joined=datetime(2025, 12, 31, 23, 59, 58, 123456, tzinfo=UTC),
    )
    Profile.objects.filter(user=person).update(
        locality="Focșani", region="VN", respondent_category="ngo"
    )
    return person


@pytest.mark.parametrize("backend", BACKENDS, ids=["model", "allauth"])
def test_get_user_reads_the_user_and_profile_as_the_orm_does(
    person, backend, django_assert_num_queries
):
    with django_assert_num_queries(1):
        user = backend.get_user(person.pk)
    with django_assert_num_queries(0):
        profile = user.profile
        assert profile.user is user

    by_orm = User.objects.get(pk=person.pk)
    profile_by_orm = Profile.objects.get(user=person)
    assert values_of(user) == values_of(by_orm)
    assert values_of(profile) == values_of(profile_by_orm)
    assert values_of(user)["last_login"][0] == datetime(2026, 3, 4, 5, 6, 7, 891011, tzinfo=UTC)
    assert values_of(user)["is_superuser"] == (True, bool, None)
    assert values_of(profile)["locality"] == ("Focșani", str, None)
    assert user == by_orm and profile == profile_by_orm
    assert (user._state.db, user._state.adding) == ("default", False)
    assert (profile._state.db, profile._state.adding) == ("default", False)
    # As after the ORM's read: a rename is noticed when the profile is saved.
    assert profile._saved_display_name == "Ioana Radu"
    assert user.public_name == "Ioana Radu"
    assert user.get_session_auth_hash() == by_orm.get_session_auth_hash()


@pytest.mark.parametrize(
    ("addresses", "confirmed"),
    [([], False), ([False], False), ([True], True), ([False, True], True)],
    ids=["none", "unconfirmed", "confirmed", "one-of-two"],
)
def test_get_user_reads_whether_an_address_is_confirmed_and_the_gate_asks_nothing_more(
    db, addresses, confirmed, django_assert_num_queries
):
    person = UserFactory(verified_email=False)
    for number, verified in enumerate(addresses):
        EmailAddress.objects.create(
            user=person, email=f"adresa{number}@example.org", verified=verified
        )
    with django_assert_num_queries(1):
        user = backends.ModelBackend().get_user(person.pk)
    with django_assert_num_queries(0):
        assert has_confirmed_email(user) is confirmed
    # Another instance of the same person (not the request's) is asked with a query.
    other = User.objects.get(pk=person.pk)
    with django_assert_num_queries(1):
        assert has_confirmed_email(other) is confirmed
    assert sorted(person.emailaddress_set.values_list("verified", flat=True)) == sorted(addresses)


def test_get_user_of_a_deleted_account_reads_its_null_values(person):
    deleted_at = datetime(2026, 5, 1, tzinfo=UTC)
    User.objects.filter(pk=person.pk).update(email=None, deleted_at=deleted_at)

    user = backends.ModelBackend().get_user(person.pk)

    assert values_of(user) == values_of(User.objects.get(pk=person.pk))
    assert (user.email, user.deleted_at) == (None, deleted_at)
    with translation.override("en"):
        assert user.public_name == "Deleted account"


def test_get_user_without_a_profile_caches_what_select_related_caches(
    person, django_assert_num_queries
):
    Profile.objects.filter(user=person).delete()
    by_orm = User.objects.select_related("profile").get(pk=person.pk)

    with django_assert_num_queries(1):
        user = backends.ModelBackend().get_user(person.pk)

    assert values_of(user) == values_of(by_orm)
    assert user._state.fields_cache == by_orm._state.fields_cache == {"profile": None}
    with django_assert_num_queries(0):
        assert not hasattr(user, "profile")
        with pytest.raises(Profile.DoesNotExist):
            user.profile  # noqa: B018 (the read is what is tested)
        with translation.override("en"):
            assert user.public_name == f"Participant #{person.pk}"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="prepared: PostgreSQL")
@pytest.mark.parametrize("backend", BACKENDS, ids=["model", "allauth"])
def test_get_user_prepared_reads_what_the_orm_reads(person, backend, monkeypatch):
    """With connections kept between requests (production) and no query log, the statement is
    bound on the server and prepared (`core.sql.kept_cursor`): the same values."""
    monkeypatch.setitem(connection.settings_dict, "CONN_MAX_AGE", 60)
    for _ in range(3):
        user = backend.get_user(person.pk)
        assert values_of(user) == values_of(User.objects.get(pk=person.pk))
        assert values_of(user.profile) == values_of(Profile.objects.get(user=person))
    assert backend.get_user(2**40) is None
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s",
            ['%LEFT OUTER JOIN "accounts_profile"%'],
        )
        assert cursor.fetchone()[0] >= 1


@pytest.mark.parametrize("backend", BACKENDS, ids=["model", "allauth"])
def test_the_async_read_is_the_one_statement_read(person, backend, django_assert_num_queries):
    with django_assert_num_queries(1):
        user = async_to_sync(backend.aget_user)(person.pk)
    with django_assert_num_queries(0):
        assert user.profile.locality == "Focșani"


@pytest.mark.parametrize("backend", BACKENDS, ids=["model", "allauth"])
def test_get_user_of_an_inactive_account_is_none(person, backend):
    User.objects.filter(pk=person.pk).update(is_active=False)
    assert backend.get_user(person.pk) is None


@pytest.mark.parametrize("backend", BACKENDS, ids=["model", "allauth"])
def test_get_user_of_a_missing_account_is_none(person, backend):
    assert backend.get_user(person.pk + 1000) is None
    assert django_backends.ModelBackend().get_user(person.pk + 1000) is None


@pytest.mark.parametrize("user_id", [2**63, -(2**63) - 1, 10**30])
def test_get_user_of_an_id_beyond_the_columns_range_is_none_as_with_the_parent(
    person, user_id, django_assert_num_queries
):
    assert django_backends.ModelBackend().get_user(user_id) is None
    with django_assert_num_queries(0):
        assert backends.ModelBackend().get_user(user_id) is None


@pytest.mark.parametrize("user_id", ["abc", "", "1.5", "1e3"])
def test_get_user_of_an_id_no_user_can_have_is_none(person, user_id, django_assert_num_queries):
    # Django's own backend raises ValueError here (its callers never pass such an id).
    with pytest.raises(ValueError):
        django_backends.ModelBackend().get_user(user_id)
    with django_assert_num_queries(0):
        assert backends.ModelBackend().get_user(user_id) is None


def test_get_user_takes_the_id_as_a_string_as_the_parent_does(person):
    assert backends.ModelBackend().get_user(str(person.pk)) == person
    assert django_backends.ModelBackend().get_user(str(person.pk)) == person


# --- Sessions ----------------------------------------------------------------------------------


def session_signed_in(person, backend_path, user_id=None):
    """A stored session signing `person` in with `backend_path`, as Django's `login` leaves it."""
    store = import_module(settings.SESSION_ENGINE).SessionStore()
    store[SESSION_KEY] = str(person.pk) if user_id is None else user_id
    store[BACKEND_SESSION_KEY] = backend_path
    store[HASH_SESSION_KEY] = person.get_session_auth_hash()
    store.create()
    return store.session_key


def stored(session_key):
    """The data of the stored session `session_key` (read from the database, not the cache)."""
    return Session.objects.get(session_key=session_key).get_decoded()


def browser_with(session_key):
    browser = Client()
    browser.cookies["consult_language"] = "en"
    browser.cookies[settings.SESSION_COOKIE_NAME] = session_key
    return browser


@pytest.mark.parametrize(("old", "new"), [(OLD_MODEL, NEW_MODEL), (OLD_ALLAUTH, NEW_ALLAUTH)])
def test_a_session_signed_in_with_an_old_path_stays_signed_in_with_the_new_one(person, old, new):
    key = session_signed_in(person, old)
    browser = browser_with(key)

    response = browser.get("/accounts/dashboard/")

    assert response.status_code == 200
    assert response.context["user"] == person
    assert stored(key)[BACKEND_SESSION_KEY] == new
    assert stored(key)[SESSION_KEY] == str(person.pk)
    # Saved once: the next request finds the new path and writes nothing.
    with CaptureQueriesContext(connection) as queries:
        assert browser.get("/accounts/dashboard/").status_code == 200
    assert not [q for q in queries.captured_queries if "django_session" in q["sql"]]
    assert stored(key)[BACKEND_SESSION_KEY] == new


def test_an_async_request_with_an_old_path_is_signed_in_with_the_new_one(person, rf):
    key = session_signed_in(person, OLD_ALLAUTH)
    request = rf.get("/")
    request.session = import_module(settings.SESSION_ENGINE).SessionStore(key)
    backends.AuthenticationMiddleware(lambda request: None).process_request(request)

    assert async_to_sync(request.auser)() == person
    assert request.session[BACKEND_SESSION_KEY] == NEW_ALLAUTH
    assert request.session.modified


@pytest.mark.parametrize("user_id", ["abc", "\x00"])
def test_an_async_request_with_an_id_no_user_can_have_is_signed_out(person, rf, user_id):
    key = session_signed_in(person, NEW_MODEL, user_id=user_id)
    request = rf.get("/")
    request.session = import_module(settings.SESSION_ENGINE).SessionStore(key)
    backends.AuthenticationMiddleware(lambda request: None).process_request(request)

    assert not async_to_sync(request.auser)().is_authenticated
    assert not Session.objects.filter(session_key=key).exists()


def test_a_session_with_a_path_never_configured_stays_signed_out(person):
    key = session_signed_in(person, "somewhere.else.Backend")

    response = browser_with(key).get("/accounts/dashboard/")

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/accounts/dashboard/"
    assert stored(key)[BACKEND_SESSION_KEY] == "somewhere.else.Backend"


@pytest.mark.parametrize("user_id", ["abc", "", "1 OR 1=1", "\x00"])
def test_a_session_with_an_id_no_user_can_have_is_signed_out_without_an_error(person, user_id):
    key = session_signed_in(person, NEW_MODEL, user_id=user_id)
    browser = browser_with(key)

    response = browser.get("/accounts/dashboard/")

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/accounts/dashboard/"
    assert not Session.objects.filter(session_key=key).exists()
    assert browser.get("/legal/privacy/").status_code == 200


def test_a_session_with_an_id_beyond_the_columns_range_is_signed_out(person):
    key = session_signed_in(person, NEW_MODEL, user_id=str(2**70))
    response = browser_with(key).get("/accounts/dashboard/")
    assert response.status_code == 302


def test_sign_in_through_the_form_stores_the_new_model_path(en_client, person):
    # Django's authenticate() asks the backends in order: the model backend (by the
    # USERNAME_FIELD, email) accepts allauth's credentials before allauth's own is asked.
    response = en_client.post("/accounts/login/", {"login": person.email, "password": PASSWORD})

    assert response.status_code == 302
    assert response["Location"] == "/accounts/dashboard/"
    assert en_client.session[BACKEND_SESSION_KEY] == NEW_MODEL
    assert en_client.session[SESSION_KEY] == str(person.pk)
    page = en_client.get("/accounts/dashboard/")
    assert page.status_code == 200
    assert page.context["user"] == person


def test_confirming_the_address_signs_in_with_the_new_allauth_path(en_client, db):
    en_client.post("/accounts/signup/", sign_up_data("new@example.org"))
    response = en_client.post(link_in(only_email(), "/accounts/confirm-email/"))

    assert response.status_code == 302
    assert response["Location"] == "/accounts/dashboard/"
    assert en_client.session[BACKEND_SESSION_KEY] == NEW_ALLAUTH
    assert en_client.session[SESSION_KEY] == str(User.objects.get(email="new@example.org").pk)


def test_force_login_stores_the_new_model_path(en_client, person):
    en_client.force_login(person)
    assert en_client.session[BACKEND_SESSION_KEY] == NEW_MODEL
    assert en_client.get("/accounts/dashboard/").context["user"] == person


def test_sign_in_with_a_second_factor_stores_the_new_allauth_path(en_client, person):
    secret = generate_totp_secret()
    TOTP.activate(person, secret)

    response = en_client.post("/accounts/login/", {"login": person.email, "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == "/accounts/2fa/authenticate/"
    assert SESSION_KEY not in en_client.session

    code = format_hotp_value(hotp_value(secret, next(yield_hotp_counters_from_time())))
    response = en_client.post("/accounts/2fa/authenticate/", {"code": code})

    assert response.status_code == 302
    assert response["Location"] == "/accounts/dashboard/"
    assert en_client.session[BACKEND_SESSION_KEY] == NEW_ALLAUTH
    assert en_client.get("/accounts/dashboard/").context["user"] == person


def test_a_password_change_keeps_the_browser_signed_in(en_client, person):
    en_client.post("/accounts/login/", {"login": person.email, "password": PASSWORD})
    other = Client()
    other.force_login(person)

    response = en_client.post(
        "/accounts/password/change/",
        {
            "oldpassword": PASSWORD,
            "password1": "another-long-secret-42",
            "password2": "another-long-secret-42",
        },
    )

    assert response.status_code == 302
    person.refresh_from_db()
    assert person.check_password("another-long-secret-42")
    assert en_client.session[HASH_SESSION_KEY] == person.get_session_auth_hash()
    assert en_client.session[BACKEND_SESSION_KEY] == NEW_MODEL
    assert en_client.get("/accounts/dashboard/").context["user"] == person
    # Another browser signed in with the old password is signed out.
    assert other.get("/accounts/dashboard/").status_code == 302


def test_sign_out_ends_the_session(en_client, person):
    en_client.post("/accounts/login/", {"login": person.email, "password": PASSWORD})

    response = en_client.post("/accounts/logout/")

    assert response.status_code == 302
    assert SESSION_KEY not in en_client.session
    assert en_client.get("/accounts/dashboard/").status_code == 302


# --- Queries of a signed-in page ---------------------------------------------------------------

OLD_BACKENDS = ["rules.permissions.ObjectPermissionBackend", OLD_MODEL, OLD_ALLAUTH]
OLD_MIDDLEWARE = [
    "django.contrib.auth.middleware.AuthenticationMiddleware"
    if path == "accounts.backends.AuthenticationMiddleware"
    else path
    for path in settings.MIDDLEWARE
]


def queries_of_a_signed_in_page(person, path, *, language_cookie):
    browser = Client()
    if language_cookie:
        browser.cookies["consult_language"] = "en"
    browser.force_login(person)
    browser.get(path)  # sessions and per-process reads settle
    with CaptureQueriesContext(connection) as queries:
        assert browser.get(path).status_code == 200
    return [query["sql"] for query in queries.captured_queries]


@pytest.mark.parametrize(
    ("language_cookie", "before", "after"),
    # Without a language cookie the profile is read for the language: the user's query and the
    # profile's were two, now one. With one, this page never reads the profile: one either way.
    [(False, 5, 4), (True, 4, 4)],
)
def test_a_signed_in_page_reads_the_user_and_profile_with_one_query(
    person, settings, language_cookie, before, after
):
    new = queries_of_a_signed_in_page(person, "/legal/privacy/", language_cookie=language_cookie)
    settings.AUTHENTICATION_BACKENDS = OLD_BACKENDS
    settings.MIDDLEWARE = OLD_MIDDLEWARE
    old = queries_of_a_signed_in_page(person, "/legal/privacy/", language_cookie=language_cookie)

    assert (len(old), len(new)) == (before, after)
    profile_table = connection.ops.quote_name(Profile._meta.db_table)
    assert [sql for sql in new if profile_table in sql] == [
        sql for sql in new if sql.startswith("SELECT u.")
    ]
    assert len([sql for sql in new if profile_table in sql]) == 1


def test_a_signed_in_page_without_a_cookie_shows_the_profiles_language(person):
    browser = Client()
    browser.force_login(person)

    with CaptureQueriesContext(connection) as queries:
        response = browser.get("/legal/privacy/")

    assert response.status_code == 200
    assert response.wsgi_request.LANGUAGE_CODE == "ro"
    assert '<html lang="ro"' in response.content.decode()
    profile_table = connection.ops.quote_name(Profile._meta.db_table)
    assert len([q for q in queries.captured_queries if profile_table in q["sql"]]) == 1


def test_a_valid_language_cookie_still_wins_over_the_profile(person):
    browser = Client()
    browser.cookies["consult_language"] = "bg"
    browser.force_login(person)

    response = browser.get("/legal/privacy/")

    assert response.wsgi_request.LANGUAGE_CODE == "bg"
