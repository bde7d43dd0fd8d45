from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProposalsConfig(AppConfig):
    name = "proposals"
    verbose_name = _("Proposals")

    def ready(self):
        from core import activity
        from proposals import rules  # noqa: F401  (its permissions, asked through core.permissions)
        from proposals.models import ProposalStatus

        activity.register_verbs(
            {
                "proposal.created": _("Proposal created"),
                "proposal.published": _("Published"),
                "proposal.withdrawn": _("Withdrawn"),
                "revision.created": _("New revision"),
                "proposal.finalized": _("Final version fixed"),
                "proposal.submitted": _("Submitted to the authority"),
                "proposal.registered": _("Registered by the authority"),
                "proposal.answered": _("Answered by the authority"),
                "coauthor.invited": _("Co-author invited"),
                "coauthor.accepted": _("Co-authorship accepted"),
                "coauthor.declined": _("Co-authorship declined"),
                "coauthor.removed": _("Co-author removed"),
                "endorsement.added": _("Endorsed"),
                "endorsement.withdrawn": _("Endorsement withdrawn"),
            }
        )

        # The invitations to co-author, on the account's overview page.
        from accounts.dashboard import register_dashboard_section
        from proposals.coauthor_views import dashboard_section

        register_dashboard_section(dashboard_section)

        # Who is emailed about co-authors (`core.mail`).
        from proposals import notifications

        notifications.register_builders()

        def status_label(entry, value):
            return ProposalStatus(value).label if value in ProposalStatus.values else value

        for verb in (
            "proposal.created",
            "proposal.published",
            "proposal.withdrawn",
            "proposal.finalized",
            "proposal.submitted",
            "proposal.registered",
            "proposal.answered",
        ):
            activity.register_formatter(verb, status_label)

        # Documents being imported are the importer's until confirmed: listed in "download my
        # data", deleted with their files when the account is deleted.
        from core import privacy
        from proposals.importing import erase_imports, export_imports

        privacy.register("imports", export=export_imports, erase=erase_imports, order=45)
        # Endorsements given in one's own name end with the account (proposals/endorsements.py).
        from proposals.endorsements import erase_endorsements, export_endorsements

        privacy.register(
            "endorsements", export=export_endorsements, erase=erase_endorsements, order=46
        )

        # The search page's facets name a proposal's status and its topics.
        from proposals.models import Topic
        from search import facets

        facets.register_labels("status", lambda: dict(ProposalStatus.choices))
        facets.register_labels(
            "topic", lambda: {topic.slug: str(topic) for topic in Topic.objects.all()}
        )

        # A new revision, or a renamed organisation, changes proposals' search documents.
        from accounts.models import Organization
        from proposals.models import Coauthorship, Proposal, Revision
        from search.indexing import register_dependency

        register_dependency(Revision, lambda revision: [revision.proposal])
        register_dependency(
            Organization,
            lambda organization: (
                list(organization.proposals.all())
                + list(organization.targeted_proposals.all())
                + list(Proposal.objects.filter(coauthorships__organization=organization).distinct())
            ),
        )
        # A co-author joining or leaving changes the authors' names the document holds.
        register_dependency(Coauthorship, lambda coauthorship: [coauthorship.proposal])
