"""Browsers an account has signed in from: the owner's way in while the account is under attack.

When failed sign-ins to one account from many addresses pause its password sign-in
(`accounts.adapter`, LOGIN_FAILED_PER_ACCOUNT), a browser that signed in to that account before
still may: it carries a signed cookie naming the account, set at every successful sign-in and
kept KNOWN_DEVICE_DAYS. An attacker has no such cookie for the owner's account (it is signed with
SECRET_KEY), so the pause stops the guessing without locking the owner out.
"""

from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

COOKIE = "consult_device"
SALT = "accounts.devices"


def max_age():
    return settings.KNOWN_DEVICE_DAYS * 24 * 3600


def known_account_id(request):
    """The id of the account this browser signed in to before, or None (no, forged or expired
    cookie). Side effects: none."""
    value = request.get_signed_cookie(COOKIE, default=None, salt=SALT, max_age=max_age())
    return int(value) if value and value.isdigit() else None


@receiver(user_logged_in)
def remember_the_browser(sender, request, user, **kwargs):
    if request is not None:
        request.known_device_user_id = user.pk


class KnownDeviceMiddleware:
    """Sets the cookie on the response of a successful sign-in."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user_id = getattr(request, "known_device_user_id", None)
        if user_id is not None:
            response.set_signed_cookie(
                COOKIE,
                str(user_id),
                salt=SALT,
                max_age=max_age(),
                secure=settings.SESSION_COOKIE_SECURE,
                httponly=True,
                samesite="Lax",
            )
        return response
