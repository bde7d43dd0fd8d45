"""Following a consultation: its followers are emailed when a stage opens, closes or is
cancelled, when a new revision is put to debate and when a synthesis is published."""

from consultations.models import Follow


def follow(user, consultation):
    """Start following the consultation. Returns whether the user did not follow it before.
    Side effects: the follow row (none when it exists); no log row."""
    _, created = Follow.objects.get_or_create(consultation=consultation, user=user)
    return created


def unfollow(user, consultation):
    """Stop following the consultation. Returns whether the user followed it.
    Side effects: deletes the follow row; no log row."""
    deleted, _unused = Follow.objects.filter(consultation=consultation, user=user).delete()
    return bool(deleted)
