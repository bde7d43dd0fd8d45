"""Choosing the page language: Romanian by default, the switch, the profile, bad cookies."""

import pytest
from django.conf import settings
from django.core import mail

from accounts.models import Profile
from tests.accounts.helpers import sign_up_data
from tests.factories import UserFactory

COOKIE = settings.LANGUAGE_COOKIE_NAME


def page_language(response):
    html = response.content.decode()
    start = html.index('<html lang="') + len('<html lang="')
    return html[start : html.index('"', start)]


def test_pages_default_to_romanian(client, db):
    response = client.get("/organisations/")
    assert response.status_code == 200
    assert page_language(response) == "ro"
    assert response["Content-Language"] == "ro"
    assert COOKIE not in response.cookies


def test_pages_follow_the_browsers_languages_without_a_cookie(client, db):
    response = client.get("/organisations/", headers={"accept-language": "bg-BG,bg;q=0.9,en;q=0.5"})
    assert page_language(response) == "bg"
    assert response["Content-Language"] == "bg"


def test_language_switch_sets_the_cookie_for_the_next_pages(client, db):
    response = client.post("/i18n/setlang/", {"language": "bg", "next": "/organisations/"})
    assert response.status_code == 302
    assert response["Location"] == "/organisations/"
    assert response.cookies[COOKIE].value == "bg"
    assert response.cookies[COOKIE]["samesite"] == "Lax"
    assert response.cookies[COOKIE]["max-age"] == 365 * 24 * 3600

    page = client.get("/organisations/")
    assert page_language(page) == "bg"
    assert page["Content-Language"] == "bg"
    assert '<option value="bg" lang="bg" selected>' in page.content.decode()


def test_language_switch_saves_the_choice_on_the_profile(client, user):
    assert user.profile.language == "ro"
    client.force_login(user)
    client.post("/i18n/setlang/", {"language": "bg", "next": "/"})
    assert Profile.objects.get(user=user).language == "bg"
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert Profile.objects.get(user=user).language == "en"


@pytest.mark.parametrize("language", ["xx", "../../etc/passwd", "", "r\x00o", "ro" * 3000, "<b>"])
def test_language_switch_to_an_unknown_language_changes_nothing(client, user, language):
    client.force_login(user)
    response = client.post("/i18n/setlang/", {"language": language, "next": "/organisations/"})
    assert response.status_code == 302
    assert COOKIE not in response.cookies
    assert Profile.objects.get(user=user).language == "ro"
    assert page_language(client.get("/organisations/")) == "ro"


def test_language_switch_by_get_changes_nothing(client, user):
    client.force_login(user)
    response = client.get("/i18n/setlang/", {"language": "bg", "next": "/organisations/"})
    assert COOKIE not in response.cookies
    assert Profile.objects.get(user=user).language == "ro"


def test_language_switch_does_not_redirect_off_site(client, db):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "https://evil.example/"})
    assert response["Location"] == "/"
    assert response.cookies[COOKIE].value == "en"


@pytest.mark.parametrize(
    "cookie",
    [
        "xx",
        "../../etc/passwd",
        "x" * 5000,
        "ro\x00",
        "bg\x00",
        "zh-hans",
        "ro'--",
        "%00",
        "<script>",
        "ro-RO" * 50,
    ],
)
def test_tampered_language_cookie_gives_a_romanian_page(client, db, cookie):
    response = client.get("/organisations/", HTTP_COOKIE=f"{COOKIE}={cookie}")
    assert response.status_code == 200
    assert page_language(response) == "ro"
    assert response["Content-Language"] == "ro"


@pytest.mark.parametrize("cookie", ["x" * 5000, "ro\x00", "../../etc/passwd"])
def test_tampered_language_cookie_on_signed_in_pages_gives_no_error(client, user, cookie):
    client.force_login(user)
    session = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
    for path in ["/accounts/profile/", "/accounts/dashboard/", "/organisations/new/"]:
        response = client.get(path, HTTP_COOKIE=f"{session}; {COOKIE}={cookie}")
        assert response.status_code == 200, path
        assert page_language(response) == "ro"


def test_signed_in_person_without_a_cookie_sees_their_profile_language(client, db):
    person = UserFactory(language="bg")
    client.force_login(person)
    assert page_language(client.get("/accounts/dashboard/")) == "bg"
    # The cookie, set by the switch, wins over the profile.
    client.cookies[COOKIE] = "en"
    assert page_language(client.get("/accounts/dashboard/")) == "en"


def test_sign_up_remembers_the_language_in_use(client, db):
    client.cookies[COOKIE] = "bg"
    client.post(
        "/accounts/signup/",
        sign_up_data("new@example.org"),
    )
    assert Profile.objects.get(user__email="new@example.org").language == "bg"
    assert mail.outbox[0].to == ["new@example.org"]


@pytest.mark.parametrize("language", ["ro", "bg", "en"])
def test_error_pages_are_translated_pages(client, db, language):
    client.cookies[COOKIE] = language
    response = client.get("/invitations/no-such-token/")
    assert response.status_code == 404
    assert page_language(response) == language
