from django.conf import settings
from django.utils import translation
from django.utils.translation import get_supported_language_variant


def _supported(code):
    try:
        return get_supported_language_variant(code[:20])
    except LookupError:
        return None


class UserLanguageMiddleware:
    """A signed-in user without a valid language cookie sees the language saved on their profile.

    Runs after LocaleMiddleware (which read the cookie or Accept-Language) and after
    authentication; a valid cookie, set by the language switch, always wins.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        cookie = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if (not cookie or _supported(cookie) is None) and request.user.is_authenticated:
            profile = getattr(request.user, "profile", None)
            if profile is not None and profile.language in dict(settings.LANGUAGES):
                translation.activate(profile.language)
                request.LANGUAGE_CODE = profile.language
        return self.get_response(request)


class RequestSizeLimitMiddleware:
    """Refuse request bodies above MAX_REQUEST_BYTES before anything reads them.

    Django streams uploaded files to disk before a view can check them; this stops an oversized
    upload at the door with a page that says why (413), or a JSON error under /api/.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > settings.MAX_REQUEST_BYTES:
            if request.path_info.startswith("/api/"):
                # API clients get JSON, like every other API error.
                from django.http import JsonResponse
                from django.utils.translation import gettext as _

                return JsonResponse(
                    {
                        "detail": _("The request body is larger than %(limit_mb)s MB.")
                        % {"limit_mb": settings.MAX_REQUEST_BYTES // (1024 * 1024)}
                    },
                    status=413,
                )
            from django.shortcuts import render

            return render(
                request,
                "413.html",
                {"limit_mb": settings.MAX_REQUEST_BYTES // (1024 * 1024)},
                status=413,
            )
        return self.get_response(request)
