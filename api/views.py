"""The public read-only API. Views are thin: find the public object or 404, shape it, paginate.

Every view reads as an anonymous visitor (see `api.visibility`); none defines a write method, so
POST, PUT, PATCH and DELETE get 405.
"""

from django.db.models import F, Prefetch
from django.http import FileResponse, HttpResponsePermanentRedirect
from django.urls import Resolver404, resolve
from django.urls import reverse as django_reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import generics, serializers
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.views import APIView

from accounts.models import Country, Organization, OrganizationKind
from api import exports, visibility
from api.filters import ProposalFilterSerializer, filter_proposals
from api.serializers import (
    CommentSerializer,
    ComparisonSerializer,
    ConsultationSerializer,
    ErrorSerializer,
    OrganizationDetailSerializer,
    OrganizationSerializer,
    ProposalDetailSerializer,
    ProposalSerializer,
    RevisionSerializer,
    RevisionSummarySerializer,
    StageSerializer,
    SynthesisRowSerializer,
    SynthesisSerializer,
    absolute,
)
from consultations.models import Stage
from proposals import content
from proposals.diff import (
    DELETE,
    INSERT,
    SPELLING_NEW,
    SPELLING_OLD,
    has_changes,
    revision_diff,
    word_diff,
)

# Path numbers (revision, stage position) above this are no object: refused before the database
# sees them (SQLite's integers stop at 2**63, PostgreSQL's at 2**31 for these columns).
MAX_NUMBER = 2**31 - 1


def errors(*codes):
    """The error responses an operation documents; 429 (rate limit) applies to every one."""
    return dict.fromkeys((*codes, 429), ErrorSerializer)


def _number(value):
    if value > MAX_NUMBER:
        raise NotFound()
    return value


def public_proposal(slug):
    proposal = visibility.with_proposal_data(visibility.proposals()).filter(slug=slug).first()
    if proposal is None:
        raise NotFound(_("No public proposal has this address."))
    return proposal


def public_revision(proposal, number):
    revisions = proposal.revisions.select_related("author__profile", "organization").annotate(
        parent_number=F("parent__number")
    )
    revision = revisions.filter(number=_number(number)).first()
    if revision is None:
        raise NotFound(_("This proposal has no revision with this number."))
    revision.proposal = proposal
    return revision


def require_public_proposal(slug):
    """404 with the same message for an unknown address and a draft's: nothing tells them apart."""
    if not visibility.proposals().filter(slug=slug).exists():
        raise NotFound(_("No public proposal has this address."))


def public_stage(slug, position):
    require_public_proposal(slug)
    stage = (
        visibility.with_stage_data(visibility.stages())
        .filter(consultation__proposal__slug=slug, position=_number(position))
        .first()
    )
    if stage is None:
        raise NotFound(_("This consultation has no stage at this position."))
    return stage


SLUG = OpenApiParameter(
    "slug", OpenApiTypes.STR, OpenApiParameter.PATH, pattern=r"^[-a-zA-Z0-9_]+$"
)


def number_parameter(name, description):
    return OpenApiParameter(name, OpenApiTypes.INT, OpenApiParameter.PATH, description=description)


# --- Root ----------------------------------------------------------------------------------------


ENTRY_POINTS = (
    "organizations",
    "proposals",
    "consultations",
    "register",
    "exports",
    "schema",
    "docs",
)


class ApiRoot(APIView):
    @extend_schema(
        summary=_("Entry points of the API"),
        responses={
            200: inline_serializer(
                "ApiRoot", {name: serializers.URLField() for name in ENTRY_POINTS}
            ),
            **errors(),
        },
    )
    def get(self, request):
        return Response({name: reverse(f"api:{name}", request=request) for name in ENTRY_POINTS})


# --- Organisations -------------------------------------------------------------------------------


class OrganizationFilterSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=OrganizationKind.choices, required=False)
    country = serializers.ChoiceField(choices=Country.choices, required=False)


@extend_schema(
    summary=_("Organisations"),
    description=_("NGOs, public authorities and other organisations, by name."),
    parameters=[OrganizationFilterSerializer],
    responses={200: OrganizationSerializer(many=True), **errors(400)},
)
class OrganizationList(generics.ListAPIView):
    serializer_class = OrganizationSerializer

    def get_queryset(self):
        serializer = OrganizationFilterSerializer(data=self.request.query_params)
        serializer.is_valid(raise_exception=True)
        return Organization.objects.filter(**serializer.validated_data).order_by("name", "pk")


@extend_schema(
    summary=_("One organisation"),
    description=_("Its public details and its members by public name and role (never an email)."),
    parameters=[SLUG],
    responses={200: OrganizationDetailSerializer, **errors(404)},
)
class OrganizationDetail(generics.RetrieveAPIView):
    serializer_class = OrganizationDetailSerializer

    def get_object(self):
        organization = Organization.objects.filter(slug=self.kwargs["slug"]).first()
        if organization is None:
            raise NotFound(_("No organisation has this address."))
        # The members exactly as the organisation's public page lists them.
        organization.public_members = list(
            organization.memberships.select_related("user__profile").order_by(
                "user__profile__display_name", "pk"
            )
        )
        return organization


# --- Proposals -----------------------------------------------------------------------------------


@extend_schema(
    summary=_("Proposals"),
    description=(
        _("Published proposals (never a draft), newest first, filtered by the site's facets.")
    ),
    parameters=[ProposalFilterSerializer],
    responses={200: ProposalSerializer(many=True), **errors(400)},
)
class ProposalList(generics.ListAPIView):
    serializer_class = ProposalSerializer

    def get_queryset(self):
        proposals = filter_proposals(visibility.proposals(), self.request.query_params)
        return visibility.with_proposal_data(proposals).order_by("-published_at", "-pk")


@extend_schema(
    summary=_("One proposal"),
    description=_("The proposal and the list of its revisions (oldest first)."),
    parameters=[SLUG],
    responses={200: ProposalDetailSerializer, **errors(404)},
)
class ProposalDetail(generics.RetrieveAPIView):
    serializer_class = ProposalDetailSerializer

    def get_object(self):
        proposal = public_proposal(self.kwargs["slug"])
        revisions = list(
            proposal.revisions.select_related("author__profile", "organization")
            .defer("blocks", "summary", "title")
            .order_by("number")
        )
        for revision in revisions:
            revision.proposal = proposal
        proposal.public_revisions = revisions
        proposal.public_endorsements = list(visibility.endorsements(proposal))
        return proposal


@extend_schema(
    summary=_("Revisions of a proposal"),
    description=_("Every revision of the proposal's text, oldest first."),
    parameters=[SLUG],
    responses={200: RevisionSummarySerializer(many=True), **errors(400, 404)},
)
class RevisionList(generics.ListAPIView):
    serializer_class = RevisionSummarySerializer

    def get_queryset(self):
        self.proposal = public_proposal(self.kwargs["slug"])
        return (
            self.proposal.revisions.select_related(
                "author__profile", "proposal__organization", "organization"
            )
            .defer("blocks", "summary", "title")
            .order_by("number")
        )


@extend_schema(
    summary=_("One revision"),
    description=(
        _(
            "A revision's full content: its blocks with their stable keys and every field, the "
            "SHA-256 `content_hash` of its canonical form (proposals/content.py documents it) and "
            "its attachments with download URLs."
        )
    ),
    parameters=[SLUG, number_parameter("number", _("The revision's number, from 1."))],
    responses={200: RevisionSerializer, **errors(404)},
)
class RevisionDetail(generics.RetrieveAPIView):
    serializer_class = RevisionSerializer

    def get_object(self):
        proposal = public_proposal(self.kwargs["slug"])
        revision = public_revision(proposal, self.kwargs["number"])
        attachments = list(revision.attachments.order_by("name", "pk"))
        for attachment in attachments:
            attachment.proposal = proposal
        revision._prefetched_objects_cache = {"attachments": attachments}
        return revision


# A word written differently (proposals.diff's spelling pair) is, for API clients, the delete +
# insert it is in characters, flagged as a spelling difference.
API_OPS = {SPELLING_OLD: DELETE, SPELLING_NEW: INSERT}


def _ops(ops):
    return [
        {"op": API_OPS.get(op, op), "text": text, "spelling": op in API_OPS} for op, text in ops
    ]


def _field_changes(changes):
    return [
        {"name": change.name, "changed": change.changed, "ops": _ops(change.ops)}
        for change in changes
    ]


def comparison_data(proposal, old, new, context):
    """The comparison of two revisions as data: blocks matched by key, words inside them."""
    diff = revision_diff(old, new)
    old_blocks = {block["key"]: block for block in old.blocks}
    new_blocks = {block["key"]: block for block in new.blocks}
    blocks = []
    for change in diff.blocks:
        fields = _field_changes(change.fields)
        for field in fields:
            if field["name"] == "action":
                # The page shows the action's label in the reader's language; data has the code.
                ops = word_diff(
                    (old_blocks.get(change.key) or {}).get("action", "") or "",
                    (new_blocks.get(change.key) or {}).get("action", "") or "",
                )
                field["ops"] = _ops(ops)
                field["changed"] = has_changes(ops)
        blocks.append(
            {
                "key": change.key,
                "type": change.block_type,
                "status": change.status,
                "moved": change.moved,
                "old_position": change.old_position,
                "new_position": change.new_position,
                "words_added": change.words_added,
                "words_removed": change.words_removed,
                "fields": fields,
            }
        )
    return {
        "proposal": proposal,
        "old": old,
        "new": new,
        "web_url": absolute(
            context,
            django_reverse("proposals:compare", args=[proposal.slug, old.number, new.number]),
        ),
        "has_changes": diff.has_changes,
        "words_added": diff.words_added,
        "words_removed": diff.words_removed,
        "header": _field_changes(diff.header),
        "blocks": blocks,
    }


@extend_schema(
    summary=_("Comparison of two revisions"),
    description=(
        _(
            "Blocks matched by their stable key: each is added, removed, changed or unchanged, and "
            "may have moved; inside each field, a word-level edit script (`equal`, `insert`, "
            "`delete`) turning the old text into the new. Any two revisions, in either order."
        )
    ),
    parameters=[
        SLUG,
        number_parameter("a", _("The old revision's number.")),
        number_parameter("b", _("The new revision's number.")),
    ],
    responses={200: ComparisonSerializer, **errors(404)},
)
class Comparison(generics.RetrieveAPIView):
    serializer_class = ComparisonSerializer

    def get_object(self):
        proposal = public_proposal(self.kwargs["slug"])
        old = public_revision(proposal, self.kwargs["a"])
        new = public_revision(proposal, self.kwargs["b"])
        return comparison_data(proposal, old, new, self.get_serializer_context())


# --- Consultations -------------------------------------------------------------------------------


def _consultations():
    return (
        visibility.consultations()
        .select_related("proposal")
        .prefetch_related(
            Prefetch(
                "stages",
                queryset=visibility.with_stage_data(Stage.objects.all()),
                to_attr="public_stages",
            )
        )
    )


@extend_schema(
    summary=_("Consultations"),
    description=(
        _(
            "Consultations of published proposals with their stages, newest first; filtered by "
            "the facets of their proposal."
        )
    ),
    parameters=[ProposalFilterSerializer],
    responses={200: ConsultationSerializer(many=True), **errors(400)},
)
class ConsultationList(generics.ListAPIView):
    serializer_class = ConsultationSerializer

    def get_queryset(self):
        consultations = filter_proposals(
            _consultations(), self.request.query_params, prefix="proposal__"
        )
        return consultations.order_by("-created_at", "-pk")


@extend_schema(
    summary=_("The consultation of a proposal"),
    description=(
        _(
            "Its stages in order: kind, dates, status (derived from the dates), the revision under "
            "debate, a short period's reason, meeting details and minutes once published."
        )
    ),
    parameters=[SLUG],
    responses={200: ConsultationSerializer, **errors(404)},
)
class ConsultationDetail(generics.RetrieveAPIView):
    serializer_class = ConsultationSerializer

    def get_object(self):
        require_public_proposal(self.kwargs["slug"])
        consultation = _consultations().filter(proposal__slug=self.kwargs["slug"]).first()
        if consultation is None:
            raise NotFound(_("This proposal has no consultation."))
        return consultation


POSITION = number_parameter("position", _("The stage's position in the consultation, from 1."))


@extend_schema(
    summary=_("One stage of a consultation"),
    parameters=[SLUG, POSITION],
    responses={200: StageSerializer, **errors(404)},
)
class StageDetail(generics.RetrieveAPIView):
    serializer_class = StageSerializer

    def get_object(self):
        return public_stage(self.kwargs["slug"], self.kwargs["position"])


class CommentFilterSerializer(serializers.Serializer):
    block_key = serializers.RegexField(
        content.KEY_PATTERN.pattern,
        max_length=17,
        required=False,
        help_text=_("Only the threads on this paragraph (a block key)."),
    )


@extend_schema(
    summary=_("Comments of a stage"),
    description=(
        _(
            "Every comment of the stage, threads flattened in reading order (`parent_id` and "
            "`depth` rebuild them). Held, hidden and withdrawn comments keep their place as "
            "placeholders: their `text`, `quote`, `author` and `disposition` are null."
        )
    ),
    parameters=[SLUG, POSITION, CommentFilterSerializer],
    responses={200: CommentSerializer(many=True), **errors(400, 404)},
)
class CommentList(generics.ListAPIView):
    serializer_class = CommentSerializer

    def get_queryset(self):
        stage = public_stage(self.kwargs["slug"], self.kwargs["position"])
        filters = CommentFilterSerializer(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        comments = stage.comments.all()
        if "block_key" in filters.validated_data:
            comments = comments.filter(block_key=filters.validated_data["block_key"])
        return visibility.with_comment_data(comments)


def public_synthesis(slug, position):
    stage = public_stage(slug, position)
    synthesis = visibility.syntheses().filter(stage=stage).first()
    if synthesis is None:
        raise NotFound(_("The synthesis of this stage is not published."))
    synthesis.stage = stage
    return synthesis


@extend_schema(
    summary=_("Synthesis of a stage"),
    description=(
        _(
            "The published answer to the stage's comments: introduction and counts. The frozen "
            "table is read in pages from `rows_url` (the rows are no longer part of this "
            "response). 404 until published."
        )
    ),
    parameters=[SLUG, POSITION],
    responses={200: SynthesisSerializer, **errors(404)},
)
class SynthesisDetail(generics.RetrieveAPIView):
    serializer_class = SynthesisSerializer

    def get_object(self):
        return public_synthesis(self.kwargs["slug"], self.kwargs["position"])


@extend_schema(
    summary=_("Rows of a synthesis"),
    description=(
        _(
            "The frozen table of a published synthesis, in pages, in the rows' order (`number`). "
            "The text, quote and author of a comment no longer shown (hidden, withdrawn or held "
            "since publication) are null; its answer stays. 404 until published."
        )
    ),
    parameters=[SLUG, POSITION],
    responses={200: SynthesisRowSerializer(many=True), **errors(400, 404)},
)
class SynthesisRowList(generics.ListAPIView):
    serializer_class = SynthesisRowSerializer

    def get_queryset(self):
        self.synthesis = public_synthesis(self.kwargs["slug"], self.kwargs["position"])
        return visibility.synthesis_row_data(self.synthesis)

    def paginate_queryset(self, queryset):
        # The page's frozen rows, checked against the comments' states now (one query).
        return visibility.synthesis_page_rows(self.synthesis, super().paginate_queryset(queryset))


# --- Anything else under /api/ -------------------------------------------------------------------


@extend_schema(exclude=True)
class Unknown(APIView):
    """Any other address under /api/: a JSON 404 whatever the method, not the site's page.

    An address missing only its final slash is redirected (GET and HEAD), as the site does.
    """

    permission_classes = []

    def _not_found(self, request, *args, **kwargs):
        path = request.path_info
        if request.method in ("GET", "HEAD") and not path.endswith("/"):
            try:
                match = resolve(path + "/")
            except Resolver404:
                match = None
            if match is not None and getattr(match.func, "view_class", None) is not Unknown:
                query = request.META.get("QUERY_STRING", "")
                return HttpResponsePermanentRedirect(
                    request.path + "/" + (f"?{query}" if query else "")
                )
        raise NotFound(_("There is nothing at this address of the API."))

    get = post = put = patch = delete = head = options = trace = _not_found


# --- Exports -------------------------------------------------------------------------------------

EXPORT_FILE_FIELDS = {
    "path": serializers.CharField(),
    "table": serializers.CharField(),
    "format": serializers.ChoiceField(choices=["jsonl", "csv"]),
    "records": serializers.IntegerField(),
    "bytes": serializers.IntegerField(),
    "sha256": serializers.CharField(),
    "url": serializers.URLField(),
}


def _export_url(request, name):
    return reverse("api:export_file", args=[name], request=request)


class ExportList(APIView):
    @extend_schema(
        operation_id="exports_list",
        summary=_("Bulk exports"),
        description=(
            _(
                "The latest dump of the public data (regenerated every night): the whole data "
                "set under `all/` and each consultation under `consultations/<proposal slug>/`, "
                "as JSON Lines and CSV, with `manifest.json` (counts and SHA-256 of every file). "
                "`generated_at` is null and `files` empty until the first dump is made."
            )
        ),
        responses={
            200: inline_serializer(
                "ExportList",
                {
                    "generated_at": serializers.DateTimeField(allow_null=True),
                    "manifest_url": serializers.URLField(allow_null=True),
                    "consultations": serializers.ListField(child=serializers.CharField()),
                    "files": inline_serializer("ExportFile", EXPORT_FILE_FIELDS, many=True),
                },
            ),
            **errors(),
        },
    )
    def get(self, request):
        dump = exports.current_dump()
        if dump is None:
            return Response(
                {"generated_at": None, "manifest_url": None, "consultations": [], "files": []}
            )
        manifest = exports.read_manifest(dump)
        return Response(
            {
                "generated_at": manifest["generated_at"],
                "manifest_url": _export_url(request, "manifest.json"),
                "consultations": manifest["consultations"],
                "files": [
                    {
                        **{key: entry[key] for key in ("path", "table", "format")},
                        **{key: entry[key] for key in ("records", "bytes", "sha256")},
                        "url": _export_url(request, entry["path"]),
                    }
                    for entry in manifest["files"]
                ],
            }
        )


class ExportFile(APIView):
    @extend_schema(
        operation_id="exports_file",
        summary=_("One file of the latest dump"),
        description=_("A file listed by `exports/` (or `manifest.json`), as it was written."),
        parameters=[
            OpenApiParameter(
                "name",
                OpenApiTypes.STR,
                OpenApiParameter.PATH,
                description=_("The file's path in the manifest, e.g. `all/proposals.jsonl`."),
            )
        ],
        responses={
            (200, "application/jsonl"): OpenApiTypes.BINARY,
            (200, "text/csv"): OpenApiTypes.BINARY,
            (200, "application/json"): OpenApiTypes.OBJECT,
            **errors(404),
        },
    )
    def get(self, request, name):
        dump = exports.current_dump()
        if dump is None:
            raise NotFound(_("No export has been generated yet."))
        manifest = exports.read_manifest(dump)
        known = {entry["path"]: entry["format"] for entry in manifest["files"]}
        known["manifest.json"] = "json"
        if name not in known:
            raise NotFound(_("The latest export has no file with this name."))
        # The name is one the manifest lists, never a path taken from the request as such.
        handle = open(dump / name, "rb")  # noqa: SIM115 - FileResponse closes it
        return FileResponse(
            handle,
            content_type=exports.CONTENT_TYPES[known[name]],
            as_attachment=name != "manifest.json",
            filename=name.replace("/", "-"),
        )
