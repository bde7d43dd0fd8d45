from django.utils import timezone
from haystack import indexes

from proposals.content import block_plain_text
from proposals.models import Proposal
from search.fields import TextField


class ProposalIndex(indexes.SearchIndex, indexes.Indexable):
    """Public proposals: the current revision's title, summary and every block, and the names
    of the proposal's authors (the owner and its co-authors), so a search for an organisation
    finds what it wrote.

    Drafts are never indexed (`index_queryset`); a proposal that stops being public is removed
    by the queue worker, which re-checks this queryset for every change.
    """

    text = TextField(document=True)
    title = TextField(model_attr="title")
    summary = TextField(model_attr="summary")
    content_type = indexes.CharField(faceted=True, indexed=False)
    status = indexes.CharField(model_attr="status", faceted=True, indexed=False)
    kind = indexes.CharField(model_attr="kind", faceted=True, indexed=False)
    organization = indexes.CharField(faceted=True, indexed=False)
    # Every author's name as the result names them (the facet above keeps the owner only).
    authors = indexes.CharField(indexed=False)
    authority = indexes.CharField(faceted=True, indexed=False)
    topics = indexes.MultiValueField(faceted=True, indexed=False)
    year = indexes.IntegerField(faceted=True, indexed=False)
    language = indexes.CharField(model_attr="language", indexed=False)
    url = indexes.CharField(indexed=False)

    def get_model(self):
        return Proposal

    def index_queryset(self, using=None):
        return (
            Proposal.objects.public()
            .with_authors()
            .select_related("organization", "target_authority", "current_revision")
            .prefetch_related("topics")
        )

    def prepare_text(self, proposal):
        revision = proposal.current_revision
        parts = [revision.title, revision.summary, proposal.reference_act]
        parts.extend(block_plain_text(block) for block in revision.blocks)
        parts.extend(organization.name for organization in proposal.authors)
        return "\n".join(part for part in parts if part)

    def prepare_title(self, proposal):
        return proposal.current_revision.title

    def prepare_content_type(self, proposal):
        return "proposal"

    def prepare_organization(self, proposal):
        return proposal.organization.name

    def prepare_authors(self, proposal):
        return proposal.authors_display

    def prepare_authority(self, proposal):
        return proposal.target_authority.name

    def prepare_topics(self, proposal):
        return [topic.slug for topic in proposal.topics.all()]

    def prepare_year(self, proposal):
        # The year on the local calendar: published at 00:30 on 1 January is next year's.
        return timezone.localtime(proposal.published_at or proposal.created_at).year

    def prepare_url(self, proposal):
        return proposal.get_absolute_url()
