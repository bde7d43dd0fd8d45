"""Actions on accounts, organisations and memberships.

Each function checks its rule first (`core.permissions.require`: `NotAllowed`), validates the
move, writes it in one transaction, records the activity-log row and queues the emails. A refused
move raises `DomainError` with a message for the user.
"""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import (
    Consent,
    Invitation,
    LegalText,
    LegalTextKind,
    Membership,
    Organization,
    Role,
    User,
    hash_token,
    slug_validator,
)
from core import activity, mail, privacy
from core.errors import DomainError
from core.mail import absolute_url
from core.permissions import require
from core.text import clean_identifier, clean_text, tidy_slug

# The refusal of the commands that need `accounts.manage_members`.
ADMINS_ONLY = gettext_lazy("Only the organisation's administrators can manage its members.")

# --- Organisations -----------------------------------------------------------------------------

ORGANIZATION_FIELDS = [
    "kind",
    "name",
    "slug",
    "country",
    "county",
    "locality",
    "fiscal_code",
    "website",
    "description",
]


def _slug_taken():
    return DomainError(
        _("An organisation with this address name already exists."), code="slug_taken"
    )


def _clean_identifiers(fields):
    """The name and address name of `fields` as stored (`core.text`, "Identifiers"): invisible
    characters dropped, the name's spaces collapsed, the address name in lower case."""
    if "name" in fields:
        fields["name"] = clean_identifier(
            fields["name"], field=_("The organisation's name"), required=True, max_length=200
        )
    if "slug" in fields:
        fields["slug"] = tidy_slug(fields["slug"])
        try:
            slug_validator(fields["slug"])
        except ValidationError as error:
            raise DomainError(error.messages[0], code="slug") from None
    return fields


def _save_organization(organization, **kwargs):
    # The slug checked free a moment ago may be taken by a concurrent request.
    try:
        with transaction.atomic():
            organization.save(**kwargs)
    except IntegrityError:
        raise _slug_taken() from None


@transaction.atomic
def create_organization(user, **fields):
    """Create an organisation; its creator becomes its first admin. Its name and address name
    are stored without invisible characters; an address name taken (in any case) is refused.

    Side effects: an organisation row, an admin membership, two activity-log rows.
    """
    require(user, "accounts.add_organization", message=_("Sign in to create an organisation."))
    fields = _clean_identifiers(dict(fields))
    if Organization.objects.filter(slug__iexact=fields["slug"]).exists():
        raise _slug_taken()
    organization = Organization(created_by=user, **fields)
    _save_organization(organization)
    activity.record(user, "organization.created", organization, new=organization.name)
    membership = Membership.objects.create(user=user, organization=organization, role=Role.ADMIN)
    activity.record(
        user,
        "membership.added",
        membership,
        scope=organization,
        new=membership.role,
        data={"member": user.pk},
    )
    return organization


@transaction.atomic
def update_organization(user, organization, **fields):
    """Change an organisation's details; one log row per changed field. Kind cannot change.
    The name and address name are cleaned as in `create_organization`.
    Side effects: the changed fields saved; one log row per field ("organization.changed")."""
    require(
        user,
        "accounts.change_organization",
        organization,
        message=_("Only the organisation's administrators can change its details."),
    )
    organization = Organization.objects.select_for_update().get(pk=organization.pk)
    if any(name not in ORGANIZATION_FIELDS or name == "kind" for name in fields):
        raise DomainError(_("This field cannot be changed."))
    fields = _clean_identifiers(dict(fields))
    changed = []
    for name, value in fields.items():
        old = getattr(organization, name)
        if old != value:
            if name == "slug" and (
                Organization.objects.filter(slug__iexact=value).exclude(pk=organization.pk).exists()
            ):
                raise _slug_taken()
            setattr(organization, name, value)
            changed.append((name, old, value))
    if changed:
        _save_organization(organization)
        for name, old, value in changed:
            activity.record(
                user,
                "organization.changed",
                organization,
                old=old,
                new=value,
                data={"field": name},
            )
    return organization, [name for name, _old, _new in changed]


@transaction.atomic
def set_verified(admin_user, organization, verified):
    """Mark an organisation verified (or withdraw it): site administrators only.
    Side effects: the verification moment and who verified; a log row ("organization.verified" or
    "organization.unverified"). Nothing when unchanged."""
    require(
        admin_user,
        "accounts.verify_organization",
        organization,
        message=_("Only site administrators verify organisations."),
    )
    organization = Organization.objects.select_for_update().get(pk=organization.pk)
    if verified == organization.is_verified:
        return organization
    old = organization.is_verified
    organization.verified_at = timezone.now() if verified else None
    organization.verified_by = admin_user if verified else None
    organization.save(update_fields=["verified_at", "verified_by"])
    activity.record(
        admin_user,
        "organization.verified" if verified else "organization.unverified",
        organization,
        old=old,
        new=verified,
    )
    return organization


# --- Memberships -------------------------------------------------------------------------------


def _admin_count(organization):
    return organization.memberships.filter(role=Role.ADMIN).count()


def _lock_memberships(organization):
    # Lock the organisation's membership rows so two admins demoting each other cannot both win.
    list(Membership.objects.select_for_update().filter(organization=organization))


def _check_role(organization, role):
    if role not in organization.allowed_roles():
        raise DomainError(
            _("The role “%(role)s” does not exist for this kind of organisation.")
            % {"role": Role(role).label if role in Role.values else role}
        )


@transaction.atomic
def add_member(actor, organization, user, role):
    """Make `user` a member directly (site administrators, demo data); invitations are the
    usual way in. Side effects: a membership; a log row ("membership.added")."""
    require(actor, "accounts.manage_members", organization, message=ADMINS_ONLY)
    _check_role(organization, role)
    if Membership.objects.filter(organization=organization, user=user).exists():
        raise DomainError(_("%(name)s is already a member.") % {"name": user.public_name})
    membership = Membership.objects.create(user=user, organization=organization, role=role)
    activity.record(
        actor,
        "membership.added",
        membership,
        scope=organization,
        new=role,
        data={"member": user.pk},
    )
    return membership


@transaction.atomic
def change_role(actor, membership, role):
    """Give a member another role; the last admin cannot be demoted.
    Side effects: locks the organisation's memberships; the role saved; a log row
    ("membership.role_changed"). Nothing when unchanged."""
    organization = membership.organization
    require(actor, "accounts.manage_members", organization, message=ADMINS_ONLY)
    _lock_memberships(organization)
    membership = Membership.objects.select_related("user__profile").filter(pk=membership.pk).first()
    if membership is None:
        raise DomainError(_("This person is no longer a member."))
    _check_role(organization, role)
    if membership.role == role:
        return membership
    if membership.role == Role.ADMIN and _admin_count(organization) == 1:
        raise DomainError(
            _("%(name)s is the last administrator; make someone else administrator first.")
            % {"name": membership.user.public_name}
        )
    old = membership.role
    membership.role = role
    membership.save(update_fields=["role"])
    activity.record(
        actor,
        "membership.role_changed",
        membership,
        scope=organization,
        old=old,
        new=role,
        data={"member": membership.user_id},
    )
    return membership


@transaction.atomic
def remove_member(actor, membership, *, verb="membership.removed"):
    """Remove a member (or, with verb "membership.left", let a member leave).

    The last administrator can be neither removed nor leave.
    Side effects: locks the organisation's memberships; a log row (`verb`); the membership
    deleted."""
    organization = membership.organization
    if verb == "membership.left":
        if membership.user_id != getattr(actor, "pk", None):
            raise DomainError(_("Only members themselves leave an organisation."))
    else:
        require(actor, "accounts.manage_members", organization, message=ADMINS_ONLY)
    _lock_memberships(organization)
    try:
        membership = Membership.objects.select_related("user").get(pk=membership.pk)
    except Membership.DoesNotExist:
        raise DomainError(_("This person is no longer a member.")) from None
    if membership.role == Role.ADMIN and _admin_count(organization) == 1:
        raise DomainError(
            _(
                "%(name)s is the last administrator and cannot leave; make someone else "
                "administrator first."
            )
            % {"name": membership.user.public_name}
        )
    activity.record(
        actor,
        verb,
        membership,
        scope=organization,
        old=membership.role,
        data={"member": membership.user_id},
    )
    membership.delete()


def leave_organization(user, organization):
    """A member leaves the organisation (not its last administrator).

    Side effects: those of `remove_member` ("membership.left")."""
    membership = Membership.objects.filter(user=user, organization=organization).first()
    if membership is None:
        raise DomainError(_("You are not a member of this organisation."))
    remove_member(user, membership, verb="membership.left")


# --- Invitations -------------------------------------------------------------------------------


@transaction.atomic
def invite_member(actor, organization, email, role, *, base_url=None):
    """Invite someone by email. Returns the invitation; the token goes only into the email.

    Side effects: an invitation row (token stored hashed), a log row, an email after commit
    (`accounts.notifications`; the token travels only in its link).
    """
    require(actor, "accounts.manage_members", organization, message=ADMINS_ONLY)
    email = email.strip().lower()
    _check_role(organization, role)
    if Membership.objects.filter(organization=organization, user__email__iexact=email).exists():
        raise DomainError(_("%(email)s is already a member.") % {"email": email})
    if organization.invitations.pending().filter(email__iexact=email).exists():
        raise DomainError(
            _("%(email)s already has a pending invitation; revoke it to send a new one.")
            % {"email": email}
        )
    token = Invitation.new_token()
    invitation = Invitation.objects.create(
        organization=organization,
        email=email,
        role=role,
        token_hash=hash_token(token),
        invited_by=actor,
        expires_at=Invitation.default_expiry(),
    )
    activity.record(
        actor,
        "invitation.sent",
        invitation,
        scope=organization,
        new=role,
        data={"invitation": invitation.pk},
    )
    mail.notify(
        "accounts.invitation",
        invitation_id=invitation.pk,
        url=absolute_url(reverse("accounts:invitation", args=[token]), base_url),
    )
    return invitation


@transaction.atomic
def revoke_invitation(actor, invitation):
    """Withdraw a pending invitation. Side effects: its revocation moment; a log row."""
    require(actor, "accounts.manage_members", invitation.organization, message=ADMINS_ONLY)
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if not invitation.is_pending:
        raise DomainError(_("This invitation is no longer pending."))
    invitation.revoked_at = timezone.now()
    invitation.save(update_fields=["revoked_at"])
    activity.record(
        actor,
        "invitation.revoked",
        invitation,
        scope=invitation.organization,
        data={"invitation": invitation.pk},
    )
    return invitation


def find_invitation(token):
    """The invitation for a token, or None. Tokens are compared by their hash.
    Side effects: none."""
    if not token or len(token) > 100:
        return None
    return (
        Invitation.objects.select_related("organization", "invited_by__profile")
        .filter(token_hash=hash_token(token))
        .first()
    )


def invitation_problem(invitation, user=None):
    """Why this invitation cannot be accepted (by `user`, if given), or None. Side effects: none."""
    if invitation is None:
        return _("This invitation link is not valid. Check that you copied the whole link.")
    if invitation.accepted_at is not None:
        return _("This invitation has already been used.")
    if invitation.revoked_at is not None:
        return _("This invitation was withdrawn by the organisation.")
    if invitation.is_expired:
        return _("This invitation has expired. Ask the organisation to send a new one.")
    if user is not None and user.is_authenticated:
        if not user.emailaddress_set.filter(email__iexact=invitation.email, verified=True).exists():
            return _(
                "This invitation was sent to %(email)s. Sign in with that address (or add and "
                "verify it in your account) to accept it."
            ) % {"email": invitation.email}
        if Membership.objects.filter(user=user, organization=invitation.organization).exists():
            return _("You are already a member of %(organization)s.") % {
                "organization": invitation.organization
            }
    return None


def accept_invitation(user, token):
    """Join the organisation an invitation is for. The token is single-use.
    Side effects: those of `accept_invitation_by_id`."""
    invitation = find_invitation(token)
    return _accept(user, invitation.pk if invitation else None)


def accept_invitation_by_id(user, invitation_id):
    """Accept an invitation addressed to one of the user's verified emails, without the token.

    Authorised by the address: `invitation_problem` refuses anyone whose verified emails do not
    include the invitation's.
    Side effects: locks the invitation; its acceptance moment; a membership; log rows
    ("invitation.accepted", "membership.added")."""
    return _accept(user, invitation_id)


@transaction.atomic
def _accept(user, invitation_id):
    invitation = None
    if invitation_id is not None:
        invitation = (
            Invitation.objects.select_for_update()
            .select_related("organization")
            .filter(pk=invitation_id)
            .first()
        )
    problem = invitation_problem(invitation, user)
    if problem:
        raise DomainError(problem)
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    organization = invitation.organization
    membership = Membership.objects.create(
        user=user, organization=organization, role=invitation.role
    )
    activity.record(
        user,
        "invitation.accepted",
        invitation,
        scope=organization,
        data={"invitation": invitation.pk},
    )
    activity.record(
        user,
        "membership.added",
        membership,
        scope=organization,
        new=membership.role,
        data={"member": user.pk},
    )
    return membership


# --- Terms of use, privacy notice and consent ------------------------------------------------


def current_legal_texts(*, now=None):
    """The version of each legal text in force at `now` (the latest published by then), by
    kind, without its texts (kind, version and publication time only); a kind with no version
    published yet is missing. Side effects: none."""
    now = now or timezone.now()
    current = {}
    versions = LegalText.objects.filter(published_at__lte=now).order_by("kind", "-version")
    for text in versions.only("kind", "version", "published_at"):
        current.setdefault(text.kind, text)
    return current


@transaction.atomic
def publish_legal_text(admin_user, kind, *, text_ro, text_bg, text_en, published_at=None):
    """Publish the next version of the terms of use or the privacy notice (`kind`), in the
    three languages. Earlier versions stay as they were (the texts are append-only).

    Side effects: a new `LegalText` row numbered one after the last of its kind; a log row.
    """
    require(
        admin_user,
        "accounts.publish_legal_text",
        message=_("Only site administrators can publish the terms of use and privacy notice."),
    )
    if kind not in LegalTextKind.values:
        raise DomainError(_("Unknown kind of legal text."), code="legal_text_kind")
    texts = {}
    for language, value in (("ro", text_ro), ("bg", text_bg), ("en", text_en)):
        texts[f"text_{language}"] = clean_text(
            value, field=_("The text"), required=True, max_length=50000
        )
    # Lock the kind's rows so that two publications never take the same number.
    last = (
        LegalText.objects.select_for_update()
        .filter(kind=kind)
        .order_by("-version")
        .values_list("version", flat=True)
        .first()
    )
    text = LegalText(
        kind=kind,
        version=(last or 0) + 1,
        published_at=published_at or timezone.now(),
        **texts,
    )
    try:
        with transaction.atomic():
            text.save()
    except IntegrityError:
        # The first version of a kind has no row to lock: two at once meet here.
        raise DomainError(
            _("Another version was published at the same moment; reload and try again."),
            code="legal_text_version_taken",
        ) from None
    activity.record(admin_user, "legal_text.published", text, new=str(text.version))
    return text


@transaction.atomic
def record_sign_up(user, *, display_name, texts, now=None):
    """What a new account gives at sign-up besides its address and password: the public
    display name, and the consent to the legal texts shown on the form (`texts`: the versions
    in force when the form was shown, `current_legal_texts`).

    Side effects: the profile's display name saved; one `Consent` row per text. No log row:
    signing up is not a public record.
    """
    now = now or timezone.now()
    profile = user.profile
    profile.display_name = clean_identifier(
        display_name, field=_("The display name"), required=True, max_length=80
    )
    profile.save(update_fields=["display_name"])
    return [Consent.objects.create(user=user, text=text, given_at=now) for text in texts]


# --- Accounts ----------------------------------------------------------------------------------


@transaction.atomic
def update_profile(user, **fields):
    """Save the profile fields given; the display name without invisible characters and with
    its spaces collapsed (`core.text.clean_identifier`). Side effects: the profile saved; no log
    row (a profile is not a public record)."""
    if "display_name" in fields:
        fields["display_name"] = clean_identifier(
            fields["display_name"], field=_("The display name"), max_length=80
        )
    profile = user.profile
    for name, value in fields.items():
        setattr(profile, name, value)
    profile.save()
    return profile


def blocking_memberships(user):
    """Organisations where `user` is the only administrator (they must hand over first).
    Side effects: none."""
    blocking = []
    for membership in user.memberships.filter(role=Role.ADMIN).select_related("organization"):
        if _admin_count(membership.organization) == 1:
            blocking.append(membership.organization)
    return blocking


@transaction.atomic
def delete_account(user):
    """Close an account for good and clear the personal data every app registered.

    The user row stays as a tombstone (no email, no password, inactive) so that public records
    pointing at it stay consistent. Side effects: every registered eraser runs; a log row.
    """
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.is_deleted:
        raise DomainError(_("This account was already deleted."))
    blocking = blocking_memberships(user)
    if blocking:
        raise DomainError(
            _(
                "You are the only administrator of %(organizations)s. Make another member "
                "administrator before deleting your account."
            )
            % {"organizations": ", ".join(str(org) for org in blocking)}
        )
    privacy.erase_user_data(user)
    user.email = None
    user.set_unusable_password()  # also invalidates every open session of the account
    user.is_active = False
    user.is_staff = False
    user.is_superuser = False
    user.last_login = None
    user.deleted_at = timezone.now()
    user.save()
    user.user_permissions.clear()
    user.groups.clear()
    activity.record(None, "account.deleted", user)
    return user
