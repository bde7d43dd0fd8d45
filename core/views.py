from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.shortcuts import render
from django.utils.translation import check_for_language, get_supported_language_variant
from django.views.i18n import set_language as django_set_language


def set_language(request):
    """Django's language switch, remembering the choice on the profile of a signed-in user."""
    response = django_set_language(request)
    try:
        language = get_supported_language_variant(request.POST.get("language", "")[:20])
    except LookupError:
        language = None
    if (
        request.method == "POST"
        and request.user.is_authenticated
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
