"""Registrar tokens: made and revoked in the account pages, shown once, stored hashed."""

import hashlib

import pytest
from django.test import Client
from django.utils import translation

from accounts.models import Organization
from api import tokens
from api.models import ApiToken
from core.errors import DomainError
from core.models import ActivityLog
from tests.api.conftest import API, bearer
from tests.factories import AuthorityFactory, MembershipFactory

PAGES = "/accounts/api-tokens/"
SUBMISSIONS = f"{API}authority/submissions/"


def browser(user):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.cookies["consult_language"] = "en"
    client.force_login(user)
    return client


def test_create_shows_the_secret_once_and_stores_only_its_hash(registrar, verified_authority):
    client = browser(registrar)
    form = client.get(f"{PAGES}new/")
    assert form.status_code == 200
    assert verified_authority.name in form.content.decode()

    response = client.post(
        f"{PAGES}new/", {"authority": verified_authority.pk, "name": "Registratura"}
    )
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]
    secret = response.context["secret"]
    assert len(secret) >= 40
    assert secret in response.content.decode()

    token = ApiToken.objects.get()
    assert token.user == registrar
    assert token.authority == verified_authority
    assert token.name == "Registratura"
    assert token.key_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert token.prefix == secret[:8]
    assert token.last_used_at is None and token.revoked_at is None
    stored = [str(value) for value in ApiToken.objects.values_list().get()]
    assert not any(secret in value for value in stored)

    log = ActivityLog.objects.get(verb="api_token.created")
    assert log.actor == registrar
    assert log.target == token
    assert log.scope == verified_authority
    assert log.data == {"name": "Registratura", "prefix": token.prefix}
    assert secret not in str(log.data) + log.target_repr

    # The list shows the prefix, never the secret again.
    listing = client.get(PAGES).content.decode()
    assert f"{token.prefix}…" in listing
    assert secret not in listing


def test_the_secret_authenticates_then_revoking_refuses_it(registrar, token_pair, api):
    token, secret = token_pair
    assert api.get(SUBMISSIONS, **bearer(secret)).status_code == 200
    assert api.get(SUBMISSIONS, **bearer(secret, "Bearer")).status_code == 200

    client = browser(registrar)
    confirm = client.get(f"{PAGES}{token.pk}/revoke/")
    assert confirm.status_code == 200
    assert "Revoke the token" in confirm.content.decode()
    response = client.post(f"{PAGES}{token.pk}/revoke/")
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    log = ActivityLog.objects.get(verb="api_token.revoked")
    assert (log.actor, log.target) == (registrar, token)

    refused = api.get(SUBMISSIONS, **bearer(secret))
    assert refused.status_code == 401
    assert refused.json() == {"detail": "This token was revoked."}
    assert "Revoked on" in client.get(PAGES).content.decode()


def test_another_users_token_cannot_be_seen_or_revoked(registrar, token_pair, verified_authority):
    token, _secret = token_pair
    colleague = MembershipFactory(organization=verified_authority, role="registrar").user
    client = browser(colleague)
    assert client.get(f"{PAGES}{token.pk}/revoke/").status_code == 404
    assert client.post(f"{PAGES}{token.pk}/revoke/").status_code == 404
    assert token.prefix not in client.get(PAGES).content.decode()
    token.refresh_from_db()
    assert token.revoked_at is None
    with pytest.raises(DomainError):
        tokens.revoke_token(colleague, token)


def test_revoking_twice_is_refused(registrar, token_pair):
    token, _secret = token_pair
    tokens.revoke_token(registrar, token)
    with translation.override("en"), pytest.raises(DomainError, match="already revoked"):
        tokens.revoke_token(registrar, token)


def test_tokens_only_for_authorities_the_user_acts_for(registrar, ngo_editor, ngo):
    unverified = AuthorityFactory(verified_at=None)
    MembershipFactory(organization=unverified, role="registrar", user=registrar)
    editor_of_authority = AuthorityFactory()
    MembershipFactory(organization=editor_of_authority, role="editor", user=registrar)
    assert [org.slug for org in tokens.authorities_for(registrar)] == [
        "primaria-municipiului-focsani"
    ]

    client = browser(registrar)
    for organization in (unverified, editor_of_authority):
        response = client.post(f"{PAGES}new/", {"authority": organization.pk, "name": "Sistem"})
        assert response.status_code == 400
    for organization in (unverified, ngo):
        with pytest.raises(DomainError):
            tokens.create_token(registrar, organization, "Sistem")
    with pytest.raises(DomainError):
        tokens.create_token(ngo_editor, Organization.objects.get(pk=ngo.pk), "Sistem")
    assert not ApiToken.objects.exists()

    outsider_page = browser(ngo_editor).get(PAGES)
    assert outsider_page.status_code == 200
    assert "only as a registrar or admin of a verified authority" in outsider_page.content.decode()
    assert browser(ngo_editor).get(f"{PAGES}new/").context["authorities"] == []


def test_pages_need_signing_in(db):
    response = Client().get(PAGES)
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_dashboard_links_to_tokens_for_registrars_only(registrar, ngo_editor):
    assert PAGES in browser(registrar).get("/accounts/dashboard/").content.decode()
    assert PAGES not in browser(ngo_editor).get("/accounts/dashboard/").content.decode()
