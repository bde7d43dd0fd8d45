"""Template helpers for consultations shown on other apps' pages (a proposal's revisions)."""

from django import template
from django.db.models import Count
from django.urls import reverse

register = template.Library()


@register.filter
def lookup(mapping, key):
    """`mapping[key]`, or None (templates cannot index a dict with a variable)."""
    if isinstance(mapping, dict):
        return mapping.get(key)
    return None


@register.simple_tag
def block_comment_counts(proposal):
    """For a proposal's text: block key → the stages with shown comments on it, with their
    number and a link to the stage's threads filtered to that block. Comments are anchored to a
    block's stable key, so they follow it into every revision. At most two queries."""
    from consultations.models import CommentState, Consultation, StageComment

    try:
        consultation = proposal.consultation
    except (Consultation.DoesNotExist, AttributeError):
        return {}
    rows = (
        StageComment.objects.filter(stage__consultation=consultation, state=CommentState.VISIBLE)
        .exclude(block_key="")
        .order_by()
        .values_list("block_key", "stage__position", "stage__title")
        .annotate(n=Count("pk"))
        .order_by("stage__position", "block_key")
    )
    notes = {}
    for key, position, title, count in rows:
        url = reverse("consultations:stage", args=[proposal.slug, position])
        notes.setdefault(key, []).append(
            {
                "position": position,
                "title": title,
                "count": count,
                "url": f"{url}?block={key}#threads",
            }
        )
    return notes


@register.filter
def as_date(value):
    """A date, or a date's ISO text (as a frozen synthesis row keeps it), as a date; anything
    else as it is."""
    from datetime import date

    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            return value
    return value


@register.simple_tag
def applied_suggestions(revision):
    """The suggestions of wording `revision` applied (`AppliedSuggestion`), each with its
    comment's number and link and, while the comment is shown, its author's name. One query."""
    from consultations.models import AppliedSuggestion, CommentState

    applied = AppliedSuggestion.objects.filter(revision=revision).select_related(
        "comment__user__profile"
    )
    return [
        {
            "id": item.comment_id,
            "url": item.comment.get_absolute_url(),
            "author": item.comment.author_name
            if item.comment.state == CommentState.VISIBLE
            else "",
        }
        for item in applied
    ]
