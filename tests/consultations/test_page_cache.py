"""Anonymous visitors get the stage and comment pages from a cache of the whole page, with an
ETag and 304s; nobody ever gets a copy that is stale (a hidden comment), in another language, or
another visitor's personal parts."""

import re

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.utils import timezone

from consultations import domain
from tests.consultations.page_helpers import Rendered, comment

pytestmark = pytest.mark.django_db


@pytest.fixture
def visible(open_stage, citizen):
    cache.clear()
    return comment(citizen, open_stage, text="Comentariu public despre articol.")


def _get(client, url, **headers):
    return client.get(url, **{f"HTTP_{name}": value for name, value in headers.items()})


def test_anonymous_page_is_rendered_once_then_served_and_revalidated(
    open_stage, visible, django_assert_max_num_queries, settings
):
    settings.PAGE_SHARED_CACHE_SECONDS = 0
    url = open_stage.get_absolute_url()
    visitor = Client(HTTP_ACCEPT_LANGUAGE="en")
    first = visitor.get(url)
    assert first.status_code == 200
    etag = first["ETag"]
    assert re.fullmatch(r'"[0-9a-f]{32}"', etag)
    # A proxy that compresses marks the ETag weak: still a match.
    assert (
        _get(Client(HTTP_ACCEPT_LANGUAGE="en"), url, IF_NONE_MATCH=f"W/{etag}").status_code == 304
    )
    assert first["Cache-Control"] == "public, max-age=0, s-maxage=0"
    settings.PAGE_SHARED_CACHE_SECONDS = 15
    assert Client(HTTP_ACCEPT_LANGUAGE="en").get(url)["Cache-Control"] == (
        "public, max-age=0, s-maxage=15"
    )
    assert {"Cookie", "Accept-Language"} <= {v.strip() for v in first["Vary"].split(",")}
    assert not first.cookies
    assert "csrfmiddlewaretoken" not in first.content.decode()
    assert "Comentariu public despre articol." in first.content.decode()

    # Another visitor, same language: the same page from the cache, nothing rendered.
    with Rendered() as rendered, django_assert_max_num_queries(5):
        second = Client(HTTP_ACCEPT_LANGUAGE="en").get(url)
    assert rendered.names == []
    assert second.content == first.content
    assert second["ETag"] == etag

    # A browser that has it asks again: 304, nothing rendered.
    with Rendered() as rendered, django_assert_max_num_queries(5):
        again = _get(visitor, url, IF_NONE_MATCH=etag)
    assert again.status_code == 304
    assert again.content == b""
    assert rendered.names == []
    assert again["ETag"] == etag


def test_a_hidden_comment_changes_the_etag_and_leaves_every_copy(open_stage, visible, moderator):
    url = open_stage.get_absolute_url()
    visitor = Client(HTTP_ACCEPT_LANGUAGE="en")
    before = visitor.get(url)
    comment_page = visitor.get(f"/comments/{visible.pk}/")
    assert "Comentariu public despre articol." in comment_page.content.decode()
    domain.hide_comment(moderator, visible, "Date personale", now=timezone.now())
    for address, etag in (
        (url, before["ETag"]),
        (f"/comments/{visible.pk}/", comment_page["ETag"]),
    ):
        revalidated = _get(visitor, address, IF_NONE_MATCH=etag)
        assert revalidated.status_code == 200
        assert revalidated["ETag"] != etag
        text = revalidated.content.decode()
        assert "Comentariu public despre articol." not in text
        assert "Hidden by moderation: Date personale" in text
        assert (
            "Comentariu public"
            not in Client(HTTP_ACCEPT_LANGUAGE="en").get(address).content.decode()
        )


def test_languages_are_never_mixed(open_stage, visible):
    url = open_stage.get_absolute_url()
    english = Client(HTTP_ACCEPT_LANGUAGE="en").get(url)
    romanian = Client(HTTP_ACCEPT_LANGUAGE="ro").get(url)
    bulgarian = Client(HTTP_ACCEPT_LANGUAGE="bg").get(url)
    assert len({english["ETag"], romanian["ETag"], bulgarian["ETag"]}) == 3
    assert '<html lang="en"' in english.content.decode()
    assert '<html lang="ro"' in romanian.content.decode()
    assert '<html lang="bg"' in bulgarian.content.decode()
    # Served from the cache, each still in its own language.
    assert '<html lang="ro"' in Client(HTTP_ACCEPT_LANGUAGE="ro").get(url).content.decode()
    # The same ETag sent in another language is not a match.
    other = Client(HTTP_ACCEPT_LANGUAGE="bg").get(url, HTTP_IF_NONE_MATCH=english["ETag"])
    assert other.status_code == 200
    assert '<html lang="bg"' in other.content.decode()


def test_signed_in_visitors_keep_their_personal_parts(open_stage, visible, citizen2):
    url = open_stage.get_absolute_url()
    member = Client(HTTP_ACCEPT_LANGUAGE="en")
    member.force_login(citizen2)
    signed_in = member.get(url)
    anonymous = Client(HTTP_ACCEPT_LANGUAGE="en").get(url)
    mine = signed_in.content.decode()
    assert "ETag" not in signed_in
    assert mine.count('name="csrfmiddlewaretoken"') >= 3  # sign out, language, comment form
    assert f"/comments/{visible.pk}/reply/" in mine
    shown = anonymous.content.decode()
    assert "csrfmiddlewaretoken" not in shown
    assert f"/comments/{visible.pk}/reply/" not in shown
    assert citizen2.public_name not in shown
    # And after the anonymous copy exists, the member still gets their own page.
    again = member.get(url).content.decode()
    assert f"/comments/{visible.pk}/reply/" in again
    assert "csrfmiddlewaretoken" in again


@pytest.mark.parametrize("query", ["?utm_source=x", "?page=01", "?block=nu-exista", "?page=1"])
def test_other_addresses_are_rendered_and_not_kept(open_stage, visible, query):
    url = open_stage.get_absolute_url() + query
    response = Client(HTTP_ACCEPT_LANGUAGE="en").get(url)
    assert response.status_code == 200
    assert "ETag" not in response
    with Rendered() as rendered:
        Client(HTTP_ACCEPT_LANGUAGE="en").get(url)
    assert "consultations/stage.html" in rendered.names


def test_a_visitor_with_a_message_waiting_gets_it(open_stage, visible, citizen):
    url = open_stage.get_absolute_url()
    Client(HTTP_ACCEPT_LANGUAGE="en").get(url)  # the shared copy exists
    browser = Client(HTTP_ACCEPT_LANGUAGE="en")
    browser.force_login(citizen)
    # Now anonymous, with "signed out" waiting (in the citizen's language).
    browser.post("/accounts/logout/")
    page = browser.get(url)
    assert 'class="messages"' in page.content.decode()
    assert "ETag" not in page
    # Shown once; then the shared copy, which never held it.
    later = browser.get(url)
    assert 'class="messages"' not in later.content.decode()
    assert "ETag" in later


def test_language_switch_without_a_token_only_for_visitors_not_signed_in(citizen):
    visitor = Client(enforce_csrf_checks=True)
    switched = visitor.post("/i18n/setlang/", {"language": "bg", "next": "/"})
    assert switched.status_code == 302
    assert switched.cookies[settings.LANGUAGE_COOKIE_NAME].value == "bg"

    member = Client(enforce_csrf_checks=True)
    member.force_login(citizen)
    refused = member.post("/i18n/setlang/", {"language": "bg", "next": "/"})
    assert refused.status_code == 403
    citizen.profile.refresh_from_db()
    assert citizen.profile.language != "bg"
    page = member.get("/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode())[1]
    taken = member.post(
        "/i18n/setlang/", {"language": "bg", "next": "/", "csrfmiddlewaretoken": token}
    )
    assert taken.status_code == 302
    citizen.profile.refresh_from_db()
    assert citizen.profile.language == "bg"


def test_a_comment_hidden_while_the_page_is_read_is_never_kept_under_the_new_version(
    open_stage, visible, moderator
):
    """The page's version and the page are read at different moments: a comment hidden in
    between must not leave the page that still shows it under the version that hides it."""
    url = open_stage.get_absolute_url()
    visitor = Client(HTTP_ACCEPT_LANGUAGE="en")
    visitor.get(url)  # the threads of the version before, in the cache
    cache.delete_many([key for key in cache._cache if ":page:" in key])  # noqa: SLF001
    hidden = []

    def hide_before_the_versions_are_read(execute, sql, params, many, context):
        # The stage was read (its version V1); every stage's version is read next: a moderator
        # hides the comment in between (V2).
        if not hidden and '"comments_version"' in sql and "JOIN" not in sql:
            hidden.append(True)
            domain.hide_comment(moderator, visible, "Date personale", now=timezone.now())
        return execute(sql, params, many, context)

    with connection.execute_wrapper(hide_before_the_versions_are_read):
        during = visitor.get(url)
    assert hidden
    after = Client(HTTP_ACCEPT_LANGUAGE="en").get(url)
    assert "Comentariu public despre articol." not in after.content.decode()
    assert after["ETag"] != during["ETag"]
    assert _get(visitor, url, IF_NONE_MATCH=during["ETag"]).status_code == 200


def test_a_changed_page_gets_a_new_etag_once_its_copy_is_rendered_again(open_stage, visible):
    url = open_stage.get_absolute_url()
    visitor = Client(HTTP_ACCEPT_LANGUAGE="en")
    before = visitor.get(url)
    organization = open_stage.consultation.proposal.organization
    organization.name = "Asociația cu nume nou"
    organization.save()
    # Not in the version: the kept copy is served until it expires (PAGE_CACHE_SECONDS) …
    assert _get(visitor, url, IF_NONE_MATCH=before["ETag"]).status_code == 304
    cache.clear()
    # … then the page is rendered again, and a different page is a different ETag.
    after = _get(visitor, url, IF_NONE_MATCH=before["ETag"])
    assert after.status_code == 200
    assert after["ETag"] != before["ETag"]
    assert "Asociația cu nume nou" in after.content.decode()


@pytest.mark.parametrize("address", ["{url}?page=2", "{url}?page=999999999"])
def test_page_numbers_beyond_the_last_are_not_kept(open_stage, visible, address):
    url = address.format(url=open_stage.get_absolute_url())
    response = Client(HTTP_ACCEPT_LANGUAGE="en").get(url)
    assert response.status_code == 200
    assert "ETag" not in response
    assert response["Cache-Control"] == "private"
    assert not [key for key in cache._cache if ":page:" in key]  # noqa: SLF001


def test_addresses_written_otherwise_are_not_kept(open_stage, visible):
    proposal = open_stage.consultation.proposal
    for url in (
        f"/proposals/{proposal.slug}/consultation/stages/0{open_stage.position}/",
        f"/comments/00{visible.pk}/",
    ):
        response = Client(HTTP_ACCEPT_LANGUAGE="en").get(url)
        assert response.status_code == 200
        assert "ETag" not in response
    assert not [key for key in cache._cache if ":page:" in key]  # noqa: SLF001


def test_pages_rendered_for_one_person_say_private(open_stage, visible, citizen2):
    member = Client(HTTP_ACCEPT_LANGUAGE="en")
    member.force_login(citizen2)
    response = member.get(open_stage.get_absolute_url())
    assert response["Cache-Control"] == "private"
    assert "ETag" not in response


@pytest.mark.parametrize(
    "headers",
    [
        {"HTTP_SEC_FETCH_SITE": "cross-site"},
        {"HTTP_ORIGIN": "https://alt-site.example"},
        {"HTTP_SEC_FETCH_SITE": "same-site", "HTTP_ORIGIN": "http://sub.testserver"},
    ],
)
def test_another_site_cannot_switch_a_visitors_language(headers):
    visitor = Client(enforce_csrf_checks=True)
    refused = visitor.post("/i18n/setlang/", {"language": "bg", "next": "/"}, **headers)
    assert refused.status_code == 403
    assert settings.LANGUAGE_COOKIE_NAME not in refused.cookies
    same = visitor.post(
        "/i18n/setlang/",
        {"language": "bg", "next": "/"},
        HTTP_SEC_FETCH_SITE="same-origin",
        HTTP_ORIGIN="http://testserver",
    )
    assert same.status_code == 302
    assert same.cookies[settings.LANGUAGE_COOKIE_NAME].value == "bg"


def test_a_new_co_author_or_endorsement_renews_the_stage_pages(open_stage, visible, editor):
    from proposals import coauthors, endorsements
    from tests.factories import MembershipFactory, OrganizationFactory

    proposal = open_stage.consultation.proposal
    partner = OrganizationFactory(name="Asociația Partener", slug="partener")
    admin = MembershipFactory(organization=partner, role="admin").user
    path = f"/proposals/{proposal.slug}/consultation/stages/{open_stage.position}/"
    anonymous = Client(HTTP_ACCEPT_LANGUAGE="en")
    assert "Asociația Partener" not in anonymous.get(path).content.decode()
    before = open_stage.comments_version
    coauthors.accept_coauthorship(admin, coauthors.invite_coauthor(editor, proposal, partner))
    open_stage.refresh_from_db()
    assert open_stage.comments_version == before + 1
    assert "Asociația Partener" in anonymous.get(path).content.decode()
    supporter = OrganizationFactory(name="Federația Sprijin", slug="sprijin")
    endorsements.endorse(
        MembershipFactory(organization=supporter, role="admin").user,
        proposal,
        organization=supporter,
    )
    open_stage.refresh_from_db()
    assert open_stage.comments_version == before + 2
