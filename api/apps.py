from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    name = "api"
    verbose_name = "Public API"

    def ready(self):
        from api import rules  # noqa: F401  (its permissions, asked through core.permissions)
        from core import activity

        activity.register_verbs(
            {
                "api_token.created": _("API token created"),
                "api_token.revoked": _("API token revoked"),
            }
        )
