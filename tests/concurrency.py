"""Two transactions at once, in a fixed order, on PostgreSQL (tests marked
`django_db(transaction=True)`: the threads see only what is committed)."""

import threading
import time
from contextlib import contextmanager

from django.db import connection, transaction


def _waiting_for_a_lock(pid):
    with connection.cursor() as cursor:
        # Statistics are read once per transaction unless the snapshot is cleared.
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute("SELECT wait_event_type FROM pg_stat_activity WHERE pid = %s", [pid])
        row = cursor.fetchone()
    return row is not None and row[0] == "Lock"


def _open_in_a_thread(first, hold):
    """A thread running `first()` then `hold()` in one transaction. Returns (the thread, an
    event set once `first` ran or failed, the list its errors go to)."""
    opened = threading.Event()
    failures = []

    def run_first():
        try:
            with transaction.atomic():
                first()
                opened.set()
                hold()
        except BaseException as error:  # reported in the test's thread
            failures.append(error)
            opened.set()
        finally:
            connection.close()

    thread = threading.Thread(target=run_first)
    thread.start()
    return thread, opened, failures


def second_while_first_is_open(first, second, timeout=20):
    """Run `first()` in a transaction of another thread; while it is still open, run `second()`
    here. Once `second` waits for a lock that transaction holds (a row or a unique index entry),
    the first commits. Returns what `second()` returns; raises what it raises.

    This is the race the domain's "is it free?" checks lose: `second` checks before `first`
    commits, so only the database's constraints and locks can stop it."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]

    def hold():
        deadline = time.monotonic() + timeout
        while not _waiting_for_a_lock(pid):
            if time.monotonic() > deadline:
                raise AssertionError("the second transaction never waited for the first")
            time.sleep(0.02)

    thread, opened, failures = _open_in_a_thread(first, hold)
    try:
        opened.wait(timeout)
        if failures:
            raise failures[0]
        return second()
    finally:
        thread.join(timeout)
        if failures:
            raise failures[0]


@contextmanager
def first_kept_open(first, timeout=30):
    """Run `first()` in a transaction of another thread, kept open while the block runs, and
    committed when it ends. Raises what `first` raised."""
    done = threading.Event()
    thread, opened, failures = _open_in_a_thread(first, lambda: done.wait(timeout))
    try:
        opened.wait(timeout)
        if failures:
            raise failures[0]
        yield
    finally:
        done.set()
        thread.join(timeout)
    if failures:
        raise failures[0]
