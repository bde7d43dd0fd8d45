"""Who is emailed about requests for a public debate (`core.mail` builders): the authority's
admins when an NGO asks, the person who asked when the authority answers. Registered by the
app's `ready()`; the domain asks through `consultations.outbox`. Imports neither the domain nor
the tasks."""

from accounts.models import Role, User
from consultations.notifications import email_to
from core.mail import absolute_url, register_builder

KINDS = ("debate_requested", "debate_answered", "debate_withdrawn")


def register_builders():
    register_builder("consultations.debate_requested", requested_emails)
    register_builder("consultations.debate_answered", answered_emails)
    register_builder("consultations.debate_withdrawn", withdrawn_emails)


def _request(pk):
    from consultations.models import DebateRequest

    return (
        DebateRequest.objects.select_related(
            "consultation__proposal__organization", "organization", "meeting", "requested_by"
        )
        .filter(pk=pk)
        .first()
    )


def _context(request):
    from consultations.domain.debates import due_on

    proposal = request.consultation.proposal
    return {
        "request": request,
        "proposal": proposal,
        "authority": proposal.organization,
        "due_on": due_on(request),
        "url": absolute_url(request.get_absolute_url()),
    }


def _reachable(users):
    return [user for user in users if user.email and user.is_active and not user.is_deleted]


def _authority_admins(request):
    return _reachable(
        User.objects.filter(
            memberships__organization=request.consultation.proposal.organization,
            memberships__role=Role.ADMIN,
        )
        .select_related("profile")
        .order_by("pk")
    )


def withdrawn_emails(pk):
    """The authority's admins, told the NGO withdrew its request (no answer is due any more)."""
    request = _request(pk)
    if request is None:
        return []
    context = _context(request)
    return [email_to(user, "debate_withdrawn", context, "") for user in _authority_admins(request)]


def requested_emails(pk):
    """The authority's admins, told an NGO asked for a public debate and by when to answer."""
    request = _request(pk)
    if request is None:
        return []
    context = _context(request)
    return [email_to(user, "debate_requested", context, "") for user in _authority_admins(request)]


def answered_emails(pk):
    """The person who asked, told how the authority answered."""
    request = _request(pk)
    if request is None:
        return []
    return [
        email_to(user, "debate_answered", _context(request), "")
        for user in _reachable([request.requested_by])
    ]
