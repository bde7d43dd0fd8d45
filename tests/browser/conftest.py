"""Browser tests: Playwright (Python) driving Debian's Chromium, never a downloaded browser."""

import os
import shutil
import urllib.request

import pytest
from django.core.servers.basehttp import WSGIServer
from django.test.testcases import LiveServerThread

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


class OneRequestAtATime(WSGIServer):
    """The live server answers one request at a time.

    Until the tests' SQLite database became a file (consult/settings_test.py), the live server
    shared the test's one in-memory connection with every request thread, and two threads on
    that connection stopped the process (seen with faulthandler: chart images of one page asked
    for at once, each request inside its query). The server then took requests in turns. Each
    request now has a connection of its own; the turns stay, so that a page's requests never
    wait on each other's SQLite write lock (the server closes each connection after its
    response, so a browser never holds one)."""

    def __init__(self, *args, connections_override=None, **kwargs):
        # Requests run in the server's own thread (nothing is shared with it now).
        super().__init__(*args, **kwargs)


LiveServerThread.server_class = OneRequestAtATime

# Playwright's sync API runs an event loop in this thread; the test's own database calls are
# still synchronous, so Django's async-safety guard must be told so.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(autouse=True)
def _live_server_idle_before_the_database_is_emptied(request):
    """After a test with the live server, wait until the server has answered every request
    the browser sent (an image loaded lazily, still coming when its page was closed) before the
    test's database is emptied. Otherwise such a request could still be reading when the
    emptying began (seen once: "deadlock detected" between the two, and the requests after it
    refused database access). The server answers one request at a time, in the order they
    came (`OneRequestAtATime`): once a request sent now is answered, those before it are.

    Set up after the database's fixture, so torn down before it empties the tables."""
    if "live_server" not in request.fixturenames:
        yield
        return
    request.getfixturevalue("transactional_db")
    server = request.getfixturevalue("live_server")
    yield
    with urllib.request.urlopen(f"{server.url}/static/css/consult.css", timeout=60) as answer:
        answer.read()


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        if os.environ.get("CONSULT_REQUIRE_BROWSER"):
            pytest.fail("Chromium is required (apt-get install chromium) but was not found.")
        pytest.skip("Chromium is not installed (apt-get install chromium).")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(locale="ro-RO", base_url=live_server.url)
    page = context.new_page()
    page.set_default_timeout(15000)
    yield page
    context.close()
