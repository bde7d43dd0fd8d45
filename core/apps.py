from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = _("Activity and site")

    def ready(self):
        from core import lookups

        lookups.register()
