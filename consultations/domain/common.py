"""What every module of the consultations domain shares: the clock, text cleaning and the
version that keys a stage's rendered threads."""

from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from consultations.models import Stage
from core.errors import DomainError
from core.text import has_control_characters
from proposals import content


def resolve_now(now):
    """`now` when a caller (a test, the demo loader) gives one, else the clock. No side effects."""
    return now if now is not None else timezone.now()


def clean_text(value, *, field, required=False, max_length=None):
    """Normalise line endings and surrounding space; refuse control characters (NUL…), an empty
    required value and a value over `max_length`, with a message naming `field`.

    Side effects: none (raises `DomainError`)."""
    value = content.normalize_text(value or "")
    if has_control_characters(value):
        raise DomainError(
            _("%(field)s contains control characters (such as NUL) that cannot be stored.")
            % {"field": field}
        )
    if required and not value:
        raise DomainError(_("%(field)s cannot be empty.") % {"field": field})
    if max_length is not None and len(value) > max_length:
        raise DomainError(
            _("%(field)s is %(length)s characters long; the limit is %(limit)s.")
            % {"field": field, "length": len(value), "limit": max_length}
        )
    return value


def bump_comments_version(stage):
    """Invalidate the stage's rendered threads and text (their cache keys carry this number).

    Side effects: increments `Stage.comments_version` in the database, which locks the stage's
    row until the transaction ends — so call it last."""
    Stage.objects.filter(pk=stage.pk).update(comments_version=F("comments_version") + 1)
