"""Atom feeds of open consultations: site-wide, of one organisation's proposals, and of the
proposals addressed to (or drafted by) one public authority.

An item is a stage that has not closed yet (open, or announced for later) of a public proposal's
consultation, newest announcement first; a cancelled stage leaves the feed. Only what anyone may
see goes in (`consultations.public`): feed readers fetch without signing in.
"""

from django.contrib.syndication.views import Feed
from django.db.models import Q
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.feedgenerator import Atom1Feed
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from accounts.models import Organization, OrganizationKind
from consultations import public
from consultations.models import StageKind
from core.dates import last_moment
from proposals.models import Coauthorship, CoauthorStatus, authors_prefetch

# How many stages a feed lists.
FEED_ITEMS = 50


def open_stages():
    """Public stages that have not closed and were not cancelled, newest announcement first."""
    return (
        public.stages()
        .filter(closes_at__gt=timezone.now(), cancelled_at__isnull=True)
        .exclude(kind=StageKind.SYNTHESIS)
        .select_related("consultation__proposal__organization")
        .prefetch_related(authors_prefetch("consultation__proposal"))
        .order_by("-created_at", "-pk")
    )


class OpenConsultationsFeed(Feed):
    feed_type = Atom1Feed

    def title(self, obj=None):
        return _("Open consultations on Consult")

    def subtitle(self, obj=None):
        return _("Stages of public consultations open now or announced, newest first.")

    def link(self, obj=None):
        return "/"

    def stages(self, obj):
        return open_stages()

    def items(self, obj=None):
        return list(self.stages(obj)[:FEED_ITEMS])

    def item_title(self, stage):
        return f"{stage.consultation.title}: {stage.title}"

    def item_description(self, stage):
        zone = stage.consultation.proposal.organization.zone
        if stage.kind == StageKind.MEETING:
            moment = timezone.localtime(stage.meeting_at or stage.opens_at, zone)
            when = _("Public meeting on %(moment)s.") % {
                "moment": date_format(moment, "DATETIME_FORMAT")
            }
        else:
            when = _("Open from %(opens)s until %(closes)s.") % {
                "opens": date_format(timezone.localtime(stage.opens_at, zone), "DATETIME_FORMAT"),
                "closes": last_moment(stage.closes_at, zone),
            }
        return f"{stage.get_kind_display()}. {when} {stage.description}".strip()

    def item_link(self, stage):
        return stage.get_absolute_url()

    def item_guid(self, stage):
        return f"stage-{stage.pk}"

    item_guid_is_permalink = False

    def item_pubdate(self, stage):
        return stage.created_at

    def item_updateddate(self, stage):
        return stage.created_at

    def item_author_name(self, stage):
        return stage.consultation.proposal.authors_display


class OrganizationConsultationsFeed(OpenConsultationsFeed):
    """Open consultations of one organisation's proposals."""

    def get_object(self, request, slug):
        return get_object_or_404(Organization, slug=slug)

    def title(self, obj=None):
        return _("Open consultations of %(name)s") % {"name": obj.name}

    def link(self, obj=None):
        return obj.get_absolute_url()

    def stages(self, obj):
        # Its own proposals and those it co-authors.
        return open_stages().filter(
            Q(consultation__proposal__organization=obj)
            | Q(
                consultation__proposal__in=Coauthorship.objects.filter(
                    organization=obj, status=CoauthorStatus.ACCEPTED
                ).values("proposal_id")
            )
        )


class AuthorityConsultationsFeed(OpenConsultationsFeed):
    """Open consultations of the proposals addressed to one public authority, and of its own
    drafts."""

    def get_object(self, request, slug):
        return get_object_or_404(Organization, slug=slug, kind=OrganizationKind.AUTHORITY)

    def title(self, obj=None):
        return _("Open consultations addressed to %(name)s") % {"name": obj.name}

    def link(self, obj=None):
        return obj.get_absolute_url()

    def stages(self, obj):
        return open_stages().filter(
            Q(consultation__proposal__target_authority=obj)
            | Q(consultation__proposal__organization=obj)
        )
