from django.conf import settings
from django.utils import translation


class UserLanguageMiddleware:
    """A signed-in user without a language cookie sees the language saved on their profile.

    Runs after LocaleMiddleware (which read the cookie or Accept-Language) and after
    authentication; the cookie, set by the language switch, always wins.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if settings.LANGUAGE_COOKIE_NAME not in request.COOKIES and request.user.is_authenticated:
            profile = getattr(request.user, "profile", None)
            if profile is not None and profile.language in dict(settings.LANGUAGES):
                translation.activate(profile.language)
                request.LANGUAGE_CODE = profile.language
        return self.get_response(request)
