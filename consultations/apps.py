from django.apps import AppConfig
from django.db.models.signals import pre_save
from django.utils.translation import gettext_lazy as _


def proposal_page_part(proposal):
    """What a proposal's page shows of its consultation (`proposals.views.register_page_part`):
    whether there is one, its stages' titles and versions, and the stored counts of comments per
    paragraph (what `block_comment_counts` shows). Two queries at most."""
    from consultations.domain.common import read_counts
    from consultations.models import Consultation

    stages = tuple(
        Consultation.objects.filter(proposal=proposal)
        .order_by("stages__pk")
        .values_list(
            "pk", "stages__pk", "stages__position", "stages__title", "stages__comments_version"
        )
    )
    if not stages:
        return ()
    counts = tuple(
        (stage_id, block_key, stance, shown)
        for stage_id, block_key, stance, _threads, shown in read_counts(
            "consultation", stages[0][0]
        )
        if block_key
    )
    return (stages, counts)


def renew_stages_of(sender, proposal, **kwargs):
    """Who wrote or supports `proposal` changed (`proposals.models.authors_changed`): every stage
    of its consultation moves on (`comments_version`), so that the pages kept in the cache are
    made again. Side effects: one UPDATE."""
    from django.db.models import F

    from consultations.models import Stage

    Stage.objects.filter(consultation__proposal=proposal).update(
        comments_version=F("comments_version") + 1
    )


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
        # Questionnaire responses (kept in the counts without the person after erasure).
        privacy.register(
            "questionnaires",
            export=sections.export_questionnaires,
            erase=sections.erase_questionnaires,
            order=62,
        )

        # A new display name is shown at once in the threads with that person's comments.
        from accounts.models import public_name_changed

        public_name_changed.connect(sections.renew_threads_of, dispatch_uid="renew-threads-of")
        # The stage and comment pages (and the synthesis PDF) name the proposal's authors.
        from proposals.models import authors_changed

        authors_changed.connect(renew_stages_of, dispatch_uid="renew-stages-of")

        # Kept copies of anonymous stage pages get their counts written in again after a
        # comment or a reaction, and a thread of theirs that changed rendered and replaced,
        # without the whole stack (`core.earlycache`).
        from consultations import threads
        from core import earlycache

        earlycache.register_refill(threads.REFILL, threads.refill, topic=threads.copy_topic)
        # ...and the grouper's run after a comment's commit (or a reaction's, a moderation's)
        # refills the copies of the stage's pages itself, before their next reader.
        from consultations.domain import grouping

        grouping.run_last(threads.refill_ahead)

        # A proposal's page shows its consultation's comment counts per paragraph.
        from proposals.views import register_page_part

        register_page_part(proposal_page_part)

        # A stage's text is part of its consultation's search document.
        from search.indexing import register_dependency

        register_dependency(Stage, lambda stage: [stage.consultation])
