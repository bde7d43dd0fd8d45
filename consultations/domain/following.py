"""Following a consultation: its followers are emailed when a stage opens, closes or is
cancelled, when a new revision is put to debate and when a synthesis is published."""

from django.utils.translation import gettext as _

from consultations.models import Follow
from core.permissions import require


def follow(user, consultation):
    """Start following the consultation. Returns whether the user did not follow it before.
    Refused (NotAllowed) to anyone who may not see it or has no confirmed email address.
    Side effects: the follow row (none when it exists); no log row."""
    require(user, "consultations.view", consultation, message=_("This consultation is not public."))
    require(
        user,
        "consultations.participate",
        message=_("Confirm your email address before following a consultation."),
        code="unverified",
    )
    _follow, created = Follow.objects.get_or_create(consultation=consultation, user=user)
    return created


def unfollow(user, consultation):
    """Stop following the consultation. Returns whether the user followed it.
    Side effects: deletes the follow row; no log row."""
    deleted, _rows = Follow.objects.filter(consultation=consultation, user=user).delete()
    return bool(deleted)
