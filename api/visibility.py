"""What the API and the public exports may show: exactly what an anonymous visitor sees.

Every read is evaluated as an anonymous visitor, whoever calls: no query here takes a user, and
the API runs no authentication for reads, so a signed-in session (a member of the organisation,
a moderator, a site administrator) gets the same answers as anyone. Members read their drafts on
the site, not through the API.

- Proposals: public statuses only. A draft is absent from every list and count, and each of its
  URLs (proposal, revisions, comparisons, consultation, stages, comments) is a 404.
- Organisations: all are public, with what their public page shows (no email, members by their
  public name and role only).
- Consultations, stages, comments and syntheses: what `consultations.public` decides, the one
  module the pages and the exports ask too (a comment that is not shown keeps its place in its
  thread, not its words; a synthesis row loses the words and author of a comment no longer
  shown).
"""

from django.db.models import Count, Exists, F, OuterRef, Subquery
from django.db.models.functions import Coalesce

from consultations import public
from consultations.models import Consultation, Synthesis, SynthesisRow
from proposals.models import Endorsement, Proposal, ProposalStatus, Revision

consultations = public.consultations
stages = public.stages
comments = public.comments
syntheses = public.syntheses
with_comment_data = public.with_comment_data
comment_fields = public.comment_fields


def proposals():
    return Proposal.objects.public()


def revisions():
    return Revision.objects.filter(proposal__status__in=ProposalStatus.public())


def _active_endorsements(**filters):
    """The number of active endorsements of the outer proposal matching `filters`."""
    counted = (
        Endorsement.objects.active()
        .filter(proposal=OuterRef("pk"), **filters)
        .order_by()
        .values("proposal")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counted), 0)


def with_proposal_data(queryset):
    """Proposals with what their serializer reads (organisations and co-authors, topics,
    current revision number, whether a consultation exists, endorsement counts), without
    loading any revision's text."""
    return (
        queryset.select_related("organization", "target_authority")
        .prefetch_related("topics")
        .with_authors()
        .annotate(
            current_number=F("current_revision__number"),
            has_consultation=Exists(Consultation.objects.filter(proposal=OuterRef("pk"))),
            organization_endorsements=_active_endorsements(organization__isnull=False),
            person_endorsements=_active_endorsements(organization__isnull=True),
        )
    )


def endorsements(proposal):
    """The active endorsements of a public proposal, as its page lists them."""
    from proposals.endorsements import active_endorsements

    return active_endorsements(proposal)


def with_stage_data(queryset):
    """Stages with their proposal, revision number and whether a synthesis is published."""
    return (
        queryset.select_related("consultation__proposal")
        .annotate(
            revision_number=F("revision__number"),
            has_synthesis=Exists(Synthesis.objects.filter(stage=OuterRef("pk"))),
        )
        .order_by("position")
    )


def _api_row(row):
    """A row of `consultations.public.shown_rows` in the API's shape (no `shown` flag: a row's
    `state` says it)."""
    return {name: value for name, value in row.items() if name != "shown"}


def synthesis_row_chunks(synthesis):
    """`consultations.public.synthesis_row_chunks`, in the API's shape (for the bulk exports:
    a list of at most `consultations.public.SYNTHESIS_CHUNK` rows at a time)."""
    for chunk in public.synthesis_row_chunks(synthesis):
        yield [_api_row(row) for row in chunk]


def synthesis_row_data(synthesis):
    """The frozen row dicts of a published synthesis in order, as a queryset a paginator can
    count and slice (`synthesis_page_rows` turns a page of them into what may be shown)."""
    return (
        SynthesisRow.objects.filter(synthesis=synthesis)
        .order_by("number")
        .values_list("data", flat=True)
    )


def synthesis_page_rows(synthesis, frozen_rows):
    """A page of `synthesis_row_data` as it may be shown now, in the API's shape: the same
    reading as the synthesis page (`consultations.public.shown_rows`), one query."""
    return [_api_row(row) for row in public.shown_rows(synthesis, frozen_rows)]
