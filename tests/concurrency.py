"""Two transactions at once, in a fixed order, on PostgreSQL (tests marked
`django_db(transaction=True)`: the threads see only what is committed)."""

import threading
import time

from django.db import connection, transaction


def _waiting_for_a_lock(pid):
    with connection.cursor() as cursor:
        # Statistics are read once per transaction unless the snapshot is cleared.
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute("SELECT wait_event_type FROM pg_stat_activity WHERE pid = %s", [pid])
        row = cursor.fetchone()
    return row is not None and row[0] == "Lock"


def second_while_first_is_open(first, second, timeout=20):
    """Run `first()` in a transaction of another thread; while it is still open, run `second()`
    here. Once `second` waits for a lock that transaction holds (a row or a unique index entry),
    the first commits. Returns what `second()` returns; raises what it raises.

    This is the race the domain's "is it free?" checks lose: `second` checks before `first`
    commits, so only the database's constraints and locks can stop it."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    opened = threading.Event()
    failures = []

    def run_first():
        try:
            with transaction.atomic():
                first()
                opened.set()
                deadline = time.monotonic() + timeout
                while not _waiting_for_a_lock(pid):
                    if time.monotonic() > deadline:
                        raise AssertionError("the second transaction never waited for the first")
                    time.sleep(0.02)
        except BaseException as error:  # reported in the test's thread
            failures.append(error)
            opened.set()
        finally:
            connection.close()

    thread = threading.Thread(target=run_first)
    thread.start()
    try:
        opened.wait(timeout)
        if failures:
            raise failures[0]
        return second()
    finally:
        thread.join(timeout)
        if failures:
            raise failures[0]
