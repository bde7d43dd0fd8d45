"""Work a commit hands to the process after the response, without a broker: a callback that
runs once per transaction however many rows it stored (`AfterCommitOnce`), and one thread per
process that takes the stored work in rounds (`ProcessThread`). Used by the comment grouper
(`consultations.domain.grouping`) and the notification sender (`core.mail`); the work itself
is always in database rows, so a process that stops loses nothing (a later round, or the
command, takes it).

With a broker, `queue` hands a task to the workers and tells its caller when the broker cannot
be reached, instead of failing the request that asked (after its commit: what it saved stays
saved): each caller then does what is right for its work (sends an email in process, stores an
event for the command, leaves comments waiting for the next commit's task).
"""

import logging
import threading
import time

from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from kombu.exceptions import OperationalError as BrokerError

log = logging.getLogger(__name__)

# A request waits at most for two tries to reach the broker (the default is four; each try
# bounded by the broker's own timeouts, `CELERY_BROKER_TRANSPORT_OPTIONS`)...
PUBLISH_RETRY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.2}
# ...and after a failure this process does not try again for this long: a commit that queues
# many tasks (an account's erasure reindexes every comment of it), or the next requests, do
# what each does without a broker instead of waiting for it again.
BROKER_PAUSE_SECONDS = 10.0
# Until when the broker is not tried; the tasks whose not being queued was logged since.
_broker = {"down_until": 0.0, "told": set()}


def queue(task, *args, **kwargs):
    """Queue `task` with these arguments for a worker (`task.apply_async`; without a broker
    Celery runs it here, now, and its errors, whatever they are, are the caller's). Returns
    False, after logging it, when the broker cannot be reached (the connection refused, lost or
    silent, after one more try), and at once, for BROKER_PAUSE_SECONDS after such a failure
    (logged once per task). Side effects: a message to the broker (or the task's, run in
    process)."""
    if task.app.conf.task_always_eager:
        task.apply_async(args, kwargs)
        return True
    if time.monotonic() < _broker["down_until"]:
        if task.name not in _broker["told"]:
            _broker["told"].add(task.name)
            log.warning(
                "The task %s was not queued: the broker could not be reached just now.",
                task.name,
            )
        return False
    try:
        task.apply_async(args, kwargs, retry_policy=PUBLISH_RETRY)
    except BrokerError as error:
        _broker["down_until"] = time.monotonic() + BROKER_PAUSE_SECONDS
        _broker["told"] = {task.name}
        log.error(
            "The task %s could not be queued: the broker cannot be reached (%s).", task.name, error
        )
        return False
    return True


def queue_unless_waiting(task, mark, seconds, args=()):
    """Queue `task` (with `args`) unless one is waiting in the broker: marked under `mark` in
    the shared cache for `seconds` at most, a mark the task deletes when it starts (so a commit
    after that queues the next one). A task that does everything committed before it starts
    needs no second one behind it. Without a shared cache (locmem: the worker's deleting is not
    seen by the servers) or when the cache cannot be reached, queued every time; when the
    broker cannot be reached, the mark is deleted, for the next commit to try. Side effects:
    the cache mark, a Celery task."""
    shared = "locmem" not in settings.CACHES["default"]["BACKEND"].lower()
    marked = None
    if shared:
        try:
            marked = cache.add(mark, 1, timeout=seconds)
        except Exception:  # noqa: BLE001 (any cache backend's error)
            log.warning("The shared cache cannot be read: a task is queued without its mark.")
        if marked is False:
            return
    if not queue(task, *args) and marked:
        try:
            cache.delete(mark)
        except Exception:  # noqa: BLE001 (the mark expires on its own)
            log.warning("The shared cache cannot be written: a task's mark is left to expire.")


class AfterCommitOnce:
    """An on-commit callback that knows whether it has run; `register(*args)` adds one of its
    class to the current transaction unless one with the same `args` is waiting there already.
    Subclass it per use, with `run()` (which reads `self.args`)."""

    ran = False
    args = ()

    def __call__(self):
        self.ran = True
        self.run()

    def run(self):
        raise NotImplementedError

    @classmethod
    def register(cls, *args):
        """Side effects: an on-commit callback, unless the transaction already has one of this
        class with these `args` that has not run."""
        # A callback already registered survives whenever what the caller stored does: a
        # savepoint rolled back drops the callbacks registered inside it, and the rows stored
        # there with them. (One already run is skipped: tests run callbacks without ending
        # their transaction.)
        for _sids, func, _robust in transaction.get_connection().run_on_commit:
            if isinstance(func, cls) and not func.ran and func.args == args:
                return
        callback = cls()
        callback.args = args
        transaction.on_commit(callback)


class ProcessThread:
    """One thread per process doing `work()` in rounds: a `wake()` while it runs asks it for one
    more round instead of starting another, so what was committed just as the running thread
    found nothing left is still done, and a busy server starts no thread per request. The
    thread closes its own database connection when it ends; a failure is logged and the work
    waits for the next round. `daemon=False`: a process that exits waits for the round."""

    def __init__(self, name, work, *, daemon, failure):
        self.name, self.work, self.daemon, self.failure = name, work, daemon, failure
        self._lock = threading.Lock()
        self._running = self._again = False

    def wake(self):
        """Side effects: a thread, or one more round of the running one."""
        with self._lock:
            if self._running:
                self._again = True
                return
            self._running = True
        threading.Thread(target=self._rounds, name=self.name, daemon=self.daemon).start()

    def _rounds(self):
        try:
            while True:
                with self._lock:
                    self._again = False
                self.work()
                with self._lock:
                    if not self._again:
                        self._running = False
                        return
        except BaseException:
            with self._lock:
                self._running = False
            log.exception(self.failure)
        finally:
            connection.close()  # this thread's own connection, never reused
