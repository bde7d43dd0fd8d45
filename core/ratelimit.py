"""A fixed-window rate limit kept in Django's cache (shared between servers when the cache is).

`allow("comment", user.pk, limit=10)` counts one action and says whether it is within `limit`
actions in the current window of `period` seconds. `incr` counts (atomic on Redis and
memcached, so concurrent requests are counted exactly there); `add` creates the counter with
its lifetime when there is none.
"""

import ipaddress
import time

from django.conf import settings
from django.core.cache import cache


def _key(scope, identity, period, now):
    window = int(now // period)
    return f"ratelimit:{scope}:{identity}:{window}"


def allow(scope, identity, *, limit, period=60, now=None):
    """Count one action; True while at most `limit` actions happened in this window.

    `now` (seconds since the epoch) is for tests; requests use the clock."""
    key = _key(scope, identity, period, time.time() if now is None else now)
    # Counted first (one round trip to a shared cache for every action but a window's first),
    # created when there is no counter yet.
    try:
        count = cache.incr(key)
    except ValueError:
        if cache.add(key, 1, timeout=period + 1):
            return limit >= 1
        try:
            count = cache.incr(key)  # another request created it in between
        except ValueError:
            # And it was evicted since: this is the first action of a window.
            cache.add(key, 1, timeout=period + 1)
            count = 1
    return count <= limit


def count(scope, identity, *, period=60, now=None):
    """How many actions were counted in the current window, without counting one."""
    key = _key(scope, identity, period, time.time() if now is None else now)
    return cache.get(key, 0)


def add_one(scope, identity, *, period=60, now=None):
    """Count one action in the current window (for counters read with `count`)."""
    allow(scope, identity, limit=1, period=period, now=now)


def reset(scope, identity, *, period=60, now=None):
    """Forget the current window's count."""
    cache.delete(_key(scope, identity, period, time.time() if now is None else now))


def client_address(request):
    """The client's address for a per-client limit: the one our own proxies saw.

    Behind TRUSTED_PROXY_COUNT reverse proxies, the address the outermost one received is that
    many entries from the end of X-Forwarded-For (as allauth and the API's throttles read it);
    entries before it are the client's own claims and never trusted. Without proxies, or when
    the header is missing or malformed, the connection's address."""
    proxies = settings.ALLAUTH_TRUSTED_PROXY_COUNT
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if proxies > 0 and forwarded:
        addresses = [address.strip() for address in forwarded.split(",")]
        try:
            return str(ipaddress.ip_address(addresses[-min(proxies, len(addresses))]))
        except ValueError:
            pass
    return request.META.get("REMOTE_ADDR", "") or "unknown"
