"""Rate limits, counted in Django's cache (shared Redis in production, see CACHE_URL).

DRF reads rates from settings once, when its throttle classes are defined; these read them on
every request instead, so `API_ANON_RATE` and `API_TOKEN_RATE` can change in tests
(`override_settings`) and nothing is frozen at import time. A refused request gets 429 with a
`Retry-After` header (seconds).
"""

from django.conf import settings
from rest_framework.throttling import AnonRateThrottle, SimpleRateThrottle


class AnonymousRateThrottle(AnonRateThrottle):
    """Clients without a token, counted per address (settings.API_ANON_RATE)."""

    scope = "anon"

    def get_rate(self):
        return settings.API_ANON_RATE


class TokenRateThrottle(SimpleRateThrottle):
    """Clients with a registrar token, counted per token (settings.API_TOKEN_RATE).

    Inactive until token authentication exists: `request.auth` is then the token row, and its
    primary key identifies the client. Anonymous requests are not counted here.
    """

    scope = "token"

    def get_rate(self):
        return settings.API_TOKEN_RATE

    def get_cache_key(self, request, view):
        token = getattr(request, "auth", None)
        if token is None or getattr(token, "pk", None) is None:
            return None
        return self.cache_format % {"scope": self.scope, "ident": token.pk}
