from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProposalsConfig(AppConfig):
    name = "proposals"
    verbose_name = _("Proposals")

    def ready(self):
        from core import activity
        from proposals.models import ProposalStatus

        activity.register_verbs(
            {
                "proposal.created": _("Proposal created"),
                "proposal.published": _("Published"),
                "proposal.withdrawn": _("Withdrawn"),
                "revision.created": _("New revision"),
            }
        )

        def status_label(entry, value):
            return ProposalStatus(value).label if value in ProposalStatus.values else value

        for verb in ("proposal.created", "proposal.published", "proposal.withdrawn"):
            activity.register_formatter(verb, status_label)

        # A new revision, or a renamed organisation, changes proposals' search documents.
        from accounts.models import Organization
        from proposals.models import Revision
        from search.indexing import register_dependency

        register_dependency(Revision, lambda revision: [revision.proposal])
        register_dependency(
            Organization,
            lambda organization: (
                list(organization.proposals.all()) + list(organization.targeted_proposals.all())
            ),
        )
