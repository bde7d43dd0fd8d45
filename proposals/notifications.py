"""Who is emailed about co-authors: the builder of `core.mail` for "proposals.coauthorship".

An invitation goes to the invited organisation's admins (who answer it); an answer goes to the
owner's editors and admins (who invited); a removal goes to the removed organisation's admins.
Each email is in its recipient's language, read when the worker runs.
"""

from accounts.models import Role, User
from core.mail import Email, absolute_url, register_builder
from proposals.models import Coauthorship, CoauthorStatus

KIND = "proposals.coauthorship"


def register_builders():
    """Register `coauthorship_emails()` with `core.mail` (the app's `ready()`)."""
    register_builder(KIND, coauthorship_emails)


def _people(organization, roles):
    return (
        User.objects.filter(
            memberships__organization=organization,
            memberships__role__in=roles,
            is_active=True,
            email__isnull=False,
        )
        .select_related("profile")
        .order_by("pk")
    )


def coauthorship_emails(coauthorship_id, event):
    """The emails of one co-authorship `event` (a `CoauthorStatus` value: the status it moved
    to), or none when the row is gone or has moved on since (an invitation answered before the
    worker ran is not sent)."""
    coauthorship = (
        Coauthorship.objects.select_related("proposal__organization", "organization")
        .filter(pk=coauthorship_id)
        .first()
    )
    if coauthorship is None or coauthorship.status != event:
        return []
    proposal = coauthorship.proposal
    if event in (CoauthorStatus.INVITED, CoauthorStatus.REMOVED):
        people = _people(coauthorship.organization, [Role.ADMIN])
    else:
        people = _people(proposal.organization, [Role.ADMIN, Role.EDITOR])
    context = {
        "event": event,
        "proposal": proposal,
        "owner": proposal.organization.name,
        "coauthor": coauthorship.organization.name,
        "url": absolute_url(
            coauthorship.get_absolute_url()
            if event == CoauthorStatus.INVITED
            else proposal.get_absolute_url()
        ),
    }
    return [
        Email(
            recipient=user.email,
            template="proposals/email/coauthorship",
            context=context,
            language=user.profile.language,
        )
        for user in people
    ]
