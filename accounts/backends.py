"""The authentication backends: Django's and allauth's, reading a signed-in person with one
statement.

On every signed-in request Django asks the backend that signed the person in for the user
(`django.contrib.auth.get_user`), and most requests then read `user.profile` (the language, the
public name). Through the ORM that is two queries, each compiled anew (measured under load: 14 %
of the web process's time). Here `get_user` sends one statement, written once per process
(`core.sql`): the user's row LEFT JOINed with its profile's, made into instances as the ORM's
`select_related("profile")` makes them, each pointing at the other, so that `user.profile`
costs no query. An account without a profile reads as with the ORM: `user.profile` raises
`Profile.DoesNotExist`.

Sessions store the path of the backend that signed their person in; `AuthenticationMiddleware`
moves those of the paths used before these backends (`RENAMED`) to the new ones, so nobody is
signed out by the change.
"""

from allauth.account import auth_backends
from allauth.account.models import EmailAddress
from asgiref.sync import sync_to_async
from django.contrib.auth import BACKEND_SESSION_KEY, SESSION_KEY, backends
from django.contrib.auth import middleware as auth_middleware
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils.functional import SimpleLazyObject

from accounts.models import Profile, User
from core import sql

_KEY = "accounts.signed_in_user"

# The attribute of a user read by `signed_in_user` telling whether they had confirmed an email
# address then (`accounts.rules.has_confirmed_email` reads it instead of asking again).
CONFIRMED_EMAIL = "_confirmed_email_when_read"


class _SignedInRead:
    """The statement of `get_user` and what makes its row into a user and a profile."""

    def __init__(self):
        self.parts, columns = [], []
        for alias, model in (("u", User), ("p", Profile)):
            fields = model._meta.concrete_fields
            _table, quoted = sql.quoted(model, [field.attname for field in fields])
            columns += [f"{alias}.{column}" for column in quoted]
            self.parts.append(sql.part(model, fields))
        users, (user_pk,) = sql.quoted(User, [User._meta.pk.attname])
        profiles, (owner,) = sql.quoted(Profile, ["user_id"])
        addresses, (address_user, verified) = sql.quoted(EmailAddress, ["user_id", "verified"])
        # Whether the person confirmed an address (`accounts.rules.has_confirmed_email`, asked
        # for every comment posted), read with them rather than again in the command.
        columns.append(
            f"EXISTS (SELECT 1 FROM {addresses} e WHERE e.{address_user} = u.{user_pk} "
            f"AND e.{verified})"
        )
        self.sql = (
            f"SELECT {', '.join(columns)} FROM {users} u "
            f"LEFT OUTER JOIN {profiles} p ON p.{owner} = u.{user_pk} WHERE u.{user_pk} = %s"
        )

    def made(self, row):
        """The user of `row`, its profile (or None) in its related-object cache, and whether
        they had confirmed an address when read (`CONFIRMED_EMAIL`)."""
        *row, confirmed = row
        user, profile = sql.made(self.parts, row)
        setattr(user, CONFIRMED_EMAIL, bool(confirmed))
        # What select_related("profile") caches, None included: then `user.profile` raises
        # Profile.DoesNotExist without a query, as after the ORM's join.
        User.profile.related.set_cached_value(user, profile)
        if profile is not None:
            Profile.user.field.set_cached_value(profile, user)
        return user


def signed_in_user(user_id):
    """The user `user_id` with its profile, read with one statement; None when there is no
    such user or `user_id` is not one a user can have (a session altered by hand).
    Side effects: none (one query)."""
    pk = User._meta.pk
    try:
        user_id = pk.to_python(user_id)
    except ValidationError:
        return None
    low, high = connection.ops.integer_field_range(pk.get_internal_type())
    if user_id is None or not low <= user_id <= high:
        return None
    read = sql.kept(_KEY, _SignedInRead)
    row = sql.one((_KEY, "statement"), lambda: read.sql, [user_id])
    return None if row is None else read.made(row)


class _SignedInUser:
    """`get_user` by `signed_in_user`; whether an account may sign in (active) is the
    backend's own `user_can_authenticate`, as in Django's."""

    def get_user(self, user_id):
        user = signed_in_user(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None

    async def aget_user(self, user_id):
        return await sync_to_async(self.get_user)(user_id)


class ModelBackend(_SignedInUser, backends.ModelBackend):
    """Django's backend, reading the signed-in person with one statement. `authenticate` asks
    it before allauth's: it signs in by the address (USERNAME_FIELD) and password, so the
    sign-in form's sessions store its path, as do the admin's and the test client's."""


class AuthenticationBackend(_SignedInUser, auth_backends.AuthenticationBackend):
    """allauth's backend, reading the signed-in person with one statement. allauth signs in
    with it where it chooses the backend itself (after a second factor, a confirmed address)."""


# The paths stored in sessions signed in before these backends, and what they are now.
RENAMED = {
    "django.contrib.auth.backends.ModelBackend": "accounts.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend": (
        "accounts.backends.AuthenticationBackend"
    ),
}


# `_moved`'s answer for a session to empty.
_FORGET = object()


def _moved(stored, user_id):
    """What to do with a session storing the backend path `stored` and the user id `user_id`:
    the new path to store, `_FORGET` when no user can have the id, or None (nothing)."""
    if user_id is not None:
        try:
            User._meta.pk.to_python(user_id)
        except ValidationError:
            return _FORGET
    return RENAMED.get(stored)


class AuthenticationMiddleware(auth_middleware.AuthenticationMiddleware):
    """Django's, first moving a session's backend path of before `RENAMED` to the new one
    (the session is saved once, with the new path). A session whose user id no user can have
    (altered by hand: Django reads the id before asking any backend, and fails) is emptied, as
    Django empties one whose password hash no longer matches: its visitor is signed out. As
    with Django's, nothing is read until the request's user is asked for."""

    def process_request(self, request):
        super().process_request(request)

        def user():
            session = request.session
            move = _moved(session.get(BACKEND_SESSION_KEY), session.get(SESSION_KEY))
            if move is _FORGET:
                session.flush()
            elif move is not None:
                session[BACKEND_SESSION_KEY] = move
            return auth_middleware.get_user(request)

        async def auser():
            session = request.session
            move = _moved(await session.aget(BACKEND_SESSION_KEY), await session.aget(SESSION_KEY))
            if move is _FORGET:
                await session.aflush()
            elif move is not None:
                await session.aset(BACKEND_SESSION_KEY, move)
            return await auth_middleware.auser(request)

        request.user = SimpleLazyObject(user)
        request.auser = auser
