"""The one permission gate: every view, template (`{% can %}`), API endpoint and domain command
asks `can()` (or `require()`), which asks the rules of the app that owns the permission
(`<app>/rules.py`, django-rules).

Django's `User.has_perm()` is not used: it lets an active superuser pass every check, so the
same question would answer differently on a page and in the domain. Here a site administrator
passes only where a rule says so, with the `is_site_admin` predicate below (for example managing
any organisation's members); they do not draft for an NGO or act for an authority unless they
are its member. A test (tests/test_architecture.py) fails if app code calls `.has_perm(`.
"""

import rules

from core.errors import DomainError, NotAllowed


def can(user, perm, obj=None):
    """Whether `user` may do `perm` ("app.action") on `obj`. Side effects: none.

    A permission no rule defines raises LookupError: a misspelt name would otherwise refuse
    everyone without a word."""
    if not rules.perm_exists(perm):
        raise LookupError(f"No rule is registered for the permission {perm!r}.")
    return rules.has_perm(perm, user, obj)


def require(user, perm, obj=None, *, message, code="forbidden"):
    """Raise `NotAllowed(message, code)` unless `can(user, perm, obj)`: what a domain command
    calls first, so that the pages and the API, which call the same command, get the same
    answer. Side effects: none."""
    if not can(user, perm, obj):
        raise NotAllowed(message, code)


@rules.predicate
def is_site_admin(user):
    """An active site administrator (Django superuser): passes only the rules that name it."""
    return bool(user is not None and user.is_authenticated and user.is_active and user.is_superuser)


@rules.predicate
def is_site_staff(user):
    """Active site staff: the moderators of comments."""
    return bool(user is not None and user.is_authenticated and user.is_active and user.is_staff)


@rules.predicate
def is_signed_in(user):
    """An active, signed-in person."""
    return bool(user is not None and user.is_authenticated and user.is_active)


def passes(check, *args, **kwargs):
    """Whether the domain check `check(*args, **kwargs)` (a read-only function that raises the
    command's own `DomainError` when the state of things does not allow an action) lets the
    action through: how pages decide which actions to offer. Side effects: none."""
    try:
        check(*args, **kwargs)
    except DomainError:
        return False
    return True
