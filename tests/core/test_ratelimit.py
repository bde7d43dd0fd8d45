"""The fixed-window counter of `core.ratelimit`: each action counted once, the window's first
action creating the counter, a new window starting from one."""

from django.core.cache import cache

from core import ratelimit

NOW = 1_800_000_030.0  # the middle of a minute


def test_actions_are_counted_up_to_the_limit_in_their_window():
    cache.clear()
    answers = [ratelimit.allow("test", 7, limit=3, now=NOW + step) for step in range(5)]
    assert answers == [True, True, True, False, False]
    assert ratelimit.count("test", 7, now=NOW) == 5
    # Another identity, another scope: counted apart.
    assert ratelimit.allow("test", 8, limit=1, now=NOW) is True
    assert ratelimit.allow("other", 7, limit=1, now=NOW) is True
    assert ratelimit.count("test", 8, now=NOW) == 1


def test_the_next_window_starts_from_one():
    cache.clear()
    for step in range(3):
        ratelimit.allow("test", 7, limit=2, now=NOW + step)
    later = NOW + 60
    assert ratelimit.count("test", 7, now=later) == 0
    assert ratelimit.allow("test", 7, limit=2, now=later) is True
    assert ratelimit.count("test", 7, now=later) == 1


def test_a_counter_made_by_another_request_in_between_counts_this_action_too(monkeypatch):
    cache.clear()
    add = cache.add

    def made_by_another(key, value, timeout=None, **kwargs):
        add(key, value, timeout=timeout)
        return False

    monkeypatch.setattr(cache, "add", made_by_another)
    assert ratelimit.allow("test", 7, limit=1, now=NOW) is False
    assert ratelimit.count("test", 7, now=NOW) == 2


def test_a_counter_gone_between_its_two_steps_counts_the_action_as_the_first(monkeypatch):
    # Another request made the counter after this one found none, and it expired at once.
    cache.clear()
    monkeypatch.setattr(cache, "add", lambda *args, **kwargs: False)
    assert ratelimit.allow("test", 7, limit=1, now=NOW) is True
    assert ratelimit.allow("test", 7, limit=0, now=NOW) is False


def test_reset_forgets_the_window():
    cache.clear()
    ratelimit.allow("test", 7, limit=1, now=NOW)
    ratelimit.reset("test", 7, now=NOW)
    assert ratelimit.count("test", 7, now=NOW) == 0
