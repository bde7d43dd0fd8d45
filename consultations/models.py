"""Consultations: ordered stages of public debate on a proposal, comments, answers, syntheses.

A stage's state (scheduled → open → closed) is derived from its dates; the only stored states are
the dates and whether it was cancelled. Comments are django-comments-xtd comments of our own
model, attached to the stage they were made in. Nothing here is ever deleted once public: a
comment is hidden or withdrawn with a reason, a cancelled stage keeps its record, a published
synthesis keeps a frozen copy of its table (`SynthesisRow`).
"""

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_comments_xtd.models import XtdComment

from core.models import AppendOnlyModel
from core.validators import no_control_characters
from proposals.models import Proposal, Revision


class Consultation(models.Model):
    """The public debate of one proposal; its stages run one after another."""

    proposal = models.OneToOneField(Proposal, on_delete=models.PROTECT, related_name="consultation")
    title = models.CharField(_("title"), max_length=300, validators=[no_control_characters])
    intro = models.TextField(
        _("introduction"), max_length=10000, blank=True, validators=[no_control_characters]
    )
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("consultation")
        verbose_name_plural = _("consultations")

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("consultations:detail", args=[self.proposal.slug])

    @property
    def organization(self):
        return self.proposal.organization


class StageKind(models.TextChoices):
    CALL_FOR_INPUT = "call_for_input", _("Call for input")
    WRITTEN = "written", _("Written comments")
    MEETING = "meeting", _("Public meeting")
    SYNTHESIS = "synthesis", _("Synthesis")

    @classmethod
    def commentable(cls):
        return [cls.CALL_FOR_INPUT, cls.WRITTEN]


class StageStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")
    CANCELLED = "cancelled", _("Cancelled")


class Stage(models.Model):
    consultation = models.ForeignKey(Consultation, on_delete=models.PROTECT, related_name="stages")
    position = models.PositiveIntegerField(_("position"))
    kind = models.CharField(_("kind"), max_length=16, choices=StageKind.choices)
    title = models.CharField(_("title"), max_length=300, validators=[no_control_characters])
    description = models.TextField(
        _("description"), max_length=10000, blank=True, validators=[no_control_characters]
    )
    opens_at = models.DateTimeField(_("opens"))
    closes_at = models.DateTimeField(_("closes"))
    # The revision under debate, pinned when the stage is created (written comments require one).
    revision = models.ForeignKey(
        Revision,
        verbose_name=_("revision under debate"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="stages",
    )
    short_period_reason = models.TextField(
        _("reason for a period shorter than the law expects"),
        max_length=2000,
        blank=True,
        validators=[no_control_characters],
    )
    # Public meeting.
    meeting_at = models.DateTimeField(_("meeting date and time"), null=True, blank=True)
    meeting_place = models.CharField(
        _("place"), max_length=300, blank=True, validators=[no_control_characters]
    )
    meeting_link = models.URLField(_("online link"), max_length=500, blank=True)
    agenda = models.TextField(
        _("agenda"), max_length=10000, blank=True, validators=[no_control_characters]
    )
    minutes = models.TextField(
        _("minutes"), max_length=100000, blank=True, validators=[no_control_characters]
    )
    participants = models.PositiveIntegerField(_("number of participants"), null=True, blank=True)
    minutes_published_at = models.DateTimeField(null=True, blank=True)
    # The number of the minutes' current version (`MinutesVersion`); 0 before publication.
    minutes_version = models.PositiveIntegerField(default=0)
    # When the current version replaced an earlier one (None while there is only one).
    minutes_corrected_at = models.DateTimeField(null=True, blank=True)
    # Cancellation (a stage that has opened is never deleted).
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancellation_reason = models.TextField(_("reason for cancelling"), blank=True)
    # Bookkeeping of the opening and closing events (notifications, proposal status); not state.
    opening_processed_at = models.DateTimeField(null=True, blank=True)
    closing_processed_at = models.DateTimeField(null=True, blank=True)
    # Bumped whenever anything shown in the stage's threads changes; keys the rendered cache.
    comments_version = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["consultation", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["consultation", "position"], name="unique_stage_position"
            ),
            models.CheckConstraint(
                condition=models.Q(closes_at__gt=models.F("opens_at")),
                name="stage_closes_after_opening",
            ),
        ]
        verbose_name = _("stage")
        verbose_name_plural = _("stages")

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("consultations:stage", args=[self.consultation.proposal.slug, self.position])

    def status_at(self, when):
        if self.cancelled_at is not None:
            return StageStatus.CANCELLED
        if when < self.opens_at:
            return StageStatus.SCHEDULED
        if when < self.closes_at:
            return StageStatus.OPEN
        return StageStatus.CLOSED

    @property
    def status(self):
        return self.status_at(timezone.now())

    def get_status_display(self):
        return StageStatus(self.status).label

    @property
    def is_open(self):
        return self.status == StageStatus.OPEN

    @property
    def accepts_comments(self):
        return self.kind in StageKind.commentable()

    @property
    def duration(self):
        return self.closes_at - self.opens_at

    @property
    def has_opened(self):
        return self.opens_at <= timezone.now()

    @property
    def proposal(self):
        return self.consultation.proposal


class Stance(models.TextChoices):
    SUPPORT = "support", _("Support")
    OPPOSE = "oppose", _("Oppose")
    NEUTRAL = "neutral", _("Neutral")


class CommentState(models.TextChoices):
    VISIBLE = "visible", _("Visible")
    HELD = "held", _("Held for review")
    HIDDEN = "hidden", _("Hidden by moderation")
    WITHDRAWN = "withdrawn", _("Withdrawn by its author")


# The moves a comment's state can make; `consultations.domain.checks` refuses any other. Held
# (by flags) and hidden (by a moderator) comments can be shown again; a withdrawn comment stays
# withdrawn, and a hidden one cannot be withdrawn (its author no longer sees it in the thread).
COMMENT_TRANSITIONS = {
    CommentState.VISIBLE: {CommentState.HELD, CommentState.HIDDEN, CommentState.WITHDRAWN},
    CommentState.HELD: {CommentState.VISIBLE, CommentState.HIDDEN, CommentState.WITHDRAWN},
    CommentState.HIDDEN: {CommentState.VISIBLE},
    CommentState.WITHDRAWN: set(),
}


class CommentQuerySet(models.QuerySet):
    def visible(self):
        return self.filter(state=CommentState.VISIBLE)

    def top_level(self):
        return self.filter(level=0)


class StageComment(XtdComment):
    """A comment in a stage: on the whole text or one block (by its stable key), maybe quoting it.

    The comments package's `is_public` / `is_removed` mirror `state` for its own code; our code
    reads `state`. Rows are never deleted: hiding and withdrawing keep the text for the record.
    """

    stage = models.ForeignKey(Stage, on_delete=models.PROTECT, related_name="comments")
    revision = models.ForeignKey(
        Revision, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    block_key = models.CharField(_("paragraph"), max_length=16, blank=True, db_index=True)
    quote = models.TextField(_("quoted text"), max_length=1000, blank=True)
    stance = models.CharField(_("stance"), max_length=8, choices=Stance.choices, blank=True)
    state = models.CharField(
        _("state"), max_length=10, choices=CommentState.choices, default=CommentState.VISIBLE
    )
    state_reason = models.TextField(_("reason"), blank=True)
    state_changed_at = models.DateTimeField(null=True, blank=True)
    state_changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    agree_count = models.PositiveIntegerField(default=0)
    disagree_count = models.PositiveIntegerField(default=0)
    flag_count = models.PositiveIntegerField(default=0)
    # Flags already looked at by a moderator; only newer flags can hold the comment again.
    flags_reviewed = models.PositiveIntegerField(default=0)

    objects = CommentQuerySet.as_manager()

    class Meta:
        ordering = ["thread_id", "order"]
        indexes = [models.Index(fields=["stage", "state"])]
        verbose_name = _("comment")
        verbose_name_plural = _("comments")

    def __str__(self):
        return f"#{self.pk}"

    def get_absolute_url(self):
        return reverse("consultations:comment", args=[self.pk])

    @property
    def is_visible(self):
        return self.state == CommentState.VISIBLE

    @property
    def author_name(self):
        return self.user.public_name if self.user_id else str(_("Anonymous"))

    @property
    def open_flags(self):
        return self.flag_count - self.flags_reviewed


class Reaction(models.Model):
    """Agree or disagree with a comment: one per person and comment, changeable."""

    AGREE = "agree"
    DISAGREE = "disagree"
    CHOICES = [(AGREE, _("Agree")), (DISAGREE, _("Disagree"))]

    comment = models.ForeignKey(StageComment, on_delete=models.CASCADE, related_name="reactions")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    value = models.CharField(max_length=8, choices=CHOICES)
    created_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["comment", "user"], name="one_reaction_per_person")
        ]

    def __str__(self):
        return f"{self.value} #{self.comment_id}"


class FlagReason(models.TextChoices):
    SPAM = "spam", _("Spam or advertising")
    ABUSE = "abuse", _("Insulting or hateful")
    PERSONAL = "personal", _("Personal data of someone else")
    OFF_TOPIC = "off_topic", _("Off topic")
    OTHER = "other", _("Other")


class Flag(models.Model):
    """A request for moderation. One per person and comment; kept after review."""

    comment = models.ForeignKey(StageComment, on_delete=models.PROTECT, related_name="our_flags")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(_("reason"), max_length=10, choices=FlagReason.choices)
    note = models.CharField(
        _("details"), max_length=500, blank=True, validators=[no_control_characters]
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at"]
        constraints = [
            models.UniqueConstraint(fields=["comment", "user"], name="one_flag_per_person")
        ]

    def __str__(self):
        return f"{self.reason} #{self.comment_id}"


class Outcome(models.TextChoices):
    ACCEPTED = "accepted", _("Accepted")
    PARTIALLY = "partially", _("Partially accepted")
    REJECTED = "rejected", _("Rejected")
    NOT_APPLICABLE = "not_applicable", _("Not applicable")


class Disposition(models.Model):
    """The organisation's answer to one comment. Changes are logged; frozen once the synthesis
    of its stage is published."""

    comment = models.OneToOneField(
        StageComment, on_delete=models.PROTECT, related_name="disposition"
    )
    outcome = models.CharField(_("answer"), max_length=16, choices=Outcome.choices)
    reason = models.TextField(_("reason"), max_length=10000, validators=[no_control_characters])
    applied_in = models.ForeignKey(
        Revision,
        verbose_name=_("applied in revision"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("answer to a comment")
        verbose_name_plural = _("answers to comments")

    def __str__(self):
        return f"{self.outcome} #{self.comment_id}"


class MinutesVersion(AppendOnlyModel):
    """One published version of a meeting's minutes and participant count. Append-only: a
    correction adds a version, and every earlier one stays readable (the stage holds the
    current one)."""

    stage = models.ForeignKey(Stage, on_delete=models.PROTECT, related_name="minutes_versions")
    number = models.PositiveIntegerField()
    minutes = models.TextField(_("minutes"), validators=[no_control_characters])
    # None only for minutes published before versions were kept without a count.
    participants = models.PositiveIntegerField(_("number of participants"), null=True)
    published_at = models.DateTimeField()
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["stage", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["stage", "number"], name="unique_minutes_version")
        ]
        verbose_name = _("version of the minutes")
        verbose_name_plural = _("versions of the minutes")

    def __str__(self):
        return f"{self.stage} v{self.number}"


class Synthesis(models.Model):
    """The published answer to a stage's comments. Its table is frozen at publication as
    `SynthesisRow` rows (numbered 1..total); `counts` holds its totals and `paragraphs` where
    each paragraph's rows start, so that a page of the table is read without the rest."""

    stage = models.OneToOneField(Stage, on_delete=models.PROTECT, related_name="synthesis")
    intro = models.TextField(
        _("introduction"), max_length=20000, blank=True, validators=[no_control_characters]
    )
    counts = models.JSONField(default=dict)
    # The paragraphs the rows comment on, in the table's order: [{"block_key", "block",
    # "first" (the number of its first row), "rows" (how many)}]. "" is the whole text.
    paragraphs = models.JSONField(default=list)
    published_at = models.DateTimeField()
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("synthesis")
        verbose_name_plural = _("syntheses")

    def __str__(self):
        return str(self.stage)

    def get_absolute_url(self):
        stage = self.stage
        return reverse(
            "consultations:synthesis", args=[stage.consultation.proposal.slug, stage.position]
        )

    @property
    def rows(self):
        """The whole frozen table as a list of row dicts: one query, every row in memory. For
        small tables and tests; readers of a table of any size iterate `row_data()`."""
        return list(self.row_data())

    def row_data(self, *, first=None, last=None, chunk_size=2000):
        """The frozen row dicts in order (from number `first` to `last` when given), read
        `chunk_size` rows at a time."""
        rows = SynthesisRow.objects.filter(synthesis=self)
        if first is not None:
            rows = rows.filter(number__gte=first)
        if last is not None:
            rows = rows.filter(number__lte=last)
        return rows.order_by("number").values_list("data", flat=True).iterator(chunk_size)


class SynthesisRow(AppendOnlyModel):
    """One row of a published synthesis's table, frozen at publication: `data` is the row's
    dict as the table builds it (`consultations.domain.queries.synthesis_row`), so that a new
    column is a new key, not a new field. Append-only, also on PostgreSQL (a trigger)."""

    synthesis = models.ForeignKey(Synthesis, on_delete=models.PROTECT, related_name="table_rows")
    number = models.PositiveIntegerField()
    data = models.JSONField()

    class Meta:
        ordering = ["synthesis", "number"]
        constraints = [
            models.UniqueConstraint(fields=["synthesis", "number"], name="unique_synthesis_row")
        ]
        verbose_name = _("row of a synthesis")
        verbose_name_plural = _("rows of a synthesis")

    def __str__(self):
        return f"{self.synthesis_id} #{self.number}"


class FileStatus(models.TextChoices):
    PENDING = "pending", _("Being prepared")
    READY = "ready", _("Ready")
    FAILED = "failed", _("Failed")


def synthesis_file_path(instance, filename):
    return f"syntheses/{instance.synthesis_id}/{filename}"


class SynthesisFile(models.Model):
    """The PDF of a large published synthesis, laid out once by a background task and then
    served from storage (`consultations.synthesis_files`). Not part of the record: a rendering
    of the frozen rows as they may be shown at `version` (the stage's `comments_version`), so a
    comment hidden since gets a new file, and the files of earlier versions are removed."""

    synthesis = models.ForeignKey(Synthesis, on_delete=models.CASCADE, related_name="files")
    version = models.PositiveIntegerField()
    status = models.CharField(max_length=8, choices=FileStatus.choices, default=FileStatus.PENDING)
    rows_done = models.PositiveIntegerField(default=0)
    pages = models.PositiveIntegerField(default=0)
    file = models.FileField(upload_to=synthesis_file_path, max_length=200, blank=True)
    requested_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["synthesis", "version"], name="one_synthesis_file_per_version"
            )
        ]

    def __str__(self):
        return f"{self.synthesis_id} v{self.version} {self.status}"


class Follow(models.Model):
    """Someone who receives a consultation's emails (stages opening and closing, new revision
    under debate, synthesis published)."""

    consultation = models.ForeignKey(Consultation, on_delete=models.CASCADE, related_name="follows")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="follows"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["consultation", "user"], name="one_follow_per_person")
        ]

    def __str__(self):
        return f"{self.user_id} → {self.consultation_id}"


class ReplyOptOut(models.Model):
    """Someone who asked not to be emailed about replies to their comments."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reply_opt_out"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return str(self.user_id)


LEGAL_MINIMUM = {
    # Romania, Law 52/2003 art. 7: written recommendations for at least 10 calendar days.
    "RO": timedelta(days=10),
    # Bulgaria, Law on Normative Acts art. 26(4): at least 30 days (14 exceptionally, with reasons).
    "BG": timedelta(days=30),
}
