"""Who is emailed about submissions: the builder of `core.mail` for "registrations.submission".

The domain decides who is told (`registrations.domain.ngo_recipients`, `registrar_recipients`)
when the event happens and asks `core.mail.notify` for the emails; after commit the worker calls
`emails()`, which reads the submission as it now is and gives each recipient the email of the
event, rendered in their language by `core.mail`.
"""

from datetime import date

from accounts.models import User
from core.mail import Email, absolute_url, register_builder
from proposals.coauthors import coauthors_at
from registrations.models import Submission

KIND = "registrations.submission"


def register_builders():
    """Register `emails()` with `core.mail` (the app's `ready()`)."""
    register_builder(KIND, emails)


def emails(submission_id, event, recipient_ids, flags=None, dates=None):
    """The emails of one event ("submitted", "received", "registered", "extended", "answered",
    "due_soon", "overdue") about a submission to the users `recipient_ids`, in that order.
    `flags` (booleans) and `dates` (ISO dates) go into the templates' context."""
    submission = (
        Submission.objects.select_related("authority", "proposal__organization")
        .filter(pk=submission_id)
        .first()
    )
    if submission is None:
        return []
    cosigners = (
        coauthors_at(submission.proposal, submission.submitted_at) if submission.proposal_id else []
    )
    context = {
        "submission": submission,
        # The proposal's co-authors when it was sent, named next to the sender.
        "cosigners": ", ".join(organization.name for organization in cosigners),
        "url": absolute_url(submission.get_absolute_url()),
        **(flags or {}),
        **{name: date.fromisoformat(value) for name, value in (dates or {}).items()},
    }
    users = User.objects.filter(pk__in=recipient_ids, is_active=True).select_related("profile")
    order = {pk: index for index, pk in enumerate(recipient_ids)}
    return [
        Email(
            recipient=user.email,
            template=f"registrations/email/submission_{event}",
            context={**context, "recipient": user},
            language=user.profile.language,
        )
        for user in sorted(users, key=lambda user: order[user.pk])
        if user.email
    ]
