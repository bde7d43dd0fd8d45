"""Settings for the test suite: the real settings on the development profile.

DATABASE_URL still chooses the database, so the same suite runs on SQLite and PostgreSQL.
"""

import os

os.environ.setdefault("DEBUG", "1")
os.environ.setdefault(
    "CONSULT_VAR_DIR", os.path.join(os.path.dirname(__file__), "..", "var", "test")
)

from consult.settings import *  # noqa: E402,F403

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
