"""What the accounts app stores about a person, for the data export and account deletion."""

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator

from accounts.models import Consent, Invitation, Membership, Profile
from core.models import ActivityLog


def _iso(value):
    return value.isoformat() if value else None


def export_account(user):
    return {
        "email": user.email,
        "date_joined": _iso(user.date_joined),
        "last_login": _iso(user.last_login),
        "email_addresses": [
            {"email": address.email, "verified": address.verified, "primary": address.primary}
            for address in EmailAddress.objects.filter(user=user).order_by("email")
        ],
        "two_factor_methods": sorted(
            Authenticator.objects.filter(user=user).values_list("type", flat=True)
        ),
    }


def erase_account(user):
    EmailAddress.objects.filter(user=user).delete()
    Authenticator.objects.filter(user=user).delete()


def export_profile(user):
    profile = Profile.objects.filter(user=user).first()
    if profile is None:
        return None
    return {
        "display_name": profile.display_name,
        "locality": profile.locality,
        "region": profile.region,
        "respondent_category": profile.respondent_category,
        "language": profile.language,
    }


def erase_profile(user):
    Profile.objects.filter(user=user).update(display_name="", locality="", region="")


def export_consents(user):
    return [
        {
            "text": consent.text.kind,
            "version": consent.text.version,
            "published": _iso(consent.text.published_at),
            "given": _iso(consent.given_at),
        }
        for consent in Consent.objects.filter(user=user).select_related("text")
    ]


def erase_consents(user):
    """Consent rows stay: they hold nothing personal beyond the (then anonymous) account they
    point at, and they show under which terms the comments it leaves in public were written."""


def export_memberships(user):
    return [
        {
            "organization": membership.organization.name,
            "organization_slug": membership.organization.slug,
            "role": membership.role,
            "since": _iso(membership.created_at),
        }
        for membership in Membership.objects.filter(user=user).select_related("organization")
    ]


def erase_memberships(user):
    from accounts.domain import remove_member

    for membership in Membership.objects.filter(user=user).select_related("organization"):
        remove_member(user, membership, verb="membership.left")


def _own_addresses(user):
    # Verified only: anyone can add any address to their account without owning it.
    addresses = set(
        EmailAddress.objects.filter(user=user, verified=True).values_list("email", flat=True)
    )
    if user.email:
        addresses.add(user.email)
    return {address.lower() for address in addresses}


def export_invitations(user):
    addresses = _own_addresses(user)
    received = Invitation.objects.filter(email__in=addresses).select_related("organization")
    return [
        {
            "organization": invitation.organization.name,
            "email": invitation.email,
            "role": invitation.role,
            "sent": _iso(invitation.created_at),
            "accepted": _iso(invitation.accepted_at),
        }
        for invitation in received
    ]


def erase_invitations(user):
    Invitation.objects.filter(email__in=_own_addresses(user)).update(email="")


def export_activity(user):
    return [
        {"time": _iso(entry.created_at), "action": entry.verb, "object": entry.target_repr}
        for entry in ActivityLog.objects.filter(actor=user).order_by("created_at", "id")
    ]


def erase_activity(user):
    """Log rows stay (they are the public record); their actor becomes the deleted account."""
