"""Signing up, confirming the address, signing in and resetting a password (django-allauth)."""

import pytest
from allauth.account.models import EmailAddress
from django.conf import settings
from django.core import mail
from django.test import Client

from accounts.models import User
from tests.accounts.helpers import link_in, only_email, sign_up_data
from tests.factories import PASSWORD, UserFactory

NEW_PASSWORD = "a-long-secret-99"
TOO_MANY_HERE = (
    "Too many failed sign-ins to this account from your connection. Wait a few minutes, or "
    "reset your password to sign in now."
)
PAUSED = (
    "Too many failed sign-ins to this account from many places in the last hour: to protect "
    "it, signing in with its password is paused for up to an hour. Reset your password to sign "
    "in now."
)


def sign_up(client, email="new@example.org"):
    return client.post("/accounts/signup/", sign_up_data(email, NEW_PASSWORD))


def sign_in(client, email, password):
    return client.post("/accounts/login/", {"login": email, "password": password})


def signed_in_user_id(client):
    value = client.session.get("_auth_user_id")
    return int(value) if value else None


def test_sign_up_sends_one_verification_email(en_client, db):
    response = sign_up(en_client, "New@Example.org")

    assert response.status_code == 302
    assert response["Location"] == "/accounts/confirm-email/"
    user = User.objects.get()
    assert user.email == "new@example.org"
    assert user.is_active
    assert user.check_password(NEW_PASSWORD)
    assert list(EmailAddress.objects.values_list("user", "email", "verified", "primary")) == [
        (user.pk, "new@example.org", False, True)
    ]
    assert signed_in_user_id(en_client) is None
    message = only_email()
    assert message.to == ["new@example.org"]
    assert message.subject == "[Consult] Please Confirm Your Email Address"
    assert link_in(message, "/accounts/confirm-email/").startswith("/accounts/confirm-email/")


def test_sign_up_refuses_a_weak_password_and_a_taken_address(en_client, user):
    response = en_client.post(
        "/accounts/signup/",
        sign_up_data("weak@example.org", "12345678"),
    )
    assert response.status_code == 200
    assert response.context["form"].errors["password1"] == [
        "This password is too short. It must contain at least 10 characters.",
        "This password is too common.",
        "This password is entirely numeric.",
    ]
    response = sign_up(en_client, user.email.upper())
    # Enumeration is prevented: the page looks like a success, the owner gets an email instead.
    assert response.status_code == 302
    assert User.objects.filter(email__iexact=user.email).count() == 1
    assert not User.objects.filter(email="weak@example.org").exists()
    assert [m.to for m in mail.outbox] == [[user.email]]


def test_sign_in_before_confirming_gives_no_session(en_client, db):
    sign_up(en_client)
    browser = Client()
    response = sign_in(browser, "new@example.org", NEW_PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == "/accounts/confirm-email/"
    assert signed_in_user_id(browser) is None
    assert browser.get("/accounts/dashboard/").status_code == 302


def test_sign_in_after_confirming_works(en_client, db):
    sign_up(en_client)
    path = link_in(only_email(), "/accounts/confirm-email/")
    page = en_client.get(path)
    assert page.status_code == 200
    assert not EmailAddress.objects.get().verified  # a GET only shows the confirmation form

    response = en_client.post(path)

    assert response.status_code == 302
    assert EmailAddress.objects.get().verified
    user = User.objects.get()
    # Confirming in the browser that signed up signs in at once.
    assert response["Location"] == "/accounts/dashboard/"
    assert signed_in_user_id(en_client) == user.pk

    browser = Client()
    response = sign_in(browser, "new@example.org", NEW_PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == "/accounts/dashboard/"
    assert signed_in_user_id(browser) == user.pk
    assert browser.get("/accounts/dashboard/").status_code == 200


def test_sign_in_with_a_wrong_password_is_refused(en_client, user):
    response = sign_in(en_client, user.email, "wrong-password")
    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [
        "The email address and/or password you specified are not correct."
    ]
    assert signed_in_user_id(en_client) is None


def test_sign_in_is_case_insensitive_about_the_address(en_client, user):
    response = sign_in(en_client, user.email.upper(), PASSWORD)
    assert response.status_code == 302
    assert signed_in_user_id(en_client) == user.pk


def test_sign_in_of_an_inactive_account_gives_no_session(en_client, db):
    suspended = UserFactory(is_active=False)
    response = sign_in(en_client, suspended.email, PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == "/accounts/inactive/"
    assert signed_in_user_id(en_client) is None
    assert en_client.get("/accounts/dashboard/").status_code == 302


def test_password_reset_email_is_sent_for_a_known_address(en_client, user):
    response = en_client.post("/accounts/password/reset/", {"email": user.email})
    assert response.status_code == 302
    assert response["Location"] == "/accounts/password/reset/done/"
    message = only_email()
    assert message.to == [user.email]
    assert message.subject == "[Consult] Password Reset Email"
    path = link_in(message, "/accounts/password/reset/key/")

    # The link leads to a form that sets a new password.
    page = en_client.get(path)
    assert page.status_code == 302
    form_path = page["Location"]
    response = en_client.post(
        form_path, {"password1": "another-long-secret", "password2": "another-long-secret"}
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("another-long-secret")


def test_password_reset_for_an_unknown_address_looks_the_same(en_client, user):
    response = en_client.post("/accounts/password/reset/", {"email": "nobody@example.org"})
    assert response.status_code == 302
    assert response["Location"] == "/accounts/password/reset/done/"
    message = only_email()
    assert message.to == ["nobody@example.org"]
    assert message.subject == "[Consult] Unknown Account"
    assert "/accounts/password/reset/key/" not in message.body


def test_failed_sign_ins_for_one_address_are_rate_limited(en_client, user):
    # "login_failed": "10/m/ip,5/5m/key": five wrong passwords for one address, then a pause.
    for _ in range(5):
        response = sign_in(en_client, user.email, "wrong-password")
        assert response.context["form"].non_field_errors() == [
            "The email address and/or password you specified are not correct."
        ]
    response = sign_in(en_client, user.email, PASSWORD)  # even the right password now
    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [TOO_MANY_HERE]
    assert signed_in_user_id(en_client) is None
    # Another address from the same place is not locked out yet.
    other = UserFactory()
    assert sign_in(en_client, other.email, PASSWORD).status_code == 302
    assert signed_in_user_id(en_client) == other.pk


def test_failed_sign_ins_from_one_address_are_rate_limited(en_client, db):
    people = [UserFactory() for _ in range(11)]
    for person in people[:10]:
        sign_in(en_client, person.email, "wrong-password")
    response = sign_in(en_client, people[10].email, PASSWORD)
    assert response.context["form"].non_field_errors() == [TOO_MANY_HERE]
    assert signed_in_user_id(en_client) is None


@pytest.fixture
def strict_login_limit(settings):
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "login": "3/m/ip"}


def test_too_many_sign_in_attempts_get_the_429_page(en_client, user, strict_login_limit):
    for _ in range(3):
        assert sign_in(en_client, user.email, "wrong-password").status_code == 200
    response = sign_in(en_client, user.email, PASSWORD)
    assert response.status_code == 429
    assert "Too many attempts" in response.content.decode()
    assert signed_in_user_id(en_client) is None


def test_rate_limits_are_the_documented_ones():
    # The test settings relax only sign-up and sign-in per IP (many accounts, one address).
    assert settings.ACCOUNT_RATE_LIMITS["login_failed"] == "10/m/ip,5/5m/key"
    assert settings.ACCOUNT_RATE_LIMITS["reset_password"] == "20/m/ip,5/m/key"


def client_at(address):
    client = Client(REMOTE_ADDR=address)
    client.cookies["consult_language"] = "en"
    return client


def test_nobody_can_lock_the_owner_out_from_another_address(user):
    attacker = client_at("203.0.113.7")
    for _ in range(6):
        response = sign_in(attacker, user.email, "wrong-password")
    assert response.context["form"].non_field_errors() == [TOO_MANY_HERE]
    owner = client_at("198.51.100.20")
    assert sign_in(owner, user.email, PASSWORD).status_code == 302
    assert signed_in_user_id(owner) == user.pk


def test_guessing_from_many_addresses_pauses_the_account_and_a_reset_lets_the_owner_in(
    user, settings
):
    settings.LOGIN_FAILED_PER_ACCOUNT = 3
    for n in range(3):
        sign_in(client_at(f"203.0.113.{n + 1}"), user.email, "wrong-password")
    owner = client_at("198.51.100.20")
    response = sign_in(owner, user.email, PASSWORD)
    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [PAUSED]
    assert signed_in_user_id(owner) is None
    # The owner proves the address with a password reset: both counts start again.
    owner.post("/accounts/password/reset/", {"email": user.email})
    reset_path = link_in(only_email(), "/accounts/password/reset/key/")
    form_path = owner.get(reset_path)["Location"]
    owner.post(form_path, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert sign_in(owner, user.email, NEW_PASSWORD).status_code == 302
    assert signed_in_user_id(owner) == user.pk


def test_a_browser_the_owner_signed_in_with_before_still_gets_in_while_the_account_is_paused(
    user, settings
):
    settings.LOGIN_FAILED_PER_ACCOUNT = 3
    owner = client_at("198.51.100.20")
    assert sign_in(owner, user.email, PASSWORD).status_code == 302
    owner.post("/accounts/logout/")
    assert signed_in_user_id(owner) is None
    for n in range(3):
        sign_in(client_at(f"203.0.113.{n + 1}"), user.email, "wrong-password")
    # A new browser is paused; the owner's own browser, even from another address, is not.
    stranger = client_at("198.51.100.30")
    assert sign_in(stranger, user.email, PASSWORD).context["form"].non_field_errors() == [PAUSED]
    owner.defaults["REMOTE_ADDR"] = "198.51.100.21"
    assert sign_in(owner, user.email, PASSWORD).status_code == 302
    assert signed_in_user_id(owner) == user.pk


def test_a_known_browser_cookie_for_another_account_does_not_help(user, settings):
    settings.LOGIN_FAILED_PER_ACCOUNT = 3
    other = UserFactory()
    browser = client_at("198.51.100.20")
    assert sign_in(browser, other.email, PASSWORD).status_code == 302
    browser.post("/accounts/logout/")
    for n in range(3):
        sign_in(client_at(f"203.0.113.{n + 1}"), user.email, "wrong-password")
    assert sign_in(browser, user.email, PASSWORD).context["form"].non_field_errors() == [PAUSED]
