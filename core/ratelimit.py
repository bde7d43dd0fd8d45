"""A fixed-window rate limit kept in Django's cache (shared between servers when the cache is).

`allow("comment", user.pk, limit=10)` counts one action and says whether it is within `limit`
actions in the current window of `period` seconds. `add` creates the counter with its lifetime;
`incr` is atomic on Redis and memcached, so concurrent requests are counted exactly there.
"""

import time

from django.core.cache import cache


def _key(scope, identity, period, now):
    window = int(now // period)
    return f"ratelimit:{scope}:{identity}:{window}"


def allow(scope, identity, *, limit, period=60, now=None):
    """Count one action; True while at most `limit` actions happened in this window.

    `now` (seconds since the epoch) is for tests; requests use the clock."""
    key = _key(scope, identity, period, time.time() if now is None else now)
    if cache.add(key, 1, timeout=period + 1):
        return limit >= 1
    try:
        count = cache.incr(key)
    except ValueError:
        # The counter expired between add() and incr(): this is the first action of a window.
        cache.add(key, 1, timeout=period + 1)
        count = 1
    return count <= limit
