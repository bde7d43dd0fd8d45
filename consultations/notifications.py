"""Who is emailed about what, and the emails themselves.

Domain functions ask for emails through `consultations.outbox`, which queues a task after their
transaction commits; the task (`build` below) decides the recipients from the database and
renders each email in its recipient's language, with a link that stops that kind of email. The
comments package's own follow-up emails (sent inside the request, to every follower of the
object) are not used. This module imports neither the domain nor the tasks.
"""

from django.core import signing
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from core.mail import absolute_url

UNSUBSCRIBE_SALT = "consultations.unsubscribe"

# Kinds of unsubscribe tokens: stop emails about one consultation, or about replies.
FOLLOW = "follow"
REPLIES = "replies"


def unsubscribe_token(user_id, kind, consultation_id=None):
    return signing.dumps({"u": user_id, "k": kind, "c": consultation_id}, salt=UNSUBSCRIBE_SALT)


def read_unsubscribe_token(token):
    """The payload of a valid token, or None. Tokens do not expire: an old email still works."""
    try:
        data = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or data.get("k") not in (FOLLOW, REPLIES):
        return None
    if not isinstance(data.get("u"), int):
        return None
    return data


def unsubscribe_url(user_id, kind, consultation_id=None):
    token = unsubscribe_token(user_id, kind, consultation_id)
    return absolute_url(reverse("consultations:unsubscribe", args=[token]))


# --- Building the emails (run by the task, `consultations.outbox.notify`) ---------------------


def render(template, user, context, unsubscribe):
    """(subject, body, headers) in the user's language."""
    language = user.profile.language if hasattr(user, "profile") else "ro"
    context = {**context, "recipient": user.public_name, "unsubscribe_url": unsubscribe}
    with translation.override(language):
        subject = render_to_string(f"consultations/email/{template}_subject.txt", context)
        body = render_to_string(f"consultations/email/{template}_body.txt", context)
    headers = {
        "List-Unsubscribe": f"<{unsubscribe}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }
    return " ".join(subject.split()), body, headers


def _followers(consultation, exclude=()):
    from accounts.models import User

    return (
        User.objects.filter(
            follows__consultation=consultation, is_active=True, deleted_at__isnull=True
        )
        .exclude(pk__in=exclude)
        .select_related("profile")
        .order_by("pk")
    )


def _stage_context(stage):
    consultation = stage.consultation
    proposal = consultation.proposal
    tz = proposal.organization.zone
    previous = (
        consultation.stages.filter(position__lt=stage.position, revision__isnull=False)
        .order_by("-position")
        .select_related("revision")
        .first()
    )
    new_revision = (
        stage.revision is not None
        and previous is not None
        and previous.revision.number < stage.revision.number
    )
    return {
        "stage": stage,
        "consultation": consultation,
        "proposal": proposal,
        "opens_at": timezone.localtime(stage.opens_at, tz),
        "closes_at": timezone.localtime(stage.closes_at, tz),
        "stage_url": absolute_url(stage.get_absolute_url()),
        "new_revision": new_revision,
        "previous_revision": previous.revision if new_revision else None,
        "compare_url": (
            absolute_url(
                reverse(
                    "proposals:compare",
                    args=[proposal.slug, previous.revision.number, stage.revision.number],
                )
            )
            if new_revision
            else ""
        ),
    }


def build(kind, pk):
    """The list of (recipient email, subject, body, headers) for one event."""
    from consultations.models import Stage, StageComment, Synthesis

    messages = []
    if kind == "reply":
        reply = (
            StageComment.objects.select_related("stage__consultation__proposal", "user__profile")
            .filter(pk=pk)
            .first()
        )
        if reply is None:
            return []
        parent = (
            StageComment.objects.select_related("user__profile").filter(pk=reply.parent_id).first()
        )
        if parent is None or parent.user is None or parent.user_id == reply.user_id:
            return []
        recipient = parent.user
        if not recipient.is_active or recipient.is_deleted or not recipient.email:
            return []
        if hasattr(recipient, "reply_opt_out"):
            return []
        context = {
            "reply": reply,
            "parent": parent,
            "author": reply.author_name,
            "proposal": reply.stage.consultation.proposal,
            "stage": reply.stage,
            "url": absolute_url(reply.get_absolute_url()),
        }
        url = unsubscribe_url(recipient.pk, REPLIES)
        messages.append((recipient.email, *render("reply", recipient, context, url)))
        return messages
    if kind == "synthesis":
        synthesis = (
            Synthesis.objects.select_related("stage__consultation__proposal").filter(pk=pk).first()
        )
        if synthesis is None:
            return []
        stage = synthesis.stage
        context = {
            **_stage_context(stage),
            "synthesis": synthesis,
            "url": absolute_url(synthesis.get_absolute_url()),
        }
        template = "synthesis"
    else:
        stage = (
            Stage.objects.select_related("consultation__proposal__organization", "revision")
            .filter(pk=pk)
            .first()
        )
        if stage is None:
            return []
        context = _stage_context(stage)
        template = kind
        if kind == "stage_opened" and context["new_revision"]:
            template = "new_revision"
    consultation = stage.consultation
    for user in _followers(consultation):
        if not user.email:
            continue
        url = unsubscribe_url(user.pk, FOLLOW, consultation.pk)
        messages.append((user.email, *render(template, user, context, url)))
    return messages
