"""Keeping the search index in step with the database without ever writing it from a request.

1. A change to an indexed object records an IndexQueue row in the change's own transaction
   (`search.signals.QueueSignalProcessor`).
2. One worker at a time (`drain`) reads the queue, writes the affected documents to the index in
   one commit, and only then deletes the rows it has applied. A row queued meanwhile has a higher
   id and waits for the next round, so no update or delete is ever lost; the worker holds a file
   lock next to the index, so several processes never write the Whoosh index at once.
3. Who runs the worker: with a Celery broker, a task queued after commit; in the embedded
   default, a thread started after the response (and `manage.py search_index drain`).
"""

import fcntl
import logging
import threading
from contextlib import contextmanager
from pathlib import Path

from celery import shared_task
from django.apps import apps
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from haystack import connections
from haystack.constants import ID
from haystack.exceptions import NotHandled

from core import background
from core.sql import Insert
from search.models import IndexQueue

log = logging.getLogger(__name__)

# What to re-index when an object changes: the object itself, or its owner (a new revision
# changes its proposal's document). Filled by the apps' `search_dependencies`.
DEPENDENCIES = {}


def register_dependency(model, function):
    """When an instance of `model` changes, `function(instance)` lists the objects to re-index."""
    DEPENDENCIES[model] = function


def indexed_objects(instance):
    function = DEPENDENCIES.get(type(instance))
    if function is not None:
        return [obj for obj in function(instance) if obj is not None]
    try:
        connections["default"].get_unified_index().get_index(type(instance))
    except NotHandled:
        return []
    return [instance]


def enqueue(instance):
    """Record that `instance`'s search documents must be refreshed (inside the caller's
    transaction), and make sure a worker will run after commit."""
    objects = indexed_objects(instance)
    for obj in objects:
        # Written once per process (`core.sql`): every comment posted queues a row.
        Insert.of(IndexQueue).execute(
            IndexQueue(model=obj._meta.label_lower, object_id=str(obj.pk))
        )
    if objects:
        transaction.on_commit(schedule_drain)


# --- Applying the queue ------------------------------------------------------------------------


@contextmanager
def _drain_lock():
    path = Path(settings.HAYSTACK_CONNECTIONS["default"].get("PATH", settings.VAR_DIR))
    path.mkdir(parents=True, exist_ok=True)
    with open(path / ".drain.lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _backend():
    backend = connections["default"].get_backend()
    if not getattr(backend, "setup_complete", True):
        backend.setup()
    return backend


def _apply(backend, updates, removals):
    """Write documents and deletions in one Whoosh commit; any failure raises (nothing lost)."""
    if not updates and not removals:
        return
    if not hasattr(backend, "index"):  # a non-Whoosh engine (Elasticsearch): its own API
        for index, objects in updates:
            backend.update(index, objects)
        for identifier in removals:
            backend.remove(identifier)
        return
    backend.index = backend.index.refresh()
    writer = backend.index.writer(timeout=60)
    try:
        documents = []
        for index, objects in updates:
            for obj in objects:
                document = index.full_prepare(obj)
                for key in document:
                    document[key] = backend._from_python(document[key])
                document.pop("boost", None)
                documents.append(document)
        # The documents replaced and removed, found with one searcher for the whole batch:
        # Whoosh's `update_document` and `delete_by_term` open one each, reading every segment
        # again for each document (most of a drain's time, measured with a worker behind 50
        # commenters).
        with writer.searcher() as searcher:
            for identifier in [document[ID] for document in documents] + list(removals):
                for number in searcher.document_numbers(**{ID: identifier}):
                    writer.delete_document(number)
        for document in documents:
            writer.add_document(**document)
    except Exception:
        writer.cancel()
        raise
    writer.commit()


def drain(batch_size=500):
    """Apply the queued changes to the index. Returns the number of queue rows applied."""
    applied = 0
    unified = connections["default"].get_unified_index()
    with _drain_lock():
        backend = _backend()
        while True:
            rows = list(IndexQueue.objects.order_by("id")[:batch_size])
            if not rows:
                return applied
            wanted = {}
            for row in rows:
                wanted.setdefault(row.model, set()).add(row.object_id)
            updates, removals = [], []
            for label, ids in wanted.items():
                try:
                    model = apps.get_model(label)
                    index = unified.get_index(model)
                except (LookupError, NotHandled):
                    # A model no longer indexed (or gone): its rows can never apply.
                    log.warning("Dropping search queue rows for unindexed model %s", label)
                    continue
                present = {
                    str(obj.pk): obj for obj in index.index_queryset().filter(pk__in=list(ids))
                }
                if present:
                    updates.append((index, list(present.values())))
                removals.extend(
                    f"{label}.{object_id}" for object_id in ids if object_id not in present
                )
            _apply(backend, updates, removals)
            IndexQueue.objects.filter(id__in=[row.id for row in rows]).delete()
            applied += len(rows)


# --- Who runs the worker -----------------------------------------------------------------------

_local_drain = threading.Lock()


def _drain_in_thread():
    # One draining thread per process; others skip, the running one loops until empty.
    if not _local_drain.acquire(blocking=False):
        return
    try:
        drain()
    except Exception:
        log.exception("Search index drain failed; the queue is kept for the next run.")
    finally:
        _local_drain.release()


# While one drain task waits in the broker, another would find nothing left to do: that task
# applies every row committed before it starts. So a commit queues a task only when none is
# waiting, marked in the shared cache; the task clears the mark before it reads the queue (a row
# committed after that queues the next task). A task lost by the broker delays the queue until
# the mark expires, never loses a row. A cache each process keeps to itself (locmem) cannot
# tell the worker's clearing to the servers: then every commit queues a task, as before.
DRAIN_QUEUED = "search:drain-queued"
DRAIN_QUEUED_SECONDS = 60


def schedule_drain():
    """After a commit that queued index changes: make sure a worker applies them. Side effects:
    a Celery task (unless one is waiting: the cache mark), a thread, or nothing ("manual")."""
    mode = settings.SEARCH_INDEX_UPDATES
    if mode == "celery":
        background.queue_unless_waiting(drain_index_queue, DRAIN_QUEUED, DRAIN_QUEUED_SECONDS)
    elif mode == "thread":
        threading.Thread(target=_drain_in_thread, name="search-drain", daemon=True).start()
    # "manual": only `manage.py search_index drain` (tests, cron).


@shared_task(name="search.tasks.drain_index_queue", ignore_result=True)
def drain_index_queue():
    """Apply queued search-index changes. Route to a single worker (one Whoosh writer). Defined
    here, with what it runs, and registered under `search.tasks` (the module Celery finds).
    Clears the mark of a waiting task first (`schedule_drain`)."""
    cache.delete(DRAIN_QUEUED)
    return drain()


# --- Drift between the database and the index --------------------------------------------------


def indexed_identifiers(model):
    """The identifiers of `model`'s documents in the index."""
    backend = _backend()
    if not hasattr(backend, "index"):
        raise NotImplementedError("Drift checks are implemented for the Whoosh engine.")
    from haystack.constants import DJANGO_CT

    backend.index = backend.index.refresh()
    label = model._meta.label_lower
    with backend.index.searcher() as searcher:
        return {
            fields[ID] for fields in searcher.all_stored_fields() if fields.get(DJANGO_CT) == label
        }


def drift():
    """Per indexed model: documents missing from the index and documents that should not be
    there (deleted, or no longer public)."""
    report = {}
    for model in connections["default"].get_unified_index().get_indexed_models():
        index = connections["default"].get_unified_index().get_index(model)
        expected = {
            f"{model._meta.label_lower}.{pk}"
            for pk in index.index_queryset().values_list("pk", flat=True)
        }
        actual = indexed_identifiers(model)
        report[model._meta.label_lower] = {
            "missing": sorted(expected - actual),
            "extra": sorted(actual - expected),
        }
    return report


def repair(report):
    """Queue every drifted document and apply the queue."""
    for label, problems in report.items():
        for identifier in problems["missing"] + problems["extra"]:
            IndexQueue.objects.create(model=label, object_id=identifier.rsplit(".", 1)[1])
    return drain()
