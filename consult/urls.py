from allauth.account.decorators import secure_admin_login
from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path

from api import views as api_views
from consult import views
from core import views as core_views
from proposals.urls import urlpatterns as proposal_urlpatterns
from registrations.urls import proposal_urlpatterns as submit_urlpatterns

# The admin signs in through allauth, so rate limits and two-factor authentication apply there too.
admin.site.login = secure_admin_login(admin.site.login)
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
