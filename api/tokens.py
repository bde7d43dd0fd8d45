"""Making and revoking registrar tokens (domain functions, as in the other apps).

Each checks the rules, writes, and appends an activity-log row scoped to the authority (its
history shows who made or revoked a token for it). Illegal moves raise DomainError.
"""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Organization, OrganizationKind
from api.models import PREFIX_LENGTH, ApiToken, hash_secret, new_secret
from core import activity
from core.errors import DomainError
from core.permissions import can, require
from core.text import has_control_characters


def authorities_for(user):
    """The authorities `user` may act for (verified, and the user is their registrar or admin):
    the ones a token can be made for. Side effects: none."""
    if not user.is_authenticated:
        return []
    candidates = Organization.objects.filter(
        kind=OrganizationKind.AUTHORITY,
        verified_at__isnull=False,
        memberships__user=user,
    ).order_by("name", "pk")
    return [org for org in candidates if can(user, "accounts.act_for_authority", org)]


@transaction.atomic
def create_token(user, authority, name):
    """Make a token for `authority`. Returns (token, secret): the secret is never stored, so
    this is the only time it exists outside the client.
    Side effects: the token row (its secret hashed); a log row ("api_token.created", on the
    authority)."""
    require(
        user,
        "accounts.act_for_authority",
        authority,
        message=_("Only registrars and admins of a verified authority can make tokens for it."),
    )
    name = " ".join(str(name or "").split())
    if not name:
        raise DomainError(_("Give the token a name."), code="required")
    if len(name) > 100 or has_control_characters(name):
        raise DomainError(_("Give a name of at most 100 printable characters."), code="name")
    secret = new_secret()
    token = ApiToken.objects.create(
        user=user,
        authority=authority,
        name=name,
        key_hash=hash_secret(secret),
        prefix=secret[:PREFIX_LENGTH],
    )
    activity.record(
        user,
        "api_token.created",
        token,
        scope=authority,
        data={"name": name, "prefix": token.prefix},
    )
    return token, secret


@transaction.atomic
def revoke_token(user, token):
    """Revoke one of `user`'s own tokens: it is refused from then on.
    Side effects: locks the token; its revocation moment; a log row ("api_token.revoked")."""
    token = ApiToken.objects.select_for_update().get(pk=token.pk)
    require(user, "api.revoke_token", token, message=_("You can only revoke your own tokens."))
    if token.is_revoked:
        raise DomainError(_("This token is already revoked."), code="revoked")
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    activity.record(
        user,
        "api_token.revoked",
        token,
        scope=token.authority,
        data={"name": token.name, "prefix": token.prefix},
    )
    return token
