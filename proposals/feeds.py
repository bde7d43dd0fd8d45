"""The Atom feed of a public proposal's revisions, newest first: feed readers learn of each new
version of the text (only public proposals: feed readers fetch without signing in)."""

from django.contrib.syndication.views import Feed
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext as _

from proposals.models import Proposal

FEED_ITEMS = 50


class RevisionsFeed(Feed):
    feed_type = Atom1Feed

    def get_object(self, request, slug):
        proposal = get_object_or_404(Proposal.objects.select_related("organization"), slug=slug)
        if not proposal.is_public:
            raise Http404
        return proposal

    def title(self, proposal):
        return _("New versions of “%(title)s”") % {"title": proposal.title}

    def link(self, proposal):
        return proposal.get_absolute_url()

    def subtitle(self, proposal):
        return proposal.authors_display

    def items(self, proposal):
        return list(
            proposal.revisions.select_related("author__profile")
            .defer("blocks")
            .order_by("-number")[:FEED_ITEMS]
        )

    def item_title(self, revision):
        return _("Revision %(number)s: %(title)s") % {
            "number": revision.number,
            "title": revision.title,
        }

    def item_description(self, revision):
        return revision.message or revision.summary

    def item_link(self, revision):
        return revision.get_absolute_url()

    def item_pubdate(self, revision):
        return revision.created_at

    def item_updateddate(self, revision):
        return revision.created_at

    def item_author_name(self, revision):
        return revision.author.public_name if revision.author_id else ""
