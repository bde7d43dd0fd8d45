from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.shortcuts import render
from django.utils.module_loading import import_string
from django.utils.translation import check_for_language, get_supported_language_variant
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.i18n import set_language as django_set_language


@csrf_exempt
def set_language(request):
    """Django's language switch. A visitor who is not signed in switches without a CSRF token:
    the pages such visitors read carry none, so that one cached copy serves them all, and the
    switch changes nothing but the browser's language cookie. Another site still cannot switch
    it: a request that the browser says comes from another site (Sec-Fetch-Site, Origin) is
    refused as a CSRF failure. A signed-in user's switch also saves the profile's language, and
    needs the token like every other form."""
    if request.user.is_authenticated:
        return _signed_in_set_language(request)
    if request.method == "POST" and not _same_site(request):
        failure = import_string(settings.CSRF_FAILURE_VIEW)
        return failure(request, reason="The language switch came from another site.")
    return django_set_language(request)


def _same_site(request):
    """Whether the browser says the request comes from this site (or says nothing: the
    headers are missing from old browsers and from programs, which no other site can drive)."""
    if request.headers.get("Sec-Fetch-Site", "same-origin") not in ("same-origin", "none"):
        return False
    origin = request.headers.get("Origin")
    if origin is None:
        return True
    allowed = {f"{request.scheme}://{request.get_host()}", *settings.CSRF_TRUSTED_ORIGINS}
    return origin in allowed


@csrf_protect
def _signed_in_set_language(request):
    """The switch for a signed-in user, remembering the choice on the profile."""
    response = django_set_language(request)
    try:
        language = get_supported_language_variant(request.POST.get("language", "")[:20])
    except LookupError:
        language = None
    if (
        request.method == "POST"
        and language in dict(settings.LANGUAGES)
        and check_for_language(language)
    ):
        profile = request.user.profile
        if profile.language != language:
            profile.language = language
            profile.save(update_fields=["language"])
    return response


def error_400(request, exception=None):
    if isinstance(exception, RequestDataTooBig):
        # Form fields over DATA_UPLOAD_MAX_MEMORY_SIZE (a pasted text of thousands of pages):
        # say what the limit is and how to send such a text, rather than "Bad request".
        return render(
            request,
            "413.html",
            {
                "form_text": True,
                "limit_mb": settings.DATA_UPLOAD_MAX_MEMORY_SIZE // (1024 * 1024),
                # Only where a document can be imported instead of pasted.
                "upload_mb": settings.MAX_IMPORT_BYTES // (1024 * 1024)
                if "/import/" in request.path
                else None,
            },
            status=413,
        )
    return render(request, "400.html", status=400)


def error_403(request, exception=None):
    return render(request, "403.html", status=403)


def error_404(request, exception=None):
    return render(request, "404.html", status=404)


def error_500(request):
    return render(request, "500.html", status=500)


def csrf_failure(request, reason=""):
    return render(request, "403_csrf.html", status=403)
