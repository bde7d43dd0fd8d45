"""Every page renders for the people who may see it, in each language, with the site's layout."""

import pytest
from django.urls import reverse

from tests.factories import UserFactory

PUBLIC_PAGES = [
    "/",
    "/organisations/",
    "/organisations/vrancea-civica/",
    "/accounts/login/",
    "/accounts/signup/",
    "/accounts/password/reset/",
]

SIGNED_IN_PAGES = [
    "/accounts/dashboard/",
    "/accounts/profile/",
    "/accounts/my-data/",
    "/accounts/delete/",
    "/accounts/email/",
    "/accounts/password/change/",
    "/accounts/2fa/",
    "/accounts/reauthenticate/",
    "/organisations/new/",
]


@pytest.mark.parametrize("language", ["ro", "bg", "en"])
@pytest.mark.parametrize("path", PUBLIC_PAGES)
def test_public_pages_render_in_every_language(client, ngo, path, language):
    client.cookies["consult_language"] = language
    response = client.get(path)
    assert response.status_code == 200
    html = response.content.decode()
    assert f'<html lang="{language}"' in html
    assert '<main id="main"' in html
    assert 'href="#main"' in html  # skip link
    assert "<script>" not in html  # no inline scripts anywhere (the CSP forbids them)


@pytest.mark.parametrize("path", SIGNED_IN_PAGES)
def test_signed_in_pages_render(client, user, ngo_admin, path):
    client.force_login(ngo_admin)
    response = client.get(path, follow=False)
    assert response.status_code == 200, path
    assert '<main id="main"' in response.content.decode()


@pytest.mark.parametrize("path", SIGNED_IN_PAGES)
def test_signed_in_pages_send_visitors_to_sign_in(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_organisation_pages_render_for_its_admin(client, ngo, ngo_admin):
    client.force_login(ngo_admin)
    for name in [
        "organization_edit",
        "organization_members",
        "organization_history",
        "organization_leave",
    ]:
        response = client.get(reverse(f"accounts:{name}", args=[ngo.slug]))
        assert response.status_code == 200, name


def test_admin_pages_render_for_a_superuser(client, ngo, ngo_admin):
    admin = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(admin)
    for path in [
        "/admin/",
        "/admin/accounts/organization/",
        f"/admin/accounts/organization/{ngo.pk}/change/",
        "/admin/accounts/user/",
        f"/admin/accounts/user/{ngo_admin.pk}/change/",
        "/admin/accounts/invitation/",
        "/admin/core/activitylog/",
    ]:
        assert client.get(path).status_code == 200, path


def test_pages_carry_a_content_security_policy_without_inline_code(client, db):
    policy = client.get("/")["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "style-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert "frame-ancestors 'none'" in policy


def test_unknown_address_gives_the_sites_404_page(client):
    client.cookies["consult_language"] = "en"
    response = client.get("/no/such/page/")
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()


def test_totp_enrolment_gives_an_authenticator_and_recovery_codes(client, user):
    from allauth.mfa.models import Authenticator
    from allauth.mfa.totp.internal.auth import (
        SECRET_SESSION_KEY,
        format_hotp_value,
        hotp_value,
        yield_hotp_counters_from_time,
    )

    from tests.factories import PASSWORD

    response = client.post("/accounts/login/", {"login": user.email, "password": PASSWORD})
    assert response.status_code == 302
    # Enrolment asks for the password again first.
    response = client.get("/accounts/2fa/totp/activate/")
    assert response["Location"].startswith("/accounts/reauthenticate/")
    response = client.post("/accounts/reauthenticate/", {"password": PASSWORD})
    assert response.status_code == 302
    response = client.get("/accounts/2fa/totp/activate/")
    assert response.status_code == 200
    secret = client.session[SECRET_SESSION_KEY]
    assert secret in response.content.decode()  # shown for manual entry next to the QR code
    code = format_hotp_value(hotp_value(secret, next(yield_hotp_counters_from_time())))
    response = client.post("/accounts/2fa/totp/activate/", {"code": code})
    assert response.status_code == 302
    types = set(Authenticator.objects.filter(user=user).values_list("type", flat=True))
    assert types == {"totp", "recovery_codes"}
    codes_page = client.get("/accounts/2fa/recovery-codes/")
    assert codes_page.status_code == 200

    # From now on signing in asks for the second factor.
    client.logout()
    response = client.post("/accounts/login/", {"login": user.email, "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == "/accounts/2fa/authenticate/"
