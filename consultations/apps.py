from django.apps import AppConfig
from django.db.models.signals import pre_save
from django.utils.translation import gettext_lazy as _


class ConsultationsConfig(AppConfig):
    name = "consultations"
    verbose_name = _("Consultations")

    def ready(self):
        from django_comments_xtd.models import publish_or_unpublish_on_pre_save
        from django_comments_xtd.moderation import moderator

        from consultations import privacy as sections
        from consultations import rules  # noqa: F401  (permissions)
        from consultations.domain import verbs
        from consultations.models import Stage
        from consultations.moderation import StageModerator

        # The activity-log verbs the domain records, with their labels for the history tab.
        verbs.register()
        # Who is emailed about comments, stages and syntheses (`core.mail`).
        from consultations import notifications

        notifications.register_builders()
        # Requests for a public debate on an authority's draft (issue 17).
        from consultations import debate_notifications

        debate_notifications.register_builders()

        # The comments package re-publishes a comment's replies and rewrites its ancestors'
        # reply counts on every save of an existing comment; our comments change state through
        # domain functions and keep every reply visible, so that cascade is switched off.
        pre_save.disconnect(publish_or_unpublish_on_pre_save, sender="consultations.StageComment")
        if Stage not in moderator._registry:
            moderator.register(Stage, StageModerator)

        from core import privacy

        # "Download my data" and "delete my account" cover comments, reactions, flags, follows.
        privacy.register(
            "consultations",
            export=sections.export_consultations,
            erase=sections.erase_consultations,
            order=60,
        )
        # Meeting registrations (who registered, attended, under which name).
        privacy.register(
            "meetings", export=sections.export_meetings, erase=sections.erase_meetings, order=61
        )

        # A stage's text is part of its consultation's search document.
        from search.indexing import register_dependency

        register_dependency(Stage, lambda stage: [stage.consultation])
