from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings
from django.contrib import messages
from django.contrib.sites.shortcuts import get_current_site
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accounts import devices
from accounts.models import User
from core import ratelimit
from core.mail import hand_over

PENDING_INVITATION_KEY = "pending_invitation"


class AccountAdapter(DefaultAccountAdapter):
    """Sign-in limits that cannot be turned against a person.

    allauth counts failed sign-ins per client address and per account ("login_failed" in
    ACCOUNT_RATE_LIMITS). Per account alone, anyone could keep the owner out by typing wrong
    passwords for their address. Here the per-account count is kept per (account, client
    address) pair: someone else's failures elsewhere never stop the owner. A slower limit per
    account alone (LOGIN_FAILED_PER_ACCOUNT an hour, from every address together) still stops a
    guessing attack spread over many addresses; the owner still gets in from a browser they
    signed in with before (`accounts.devices`), or at once anywhere by resetting the password,
    which clears both counts. Each refusal says which limit was reached.
    """

    error_messages = {
        **DefaultAccountAdapter.error_messages,
        "too_many_login_attempts": _(
            "Too many failed sign-ins to this account from your connection. Wait a few "
            "minutes, or reset your password to sign in now."
        ),
        "account_sign_in_paused": _(
            "Too many failed sign-ins to this account from many places in the last hour: to "
            "protect it, signing in with its password is paused for up to an hour. Reset your "
            "password to sign in now."
        ),
    }

    def _account_key(self, request, **credentials):
        return super()._get_login_attempts_cache_key(request, **credentials)

    def _get_login_attempts_cache_key(self, request, **credentials):
        # The (account, client address) pair: see the class docstring.
        account = self._account_key(request, **credentials)
        return f"{account}:{self.get_client_ip(request)}"

    def pre_authenticate(self, request, **credentials):
        super().pre_authenticate(request, **credentials)
        account = self._account_key(request, **credentials)
        paused = ratelimit.count("login_failed_account", account, period=3600) >= (
            settings.LOGIN_FAILED_PER_ACCOUNT
        )
        if paused and not self._known_browser(request, **credentials):
            self._rollback_login_failed_rl_usage()
            raise self.validation_error("account_sign_in_paused")

    def _known_browser(self, request, **credentials):
        """Whether this browser signed in to the account being tried before (a signed cookie
        no attacker has for it, `accounts.devices`)."""
        known = devices.known_account_id(request)
        if known is None:
            return False
        login = credentials.get("email", credentials.get("username", ""))
        return User.objects.filter(pk=known, email__iexact=login).exists()

    def authentication_failed(self, request, **credentials):
        super().authentication_failed(request, **credentials)
        ratelimit.add_one(
            "login_failed_account", self._account_key(request, **credentials), period=3600
        )

    def _delete_login_attempts_cached_email(self, request, **credentials):
        # A password reset proves the address: both counts start again.
        super()._delete_login_attempts_cached_email(request, **credentials)
        ratelimit.reset(
            "login_failed_account", self._account_key(request, **credentials), period=3600
        )

    def _pending_invitation_url(self, request):
        # Someone who opened an invitation link before signing in or up returns to it.
        token = request.session.pop(PENDING_INVITATION_KEY, None)
        return reverse("accounts:invitation", args=[token]) if token else None

    def get_login_redirect_url(self, request):
        return self._pending_invitation_url(request) or super().get_login_redirect_url(request)

    def get_signup_redirect_url(self, request):
        return self._pending_invitation_url(request) or super().get_signup_redirect_url(request)

    def send_mail(self, template_prefix, email, context):
        """allauth renders its emails in the request (in the language of the person making it);
        they are sent by the same task as every other email (`core.mail`)."""
        request = self.request
        ctx = {"request": request, "email": email, "current_site": get_current_site(request)}
        ctx.update(context)
        message = self.render_mail(template_prefix, email, ctx)
        html = next(
            (
                content
                for content, mimetype in getattr(message, "alternatives", [])
                if mimetype == "text/html"
            ),
            None,
        )
        if not hand_over(message.subject, message.body, list(message.to), html) and request:
            request.consult_email_not_sent = True
            self.add_message(
                request,
                messages.WARNING,
                message=_(
                    "The email could not be sent just now. Please try again in a few minutes."
                ),
            )

    def add_message(self, request, level, message_template=None, *args, **kwargs):
        """allauth's messages, but not "Confirmation email sent" after an email that could not
        be sent (`send_mail`)."""
        if getattr(request, "consult_email_not_sent", False) and message_template == (
            "account/messages/email_confirmation_sent.txt"
        ):
            return
        super().add_message(request, level, message_template, *args, **kwargs)
