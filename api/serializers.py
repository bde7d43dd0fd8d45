"""Our own read-only serializers (the comments package's REST serializer has a fixed field list).

Field names are English snake_case and stable; times are ISO 8601 with their offset; every `url`
is absolute (the API resource) and every `web_url` the page a visitor reads. What an object may
show is decided in `api.visibility`; these only shape it.
"""

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field, inline_serializer
from rest_framework import serializers

from accounts.models import OrganizationKind
from api import visibility
from api.enums import PROPOSAL_STATUSES, STANCES
from consultations.models import AppliedSuggestion, CommentState, Outcome, StageKind, StageStatus
from consultations.models import Suggestion as SuggestionKind
from proposals import content
from proposals.models import ProposalKind


def absolute(context, path):
    """An absolute URL for `path`: from the request, or from SITE_URL outside one (exports)."""
    request = context.get("request") if context else None
    if request is not None:
        return request.build_absolute_uri(path)
    return settings.SITE_URL + path


def api_url(context, name, *args, query=""):
    return absolute(context, reverse(f"api:{name}", args=args) + query)


class ErrorSerializer(serializers.Serializer):
    """Every error: a message, and for 400 the message(s) of each invalid parameter."""

    detail = serializers.CharField(read_only=True)
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()), required=False
    )


class Url(serializers.Field):
    """An absolute URL computed from the object: `Url(lambda obj, context: ...)`."""

    def __init__(self, build, **kwargs):
        self.build = build
        kwargs["source"] = "*"
        kwargs["read_only"] = True
        super().__init__(**kwargs)

    def to_representation(self, obj):
        return self.build(obj, self.context)


extend_schema_field({"type": "string", "format": "uri"})(Url)


class NullableUrl(Url):
    pass


extend_schema_field({"type": "string", "format": "uri", "nullable": True})(NullableUrl)


# --- Organisations -------------------------------------------------------------------------------


class OrganizationRefSerializer(serializers.Serializer):
    slug = serializers.CharField(read_only=True)
    name = serializers.CharField(read_only=True)
    url = Url(lambda o, c: api_url(c, "organization", o.slug))


class OrganizationSerializer(serializers.Serializer):
    url = Url(lambda o, c: api_url(c, "organization", o.slug))
    web_url = Url(lambda o, c: absolute(c, o.get_absolute_url()))
    slug = serializers.CharField(read_only=True)
    name = serializers.CharField(read_only=True)
    kind = serializers.ChoiceField(choices=OrganizationKind.choices, read_only=True)
    country = serializers.CharField(read_only=True)
    county = serializers.CharField(read_only=True)
    locality = serializers.CharField(read_only=True)
    fiscal_code = serializers.CharField(read_only=True)
    website = serializers.CharField(read_only=True)
    description = serializers.CharField(read_only=True)
    verified = serializers.BooleanField(source="is_verified", read_only=True)
    from_directory = serializers.BooleanField(read_only=True)
    proposals_url = Url(
        lambda o, c: api_url(c, "proposals", query=f"?organization={o.slug}"),
        help_text=_("The proposals this organisation drafted."),
    )
    targeted_proposals_url = Url(
        lambda o, c: api_url(c, "proposals", query=f"?authority={o.slug}"),
        help_text=_("The proposals addressed to this organisation (authorities)."),
    )


class MemberSerializer(serializers.Serializer):
    name = serializers.CharField(source="user.public_name", read_only=True)
    role = serializers.CharField(read_only=True)


class OrganizationDetailSerializer(OrganizationSerializer):
    members = MemberSerializer(
        many=True,
        read_only=True,
        source="public_members",
        help_text=_("Members by public name and role, as on the organisation's page."),
    )


# --- Proposals and revisions ---------------------------------------------------------------------


def _revision_url(proposal_slug, number, context):
    return api_url(context, "revision", proposal_slug, number)


class ProposalRefSerializer(serializers.Serializer):
    slug = serializers.CharField(read_only=True)
    title = serializers.CharField(read_only=True)
    url = Url(lambda p, c: api_url(c, "proposal", p.slug))


class ProposalSerializer(serializers.Serializer):
    url = Url(lambda p, c: api_url(c, "proposal", p.slug))
    web_url = Url(lambda p, c: absolute(c, p.get_absolute_url()))
    slug = serializers.CharField(read_only=True)
    title = serializers.CharField(read_only=True)
    summary = serializers.CharField(read_only=True)
    kind = serializers.ChoiceField(choices=ProposalKind.choices, read_only=True)
    status = serializers.ChoiceField(choices=PROPOSAL_STATUSES, read_only=True)
    language = serializers.ChoiceField(choices=settings.LANGUAGES, read_only=True)
    organization = OrganizationRefSerializer(read_only=True)
    coauthors = OrganizationRefSerializer(
        many=True,
        read_only=True,
        help_text=_(
            "The organisations that co-author the proposal with its owner, in the order "
            "they joined."
        ),
    )
    target_authority = OrganizationRefSerializer(read_only=True)
    reference_act = serializers.CharField(read_only=True)
    endorsement_counts = serializers.SerializerMethodField()
    topics = serializers.SerializerMethodField()
    published_at = serializers.DateTimeField(read_only=True, allow_null=True)
    withdrawn_at = serializers.DateTimeField(read_only=True, allow_null=True)
    withdrawal_reason = serializers.CharField(read_only=True)
    current_revision = serializers.IntegerField(
        source="current_number", read_only=True, allow_null=True
    )
    revisions_url = Url(lambda p, c: api_url(c, "revisions", p.slug))
    consultation_url = NullableUrl(
        lambda p, c: api_url(c, "consultation", p.slug) if p.has_consultation else None,
        help_text=_("Null when the proposal has no consultation."),
    )

    @extend_schema_field({"type": "array", "items": {"type": "string"}})
    def get_topics(self, proposal):
        return [topic.slug for topic in proposal.topics.all()]

    @extend_schema_field(
        {
            "type": "object",
            "description": _("Active endorsements: by organisations, by people, in all."),
            "properties": {
                "organizations": {"type": "integer"},
                "people": {"type": "integer"},
                "total": {"type": "integer"},
            },
        }
    )
    def get_endorsement_counts(self, proposal):
        organizations = proposal.organization_endorsements
        people = proposal.person_endorsements
        return {"organizations": organizations, "people": people, "total": organizations + people}


class RevisionSummarySerializer(serializers.Serializer):
    number = serializers.IntegerField(read_only=True)
    url = Url(lambda r, c: _revision_url(r.proposal.slug, r.number, c))
    web_url = Url(lambda r, c: absolute(c, r.get_absolute_url()))
    created_at = serializers.DateTimeField(read_only=True)
    author = serializers.CharField(source="author.public_name", read_only=True)
    organization = OrganizationRefSerializer(
        source="acting_organization",
        read_only=True,
        help_text=_(
            "The organisation the author saved this revision for (the owner or a co-author)."
        ),
    )
    message = serializers.CharField(read_only=True)
    content_hash = serializers.CharField(read_only=True)
    words = serializers.IntegerField(source="word_count", read_only=True)
    words_added = serializers.IntegerField(read_only=True)
    words_removed = serializers.IntegerField(read_only=True)
    restored_from = serializers.IntegerField(read_only=True, allow_null=True)


class EndorsementSerializer(serializers.Serializer):
    endorser = serializers.CharField(source="endorser_name", read_only=True)
    organization = OrganizationRefSerializer(
        read_only=True, allow_null=True, help_text=_("Null for a person's endorsement.")
    )
    statement = serializers.CharField(read_only=True)
    created_at = serializers.DateTimeField(read_only=True)


class ProposalDetailSerializer(ProposalSerializer):
    revisions = RevisionSummarySerializer(
        many=True, read_only=True, source="public_revisions", help_text=_("Oldest first.")
    )
    endorsements = EndorsementSerializer(
        many=True,
        read_only=True,
        source="public_endorsements",
        help_text=_("Active endorsements: organisations first, newest first."),
    )


BLOCK_SCHEMA = {
    "type": "array",
    "description": (
        _(
            "The ordered blocks. Each has its stable `key`, its `type` and exactly the fields of "
            "that type: `text` for heading and text blocks; `article`, `action`, `in_force`, "
            "`proposed` and `rationale` for amendments (the form `content_hash` is computed on)."
        )
    ),
    "items": {
        "type": "object",
        "required": ["key", "type"],
        "properties": {
            "key": {"type": "string"},
            "type": {"type": "string", "enum": list(content.BLOCK_TYPES)},
            "text": {"type": "string"},
            "article": {"type": "string"},
            "action": {"type": "string", "enum": list(content.AMENDMENT_ACTIONS)},
            "in_force": {"type": "string"},
            "proposed": {"type": "string"},
            "rationale": {"type": "string"},
        },
    },
}


def public_blocks(blocks):
    return [
        {
            "key": block["key"],
            "type": block["type"],
            **{name: block.get(name, "") or "" for name in content.BLOCK_FIELDS[block["type"]]},
        }
        for block in blocks or []
    ]


class AttachmentSerializer(serializers.Serializer):
    name = serializers.CharField(read_only=True)
    content_type = serializers.CharField(read_only=True)
    size = serializers.IntegerField(read_only=True, help_text=_("Bytes."))
    sha256 = serializers.CharField(read_only=True)
    download_url = Url(lambda a, c: absolute(c, a.get_absolute_url()))


class AppliedSuggestionSerializer(serializers.Serializer):
    comment_id = serializers.IntegerField(read_only=True)
    comment_url = Url(
        lambda a, c: absolute(c, reverse("consultations:comment", args=[a.comment_id]))
    )


class RevisionSerializer(RevisionSummarySerializer):
    proposal = ProposalRefSerializer(read_only=True)
    parent = serializers.IntegerField(
        source="parent_number",
        read_only=True,
        allow_null=True,
        help_text=_("The revision it was based on."),
    )
    title = serializers.CharField(read_only=True)
    summary = serializers.CharField(read_only=True)
    blocks = serializers.SerializerMethodField()
    attachments = AttachmentSerializer(many=True, read_only=True)
    applied_suggestions = serializers.SerializerMethodField(
        help_text=_("The suggestions of wording (comments) this revision applied.")
    )

    @extend_schema_field(BLOCK_SCHEMA)
    def get_blocks(self, revision):
        return public_blocks(revision.blocks)

    @extend_schema_field(AppliedSuggestionSerializer(many=True))
    def get_applied_suggestions(self, revision):
        applied = AppliedSuggestion.objects.filter(revision=revision).order_by("comment_id")
        return AppliedSuggestionSerializer(applied, many=True, context=self.context).data


# --- Comparison ---------------------------------------------------------------------------------


class OpSerializer(serializers.Serializer):
    op = serializers.ChoiceField(
        choices=["equal", "insert", "delete"],
        read_only=True,
        help_text=_("The equal and delete pieces rebuild the old text; equal and insert the new."),
    )
    text = serializers.CharField(read_only=True)
    spelling = serializers.BooleanField(
        read_only=True,
        help_text=(
            _(
                "True for a delete + insert pair of a word that differs only in spelling (ş/ș, "
                "ţ/ț, Unicode form, quotes, dashes): the pages do not mark it as a change."
            )
        ),
    )


class FieldChangeSerializer(serializers.Serializer):
    name = serializers.CharField(read_only=True)
    changed = serializers.BooleanField(
        read_only=True,
        help_text=_("Words were added or removed (spelling differences do not count)."),
    )
    ops = OpSerializer(many=True, read_only=True, help_text=_("Word-level edit script, in order."))


class BlockChangeSerializer(serializers.Serializer):
    key = serializers.CharField(read_only=True)
    type = serializers.ChoiceField(choices=list(content.BLOCK_TYPES), read_only=True)
    status = serializers.ChoiceField(
        choices=["added", "removed", "changed", "unchanged"], read_only=True
    )
    moved = serializers.BooleanField(read_only=True)
    old_position = serializers.IntegerField(read_only=True, allow_null=True)
    new_position = serializers.IntegerField(read_only=True, allow_null=True)
    words_added = serializers.IntegerField(read_only=True)
    words_removed = serializers.IntegerField(read_only=True)
    fields = FieldChangeSerializer(many=True, read_only=True)


class ComparisonSerializer(serializers.Serializer):
    proposal = ProposalRefSerializer(read_only=True)
    old = RevisionSummarySerializer(read_only=True)
    new = RevisionSummarySerializer(read_only=True)
    web_url = serializers.URLField(read_only=True)
    has_changes = serializers.BooleanField(read_only=True)
    words_added = serializers.IntegerField(read_only=True)
    words_removed = serializers.IntegerField(read_only=True)
    header = FieldChangeSerializer(many=True, read_only=True, help_text=_("Title and summary."))
    blocks = BlockChangeSerializer(many=True, read_only=True, help_text=_("In reading order."))


# --- Consultations -------------------------------------------------------------------------------


def _stage_args(stage):
    return stage.consultation.proposal.slug, stage.position


class MeetingSerializer(serializers.Serializer):
    at = serializers.DateTimeField(source="meeting_at", read_only=True, allow_null=True)
    place = serializers.CharField(source="meeting_place", read_only=True)
    link = serializers.CharField(source="meeting_link", read_only=True)
    agenda = serializers.CharField(read_only=True)


class StageSerializer(serializers.Serializer):
    position = serializers.IntegerField(read_only=True)
    url = Url(lambda s, c: api_url(c, "stage", *_stage_args(s)))
    web_url = Url(lambda s, c: absolute(c, s.get_absolute_url()))
    kind = serializers.ChoiceField(choices=StageKind.choices, read_only=True)
    title = serializers.CharField(read_only=True)
    description = serializers.CharField(read_only=True)
    status = serializers.ChoiceField(
        choices=StageStatus.choices, read_only=True, help_text=_("Derived from the dates, now.")
    )
    opens_at = serializers.DateTimeField(read_only=True)
    closes_at = serializers.DateTimeField(read_only=True)
    revision = serializers.IntegerField(source="revision_number", read_only=True, allow_null=True)
    revision_url = NullableUrl(
        lambda s, c: (
            _revision_url(s.consultation.proposal.slug, s.revision_number, c)
            if s.revision_number is not None
            else None
        )
    )
    short_period_reason = serializers.CharField(
        read_only=True, help_text=_("Why the period is shorter than the law expects (or empty).")
    )
    meeting = serializers.SerializerMethodField()
    minutes = serializers.SerializerMethodField()
    participants = serializers.SerializerMethodField()
    minutes_published_at = serializers.DateTimeField(read_only=True, allow_null=True)
    planned_closes_at = serializers.DateTimeField(
        read_only=True,
        allow_null=True,
        help_text=_(
            "For a stage its organisation closed early, the closing it had planned "
            "(closes_at is then when it closed); null otherwise."
        ),
    )
    closed_early_reason = serializers.CharField(
        read_only=True,
        help_text=_("The organisation's reason for closing the stage early (or empty)."),
    )
    cancelled_at = serializers.DateTimeField(read_only=True, allow_null=True)
    cancellation_reason = serializers.CharField(read_only=True)
    comments_url = NullableUrl(
        lambda s, c: api_url(c, "comments", *_stage_args(s)) if s.accepts_comments else None,
        help_text=_("Null for stages that take no comments."),
    )
    synthesis_url = NullableUrl(
        lambda s, c: api_url(c, "synthesis", *_stage_args(s)) if s.has_synthesis else None,
        help_text=_("Null until the synthesis is published."),
    )

    @extend_schema_field(MeetingSerializer(allow_null=True))
    def get_meeting(self, stage):
        if stage.kind != StageKind.MEETING:
            return None
        return MeetingSerializer(stage, context=self.context).data

    @extend_schema_field(
        {"type": "string", "nullable": True, "description": _("Null until published.")}
    )
    def get_minutes(self, stage):
        return stage.minutes if stage.minutes_published_at else None

    @extend_schema_field(
        {"type": "integer", "nullable": True, "description": _("Null until the minutes are.")}
    )
    def get_participants(self, stage):
        return stage.participants if stage.minutes_published_at else None


class ConsultationSerializer(serializers.Serializer):
    url = Url(lambda c_, c: api_url(c, "consultation", c_.proposal.slug))
    web_url = Url(lambda c_, c: absolute(c, c_.get_absolute_url()))
    proposal = ProposalRefSerializer(read_only=True)
    title = serializers.CharField(read_only=True)
    intro = serializers.CharField(read_only=True)
    stages = StageSerializer(many=True, read_only=True, source="public_stages")


class DispositionSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=Outcome.choices, read_only=True)
    reason = serializers.CharField(read_only=True)
    applied_in = serializers.IntegerField(
        read_only=True, allow_null=True, help_text=_("The revision where it was applied.")
    )


class CommentSerializer(serializers.Serializer):
    """A comment in its thread. Held, hidden and withdrawn comments are placeholders: their
    `text`, `quote`, `author` and `disposition` are null."""

    id = serializers.IntegerField(read_only=True)
    web_url = serializers.SerializerMethodField()
    parent_id = serializers.IntegerField(read_only=True, allow_null=True)
    depth = serializers.IntegerField(read_only=True, help_text=_("0 for a top-level comment."))
    block_key = serializers.CharField(
        read_only=True, allow_null=True, help_text=_("The paragraph; null for the whole text.")
    )
    quote = serializers.CharField(read_only=True, allow_null=True)
    stance = serializers.ChoiceField(choices=STANCES, read_only=True, allow_null=True)
    state = serializers.ChoiceField(choices=CommentState.choices, read_only=True)
    submitted_at = serializers.DateTimeField(read_only=True)
    revision = serializers.IntegerField(read_only=True, allow_null=True)
    author = serializers.CharField(read_only=True, allow_null=True)
    text = serializers.CharField(read_only=True, allow_null=True)
    suggestion = serializers.ChoiceField(
        choices=SuggestionKind.choices,
        read_only=True,
        allow_null=True,
        help_text=_("A suggestion of wording for its paragraph: new wording, or its removal."),
    )
    suggested_from = serializers.CharField(
        read_only=True,
        allow_null=True,
        help_text=_("The paragraph's text the suggestion replaces."),
    )
    suggested_text = serializers.CharField(
        read_only=True, allow_null=True, help_text=_("The suggested wording (empty for a removal).")
    )
    disposition = DispositionSerializer(read_only=True, allow_null=True)

    def to_representation(self, comment):
        return super().to_representation(visibility.comment_fields(comment))

    @extend_schema_field(OpenApiTypes.URI)
    def get_web_url(self, fields):
        return absolute(self.context, reverse("consultations:comment", args=[fields["id"]]))


class SynthesisRowSerializer(serializers.Serializer):
    number = serializers.IntegerField(read_only=True)
    comment_id = serializers.IntegerField(read_only=True)
    state = serializers.ChoiceField(
        choices=CommentState.choices, read_only=True, help_text=_("The comment's state now.")
    )
    author = serializers.CharField(read_only=True, allow_null=True)
    block_key = serializers.CharField(read_only=True, allow_null=True)
    block = serializers.CharField(read_only=True, allow_null=True)
    quote = serializers.CharField(read_only=True, allow_null=True)
    text = serializers.CharField(read_only=True, allow_null=True)
    suggestion = serializers.ChoiceField(
        choices=SuggestionKind.choices, read_only=True, allow_null=True
    )
    suggested_from = serializers.CharField(read_only=True, allow_null=True)
    suggested_text = serializers.CharField(read_only=True, allow_null=True)
    stance = serializers.ChoiceField(choices=STANCES, read_only=True, allow_null=True)
    submitted_at = serializers.CharField(read_only=True, help_text=_("ISO 8601."))
    outcome = serializers.ChoiceField(choices=Outcome.choices, read_only=True, allow_null=True)
    reason = serializers.CharField(read_only=True, allow_null=True)
    applied_in = serializers.IntegerField(read_only=True, allow_null=True)
    replies = serializers.IntegerField(read_only=True)


SynthesisCountsSerializer = inline_serializer(
    "SynthesisCounts",
    fields={
        "total": serializers.IntegerField(),
        "stance": serializers.DictField(child=serializers.IntegerField()),
        "outcome": serializers.DictField(child=serializers.IntegerField()),
    },
)


class SynthesisSerializer(serializers.Serializer):
    url = Url(lambda s, c: api_url(c, "synthesis", *_stage_args(s.stage)))
    web_url = Url(lambda s, c: absolute(c, s.get_absolute_url()))
    stage_url = Url(lambda s, c: api_url(c, "stage", *_stage_args(s.stage)))
    published_at = serializers.DateTimeField(read_only=True)
    intro = serializers.CharField(read_only=True)
    counts = serializers.SerializerMethodField()
    rows_url = Url(
        lambda s, c: api_url(c, "synthesis-rows", *_stage_args(s.stage)),
        help_text=_("The table's rows, in pages, in their order."),
    )

    @extend_schema_field(SynthesisCountsSerializer)
    def get_counts(self, synthesis):
        counts = synthesis.counts or {}
        return {
            "total": counts.get("total", 0),
            "stance": dict(counts.get("stance", {})),
            "outcome": dict(counts.get("outcome", {})),
        }
