"""Consultations: ordered stages of public debate on a proposal, comments, answers, syntheses.

A stage's state (scheduled → open → closed) is derived from its dates; the only stored states are
the dates and whether it was cancelled. Comments are django-comments-xtd comments of our own
model, attached to the stage they were made in. Nothing here is ever deleted once public: a
comment is hidden or withdrawn with a reason, a cancelled stage keeps its record, a published
synthesis keeps a frozen copy of its table (`SynthesisRow`).
"""

from datetime import timedelta

from django.conf import settings
from django.db import connection, models, transaction
from django.db.models import F
from django.db.models.signals import post_save
from django.db.transaction import TransactionManagementError
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_comments.models import Comment
from django_comments_xtd.models import XtdComment

from accounts.models import RespondentCategory
from core import sql
from core.models import AppendOnlyModel
from core.sql import Insert, kept_cursor
from core.validators import no_control_characters
from proposals.diff import render_inline, word_diff
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
    # An authority's announcement of its own draft: the recommendations period, with the planned
    # adoption date and the substantiation note (`domain.periods.check_announcement`).
    ANNOUNCEMENT = "announcement", _("Announcement of the draft (recommendations)")

    @classmethod
    def commentable(cls):
        return [cls.CALL_FOR_INPUT, cls.WRITTEN, cls.ANNOUNCEMENT]

    @classmethod
    def with_text(cls):
        """Kinds that debate a revision of the text and need one."""
        return [cls.WRITTEN, cls.ANNOUNCEMENT]


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
    # Announcement of an authority's draft: when the authority plans to adopt it (Law 52/2003:
    # at least 30 working days after the announcement) and the substantiation note (referat de
    # aprobare, обосновка) published with it, one of the revision's attachments.
    adoption_planned_on = models.DateField(_("planned adoption date"), null=True, blank=True)
    substantiation = models.ForeignKey(
        "proposals.Attachment",
        verbose_name=_("substantiation note"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
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
    # The number of seats of a meeting taking registrations (None: no limit); when they are
    # taken, people join the waiting list (`MeetingRegistration`).
    capacity = models.PositiveIntegerField(_("places"), null=True, blank=True)
    minutes = models.TextField(
        _("minutes"), max_length=100000, blank=True, validators=[no_control_characters]
    )
    participants = models.PositiveIntegerField(_("number of participants"), null=True, blank=True)
    minutes_published_at = models.DateTimeField(null=True, blank=True)
    # The number of the minutes' current version (`MinutesVersion`); 0 before publication.
    minutes_version = models.PositiveIntegerField(default=0)
    # When the current version replaced an earlier one (None while there is only one).
    minutes_corrected_at = models.DateTimeField(null=True, blank=True)
    # Closing early: an open stage closed before its planned date keeps that date here (None
    # when it closed as planned) and the organisation's public reason; `closes_at` is then the
    # moment it was closed.
    planned_closes_at = models.DateTimeField(_("planned closing"), null=True, blank=True)
    closed_early_reason = models.TextField(
        _("reason for closing early"), blank=True, validators=[no_control_characters]
    )
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

    @property
    def is_announcement(self):
        return self.kind == StageKind.ANNOUNCEMENT


class Stance(models.TextChoices):
    SUPPORT = "support", _("Support")
    OPPOSE = "oppose", _("Oppose")
    NEUTRAL = "neutral", _("Neutral")


class Suggestion(models.TextChoices):
    """A comment that proposes wording for one block of the text under debate."""

    REPLACE = "replace", _("New wording")
    REMOVE = "remove", _("Removal")


# The field of each kind of block a suggestion rewrites: for an amendment row, the proposed text.
SUGGESTED_FIELDS = {"heading": "text", "text": "text", "amendment": "proposed"}


def redline(suggested_from, suggested_text):
    """A suggestion as a word-level redline of the text it replaces (safe HTML): the comment's,
    and a synthesis row's, which keeps both texts."""
    return render_inline(word_diff(suggested_from, suggested_text))


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


class Channel(models.TextChoices):
    """How a comment or recommendation reached the organisation."""

    WEB = "web", _("On this site")
    EMAIL = "email", _("By email")
    PAPER = "paper", _("On paper")


# Any int4, the same in every process: the kind of the advisory lock a new thread's transaction
# holds shared, for its stage, from before its id is drawn until it ends (PostgreSQL), so that
# the worker writing where the stage's pages of threads start (`domain.common.mark_pages`,
# through `core.sql.barrier`) knows that no thread of the stage with a smaller id than those it
# reads is still to come. One lock per stage: a thread held up in one stage (by a command
# holding the stage's row) holds up no other stage's posting.
POSTING_THREADS = 731_044_212


def posting_threads(stage_id):
    """The advisory lock (`core.sql`, a pair) of the threads being posted in the stage."""
    return (POSTING_THREADS, stage_id % 2**31)


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
    # A suggestion of wording (top-level comments only): the comment is its justification; the
    # text it replaces is copied from the pinned revision when it is posted, so that the redline
    # never needs the revision (`consultations.domain.comments.check_suggestion`).
    suggestion = models.CharField(
        _("suggested change"), max_length=8, choices=Suggestion.choices, blank=True
    )
    suggested_field = models.CharField(max_length=16, blank=True)
    suggested_from = models.TextField(_("text it replaces"), blank=True)
    suggested_text = models.TextField(_("suggested wording"), blank=True)
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
    # The form-letter campaign it belongs to (top-level comments only; `domain.grouping`).
    group = models.ForeignKey(
        "CommentGroup",
        verbose_name=_("group"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="members",
    )
    # The first comment of a thread (level 0). The comments package keeps the level and the
    # thread in its own table; this copy lets one index of ours list a stage's threads in order.
    starts_thread = models.BooleanField(default=False, editable=False)
    # On a thread's first comment: moves on with every change to what the thread shows but its
    # reaction counts (a reply, a state, an answer), and keys the thread's cached HTML and the
    # cached pages showing it (`consultations.domain.common.bump_thread_version`).
    thread_version = models.PositiveIntegerField(default=0, editable=False)
    # A top-level comment not grouped yet: set when it is inserted (`save`, or a faster insert
    # that writes the column itself), cleared by the grouper that fingerprints it
    # (`domain.grouping.group_pending`), which finds the pending ones in a partial index.
    # The database's default too: a process of the previous release, still running during a
    # deploy, inserts comments without the column.
    grouping_pending = models.BooleanField(default=False, db_default=False, editable=False)
    # A comment posted but not yet added to its stage's stored counts (`CommentCount`): set by
    # the posting commands before the insert, cleared by the worker that adds it
    # (`domain.common.fold_counts`). Readers of the counts add the pending comments of the
    # stage to the stored rows in the same statement, so every comment is counted once from
    # its commit on. The database's default too (a previous release counts in the request).
    count_pending = models.BooleanField(default=False, db_default=False, editable=False)
    # A recommendation received by email or on paper and logged by the authority
    # (`domain.recommendations.log_recommendation`): its author's name is `user_name` (there is
    # no account), the day it arrived and who logged it. Answered like any comment.
    channel = models.CharField(
        _("received"), max_length=8, choices=Channel.choices, default=Channel.WEB
    )
    received_on = models.DateField(_("date received"), null=True, blank=True)
    logged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    objects = CommentQuerySet.as_manager()

    class Meta:
        ordering = ["thread_id", "order"]
        indexes = [
            models.Index(fields=["stage", "state"]),
            # A page of a stage's threads (unfiltered, by paragraph, by stance), in thread order
            # (a thread's id is its first comment's), whatever the number of comments: partial
            # indexes, which hold first comments only (SQLite cannot use a plain index for a
            # boolean column compared as itself, as Django writes `starts_thread=True`).
            models.Index(
                fields=["stage", "xtdcomment_ptr"],
                condition=models.Q(starts_thread=True),
                name="stage_threads",
            ),
            models.Index(
                fields=["stage", "block_key", "xtdcomment_ptr"],
                condition=models.Q(starts_thread=True),
                name="stage_threads_by_block",
            ),
            models.Index(
                fields=["stage", "stance", "xtdcomment_ptr"],
                condition=models.Q(starts_thread=True),
                name="stage_threads_by_stance",
            ),
            # The answers page counts and lists a stage's shown first comments (answered or
            # not, selected or not) from this index alone, with no table row read.
            models.Index(
                fields=["stage", "xtdcomment_ptr"],
                condition=models.Q(starts_thread=True, state=CommentState.VISIBLE),
                name="stage_shown_threads",
            ),
            # The comments waiting for the grouper, oldest first: only those rows are indexed.
            models.Index(
                fields=["xtdcomment_ptr"],
                condition=models.Q(grouping_pending=True),
                name="comments_grouping_pending",
            ),
            # The comments not counted yet, per stage (the counts' readers) and oldest first
            # (the worker): only those rows are indexed.
            models.Index(
                fields=["stage", "xtdcomment_ptr"],
                condition=models.Q(count_pending=True),
                name="comments_count_pending",
            ),
        ]
        verbose_name = _("comment")
        verbose_name_plural = _("comments")

    def __str__(self):
        return f"#{self.pk}"

    def save(self, *args, **kwargs):
        """Store a new comment with its thread position in as few statements as the tree allows.

        The comments package's own save inserts the three rows, reads the parent again and then
        updates all three rows (sending `post_save` twice). Here a top-level comment is
        inserted and its thread named after itself with one update of that one column pair; a
        reply placed first (`place_reply`) is inserted once, with its position. A reply not
        placed, and every later save, go through the package's save as before.

        A new comment without a parent starts a thread (`starts_thread`, which our index of a
        stage's threads reads) and waits for the grouper (`grouping_pending`), both written by
        the insert itself.

        A new thread is stored holding the shared lock of the threads being posted in its stage
        (`posting_threads`), as `insert` does.

        Side effects: the rows (one `post_save`); for a top-level comment, the update of its
        `thread_id`/`parent_id`, and the shared lock until the transaction ends."""
        if self.pk is not None or kwargs.get("force_update"):
            return super().save(*args, **kwargs)
        self.starts_thread = self.grouping_pending = not self.parent_id
        if self.parent_id and not self.thread_id:
            return super().save(*args, **kwargs)  # not placed: the package computes it
        if self.parent_id:
            # The plain model save (with the comments package's default for `submit_date`).
            super(XtdComment, self).save(*args, **kwargs)
            return None
        with transaction.atomic(savepoint=False):
            sql.shared_transaction_lock(posting_threads(self.stage_id))
            super(XtdComment, self).save(*args, **kwargs)
            self.thread_id = self.parent_id = self.pk
            XtdComment.norel_objects.filter(pk=self.pk).update(thread_id=self.pk, parent_id=self.pk)
        return None

    def insert(self):
        """Store this new comment (a top-level one, or a reply placed by `place_reply`) in
        three INSERT statements written once per process (`core.sql.Insert`): the comments
        package's row (its id read back), its thread row and ours. A top-level comment is its
        own thread from its first statement (no update after). For posting, where the ORM's
        save, compiled anew for each comment, cost more than the statements themselves.

        Sends `post_save` once, as the ORM's save of a new comment does (the search queue's
        receiver queues it).

        A top-level comment is inserted holding the shared lock of the threads being posted in
        its stage (`posting_threads`, until the transaction ends): run it in a transaction.

        Side effects: the three rows; `pk`, `thread_id`, `parent_id`, `starts_thread` and
        `grouping_pending` (a top-level comment waits for the grouper) set;
        `post_save`; for a top-level comment, the shared lock."""
        if self.pk is not None or (self.parent_id and not self.thread_id):
            raise ValueError("insert() stores a new top-level comment or a placed reply.")
        self.starts_thread = self.grouping_pending = not self.parent_id
        if self.submit_date is None:
            self.submit_date = timezone.now()
        first, *rest = _insert_statements()
        if not self.parent_id:
            sql.shared_transaction_lock(posting_threads(self.stage_id))
        with kept_cursor() as cursor:
            first.execute(self, cursor)
            self.comment_ptr_id = self.xtdcomment_ptr_id = self.id
            if not self.parent_id:
                self.thread_id = self.parent_id = self.id
            for statement in rest:
                statement.execute(self, cursor)
        post_save.send(
            sender=StageComment,
            instance=self,
            created=True,
            update_fields=None,
            raw=False,
            using=connection.alias,
        )

    @classmethod
    def locked_parent(cls, pk, stage_id):
        """The comment `pk` of the stage `stage_id` a reply is about to go under, or None; its
        thread locked first (the thread's first comment's row, until the transaction ends:
        replies in one thread queue here, so that their positions never collide), then the
        comment read under the lock (its state, and its position: earlier replies move it
        down). Carries what `place_reply` and the checks need (pk, level, state, block_key,
        user_id, thread_id, parent_id, order); the rest is deferred.

        Side effects: the lock (PostgreSQL; SQLite's writers queue for the whole database)."""
        if not 0 < pk < 2**63:  # no such row, and beyond what a bound value may hold
            return None
        if connection.features.has_select_for_update:
            if not connection.in_atomic_block:
                raise TransactionManagementError("locked_parent() locks: run it in a transaction.")
            sql.one("reply_lock", _reply_lock_sql, [pk, stage_id])
        row = sql.one("reply_parent", _reply_parent_sql, [pk, stage_id])
        if row is None:
            return None
        names, found = sql.kept("reply_parent_fields", _reply_parent_fields)
        pk, *others = sql.converted(row, found)
        others = iter(others)
        # Its pk is each of its three rows' pk; the others in the order `from_db` takes them.
        values = [pk if name in _PKS else next(others) for name in names]
        return cls.from_db(connection.alias, names, values)

    def place_reply(self, parent):
        """Give this new reply its place under `parent` as the comments package's tree does
        (`XtdComment._calculate_thread_data`: after the parent's last descendant; every
        comment after that place moves one down; each ancestor counts one more nested reply),
        with the parent already read.

        The caller holds the thread's lock (its first comment's row) and read the parent's
        `order` under it; `parent` carries pk, thread_id, parent_id, level and order.

        Side effects: renumbers the comments after the place; increments the ancestors'
        `nested_count`; sets `thread_id`, `parent_id`, `level` and `order` in memory."""
        # Written once per process (`core.sql`), as the posting path's other statements.
        after, last = sql.one(
            "reply_place", _reply_place_sql, [parent.level, parent.order, parent.thread_id]
        )
        if after is not None:
            sql.run("reply_make_room", _reply_make_room_sql, [parent.thread_id, after])
            self.order = after
        else:
            self.order = last + 1
        # Ancestors: the parent, its parent, and so on up to the thread's first comment. A
        # comment at level 1 hangs from the first comment, so levels up to 2 need no query.
        ancestors = [parent.pk, parent.parent_id, parent.thread_id]
        above = parent
        thread = XtdComment.norel_objects.filter(thread_id=parent.thread_id)
        while above.level > 2:
            above = thread.only("pk", "parent_id", "level").get(pk=above.parent_id)
            ancestors.append(above.parent_id)
        if len(ancestors) == 3:
            sql.run("reply_ancestors", _reply_ancestors_sql, [parent.thread_id, *ancestors])
        else:
            thread.filter(pk__in=ancestors).update(nested_count=F("nested_count") + 1)
        self.thread_id, self.parent_id, self.level = parent.thread_id, parent.pk, parent.level + 1

    def get_absolute_url(self):
        return reverse("consultations:comment", args=[self.pk])

    @property
    def is_visible(self):
        return self.state == CommentState.VISIBLE

    @property
    def author_name(self):
        if self.user_id:
            return self.user.public_name
        if self.channel != Channel.WEB and self.user_name:
            return self.user_name
        return str(_("Anonymous"))

    @property
    def is_logged(self):
        """Received by email or on paper and logged by the organisation."""
        return self.channel != Channel.WEB

    @property
    def open_flags(self):
        return self.flag_count - self.flags_reviewed

    @property
    def redline(self):
        """The suggestion as a word-level redline against the text it replaces (HTML)."""
        if not self.suggestion:
            return ""
        return redline(self.suggested_from, self.suggested_text)


def _insert_statements():
    """The three INSERTs of a new comment, the comments package's row first (its id read back)."""
    return (
        Insert.of(Comment, returning=True),
        Insert.of(XtdComment),
        Insert.of(StageComment),
    )


# What a reply's placement reads and writes (`StageComment.locked_parent`, `place_reply`).
_REPLY_PARENT_FIELDS = ("level", "state", "block_key", "user_id", "thread_id", "parent_id", "order")
_PKS = ("id", "comment_ptr_id", "xtdcomment_ptr_id")


def _reply_parent_fields():
    """The parent's field names in the order `from_db` takes them (the three primary keys
    first), and the converters of the columns the read gives (its pk, then the others)."""
    fields = {field.attname: field for field in StageComment._meta.concrete_fields}
    wanted = {*_PKS, *_REPLY_PARENT_FIELDS}
    names = [
        field.attname for field in StageComment._meta.concrete_fields if field.attname in wanted
    ]
    selected = [name for name in names if name not in _PKS]
    found = [sql.converters(fields["xtdcomment_ptr_id"])] + [
        sql.converters(fields[name]) for name in selected
    ]
    return names, found


def _reply_parent_sql():
    stage_table, (stage_pk, stage_id) = sql.quoted(StageComment, ["xtdcomment_ptr_id", "stage_id"])
    xtd_table, (xtd_pk,) = sql.quoted(XtdComment, ["comment_ptr_id"])
    comment_table, (comment_pk,) = sql.quoted(Comment, ["id"])
    fields = {field.attname: field for field in StageComment._meta.concrete_fields}
    names, _found = sql.kept("reply_parent_fields", _reply_parent_fields)
    aliases = {Comment: "c", XtdComment: "x", StageComment: "s"}
    columns = [
        f"{aliases[fields[name].model]}.{connection.ops.quote_name(fields[name].column)}"
        for name in names
        if name not in _PKS
    ]
    return (
        f"SELECT s.{stage_pk}, {', '.join(columns)} FROM {stage_table} s "
        f"JOIN {xtd_table} x ON x.{xtd_pk} = s.{stage_pk} "
        f"JOIN {comment_table} c ON c.{comment_pk} = x.{xtd_pk} "
        f"WHERE s.{stage_pk} = %s AND s.{stage_id} = %s"
    )


def _reply_lock_sql():
    stage_table, (stage_pk, stage_id) = sql.quoted(StageComment, ["xtdcomment_ptr_id", "stage_id"])
    xtd_table, (xtd_pk, thread) = sql.quoted(XtdComment, ["comment_ptr_id", "thread_id"])
    return (
        f"SELECT {stage_pk} FROM {stage_table} WHERE {stage_pk} = "
        f"(SELECT {thread} FROM {xtd_table} WHERE {xtd_pk} = %s) AND {stage_id} = %s FOR UPDATE"
    )


def _reply_place_sql():
    table, (level, order, thread) = sql.quoted(XtdComment, ["level", "order", "thread_id"])
    return (
        f"SELECT MIN(CASE WHEN {level} <= %s AND {order} > %s THEN {order} END), MAX({order}) "
        f"FROM {table} WHERE {thread} = %s"
    )


def _reply_make_room_sql():
    table, (order, thread) = sql.quoted(XtdComment, ["order", "thread_id"])
    return f"UPDATE {table} SET {order} = {order} + 1 WHERE {thread} = %s AND {order} >= %s"


def _reply_ancestors_sql():
    table, (nested, thread, pk) = sql.quoted(
        XtdComment, ["nested_count", "thread_id", "comment_ptr_id"]
    )
    return (
        f"UPDATE {table} SET {nested} = {nested} + 1 WHERE {thread} = %s AND {pk} IN (%s, %s, %s)"
    )


class CommentGroup(models.Model):
    """Identical or near-identical top-level comments of one stage (a form-letter campaign),
    found by `consultations.domain.grouping`. A selection aid for answering: each member still
    gets its own answer. Its first comment (`seed`) identifies it, so that two comments grouped
    at the same moment with the same earlier comment land in the same group."""

    stage = models.ForeignKey(Stage, on_delete=models.PROTECT, related_name="comment_groups")
    seed = models.OneToOneField(StageComment, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["stage", "pk"]
        verbose_name = _("group of similar comments")
        verbose_name_plural = _("groups of similar comments")

    def __str__(self):
        return f"G{self.pk}"


class CommentBand(models.Model):
    """One lookup key of a top-level comment's text (`consultations.similarity.band_keys`):
    comments of a stage sharing a key are compared when the newer one is grouped."""

    stage = models.ForeignKey(Stage, on_delete=models.PROTECT, related_name="+", db_index=False)
    comment = models.ForeignKey(StageComment, on_delete=models.PROTECT, related_name="bands")
    key = models.BigIntegerField()

    class Meta:
        indexes = [models.Index(fields=["stage", "key"], name="comment_band_lookup")]

    def __str__(self):
        return f"{self.key} #{self.comment_id}"


class CommentCount(models.Model):
    """Stored counts of a stage's comments per paragraph and stance: a new comment is added by
    the worker that folds in the comments waiting to be counted (`domain.common.fold_counts`),
    a counted one shown or hidden by the moderation commands. The rows alone lag behind the
    comments waiting: read them with those (`domain.common.read_counts`), which a page does in
    one small query, whatever the number of comments.

    `threads`: first comments of threads, in every state (a thread keeps its place in the
    pages when its first comment is hidden). `shown`: comments anyone can read (replies count
    under their thread's paragraph, with no stance)."""

    stage = models.ForeignKey(Stage, on_delete=models.CASCADE, related_name="comment_counts")
    block_key = models.CharField(max_length=16, blank=True)
    stance = models.CharField(max_length=8, blank=True)
    threads = models.IntegerField(default=0)
    shown = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["stage", "block_key", "stance"], name="one_comment_count_per_kind"
            )
        ]

    def __str__(self):
        return f"{self.stage_id}:{self.block_key}:{self.stance}"


# Threads on a page of a stage's threads (`consultations.threads`, `ThreadPage`).
THREADS_PER_PAGE = 20


class ThreadPage(models.Model):
    """Where a page of a stage's threads starts: page `number` (of `THREADS_PER_PAGE` threads, in
    thread order, the unfiltered list) begins with the thread `first_thread`. Written by the
    worker after the threads are posted (`domain.common.mark_pages`), only once no thread that
    could come before it is still being posted, and never changed: threads are never deleted,
    and a thread posted later has a greater id. A page and the page of a thread are then read
    from the nearest row (`consultations.threads`: the page's threads by their ids from its
    first, a thread's page by counting back to a first), whatever the number of threads before
    it. Pages not written yet (the newest threads) are counted from the last one written. Derived
    from the comments alone: the rows can be removed and written again."""

    # Both looked up through the unique constraints below, which begin with the stage.
    stage = models.ForeignKey(Stage, on_delete=models.CASCADE, related_name="+", db_index=False)
    number = models.PositiveIntegerField()
    # PROTECT, as every other reference to a comment: pages rely on no thread being deleted.
    first_thread = models.ForeignKey(
        StageComment, on_delete=models.PROTECT, related_name="+", db_index=False
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["stage", "number"], name="one_thread_page_per_number"),
            models.UniqueConstraint(
                fields=["stage", "first_thread"], name="one_thread_page_per_thread"
            ),
        ]

    def __str__(self):
        return f"{self.stage_id}:{self.number}"


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


class AppliedSuggestion(AppendOnlyModel):
    """A suggestion of wording that a revision applied: the editor opened from the suggestion
    (`consultations.domain.suggestions.save_suggestion`) saved `revision` with it; the
    revision's message names the comment, its page the comment's author while the comment is
    shown. Append-only, like the revision it belongs to."""

    revision = models.ForeignKey(
        Revision, on_delete=models.PROTECT, related_name="applied_suggestions"
    )
    comment = models.ForeignKey(StageComment, on_delete=models.PROTECT, related_name="applications")
    applied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    applied_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["revision", "comment"]
        constraints = [
            models.UniqueConstraint(
                fields=["revision", "comment"], name="unique_applied_suggestion"
            )
        ]
        verbose_name = _("applied suggestion")
        verbose_name_plural = _("applied suggestions")

    def __str__(self):
        return f"#{self.comment_id} → {self.revision_id}"


class MinutesVersion(AppendOnlyModel):
    """One published version of a meeting's minutes and participant count. Append-only: a
    correction adds a version, and every earlier one stays readable (the stage holds the
    current one)."""

    stage = models.ForeignKey(Stage, on_delete=models.PROTECT, related_name="minutes_versions")
    number = models.PositiveIntegerField()
    minutes = models.TextField(_("minutes"), validators=[no_control_characters])
    # None only for minutes published before versions were kept without a count.
    participants = models.PositiveIntegerField(_("number of participants"), null=True)
    # The number of registrations marked present when this version was published (None when
    # attendance was not taken), and why `participants` differs from it, when it does.
    attendance = models.PositiveIntegerField(_("marked present"), null=True)
    participants_reason = models.TextField(
        _("reason for a different number"), blank=True, validators=[no_control_characters]
    )
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


# --- Meetings with registration ----------------------------------------------------------------


class RegistrationStatus(models.TextChoices):
    REGISTERED = "registered", _("Registered")
    WAITING = "waiting", _("On the waiting list")
    CANCELLED = "cancelled", _("Cancelled")

    @classmethod
    def active(cls):
        return [cls.REGISTERED, cls.WAITING]


# The moves a registration can make; `consultations.domain.meetings` refuses any other. A
# cancelled registration stays cancelled (registering again makes a new one), and someone
# waiting gets a seat only when one is free (`promote`).
REGISTRATION_TRANSITIONS = {
    RegistrationStatus.REGISTERED: {RegistrationStatus.CANCELLED},
    RegistrationStatus.WAITING: {RegistrationStatus.REGISTERED, RegistrationStatus.CANCELLED},
    RegistrationStatus.CANCELLED: set(),
}


class MeetingRegistration(models.Model):
    """A participant's registration for a public meeting: a seat, or a place on the waiting list
    (in order of registration) when the meeting is full. Cancelled registrations are kept (the
    record of who gave up a seat and who got it); attendance is marked by the organisers once
    the meeting has started.

    `name`, `organization` and `category` are what the participant gave when registering (the
    name comes from their profile); `show_name` is their consent to appear by name, with their
    organisation, on the public attendance list and its export."""

    stage = models.ForeignKey(Stage, on_delete=models.PROTECT, related_name="registrations")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="meeting_registrations"
    )
    name = models.CharField(_("name"), max_length=80, validators=[no_control_characters])
    organization = models.CharField(
        _("organisation"), max_length=200, blank=True, validators=[no_control_characters]
    )
    category = models.CharField(
        _("respondent category"), max_length=20, choices=RespondentCategory.choices
    )
    show_name = models.BooleanField(_("show my name on the public attendance list"), default=False)
    status = models.CharField(
        _("status"), max_length=10, choices=RegistrationStatus.choices, db_index=True
    )
    created_at = models.DateTimeField()
    # When a seat was given from the waiting list (None: registered directly, or still waiting).
    promoted_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    # The reminder of the day before, sent once (`domain.meetings.send_meeting_reminders`).
    reminded_at = models.DateTimeField(null=True, blank=True)
    # None until the organisers mark attendance.
    attended = models.BooleanField(_("attended"), null=True, blank=True)
    attendance_marked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["stage", "created_at", "pk"]
        constraints = [
            # One active registration per person and meeting (a cancelled one may be followed
            # by a new one).
            models.UniqueConstraint(
                fields=["stage", "user"],
                condition=models.Q(status__in=["registered", "waiting"]),
                name="one_active_registration_per_person",
            ),
        ]
        indexes = [models.Index(fields=["stage", "status", "created_at"])]
        verbose_name = _("meeting registration")
        verbose_name_plural = _("meeting registrations")

    def __str__(self):
        # No name: the activity log keeps this text after the person's account is erased.
        return f"#{self.pk} ({self.status})"


class DebateStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for the authority's answer")
    SCHEDULED = "scheduled", _("Public debate scheduled")
    REFUSED = "refused", _("Refused")
    WITHDRAWN = "withdrawn", _("Withdrawn by the organisation")


class DebateRequest(models.Model):
    """A verified NGO's written request for a public debate on an authority's draft (Law 52/2003
    art. 7). The authority answers it by scheduling a public meeting stage or by refusing with a
    public reason; the request, its answer and their dates stay on the consultation's page.
    The answer is due within `DEBATE_ANSWER_DAYS` calendar days (`domain.debates.due_on`).
    Until it is answered, the organisation may withdraw it (then it is no longer pending).
    One active (pending or scheduled) request per organisation and consultation."""

    consultation = models.ForeignKey(
        Consultation, on_delete=models.PROTECT, related_name="debate_requests"
    )
    organization = models.ForeignKey(
        "accounts.Organization",
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="debate_requests",
    )
    message = models.TextField(
        _("request"), max_length=5000, blank=True, validators=[no_control_characters]
    )
    requested_at = models.DateTimeField(_("requested"))
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        _("status"), max_length=10, choices=DebateStatus.choices, default=DebateStatus.PENDING
    )
    meeting = models.ForeignKey(
        Stage,
        verbose_name=_("public meeting"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="debate_requests",
    )
    refusal_reason = models.TextField(
        _("reason for refusing"), max_length=5000, blank=True, validators=[no_control_characters]
    )
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # Withdrawn by the organisation that asked, before the authority answered.
    withdrawn_at = models.DateTimeField(_("withdrawn"), null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    withdrawal_reason = models.TextField(
        _("reason for withdrawing"),
        max_length=2000,
        blank=True,
        validators=[no_control_characters],
    )

    class Meta:
        ordering = ["consultation", "requested_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["consultation", "organization"],
                condition=models.Q(status__in=["pending", "scheduled"]),
                name="one_active_debate_request_per_organization",
            )
        ]
        verbose_name = _("request for a public debate")
        verbose_name_plural = _("requests for a public debate")

    def __str__(self):
        return f"{self.organization} → {self.consultation}"

    def get_absolute_url(self):
        return reverse(
            "consultations:debate_request", args=[self.consultation.proposal.slug, self.pk]
        )

    @property
    def is_pending(self):
        return self.status == DebateStatus.PENDING


# Calendar days an authority has to answer a request for a public debate (schedule the meeting
# or refuse with a reason), counted from the day after the request in its zone. Law 52/2003
# sets no term for the answer; ten days matches the ten days of its recommendations period
# (art. 7), so that a request made on the period's first day is answered before it ends.
DEBATE_ANSWER_DAYS = 10


# --- Questionnaires --------------------------------------------------------------------------


class QuestionKind(models.TextChoices):
    SINGLE = "single", _("Single choice")
    MULTIPLE = "multiple", _("Multiple choice")
    SCALE = "scale", _("Scale")
    TEXT = "text", _("Free text")

    @classmethod
    def with_choices(cls):
        return [cls.SINGLE, cls.MULTIPLE]


class Question(models.Model):
    """One question of a stage's questionnaire (a stage that takes comments may ask questions
    beside them). Questions are written before the stage opens and are frozen from its opening
    on, so every response answers the same questions (`domain.questionnaires`)."""

    stage = models.ForeignKey(Stage, on_delete=models.PROTECT, related_name="questions")
    position = models.PositiveIntegerField(_("position"))
    kind = models.CharField(_("kind of question"), max_length=10, choices=QuestionKind.choices)
    text = models.CharField(_("question"), max_length=500, validators=[no_control_characters])
    help = models.CharField(
        _("explanation"), max_length=1000, blank=True, validators=[no_control_characters]
    )
    required = models.BooleanField(_("an answer is required"), default=False)
    # The options of a choice question, in order (answers refer to them by their index).
    choices = models.JSONField(_("options"), default=list, blank=True)
    scale_min = models.PositiveSmallIntegerField(_("lowest value"), null=True, blank=True)
    scale_max = models.PositiveSmallIntegerField(_("highest value"), null=True, blank=True)
    min_label = models.CharField(
        _("label of the lowest value"), max_length=100, blank=True,
        validators=[no_control_characters],
    )  # fmt: skip
    max_label = models.CharField(
        _("label of the highest value"), max_length=100, blank=True,
        validators=[no_control_characters],
    )  # fmt: skip
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["stage", "position"]
        constraints = [
            models.UniqueConstraint(fields=["stage", "position"], name="unique_question_position"),
        ]
        verbose_name = _("question")
        verbose_name_plural = _("questions")

    def __str__(self):
        return self.text

    def scale_values(self):
        if self.kind != QuestionKind.SCALE or self.scale_min is None or self.scale_max is None:
            return []
        return list(range(self.scale_min, self.scale_max + 1))

    def options(self):
        """(value, label) of what can be chosen: the options' indexes, or the scale's values."""
        if self.kind in QuestionKind.with_choices():
            return list(enumerate(self.choices))
        values = self.scale_values()
        labels = {}
        if values:
            labels = {values[0]: self.min_label, values[-1]: self.max_label}
        return [
            (value, f"{value} — {labels[value]}" if labels.get(value) else str(value))
            for value in values
        ]


class QuestionnaireResponse(models.Model):
    """A participant's answers to a stage's questionnaire: one per person and stage, changed
    as often as they like while the stage is open. `category` is their respondent category when
    they last sent it (the results count by it). When the account is deleted the response stays
    without its person and without its free-text answers, so the counts never change after the
    stage has closed."""

    stage = models.ForeignKey(Stage, on_delete=models.PROTECT, related_name="responses")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="questionnaire_responses",
    )
    category = models.CharField(
        _("respondent category"), max_length=20, choices=RespondentCategory.choices, blank=True
    )
    submitted_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["stage", "submitted_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["stage", "user"],
                condition=models.Q(user__isnull=False),
                name="one_questionnaire_response_per_person",
            ),
        ]
        verbose_name = _("questionnaire response")
        verbose_name_plural = _("questionnaire responses")

    def __str__(self):
        # No name: the activity log keeps this text after the person's account is erased.
        return f"#{self.pk}"


class Answer(models.Model):
    """One answer of a response: a row per option chosen (single and multiple choice), the value
    of a scale, or the text typed. Counting the rows gives the results."""

    response = models.ForeignKey(
        QuestionnaireResponse, on_delete=models.CASCADE, related_name="answers"
    )
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="answers")
    choice = models.PositiveSmallIntegerField(null=True, blank=True)
    value = models.PositiveSmallIntegerField(null=True, blank=True)
    text = models.TextField(blank=True, validators=[no_control_characters])

    class Meta:
        ordering = ["response", "question__position", "choice"]
        indexes = [models.Index(fields=["question", "choice", "value"])]
        verbose_name = _("answer")
        verbose_name_plural = _("answers")

    def __str__(self):
        return f"{self.question_id}: {self.choice if self.choice is not None else self.value}"


class HiddenAnswer(models.Model):
    """A moderator hid a response's free-text answer to a question (it insulted, or named
    someone): it is left out of the results page and the exports. The row is the record (who,
    when, why); it holds for the answer the respondent gives to that question, also when they
    change it. Made by `consultations.domain.questionnaires.hide_answer`."""

    response = models.ForeignKey(
        QuestionnaireResponse, on_delete=models.CASCADE, related_name="hidden_answers"
    )
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="+")
    reason = models.TextField(_("reason"), validators=[no_control_characters])
    hidden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    hidden_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["response", "question"], name="one_hidden_answer_per_question"
            )
        ]
        verbose_name = _("hidden answer")
        verbose_name_plural = _("hidden answers")

    def __str__(self):
        return f"{self.response_id}: {self.question_id}"
