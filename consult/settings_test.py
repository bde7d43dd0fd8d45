"""Settings for the test suite: the real settings on the development profile.

DATABASE_URL still chooses the database, so the same suite runs on SQLite and PostgreSQL.
"""

import os

os.environ.setdefault("DEBUG", "1")
os.environ.setdefault(
    "CONSULT_VAR_DIR", os.path.join(os.path.dirname(__file__), "..", "var", "test")
)
# Each pytest-xdist worker keeps its files (SQLite database, search index, media, exports) in a
# folder of its own; PostgreSQL's test databases get the worker's suffix from pytest-django. The
# processes a test starts inherit the folder.
_worker = os.environ.get("PYTEST_XDIST_WORKER")
if _worker and os.path.basename(os.path.normpath(os.environ["CONSULT_VAR_DIR"])) != _worker:
    os.environ["CONSULT_VAR_DIR"] = os.path.join(os.environ["CONSULT_VAR_DIR"], _worker)

from consult.settings import *  # noqa: E402,F403

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    # On SQLite the tests' database is a file, not Django's shared in-memory database. With an
    # in-memory database the browser tests' live server shares the test's one connection, and two
    # threads on one sqlite3 connection can stop the whole process for good: one runs a statement
    # that calls an SQL function Django writes in Python (TruncDate's, for a chart image the
    # browser was still loading) and, holding SQLite's lock on the connection, waits for the GIL;
    # the other (the test's teardown emptying the tables) holds the GIL and waits for that lock.
    # With a file, each thread has a connection of its own and waits on SQLite's file locks, with
    # their timeout. Nothing written here has to survive a crash: no sync to the disk.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test.sqlite3")}  # noqa: F405
    DATABASES["default"]["OPTIONS"]["init_command"] = "PRAGMA synchronous = OFF"  # noqa: F405

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CELERY_TASK_ALWAYS_EAGER = True
# Tests create many accounts from one address; rate limits get their own tests.
ACCOUNT_RATE_LIMITS = {**ACCOUNT_RATE_LIMITS, "signup": "1000/m/ip", "login": "1000/m/ip"}  # noqa: F405

# Tests apply the search queue themselves (search.indexing.drain) to see exactly what happens.
SEARCH_INDEX_UPDATES = "manual"
# Emails leave through the (eager) task at commit, as they always did here: tests see them in
# the outbox once the block commits. The other modes have their own tests (tests/core).
NOTIFICATION_EMAILS = "celery"
