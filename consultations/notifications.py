"""Who is emailed about what in consultations: the builders of `core.mail`.

Domain functions ask for emails through `consultations.outbox` (`core.mail.notify`); after their
transaction commits, the worker calls `emails()` below (registered for each kind in
`KINDS` by the app's `ready()`), which decides the recipients from the database; `core.mail`
renders each email in its recipient's language, with the link (and List-Unsubscribe header)
that stops that kind of email. The comments package's own follow-up emails (sent inside the
request, to every follower of the object) are not used. This module imports neither the domain
nor the tasks.
"""

from django.core import signing
from django.urls import reverse
from django.utils import timezone

from core.mail import Email, absolute_url, register_builder

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


# --- Building the emails (in the worker, for `core.mail`) --------------------------------------


# The kinds of consultation emails (`core.mail` kinds are "consultations.<kind>").
KINDS = (
    "reply",
    "stage_opened",
    "stage_closed",
    "stage_cancelled",
    "synthesis",
    "meeting_registered",
    "meeting_promoted",
    "meeting_reminder",
)


def register_builders():
    """Register `emails()` with `core.mail` for every kind (the app's `ready()`)."""
    for kind in KINDS:
        register_builder(f"consultations.{kind}", lambda pk, kind=kind: emails(kind, pk))
    register_builder("consultations.meeting_changed", meeting_changed_emails)


def email_to(user, template, context, unsubscribe):
    """The `Email` of one consultation template to `user`, in their language."""
    return Email(
        recipient=user.email,
        template=f"consultations/email/{template}",
        context={**context, "recipient": user.public_name},
        language=user.profile.language if hasattr(user, "profile") else "ro",
        unsubscribe=unsubscribe,
    )


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


def emails(kind, pk):
    """The `Email`s of one event of `kind` about the object `pk` (a comment, stage or
    synthesis): none when it no longer exists or nobody is to be told."""
    from django.db.models import Q, Subquery
    from django_comments_xtd.models import XtdComment

    from consultations.models import Stage, StageComment, Synthesis

    messages = []
    if kind.startswith("meeting_"):
        return meeting_emails(kind, pk)
    if kind == "reply":
        # The reply and the comment it answers, with what the email shows and whether its
        # author opted out: one query (a worker builds one for every reply).
        parent_id = XtdComment.objects.filter(pk=pk).order_by().values("parent_id")[:1]
        found = {
            comment.pk: comment
            for comment in StageComment.objects.select_related(
                "stage__consultation__proposal__organization",
                "user__profile",
                "user__reply_opt_out",
            ).filter(Q(pk=pk) | Q(pk=Subquery(parent_id)))
        }
        reply = found.get(pk)
        if reply is None:
            return []
        parent = found.get(reply.parent_id)
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
        messages.append(email_to(recipient, "reply", context, url))
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
    told = set()
    for user in _followers(consultation):
        if not user.email:
            continue
        url = unsubscribe_url(user.pk, FOLLOW, consultation.pk)
        messages.append(email_to(user, template, context, url))
        told.add(user.pk)
    if kind == "stage_cancelled" and stage.kind == "meeting":
        # People registered for a cancelled meeting are told, followers or not.
        for user in _registrants(stage, exclude=told):
            messages.append(email_to(user, "meeting_cancelled", context, ""))
    return messages


def _registrants(stage, exclude=()):
    from accounts.models import User
    from consultations.models import RegistrationStatus

    return (
        User.objects.filter(
            meeting_registrations__stage=stage,
            meeting_registrations__status__in=RegistrationStatus.active(),
            is_active=True,
            deleted_at__isnull=True,
            email__isnull=False,
        )
        .exclude(pk__in=exclude)
        .select_related("profile")
        .distinct()
        .order_by("pk")
    )


def meeting_emails(kind, pk):
    """The email about one meeting registration (`pk`) to the person who registered: its
    confirmation (a seat or the waiting list), the seat given from the waiting list, the
    reminder of the day before. None when the registration is no longer what the email says
    (cancelled since, or still waiting), or the meeting was cancelled."""
    from consultations.domain.meetings import waiting_position
    from consultations.models import MeetingRegistration, RegistrationStatus

    registration = (
        MeetingRegistration.objects.select_related(
            "stage__consultation__proposal__organization", "user__profile"
        )
        .filter(pk=pk)
        .first()
    )
    if registration is None or registration.stage.cancelled_at is not None:
        return []
    wanted = {
        "meeting_registered": RegistrationStatus.active(),
        "meeting_promoted": [RegistrationStatus.REGISTERED],
        "meeting_reminder": [RegistrationStatus.REGISTERED],
    }[kind]
    user = registration.user
    if registration.status not in wanted or not user.is_active or user.is_deleted:
        return []
    if not user.email:
        return []
    stage = registration.stage
    tz = stage.consultation.proposal.organization.zone
    context = {
        **_stage_context(stage),
        "registration": registration,
        "waiting": registration.status == RegistrationStatus.WAITING,
        "position": waiting_position(registration),
        "meeting_at": timezone.localtime(stage.meeting_at or stage.opens_at, tz),
        "calendar_url": absolute_url(
            reverse(
                "consultations:stage_calendar",
                args=[stage.consultation.proposal.slug, stage.position],
            )
        ),
        "cancel_url": absolute_url(
            reverse(
                "consultations:meeting_cancel",
                args=[stage.consultation.proposal.slug, stage.position],
            )
        ),
    }
    return [email_to(user, kind, context, "")]


def meeting_changed_emails(pk):
    """One email to each person registered for the meeting or waiting for a seat, about one
    change of its date, place or link (`pk`: the change's "meeting.changed" log row): what it
    was, what it is now. None when the meeting was cancelled since."""
    from django.utils.dateparse import parse_datetime

    from consultations.models import Stage
    from core.models import ActivityLog

    entry = ActivityLog.objects.filter(pk=pk, verb="meeting.changed").first()
    if entry is None:
        return []
    stage = (
        Stage.objects.select_related("consultation__proposal__organization")
        .filter(pk=entry.target_id)
        .first()
    )
    if stage is None or stage.cancelled_at is not None:
        return []
    tz = stage.consultation.proposal.organization.zone
    old, new = entry.data["old"], entry.data["new"]

    def moment(value):
        parsed = parse_datetime(value) if value else None
        return timezone.localtime(parsed, tz) if parsed else None

    context = {
        **_stage_context(stage),
        "old": {**old, "meeting_at": moment(old["meeting_at"])},
        "new": {**new, "meeting_at": moment(new["meeting_at"])},
        "calendar_url": absolute_url(
            reverse(
                "consultations:stage_calendar",
                args=[stage.consultation.proposal.slug, stage.position],
            )
        ),
    }
    context["moved"] = old["meeting_at"] != new["meeting_at"]
    context["moved_place"] = (old["meeting_place"], old["meeting_link"]) != (
        new["meeting_place"],
        new["meeting_link"],
    )
    return [email_to(user, "meeting_changed", context, "") for user in _registrants(stage)]
