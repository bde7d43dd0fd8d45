from functools import wraps

from allauth.account.decorators import secure_admin_login
from django.conf import settings
from django.contrib import admin
from django.contrib.admin.options import TO_FIELD_VAR
from django.urls import include, path, re_path

from api import views as api_views
from consult import views
from core import views as core_views
from proposals.urls import urlpatterns as proposal_urlpatterns
from registrations.urls import proposal_urlpatterns as submit_urlpatterns

# The admin signs in through allauth, so rate limits and two-factor authentication apply there too.
admin.site.login = secure_admin_login(admin.site.login)


def _admin_view(view, cacheable=False, _wrap=admin.site.admin_view):
    """The admin's views, ignoring an empty `_to_field` parameter: Django's
    `ModelAdmin.get_object` takes "" for a field's name and fails (FieldDoesNotExist, a 500)."""
    inner = _wrap(view, cacheable)

    @wraps(inner)
    def without_empty_to_field(request, *args, **kwargs):
        if request.GET.get(TO_FIELD_VAR) == "":
            request.GET = request.GET.copy()
            del request.GET[TO_FIELD_VAR]
        if request.POST.get(TO_FIELD_VAR) == "":
            request.POST = request.POST.copy()
            del request.POST[TO_FIELD_VAR]
        return inner(request, *args, **kwargs)

    return without_empty_to_field


admin.site.admin_view = _admin_view
admin.site.site_header = "Consult"
admin.site.site_title = "Consult"

urlpatterns = [
    path("", views.home, name="home"),
    path("i18n/setlang/", core_views.set_language, name="set_language"),
    path("admin/", admin.site.urls),
    path("", include("accounts.urls")),
    # The proposal pages, and the submit page the registrations app adds to their namespace.
    path("proposals/", include((proposal_urlpatterns + submit_urlpatterns, "proposals"))),
    path("register/", include("registrations.urls")),
    path("", include("consultations.urls")),
    path("search/", include("search.urls")),
    path("accounts/api-tokens/", include("api.token_urls")),
    path("accounts/", include("allauth.urls")),
    path("api/v1/", include("api.urls")),
    # Any other address under /api/ answers in JSON too.
    re_path(r"^api/", api_views.Unknown.as_view()),
]

handler400 = "core.views.error_400"
handler403 = "core.views.error_403"
handler404 = "core.views.error_404"
handler500 = "core.views.error_500"

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
