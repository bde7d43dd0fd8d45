from allauth.account.adapter import DefaultAccountAdapter
from django.contrib.sites.shortcuts import get_current_site
from django.urls import reverse

from core.mail import send_email

PENDING_INVITATION_KEY = "pending_invitation"


class AccountAdapter(DefaultAccountAdapter):
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
        send_email.delay(message.subject, message.body, list(message.to), html)
