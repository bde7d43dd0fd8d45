"""Django's sessions in the cache backed by the database (`cached_db`), taking a session cookie
only in the shape Django gives its keys.

Django takes any cookie of 8 characters or more for a session key and looks it up: PostgreSQL
refuses one holding NUL, which made every page a 500 for whoever sent such a cookie. A key Django
makes is 32 lower-case ASCII letters and digits; any other cookie is no session (the visitor is
signed out, as with an expired one).
"""

import re

from django.contrib.sessions.backends import cached_db

_KEY = re.compile(r"[a-z0-9]{32}")


class SessionStore(cached_db.SessionStore):
    def _validate_session_key(self, key):
        return isinstance(key, str) and _KEY.fullmatch(key) is not None
