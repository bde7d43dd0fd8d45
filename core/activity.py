"""Recording and reading the activity log.

Every domain function that changes state calls `record()` inside its transaction, so the log row
exists exactly when the change does. Apps declare their verbs with `register_verbs()` so that the
history tab can show a translated label for each.
"""

from django.utils.translation import gettext_lazy as _

from core.models import ActivityLog
from core.verbs import VERBS, display_value, register_formatter, register_verbs, verb_label

__all__ = [
    "display_value",
    "history",
    "record",
    "register_formatter",
    "register_verbs",
    "verb_label",
]


def _display(value):
    if value is None:
        return ""
    return str(value)


def record(actor, verb, target, *, scope=None, old="", new="", data=None):
    """Append one row to the activity log and return it.

    `actor` may be None for changes made by the system (a scheduled task, a data migration).
    """
    if verb not in VERBS:
        raise ValueError(f"Unknown activity verb {verb!r}: declare it with register_verbs().")
    scope = scope if scope is not None else target
    return ActivityLog.objects.create(
        actor=actor if (actor is not None and actor.is_authenticated) else None,
        verb=verb,
        target=target,
        target_repr=str(target)[:300],
        scope=scope,
        old_value=_display(old),
        new_value=_display(new),
        data=data or {},
    )


def history(obj):
    """The rows shown on `obj`'s history tab, newest first, with their actors loaded."""
    return ActivityLog.objects.for_scope(obj).select_related("actor__profile", "target_type")


register_verbs({"system.note": _("Note")})
