"""Who may call what.

Every view of the public API is read-only and open to anyone: `PublicReadOnly` lets safe methods
(GET, HEAD, OPTIONS) through; other methods on those views get 405, since none defines them.
What a response contains is decided by `api.visibility`, never by who asks.

The registrar endpoints (submissions addressed to an authority: list, register, answer) use
`HasRegistrarToken`: the request carries a token (`api.authentication`) scoped to one verified
authority, and the views only ever look at that authority's submissions. Those views set
`authentication_classes` (tokens only, never the session) and `permission_classes` themselves;
the public views keep the defaults in settings.REST_FRAMEWORK.
"""

from rest_framework.permissions import SAFE_METHODS, BasePermission


class PublicReadOnly(BasePermission):
    """Safe methods for anyone. A method the view does not define passes too, so that the view
    answers 405 (not 403): nothing here can be written, with or without credentials."""

    def has_permission(self, request, view):
        if request.method in SAFE_METHODS:
            return True
        return not hasattr(view, request.method.lower())


class HasRegistrarToken(BasePermission):
    """A request authenticated by a registrar token (`request.auth` is the ApiToken); without
    one, DRF answers 401 with the token's `WWW-Authenticate` challenge."""

    def has_permission(self, request, view):
        from api.models import ApiToken

        return isinstance(request.auth, ApiToken)
