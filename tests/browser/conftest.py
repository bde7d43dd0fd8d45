"""Browser tests: Playwright (Python) driving Debian's Chromium, never a downloaded browser."""

import os
import shutil

import pytest
from django.core.servers.basehttp import WSGIServer
from django.test.testcases import LiveServerThread

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


class OneRequestAtATime(WSGIServer):
    """The live server answers one request at a time.

    On SQLite the tests' in-memory database is one connection, which Django's live server
    shares with every request thread; a page whose images are views (the participation charts)
    has the browser ask for several at once, and two threads running statements on that one
    connection hung the suite (seen with faulthandler: three chart requests inside their
    queries, the test waiting for the page). A real server gives each thread its own
    connection; here requests simply take turns (the server then closes each connection after
    its response, so a browser never holds it)."""

    def __init__(self, *args, connections_override=None, **kwargs):
        # Requests run in the server's own thread, where the shared connections are in place.
        super().__init__(*args, **kwargs)


LiveServerThread.server_class = OneRequestAtATime

# Playwright's sync API runs an event loop in this thread; the test's own database calls are
# still synchronous, so Django's async-safety guard must be told so.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


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
