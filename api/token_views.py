"""Account pages for registrar tokens: list, create (the secret shown once), revoke.

Only the owner sees or revokes a token (another user's token is 404). A token can be made for
an authority the user may act for (`accounts.act_for_authority`).
"""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache

from api import tokens
from api.models import ApiToken
from core.errors import DomainError


class TokenForm(forms.Form):
    authority = forms.ModelChoiceField(
        queryset=None, label=gettext_lazy("Authority"), empty_label=None
    )
    name = forms.CharField(
        label=gettext_lazy("Name"),
        max_length=100,
        help_text=gettext_lazy("What uses it, e.g. “Registry system”."),
    )

    def __init__(self, *args, authorities, **kwargs):
        super().__init__(*args, **kwargs)
        from accounts.models import Organization

        self.fields["authority"].queryset = Organization.objects.filter(
            pk__in=[authority.pk for authority in authorities]
        ).order_by("name")


@login_required
def token_list(request):
    user_tokens = request.user.api_tokens.select_related("authority").order_by(
        "revoked_at", "-created_at", "-pk"
    )
    return render(
        request,
        "api/tokens/list.html",
        {"tokens": user_tokens, "authorities": tokens.authorities_for(request.user)},
    )


@login_required
@never_cache
def token_create(request):
    authorities = tokens.authorities_for(request.user)
    form = TokenForm(request.POST or None, authorities=authorities)
    if request.method == "POST" and form.is_valid():
        try:
            token, secret = tokens.create_token(
                request.user, form.cleaned_data["authority"], form.cleaned_data["name"]
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            # Rendered, not redirected: the secret is never stored, so no later page can show it.
            return render(request, "api/tokens/created.html", {"token": token, "secret": secret})
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "api/tokens/create.html",
        {"form": form, "authorities": authorities},
        status=status,
    )


@login_required
def token_revoke(request, token_id):
    token = get_object_or_404(ApiToken, pk=token_id, user=request.user)
    if request.method == "POST":
        try:
            tokens.revoke_token(request.user, token)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("The token was revoked; it no longer works."))
        return redirect("api_tokens:list")
    return render(request, "api/tokens/revoke.html", {"token": token})
