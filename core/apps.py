from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = _("Activity and site")

    def ready(self):
        from core import earlycache, idempotency, lookups, mail, privacy

        lookups.register()
        # Every write moves the generation that keeps early page copies (core/earlycache.py).
        earlycache.install()
        # The tokens of forms a person sent are theirs: exported and forgotten with the account.
        privacy.register(
            "sent_forms",
            export=idempotency.export_posted_forms,
            erase=idempotency.erase_posted_forms,
            order=80,
        )
        # The emails built for a person and not sent yet (an event that failed part-way).
        privacy.register(
            "waiting_emails",
            export=mail.export_waiting_emails,
            erase=mail.erase_waiting_emails,
            order=85,
        )
