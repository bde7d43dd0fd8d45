"""Registrar tokens on the API: `Authorization: Token <secret>` (or `Bearer <secret>`).

The secret is hashed (SHA-256) and looked up by its hash, so no comparison runs over the secret
itself; the stored hash is then compared in constant time. Refused, with a JSON `detail`:

- 401: no token where one is needed (with `WWW-Authenticate`), a malformed header, an unknown or
  revoked token, an inactive user;
- 403: a token whose user is no longer a registrar or admin of its authority, or whose authority
  is no longer verified (the token stays; it works again if the role comes back).

`last_used_at` is written at most once a minute per token.
"""

import hmac
from datetime import timedelta

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header

from api.models import ApiToken, hash_secret
from core.permissions import can

KEYWORDS = (b"token", b"bearer")
TOUCH_EVERY = timedelta(minutes=1)
MAX_SECRET_LENGTH = 200


class TokenAuthentication(BaseAuthentication):
    def authenticate(self, request):
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() not in KEYWORDS:
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(
                _("Malformed Authorization header: give `Token <secret>`.")
            )
        try:
            secret = parts[1].decode("ascii")
        except UnicodeDecodeError:
            secret = None
        if not secret or len(secret) > MAX_SECRET_LENGTH:
            raise exceptions.AuthenticationFailed(_("This token is not valid."))
        return self.authenticate_secret(secret)

    def authenticate_secret(self, secret):
        digest = hash_secret(secret)
        token = ApiToken.objects.select_related("user", "authority").filter(key_hash=digest).first()
        if token is None or not hmac.compare_digest(token.key_hash, digest):
            raise exceptions.AuthenticationFailed(_("This token is not valid."))
        if token.is_revoked:
            raise exceptions.AuthenticationFailed(_("This token was revoked."))
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("The account of this token is disabled."))
        if not token.authority.is_verified:
            raise exceptions.PermissionDenied(
                _("The authority of this token is no longer verified on the platform.")
            )
        if not can(token.user, "accounts.act_for_authority", token.authority):
            raise exceptions.PermissionDenied(
                _("The owner of this token is no longer a registrar or admin of its authority.")
            )
        now = timezone.now()
        if token.last_used_at is None or now - token.last_used_at >= TOUCH_EVERY:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
            token.last_used_at = now
        return token.user, token

    def authenticate_header(self, request):
        return 'Token realm="api"'


class TokenScheme(OpenApiAuthenticationExtension):
    target_class = "api.authentication.TokenAuthentication"
    name = "registrarToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": (
                _(
                    "A registrar token, made in the account pages (API tokens) and scoped to one "
                    "verified authority: `Authorization: Bearer <secret>` (or `Token <secret>`)."
                )
            ),
        }
