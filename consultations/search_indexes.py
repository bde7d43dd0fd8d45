from django.utils import timezone
from haystack import indexes

from consultations import public
from consultations.models import Consultation, StageComment
from search.fields import TextField


class _ProposalFacets(indexes.SearchIndex):
    """The facets a consultation or a comment shares with its proposal."""

    content_type = indexes.CharField(faceted=True, indexed=False)
    status = indexes.CharField(faceted=True, indexed=False)
    kind = indexes.CharField(faceted=True, indexed=False)
    organization = indexes.CharField(faceted=True, indexed=False)
    authority = indexes.CharField(faceted=True, indexed=False)
    topics = indexes.MultiValueField(faceted=True, indexed=False)
    year = indexes.IntegerField(faceted=True, indexed=False)
    language = indexes.CharField(indexed=False)
    url = indexes.CharField(indexed=False)

    def _proposal(self, obj):
        raise NotImplementedError

    def prepare_status(self, obj):
        return self._proposal(obj).status

    def prepare_kind(self, obj):
        return self._proposal(obj).kind

    def prepare_organization(self, obj):
        return self._proposal(obj).organization.name

    def prepare_authority(self, obj):
        return self._proposal(obj).target_authority.name

    def prepare_topics(self, obj):
        return [topic.slug for topic in self._proposal(obj).topics.all()]

    def prepare_language(self, obj):
        return self._proposal(obj).language

    def prepare_url(self, obj):
        return obj.get_absolute_url()


class ConsultationIndex(_ProposalFacets, indexes.Indexable):
    """Consultations of public proposals: title, introduction, stages' titles and descriptions."""

    text = TextField(document=True)
    title = TextField(model_attr="title")
    summary = TextField(model_attr="intro")

    def get_model(self):
        return Consultation

    def _proposal(self, consultation):
        return consultation.proposal

    def index_queryset(self, using=None):
        return (
            public.consultations()
            .select_related("proposal__organization", "proposal__target_authority")
            .prefetch_related("stages", "proposal__topics")
        )

    def prepare_text(self, consultation):
        parts = [consultation.title, consultation.intro, consultation.proposal.title]
        for stage in consultation.stages.all():
            if stage.cancelled_at is None:
                parts.extend([stage.title, stage.description, stage.agenda, stage.minutes])
        return "\n".join(part for part in parts if part)

    def prepare_content_type(self, consultation):
        return "consultation"

    def prepare_year(self, consultation):
        return timezone.localtime(consultation.created_at).year


class CommentIndex(_ProposalFacets, indexes.Indexable):
    """Comments that are shown, in consultations of public proposals. A comment that is hidden,
    withdrawn or held leaves the index when the queue worker re-checks this queryset."""

    # No summary (a proposal's): the comment's text is the document already, and no query
    # reads another field; a second copy of it doubled the worker's index writing.
    text = TextField(document=True)
    title = TextField()

    def get_model(self):
        return StageComment

    def _proposal(self, comment):
        return comment.stage.consultation.proposal

    def index_queryset(self, using=None):
        return (
            public.shown_comments()
            .select_related(
                "user__profile",
                "stage__consultation__proposal__organization",
                "stage__consultation__proposal__target_authority",
            )
            .prefetch_related("stage__consultation__proposal__topics")
        )

    def prepare_text(self, comment):
        return "\n".join(part for part in (comment.quote, comment.comment) if part)

    def prepare_title(self, comment):
        return f"{comment.author_name} — {comment.stage.consultation.proposal.title}"

    def prepare_content_type(self, comment):
        return "comment"

    def prepare_year(self, comment):
        return timezone.localtime(comment.submit_date).year
