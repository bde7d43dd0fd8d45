from datetime import timedelta

from django.conf import settings
from django.db import models
from django.dispatch import Signal
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Organization
from core.models import AppendOnlyModel, StoredFile
from core.validators import no_control_characters
from proposals import content


class Topic(models.Model):
    slug = models.SlugField(unique=True)
    name_ro = models.CharField(_("name in Romanian"), max_length=100)
    name_bg = models.CharField(_("name in Bulgarian"), max_length=100)
    name_en = models.CharField(_("name in English"), max_length=100)

    class Meta:
        ordering = ["slug"]
        verbose_name = _("topic")
        verbose_name_plural = _("topics")

    def __str__(self):
        from django.utils.translation import get_language

        language = (get_language() or "ro")[:2]
        return getattr(self, f"name_{language}", None) or self.name_en


class ProposalKind(models.TextChoices):
    POLICY = "policy", _("Public policy")
    AMENDMENT = "amendment", _("Amendment to a normative act")
    OTHER = "other", _("Other")
    # An authority's own drafts of normative acts (Law 52/2003; the Law on Normative Acts).
    DRAFT_DECISION = "draft_decision", _("Draft decision")
    DRAFT_ORDER = "draft_order", _("Draft order")
    DRAFT_LAW = "draft_law", _("Draft law")

    @classmethod
    def for_authority(cls):
        """The kinds an authority drafts: its own normative acts."""
        return [cls.DRAFT_DECISION, cls.DRAFT_ORDER, cls.DRAFT_LAW]

    @classmethod
    def for_organization(cls, organization):
        """The kinds `organization` may draft: an authority its normative acts, any other
        organisation its proposals to an authority."""
        if organization is not None and organization.is_authority:
            return cls.for_authority()
        return [kind for kind in cls if kind not in cls.for_authority()]


class ProposalStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    IN_CONSULTATION = "in_consultation", _("In consultation")
    CONSULTATION_CLOSED = "consultation_closed", _("Consultation closed")
    FINAL = "final", _("Final version")
    SUBMITTED = "submitted", _("Submitted")
    REGISTERED = "registered", _("Registered")
    ANSWERED = "answered", _("Answered")
    WITHDRAWN = "withdrawn", _("Withdrawn")

    @classmethod
    def public(cls):
        """Statuses in which anyone can read the proposal."""
        return [status for status in cls if status != cls.DRAFT]

    @classmethod
    def submittable(cls):
        """Statuses from which the final version can be sent to the authority."""
        return [cls.PUBLISHED, cls.CONSULTATION_CLOSED, cls.FINAL]

    @classmethod
    def sent(cls):
        """Statuses in which the proposal has (or may have) been sent to its authority."""
        return [cls.SUBMITTED, cls.REGISTERED, cls.ANSWERED, cls.WITHDRAWN]

    @classmethod
    def editable(cls):
        """Statuses in which the organisation can still save new revisions."""
        return [cls.DRAFT, cls.PUBLISHED, cls.IN_CONSULTATION, cls.CONSULTATION_CLOSED]


# The moves each status allows; domain functions refuse anything else.
TRANSITIONS = {
    ProposalStatus.DRAFT: {ProposalStatus.PUBLISHED},
    ProposalStatus.PUBLISHED: {
        ProposalStatus.IN_CONSULTATION,
        ProposalStatus.FINAL,
        ProposalStatus.WITHDRAWN,
    },
    ProposalStatus.IN_CONSULTATION: {ProposalStatus.CONSULTATION_CLOSED, ProposalStatus.WITHDRAWN},
    ProposalStatus.CONSULTATION_CLOSED: {
        ProposalStatus.IN_CONSULTATION,
        ProposalStatus.FINAL,
        ProposalStatus.WITHDRAWN,
    },
    ProposalStatus.FINAL: {ProposalStatus.SUBMITTED, ProposalStatus.WITHDRAWN},
    ProposalStatus.SUBMITTED: {ProposalStatus.REGISTERED, ProposalStatus.WITHDRAWN},
    ProposalStatus.REGISTERED: {ProposalStatus.ANSWERED, ProposalStatus.WITHDRAWN},
    ProposalStatus.ANSWERED: set(),
    ProposalStatus.WITHDRAWN: set(),
}


class ProposalQuerySet(models.QuerySet):
    def public(self):
        return self.filter(status__in=ProposalStatus.public())

    def visible_to(self, user):
        """Public proposals, plus drafts of the user's own organisations."""
        if not user.is_authenticated:
            return self.public()
        return self.filter(
            models.Q(status__in=ProposalStatus.public())
            | models.Q(organization__memberships__user=user)
            | models.Q(
                coauthorships__status=CoauthorStatus.ACCEPTED,
                coauthorships__organization__memberships__user=user,
            )
        ).distinct()

    def by_author(self, organization):
        """The proposals `organization` writes: those it owns and those it co-authors."""
        coauthored = Coauthorship.objects.filter(
            organization=organization, status=CoauthorStatus.ACCEPTED
        ).values("proposal_id")
        return self.filter(models.Q(organization=organization) | models.Q(pk__in=coauthored))

    def with_authors(self):
        """Prefetch the accepted co-authors (`Proposal.authors` then reads no more)."""
        return self.prefetch_related(authors_prefetch())


def authors_prefetch(path=""):
    """The prefetch of the accepted co-authors of the proposals at `path` (for example
    "consultation__proposal" from stages), so that their `authors` read no more."""
    return models.Prefetch(
        f"{path}__coauthorships" if path else "coauthorships",
        queryset=Coauthorship.objects.filter(status=CoauthorStatus.ACCEPTED)
        .select_related("organization")
        .order_by("answered_at", "pk"),
        to_attr="accepted_coauthorships",
    )


class Proposal(models.Model):
    organization = models.ForeignKey(
        Organization,
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="proposals",
    )
    title = models.CharField(_("title"), max_length=300, validators=[no_control_characters])
    slug = models.SlugField(_("address name"), max_length=100, unique=True)
    summary = models.TextField(
        _("summary"), max_length=5000, blank=True, validators=[no_control_characters]
    )
    kind = models.CharField(_("kind"), max_length=16, choices=ProposalKind.choices)
    target_authority = models.ForeignKey(
        Organization,
        verbose_name=_("target authority"),
        on_delete=models.PROTECT,
        related_name="targeted_proposals",
        limit_choices_to={"kind": "authority"},
    )
    reference_act = models.CharField(
        _("reference act"),
        max_length=200,
        blank=True,
        validators=[no_control_characters],
        help_text=_("The act this proposal amends or relies on, e.g. “Legea nr. 350/2005”."),
    )
    topics = models.ManyToManyField(Topic, verbose_name=_("topics"), blank=True)
    language = models.CharField(
        _("language of the text"), max_length=8, choices=settings.LANGUAGES, default="ro"
    )
    status = models.CharField(
        _("status"), max_length=24, choices=ProposalStatus.choices, default=ProposalStatus.DRAFT
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    withdrawn_at = models.DateTimeField(_("withdrawn"), null=True, blank=True)
    withdrawal_reason = models.TextField(_("reason for withdrawal"), blank=True)
    # The newest revision; a pointer only (revisions themselves never change).
    current_revision = models.ForeignKey(
        "Revision", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    objects = ProposalQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("proposal")
        verbose_name_plural = _("proposals")

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("proposals:detail", args=[self.slug])

    @property
    def is_public(self):
        return self.status != ProposalStatus.DRAFT

    @property
    def coauthors(self):
        """The organisations that accepted to co-author this proposal, in the order they
        joined (prefetched by `Proposal.objects.with_authors()`, else one query)."""
        rows = getattr(self, "accepted_coauthorships", None)
        if rows is None:
            rows = (
                self.coauthorships.filter(status=CoauthorStatus.ACCEPTED)
                .select_related("organization")
                .order_by("answered_at", "pk")
            )
            self.accepted_coauthorships = rows = list(rows)
        return [row.organization for row in rows]

    @property
    def authors(self):
        """The owning organisation, then its co-authors: who every page and document names."""
        return [self.organization, *self.coauthors]

    @property
    def authors_display(self):
        return ", ".join(organization.name for organization in self.authors)

    @property
    def is_editable(self):
        return self.status in ProposalStatus.editable()

    @property
    def is_authority_draft(self):
        """An authority's own draft normative act (not a proposal sent to an authority)."""
        return self.kind in ProposalKind.for_authority()


class Attachment(StoredFile):
    """A file attached to one or more revisions. Append-only: a file is never replaced; a new
    revision simply stops listing it. Its type is checked by content, never by its name."""

    upload_folder = "attachments"
    upload_owner_field = "proposal_id"

    proposal = models.ForeignKey(Proposal, on_delete=models.PROTECT, related_name="attachments")

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def get_absolute_url(self):
        return reverse("proposals:attachment", args=[self.proposal.slug, self.pk, self.name])


class ImportMode(models.TextChoices):
    DOCUMENT = "document", _("A document: its headings, paragraphs, lists and tables")
    ACT = "act", _("The text of a normative act: choose the units to amend")


class ImportPlacement(models.TextChoices):
    APPEND = "append", _("After the current text")
    REPLACE = "replace", _("Instead of the current text")


class ImportStatus(models.TextChoices):
    PENDING = "pending", _("Waiting to be read")
    RUNNING = "running", _("Being read")
    READY = "ready", _("Ready to review")
    FAILED = "failed", _("Could not be read")
    CONFIRMED = "confirmed", _("Saved as a revision")


def import_path(instance, filename):
    import secrets

    return f"imports/{secrets.token_hex(16)}.{instance.extension}"


class DocumentImport(models.Model):
    """A document on its way into a proposal: read, shown for review, then confirmed as one
    revision (the file becoming an attachment of it) or discarded.

    Not part of the record: nothing here is public, and rows are deleted with their files after
    IMPORT_KEEP_HOURS (`proposals.importing.purge_imports`). What is confirmed lives on in the
    revision, whose message names the file and its SHA-256, and in the attachment.
    """

    token = models.CharField(max_length=32, unique=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    # The proposal the text goes into; None for a new proposal, described by `new_proposal`.
    proposal = models.ForeignKey(
        Proposal, null=True, blank=True, on_delete=models.CASCADE, related_name="imports"
    )
    new_proposal = models.JSONField(default=dict, blank=True)
    mode = models.CharField(max_length=8, choices=ImportMode.choices)
    placement = models.CharField(
        max_length=8, choices=ImportPlacement.choices, default=ImportPlacement.APPEND
    )
    # The proposal's current revision when the import started (0: none yet).
    base_number = models.PositiveIntegerField(default=0)
    file = models.FileField(upload_to=import_path, max_length=200)
    name = models.CharField(max_length=200)
    pasted = models.BooleanField(default=False)
    # The format the content was recognised as (a key of proposals.converters.READERS).
    extension = models.CharField(max_length=8)
    size = models.PositiveIntegerField()
    content_size = models.PositiveIntegerField(default=0)
    sha256 = models.CharField(max_length=64)
    status = models.CharField(
        max_length=10, choices=ImportStatus.choices, default=ImportStatus.PENDING
    )
    progress = models.PositiveSmallIntegerField(default=0)
    error_code = models.CharField(max_length=20, blank=True)
    error_params = models.JSONField(default=dict, blank=True)
    result = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    revision = models.ForeignKey(
        "Revision", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("document import")
        verbose_name_plural = _("document imports")

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("proposals:import_review", args=[self.token])

    @property
    def language(self):
        if self.proposal_id:
            return self.proposal.language
        return self.new_proposal.get("language") or settings.LANGUAGE_CODE

    @property
    def kind(self):
        if self.proposal_id:
            return self.proposal.kind
        return self.new_proposal.get("kind", "")

    @property
    def error_message(self):
        from proposals.converters import error_message

        return error_message(self.error_code, self.error_params)

    # Longer than any reading takes (IMPORT_TIMEOUT_SECONDS) plus a long wait in the queue.
    STALE_AFTER = timedelta(minutes=15)

    @property
    def is_stale(self):
        """Still waiting or being read long after it started: its worker stopped."""
        from django.utils import timezone

        waiting = self.status in (ImportStatus.PENDING, ImportStatus.RUNNING)
        limit = self.STALE_AFTER + timedelta(seconds=settings.IMPORT_TIMEOUT_SECONDS)
        return waiting and self.created_at < timezone.now() - limit

    @property
    def stale_message(self):
        from proposals.converters import error_message

        return error_message("stale", {"name": self.name})


class Revision(AppendOnlyModel):
    """One version of a proposal's text. Append-only: never updated, never deleted.

    On PostgreSQL a trigger refuses UPDATE and DELETE too (migration 0002).
    """

    proposal = models.ForeignKey(Proposal, on_delete=models.PROTECT, related_name="revisions")
    number = models.PositiveIntegerField(_("number"))
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    # The organisation the author acted for: the owner or a co-author, set once when the
    # revision is created. Revisions saved before co-authors existed have none (= the owner).
    organization = models.ForeignKey(
        Organization,
        verbose_name=_("on behalf of"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("saved"), auto_now_add=True)
    message = models.CharField(_("change message"), max_length=500, blank=True)
    title = models.CharField(_("title"), max_length=300)
    summary = models.TextField(_("summary"), blank=True)
    blocks = models.JSONField(_("blocks"), default=list)
    content_hash = models.CharField(_("SHA-256 hash"), max_length=64)
    restored_from = models.PositiveIntegerField(_("restored from revision"), null=True, blank=True)
    # Set when the author edited an older revision and the save merged their changes with those
    # saved since (proposals.merge): the revision they started from; the parent is the newest.
    merge_base = models.PositiveIntegerField(
        _("merged: edited from revision"), null=True, blank=True
    )
    # The files of this version, set once when the revision is created.
    attachments = models.ManyToManyField(Attachment, blank=True, related_name="revisions")
    word_count = models.PositiveIntegerField(_("words"), default=0)
    words_added = models.PositiveIntegerField(_("words added"), default=0)
    words_removed = models.PositiveIntegerField(_("words removed"), default=0)

    class Meta:
        ordering = ["proposal", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["proposal", "number"], name="unique_revision_number")
        ]
        verbose_name = _("revision")
        verbose_name_plural = _("revisions")

    def __str__(self):
        return f"{self.proposal} — v{self.number}"

    def get_absolute_url(self):
        return reverse("proposals:revision", args=[self.proposal.slug, self.number])

    @property
    def acting_organization(self):
        """The organisation the author acted for (the owner for revisions made before
        co-authors were recorded)."""
        return self.organization if self.organization_id else self.proposal.organization

    def compute_hash(self):
        return content.content_hash(self.title, self.summary, self.blocks)

    def block(self, key):
        return next((block for block in self.blocks if block["key"] == key), None)

    @property
    def has_content(self):
        """False for an empty template (revisions made before drafts started without one)."""
        return content.has_content(self.blocks)


class CoauthorStatus(models.TextChoices):
    INVITED = "invited", _("Invited")
    ACCEPTED = "accepted", _("Co-author")
    DECLINED = "declined", _("Declined")
    REMOVED = "removed", _("Removed")

    @classmethod
    def open(cls):
        """The statuses of a standing invitation or co-authorship (one per organisation)."""
        return [cls.INVITED, cls.ACCEPTED]


# The moves a co-authorship allows; `proposals.coauthors` refuses anything else.
COAUTHOR_TRANSITIONS = {
    CoauthorStatus.INVITED: {
        CoauthorStatus.ACCEPTED,
        CoauthorStatus.DECLINED,
        CoauthorStatus.REMOVED,
    },
    CoauthorStatus.ACCEPTED: {CoauthorStatus.REMOVED},
    CoauthorStatus.DECLINED: set(),
    CoauthorStatus.REMOVED: set(),
}


# Sent (with `proposal`) when who wrote or who supports a proposal changed: a co-author joined
# or left, an endorsement was given or withdrawn. Pages that show it and are kept in a cache
# (a consultation's stage and comment pages: `consultations.apps`) are made again.
authors_changed = Signal()


class Coauthorship(models.Model):
    """An organisation invited to co-author a proposal, and what became of the invitation.

    A row is never deleted: a declined or removed co-authorship stays as it was, and inviting
    the organisation again makes a new row. At most one row per proposal and organisation is
    open (invited or accepted), which the database enforces.
    """

    proposal = models.ForeignKey(Proposal, on_delete=models.PROTECT, related_name="coauthorships")
    organization = models.ForeignKey(
        Organization,
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="coauthorships",
    )
    status = models.CharField(
        _("status"), max_length=10, choices=CoauthorStatus.choices, default=CoauthorStatus.INVITED
    )
    invited_at = models.DateTimeField(_("invited"), default=timezone.now)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    removed_at = models.DateTimeField(_("removed"), null=True, blank=True)
    removed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["invited_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["proposal", "organization"],
                condition=models.Q(status__in=["invited", "accepted"]),
                name="one_open_coauthorship",
            )
        ]
        verbose_name = _("co-authorship")
        verbose_name_plural = _("co-authorships")

    def __str__(self):
        return f"{self.organization} — {self.proposal}"

    def get_absolute_url(self):
        return reverse("proposals:coauthorship", args=[self.proposal.slug, self.pk])


class EndorsementQuerySet(models.QuerySet):
    def active(self):
        return self.filter(withdrawn_at__isnull=True)


class Endorsement(models.Model):
    """An organisation's or a person's public support for a published proposal.

    For an organisation, `organization` is set and `user` is the administrator who endorsed in
    its name; for a person, `organization` is empty. At most one active endorsement per
    organisation, and per person in their own name, which the database enforces. Withdrawing
    keeps the row (with `withdrawn_at`); endorsing again makes a new one.
    """

    STATEMENT_MAX_LENGTH = 1000

    proposal = models.ForeignKey(Proposal, on_delete=models.PROTECT, related_name="endorsements")
    organization = models.ForeignKey(
        Organization,
        verbose_name=_("organisation"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="endorsements",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="endorsements"
    )
    statement = models.TextField(
        _("public statement"),
        max_length=STATEMENT_MAX_LENGTH,
        blank=True,
        validators=[no_control_characters],
    )
    created_at = models.DateTimeField(_("endorsed"), default=timezone.now)
    withdrawn_at = models.DateTimeField(_("withdrawn"), null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = EndorsementQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["proposal", "organization"],
                condition=models.Q(organization__isnull=False, withdrawn_at__isnull=True),
                name="one_active_endorsement_per_organization",
            ),
            models.UniqueConstraint(
                fields=["proposal", "user"],
                condition=models.Q(organization__isnull=True, withdrawn_at__isnull=True),
                name="one_active_endorsement_per_person",
            ),
        ]
        verbose_name = _("endorsement")
        verbose_name_plural = _("endorsements")

    def __str__(self):
        return f"{self.endorser_name} — {self.proposal}"

    @property
    def is_active(self):
        return self.withdrawn_at is None

    @property
    def endorser_name(self):
        """Who endorsed, as shown publicly: the organisation, or the person's public name."""
        if self.organization_id:
            return self.organization.name
        return self.user.public_name
