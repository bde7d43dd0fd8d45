"""Recording and reading the activity log.

Every domain function that changes state calls `record()` inside its transaction, so the log row
exists exactly when the change does. Apps declare their verbs with `register_verbs()` so that the
history tab can show a translated label for each.
"""

from django.contrib.contenttypes.models import ContentType
from django.utils.translation import gettext_lazy as _

from core.models import ActivityLog
from core.sql import Insert
from core.verbs import VERBS, display_value, register_formatter, register_verbs, verb_label

__all__ = [
    "display_value",
    "history",
    "record",
    "record_many",
    "register_formatter",
    "register_verbs",
    "verb_label",
]


def _display(value):
    if value is None:
        return ""
    return str(value)


def record(actor, verb, target, *, scope=None, old="", new="", data=None, read_back=True):
    """Append one row to the activity log and return it.

    `actor` may be None for changes made by the system (a scheduled task, a data migration).
    With `read_back` False the row's id is not read back (the returned entry has none): in a
    pipeline of statements (`core.sql.pipeline`) reading it would wait for every statement
    sent before it.
    """
    if verb not in VERBS:
        raise ValueError(f"Unknown activity verb {verb!r}: declare it with register_verbs().")
    scope = scope if scope is not None else target
    entry = ActivityLog(
        actor=actor if (actor is not None and actor.is_authenticated) else None,
        verb=verb,
        target=target,
        target_repr=str(target)[:300],
        scope=scope,
        old_value=_display(old),
        new_value=_display(new),
        data=data or {},
    )
    # The statement written once per process (`core.sql`): every comment posted logs a row.
    Insert.of(ActivityLog, returning=read_back).execute(entry)
    return entry


def record_many(actor, verb, changes, *, scope, batch_size=500):
    """Append one row per change, as `record` would one by one, in a few inserts; for commands
    that change many objects at once (answering a group of comments). `changes` are
    (target, old, new, data) tuples; every target is of the same model. Returns how many rows.
    """
    if verb not in VERBS:
        raise ValueError(f"Unknown activity verb {verb!r}: declare it with register_verbs().")
    changes = list(changes)
    if not changes:
        return 0
    actor = actor if (actor is not None and actor.is_authenticated) else None
    target_type = ContentType.objects.get_for_model(changes[0][0])
    scope_type = ContentType.objects.get_for_model(scope)
    rows = ActivityLog.objects.bulk_create(
        (
            ActivityLog(
                actor=actor,
                verb=verb,
                target_type=target_type,
                target_id=str(target.pk),
                target_repr=str(target)[:300],
                scope_type=scope_type,
                scope_id=str(scope.pk),
                old_value=_display(old),
                new_value=_display(new),
                data=data or {},
            )
            for target, old, new, data in changes
        ),
        batch_size=batch_size,
    )
    return len(rows)


def history(obj):
    """The rows shown on `obj`'s history tab, newest first, with their actors loaded."""
    return ActivityLog.objects.for_scope(obj).select_related("actor__profile", "target_type")


register_verbs({"system.note": _("Note")})
