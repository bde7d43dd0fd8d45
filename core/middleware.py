from django.conf import settings
from django.http import Http404, JsonResponse, QueryDict
from django.shortcuts import render
from django.utils import translation
from django.utils.translation import get_supported_language_variant
from django.utils.translation import gettext as _

from core.text import (
    control_characters_as_spaces,
    has_control_characters,
    strip_control_characters,
)


def _supported(code):
    try:
        return get_supported_language_variant(code[:20])
    except LookupError:
        return None


class UserLanguageMiddleware:
    """A signed-in user without a valid language cookie sees the language saved on their profile.

    Runs after LocaleMiddleware (which read the cookie or Accept-Language) and after
    authentication; a valid cookie, set by the language switch, always wins. The profile
    comes with the signed-in user (the authentication backends read both with one
    statement), so reading it here costs no query.
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
                return JsonResponse(
                    {
                        "detail": _("The request body is larger than %(limit_mb)s MB.")
                        % {"limit_mb": settings.MAX_REQUEST_BYTES // (1024 * 1024)}
                    },
                    status=413,
                )
            return render(
                request,
                "413.html",
                {"limit_mb": settings.MAX_REQUEST_BYTES // (1024 * 1024)},
                status=413,
            )
        return self.get_response(request)


def _spaced(query):
    """A copy of `query` with every control character but NUL read as a space."""
    spaced = QueryDict(mutable=True)
    for name, values in query.lists():
        spaced.setlist(
            control_characters_as_spaces(name),
            [control_characters_as_spaces(value) for value in values],
        )
    spaced._mutable = False
    return spaced


class ControlCharactersMiddleware:
    """Control characters in an address, before any view reads it: in the path, 404 (no page or
    object has such an address); NUL in the query string, 400 with a page that says why (JSON
    under /api/, naming the parameters, as the API's own errors do); any other control character
    in the query string is read as a space (Word's manual line break, U+000B, comes with pasted
    search terms).

    PostgreSQL refuses NUL in any string it is sent, so a filter, a search box, an API
    parameter or a token in the path holding one would fail deep inside a query. The test is
    `core.text.has_control_characters`, the one typed text meets. Form bodies are not checked
    here: a form refuses such text field by field and keeps what was typed
    (`core.validators.no_control_characters`).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        api = request.path_info.startswith("/api/")
        if has_control_characters(request.path_info):
            if api:
                return JsonResponse(
                    {"detail": _("There is nothing at this address of the API.")}, status=404
                )
            raise Http404
        names = sorted(
            {
                name
                for name, values in request.GET.lists()
                if "\x00" in name or any("\x00" in value for value in values)
            }
        )
        if not names:
            if any(
                has_control_characters(name) or any(map(has_control_characters, values))
                for name, values in request.GET.lists()
            ):
                request.GET = _spaced(request.GET)
            return self.get_response(request)
        message = _(
            "The address contains control characters (such as NUL bytes), which no page "
            "accepts; remove them."
        )
        if api:
            return JsonResponse(
                {
                    "detail": _("Some query parameters are not valid."),
                    "errors": {strip_control_characters(name): [message] for name in names},
                },
                status=400,
            )
        return render(request, "400.html", {"control_characters": True}, status=400)
