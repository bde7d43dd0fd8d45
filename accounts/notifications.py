"""Who is emailed about organisations: the builder of `core.mail` for "accounts.invitation"."""

from accounts.models import Invitation, Role, User
from core.mail import Email, register_builder


def register_builders():
    """Register the builders with `core.mail` (the app's `ready()`)."""
    register_builder("accounts.invitation", invitation_emails, secret=True)


def invitation_emails(invitation_id, url):
    """The invitation email, to the invited address, in the invitee's language when they have
    an account (else the organisation's). `url` carries the token, which is stored only hashed."""
    invitation = (
        Invitation.objects.select_related("organization", "invited_by__profile")
        .filter(pk=invitation_id)
        .first()
    )
    if invitation is None or not invitation.is_pending:
        return []
    email = invitation.email
    invitee = (
        User.objects.filter(emailaddress__email__iexact=email, emailaddress__verified=True)
        .select_related("profile")
        .first()
        or User.objects.filter(email__iexact=email).select_related("profile").first()
    )
    organization = invitation.organization
    return [
        Email(
            recipient=email,
            template="accounts/email/invitation",
            context={
                "organization": organization,
                "inviter": invitation.invited_by.public_name,
                "role": Role(invitation.role).label,
                "url": url,
                "expires_at": invitation.expires_at,
                "has_account": invitee is not None,
            },
            language=invitee.profile.language if invitee else organization.language,
        )
    ]
