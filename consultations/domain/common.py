"""What every module of the consultations domain shares: the clock and the version that keys a
stage's rendered threads. (Typed text is cleaned by `core.text.clean_text`.)"""

from django.db.models import F
from django.utils import timezone

from consultations.models import Stage


def resolve_now(now):
    """`now` when a caller (a test, the demo loader) gives one, else the clock. No side effects."""
    return now if now is not None else timezone.now()


def bump_comments_version(stage):
    """Invalidate the stage's rendered threads and text (their cache keys carry this number).

    Side effects: increments `Stage.comments_version` in the database, which locks the stage's
    row until the transaction ends — so call it last."""
    Stage.objects.filter(pk=stage.pk).update(comments_version=F("comments_version") + 1)
