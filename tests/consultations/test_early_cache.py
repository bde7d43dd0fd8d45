"""Anonymous copies of whole pages answered before the session and authentication middleware
(`core.earlycache`): served without a query until anything is written, with their ETag and
every header, never to a signed-in visitor, never in another language."""

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.domain import update_profile
from accounts.models import Profile
from consultations import domain
from consultations.models import StageComment
from consultations.views.stages import dates_change_at
from core import earlycache
from tests.consultations.page_helpers import Rendered, comment

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def early(settings):
    settings.PAGE_EARLY_CACHE = True
    cache.clear()


@pytest.fixture
def visible(open_stage, citizen):
    return comment(citizen, open_stage, text="Comentariu public despre articol.")


def _anonymous(language="en", **extra):
    return Client(HTTP_ACCEPT_LANGUAGE=language, **extra)


def test_an_anonymous_copy_is_answered_without_a_query_with_every_header(
    open_stage, visible, django_assert_num_queries
):
    url = open_stage.get_absolute_url()
    first = _anonymous().get(url)
    assert first.status_code == 200
    with Rendered() as rendered, django_assert_num_queries(0):
        second = _anonymous().get(url)
    assert rendered.names == []
    assert second.status_code == 200
    assert second.content == first.content
    assert "Comentariu public despre articol." in second.content.decode()
    for header in (
        "ETag",
        "Cache-Control",
        "Vary",
        "Content-Type",
        "Content-Language",
        "Content-Security-Policy",
        "X-Frame-Options",
    ):
        assert second[header] == first[header], header
    assert second["Cache-Control"] == "public, max-age=0, s-maxage=0"
    assert second["Content-Language"] == "en"
    assert second["Content-Length"] == str(len(first.content))
    # SecurityMiddleware, before it, still adds its headers.
    assert second["X-Content-Type-Options"] == "nosniff"
    assert second["Referrer-Policy"] == first["Referrer-Policy"]
    assert not second.cookies


def test_if_none_match_is_answered_304_without_a_query(
    open_stage, visible, django_assert_num_queries
):
    url = open_stage.get_absolute_url()
    etag = _anonymous().get(url)["ETag"]
    with django_assert_num_queries(0):
        again = _anonymous().get(url, HTTP_IF_NONE_MATCH=f"W/{etag}")
        other = _anonymous().get(url, HTTP_IF_NONE_MATCH='"another"')
    assert again.status_code == 304
    assert again.content == b""
    assert again["ETag"] == etag
    assert again["Cache-Control"] == "public, max-age=0, s-maxage=0"
    assert other.status_code == 200
    assert other["ETag"] == etag


def test_head_is_answered_from_the_copy(open_stage, visible, django_assert_num_queries):
    url = open_stage.get_absolute_url()
    first = _anonymous().get(url)
    with django_assert_num_queries(0):
        head = _anonymous().head(url)
    assert head.status_code == 200
    assert head.content == b""
    assert head["ETag"] == first["ETag"]


def test_signed_in_visitors_never_get_the_anonymous_copy(open_stage, visible, citizen2):
    url = open_stage.get_absolute_url()
    _anonymous().get(url)
    _anonymous().get(url)
    member = _anonymous()
    member.force_login(citizen2)
    page = member.get(url)
    text = page.content.decode()
    assert page["Cache-Control"] == "private"
    assert "ETag" not in page
    assert 'name="csrfmiddlewaretoken"' in text
    assert f"/comments/{visible.pk}/reply/" in text


def test_languages_are_kept_apart(open_stage, visible, django_assert_num_queries):
    url = open_stage.get_absolute_url()
    pages = {language: _anonymous(language).get(url) for language in ("en", "ro", "bg")}
    assert len({page["ETag"] for page in pages.values()}) == 3
    with django_assert_num_queries(0):
        for language in ("en", "ro", "bg"):
            again = _anonymous(language).get(url)
            assert f'<html lang="{language}"' in again.content.decode()
            assert again["Content-Language"] == language
            assert again["ETag"] == pages[language]["ETag"]
        # The language cookie wins over Accept-Language, as with LocaleMiddleware.
        chosen = _anonymous("en")
        chosen.cookies[settings.LANGUAGE_COOKIE_NAME] = "bg"
        assert '<html lang="bg"' in chosen.get(url).content.decode()
        # The ETag of one language is not a match in another.
        assert _anonymous("ro").get(url, HTTP_IF_NONE_MATCH=pages["en"]["ETag"]).status_code == 200


def _queries(client, url, method="get", **extra):
    """(response, how many queries answering it took)."""
    with CaptureQueriesContext(connection) as captured:
        response = getattr(client, method)(url, **extra)
    return response, len(captured)


def test_a_session_cookie_or_a_post_goes_through_the_whole_stack(open_stage, visible):
    url = open_stage.get_absolute_url()
    _anonymous().get(url)
    assert _queries(_anonymous(), url)[1] == 0
    with_session = _anonymous()
    with_session.cookies[settings.SESSION_COOKIE_NAME] = "x" * 32
    page, queries = _queries(with_session, url)
    assert page.status_code == 200
    assert queries > 0  # the session looked up, the page's version read
    posted, queries = _queries(_anonymous(), url, "post", data={"text": "x"})
    assert queries > 0
    assert posted["Cache-Control"] == "private"
    assert "ETag" not in posted
    with_messages = _anonymous()
    with_messages.cookies["messages"] = "x"
    assert _queries(with_messages, url)[1] > 0
    assert _queries(_anonymous(), url, HTTP_AUTHORIZATION="Token x")[1] > 0


def test_a_new_comment_is_shown_at_once(open_stage, visible, citizen2):
    url = open_stage.get_absolute_url()
    before = _anonymous().get(url)
    _anonymous().get(url)
    comment(citizen2, open_stage, text="Un comentariu nou, adăugat acum.")
    after = _anonymous().get(url)
    assert "Un comentariu nou, adăugat acum." in after.content.decode()
    assert after["ETag"] != before["ETag"]
    assert _anonymous().get(url, HTTP_IF_NONE_MATCH=before["ETag"]).status_code == 200


def test_a_hidden_comment_is_never_answered_early(open_stage, visible, moderator):
    pages = [open_stage.get_absolute_url(), f"/comments/{visible.pk}/"]
    for url in pages:
        assert "Comentariu public" in _anonymous().get(url).content.decode()
        assert "Comentariu public" in _anonymous().get(url).content.decode()
    domain.hide_comment(moderator, visible, "Date personale", now=timezone.now())
    for url in pages:
        assert "Comentariu public" not in _anonymous().get(url).content.decode()


def test_the_comment_and_proposal_pages_are_answered_early(
    open_stage, visible, django_assert_num_queries
):
    proposal = open_stage.consultation.proposal
    for url in (f"/comments/{visible.pk}/", proposal.get_absolute_url()):
        first = _anonymous().get(url)
        assert first.status_code == 200
        assert "ETag" in first
        with django_assert_num_queries(0):
            again = _anonymous().get(url)
        assert again.content == first.content


def test_only_writes_outside_the_sessions_table_move_the_generation():
    assert earlycache.writes('UPDATE "consultations_stagecomment" SET "agree_count" = 1')
    assert earlycache.writes('INSERT INTO "accounts_profile" ("user_id") VALUES (1)')
    assert earlycache.writes('DELETE FROM "consultations_reaction" WHERE 1')
    assert earlycache.writes("CREATE TABLE x (y int)")
    assert not earlycache.writes('  SELECT "x" FROM "consultations_stage"')
    assert not earlycache.writes('SAVEPOINT "s1"')
    assert not earlycache.writes('UPDATE "django_session" SET "session_data" = \'x\'')
    assert not earlycache.writes('INSERT INTO "django_session" ("session_key") VALUES (1)')


def test_a_write_moves_it_at_once_and_again_at_commit(django_capture_on_commit_callbacks, citizen):
    first = earlycache.current_generation()
    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        citizen.profile.locality = "Iași"
        citizen.profile.save()
        second = cache.get(earlycache.GENERATION_KEY)
        assert second != first
        citizen.profile.save()
        assert cache.get(earlycache.GENERATION_KEY) == second  # once per atomic block
        with transaction.atomic():
            Profile.objects.filter(pk=citizen.profile.pk).update(locality="Cluj")
            third = cache.get(earlycache.GENERATION_KEY)
            assert third != second
    assert len(callbacks) == 2
    assert cache.get(earlycache.GENERATION_KEY) not in (first, second, third)
    # Reading moves nothing.
    last = cache.get(earlycache.GENERATION_KEY)
    Profile.objects.get(pk=citizen.profile.pk)
    assert cache.get(earlycache.GENERATION_KEY) == last


def test_a_copy_is_kept_until_the_page_s_dates_change():
    zone = timezone.get_fixed_timezone(120)
    organization = SimpleNamespace(zone=zone)
    now = datetime(2026, 12, 6, 10, 20, tzinfo=UTC)
    stage = SimpleNamespace(
        opens_at=now - timedelta(days=1),
        closes_at=now + timedelta(days=3, hours=5, minutes=30),
        meeting_at=None,
        consultation=SimpleNamespace(proposal=SimpleNamespace(organization=organization)),
    )
    later = SimpleNamespace(opens_at=now + timedelta(days=5), closes_at=now + timedelta(days=9))
    left = {"days": 3, "hours": 5}
    # "3 days 5 hours left" until 30 minutes from now.
    assert dates_change_at(stage, [stage, later], now, left) == now + timedelta(minutes=30)
    # Near midnight in the organisation's zone (23:30 there): the day, and with it the working
    # days left, changes before the hours do.
    late = datetime(2026, 12, 6, 21, 30, tzinfo=UTC)
    stage.closes_at = late + timedelta(days=3, hours=5, minutes=45)
    assert dates_change_at(stage, [stage, later], late, left) == datetime(
        2026, 12, 6, 22, 0, tzinfo=UTC
    )
    # A meeting that starts first: registrations close then.
    stage.meeting_at = late + timedelta(minutes=10)
    assert dates_change_at(stage, [stage, later], late, left) == stage.meeting_at
    stage.meeting_at = None
    # A closed stage: the next stage's opening.
    assert dates_change_at(stage, [later], now, None) == later.opens_at
    assert dates_change_at(stage, [], now, None) is None


def test_an_early_copy_expires_when_the_page_says(open_stage, visible, monkeypatch):
    url = open_stage.get_absolute_url()
    _anonymous().get(url)
    ((_key, entry),) = _entries()
    # The stage closes in 10 days: "time left" changes within the hour at the latest.
    assert entry[1] <= (timezone.now() + timedelta(hours=1)).timestamp()
    assert _queries(_anonymous(), url)[1] == 0
    # Past that moment, the page's version is read again.
    monkeypatch.setattr(earlycache.time, "time", lambda: entry[1] + 1)
    page, queries = _queries(_anonymous(), url)
    assert page.status_code == 200
    assert queries > 0


def _entries():
    prefix = ":1:consult:early:"
    return [
        (key, cache.get(key.removeprefix(":1:")))
        for key in list(cache._cache)  # noqa: SLF001
        if key.startswith(prefix) and "generation" not in key
    ]


def test_off_it_answers_nothing(open_stage, visible, settings):
    settings.PAGE_EARLY_CACHE = False
    url = open_stage.get_absolute_url()
    _anonymous().get(url)
    assert _entries() == []


@pytest.mark.parametrize("early_on", [True, False])
def test_a_new_display_name_is_shown_at_once_in_cached_threads(
    open_stage, visible, citizen, citizen2, settings, early_on
):
    settings.PAGE_EARLY_CACHE = early_on
    reply = comment(citizen2, open_stage, text="Un răspuns.", parent_id=visible.pk)
    other = comment(citizen2, open_stage, text="Alt fir.")
    pages = [open_stage.get_absolute_url(), f"/comments/{visible.pk}/"]
    for url in pages:
        assert citizen.public_name in _anonymous().get(url).content.decode()
        assert citizen.public_name in _anonymous().get(url).content.decode()
    versions = dict(StageComment.objects.values_list("pk", "thread_version"))
    update_profile(citizen, display_name="  Ana   Nouă ")
    for url in pages:
        text = _anonymous().get(url).content.decode()
        assert "Ana Nouă" in text
        assert citizen.public_name not in text or citizen.public_name == "Ana Nouă"
    after = dict(StageComment.objects.values_list("pk", "thread_version"))
    # Only the thread with the renamed person's comments moved on.
    assert after[visible.pk] == versions[visible.pk] + 1
    assert after[other.pk] == versions[other.pk]
    assert after[reply.pk] == versions[reply.pk]
    # Another save without a new name moves nothing.
    update_profile(citizen, locality="Iași")
    assert dict(StageComment.objects.values_list("pk", "thread_version")) == after


def test_an_unreachable_cache_never_fails_a_write_nor_a_page(open_stage, visible, settings):
    # A cache server that is down (nothing listens on port 9): writes still commit, pages are
    # answered through the whole stack. (Changing CACHES makes Django open the caches anew.)
    settings.CACHES = {
        **settings.CACHES,
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": "redis://127.0.0.1:9/0",
            "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 0.2, "SOCKET_TIMEOUT": 0.2},
        },
    }
    Profile.objects.filter(user=visible.user).update(display_name="Scrisă fără cache")
    assert Profile.objects.get(user=visible.user).display_name == "Scrisă fără cache"
    middleware = earlycache.EarlyPageCacheMiddleware(lambda request: "the whole stack")
    assert middleware(RequestFactory().get("/proposals/")) == "the whole stack"
