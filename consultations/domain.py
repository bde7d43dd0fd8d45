"""Actions on consultations, stages, comments, answers and syntheses.

Each function validates the move, writes it in one transaction, records an activity-log row and
queues the notifications. Anything the rules do not allow raises `DomainError` with a message the
view shows as it is. Functions take `now` so that tests and demo data can act at a given moment;
web requests leave it to the clock.
"""

from collections import Counter
from datetime import timedelta

from allauth.account.models import EmailAddress
from django.conf import settings
from django.db import transaction
from django.db.models import Count, F, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from consultations import notifications
from consultations.models import (
    LEGAL_MINIMUM,
    CommentState,
    Consultation,
    Disposition,
    Flag,
    FlagReason,
    Follow,
    Outcome,
    Reaction,
    Stage,
    StageComment,
    StageKind,
    StageStatus,
    Stance,
    Synthesis,
)
from core import activity
from core.errors import DomainError
from core.text import has_control_characters
from proposals import content
from proposals.models import TRANSITIONS, Proposal, ProposalStatus
from search import indexing as search_indexing

activity.register_verbs(
    {
        "consultation.created": gettext_lazy("Consultation created"),
        "consultation.changed": gettext_lazy("Consultation changed"),
        "stage.added": gettext_lazy("Stage added"),
        "stage.changed": gettext_lazy("Stage changed"),
        "stage.removed": gettext_lazy("Scheduled stage removed"),
        "stage.cancelled": gettext_lazy("Stage cancelled"),
        "stage.opened": gettext_lazy("Stage opened"),
        "stage.closed": gettext_lazy("Stage closed"),
        "stage.minutes_published": gettext_lazy("Meeting minutes published"),
        "comment.posted": gettext_lazy("Comment posted"),
        "comment.withdrawn": gettext_lazy("Comment withdrawn by its author"),
        "comment.flagged": gettext_lazy("Comment flagged"),
        "comment.held": gettext_lazy("Comment held for review"),
        "comment.hidden": gettext_lazy("Comment hidden by moderation"),
        "comment.restored": gettext_lazy("Comment restored"),
        "comment.flags_dismissed": gettext_lazy("Flags dismissed"),
        "disposition.set": gettext_lazy("Comment answered"),
        "synthesis.published": gettext_lazy("Synthesis published"),
    }
)


def _outcome_label(entry, value):
    try:
        return Outcome(value).label
    except ValueError:
        return value


activity.register_formatter("disposition.set", _outcome_label)


# Replies go at most this many levels below a top-level comment (levels 0..MAX_LEVEL).
MAX_LEVEL = 3
MAX_COMMENT_LENGTH = settings.CONSULTATION_COMMENT_MAX_LENGTH
MAX_QUOTE_LENGTH = 1000


def flag_threshold():
    return getattr(settings, "CONSULTATION_FLAGS_TO_HOLD", 3)


def _now(now):
    return now if now is not None else timezone.now()


def _clean_text(value, *, field, required=False, max_length=None):
    """Normalise line endings and surrounding space; refuse control characters (NUL…)."""
    value = content.normalize_text(value or "")
    if has_control_characters(value):
        raise DomainError(
            _("%(field)s contains control characters (such as NUL) that cannot be stored.")
            % {"field": field}
        )
    if required and not value:
        raise DomainError(_("%(field)s cannot be empty.") % {"field": field})
    if max_length is not None and len(value) > max_length:
        raise DomainError(
            _("%(field)s is %(length)s characters long; the limit is %(limit)s.")
            % {"field": field, "length": len(value), "limit": max_length}
        )
    return value


def _bump(stage):
    """Invalidate the stage's rendered threads (the cache key carries this number)."""
    Stage.objects.filter(pk=stage.pk).update(comments_version=F("comments_version") + 1)


# --- Consultations and stages -----------------------------------------------------------------


@transaction.atomic
def create_consultation(user, proposal, *, title, intro=""):
    proposal = Proposal.objects.select_for_update().get(pk=proposal.pk)
    if not proposal.is_public:
        raise DomainError(_("Publish the proposal before opening a consultation on it."))
    if proposal.status == ProposalStatus.WITHDRAWN:
        raise DomainError(_("The proposal was withdrawn; it cannot be put to consultation."))
    if not proposal.is_editable:
        raise DomainError(
            _("The proposal is %(status)s; its consultation is over.")
            % {"status": proposal.get_status_display().lower()}
        )
    if Consultation.objects.filter(proposal=proposal).exists():
        raise DomainError(_("This proposal already has a consultation."))
    consultation = Consultation.objects.create(
        proposal=proposal,
        title=_clean_text(title, field=_("The title"), required=True, max_length=300),
        intro=_clean_text(intro, field=_("The introduction"), max_length=10000),
        created_by=user,
    )
    activity.record(user, "consultation.created", consultation, scope=proposal)
    Follow.objects.get_or_create(consultation=consultation, user=user)
    return consultation


@transaction.atomic
def change_consultation(user, consultation, *, title, intro=""):
    """Change a consultation's title and introduction. Logs the change (old → new title);
    nothing is written when nothing changed. Returns the consultation."""
    consultation = (
        Consultation.objects.select_for_update().select_related("proposal").get(pk=consultation.pk)
    )
    if consultation.proposal.status == ProposalStatus.WITHDRAWN:
        raise DomainError(_("The proposal was withdrawn; its consultation can no longer change."))
    title = _clean_text(title, field=_("The title"), required=True, max_length=300)
    intro = _clean_text(intro, field=_("The introduction"), max_length=10000)
    new = {"title": title, "intro": intro}
    changed = [name for name, value in new.items() if getattr(consultation, name) != value]
    if not changed:
        return consultation
    old_title = consultation.title
    consultation.title, consultation.intro = title, intro
    consultation.save(update_fields=["title", "intro"])
    activity.record(
        user,
        "consultation.changed",
        consultation,
        scope=consultation.proposal,
        old=old_title,
        new=title,
        data={"fields": changed},
    )
    return consultation


def legal_minimum(stage_or_consultation):
    consultation = getattr(stage_or_consultation, "consultation", stage_or_consultation)
    return LEGAL_MINIMUM.get(consultation.proposal.organization.country)


def period_length(consultation, opens_at, closes_at):
    """The period as the calendar counts it in the organisation's zone: from 00:00 on 20 March
    to 00:00 on 30 March is 10 days, although the clocks skip an hour on 29 March (dates read
    back from the database are in UTC, where that period lasts 9 days and 23 hours)."""
    zone = consultation.proposal.organization.zone
    start = timezone.localtime(opens_at, zone).replace(tzinfo=None)
    return timezone.localtime(closes_at, zone).replace(tzinfo=None) - start


def is_short(kind, opens_at, closes_at, consultation):
    minimum = legal_minimum(consultation)
    return (
        kind == StageKind.WRITTEN
        and minimum is not None
        and period_length(consultation, opens_at, closes_at) < minimum
    )


class ShortPeriod(DomainError):
    """A written-comments period shorter than the law expects, given without a reason."""


def _check_period(consultation, kind, opens_at, closes_at, reason):
    if closes_at <= opens_at:
        raise DomainError(_("The stage must close after it opens."))
    if not is_short(kind, opens_at, closes_at, consultation):
        return ""
    country = consultation.proposal.organization.country
    days = LEGAL_MINIMUM[country].days
    if country == "BG" and period_length(consultation, opens_at, closes_at) < timedelta(days=14):
        raise DomainError(
            _(
                "Bulgarian law (Law on Normative Acts, art. 26) allows at most a shortening "
                "to 14 days; this stage lasts less."
            )
        )
    if not reason:
        if country == "BG":
            message = _(
                "The Law on Normative Acts (art. 26) expects at least %(days)s days for "
                "written proposals; this stage is shorter. Give the reason, which will be "
                "shown publicly."
            )
        else:
            message = _(
                "Law 52/2003 expects at least %(days)s calendar days for written "
                "recommendations; this stage is shorter. Give the reason, which will be shown "
                "publicly."
            )
        raise ShortPeriod(message % {"days": days}, code="short_period")
    return reason


def _check_revision(consultation, kind, revision, position, current=None):
    if kind == StageKind.WRITTEN and revision is None:
        raise DomainError(_("A written-comments stage needs the revision under debate."))
    if revision is None:
        return
    if revision.proposal_id != consultation.proposal_id:
        raise DomainError(_("That revision belongs to another proposal."))
    if not revision.has_content and revision != current:
        raise DomainError(
            _("Revision %(n)s has no text yet; choose another.") % {"n": revision.number}
        )
    earlier = (
        consultation.stages.filter(position__lt=position, revision__isnull=False)
        .order_by("-position")
        .values_list("revision__number", flat=True)
        .first()
    )
    if earlier is not None and revision.number < earlier:
        raise DomainError(
            _(
                "An earlier stage debates revision %(earlier)s; a later stage cannot go back to "
                "revision %(number)s."
            )
            % {"earlier": earlier, "number": revision.number}
        )


STAGE_TEXT_FIELDS = {
    "title": 300,
    "description": 10000,
    "meeting_place": 300,
    "agenda": 10000,
}


def _stage_fields(fields):
    cleaned = {}
    labels = {
        "title": _("The title"),
        "description": _("The description"),
        "meeting_place": _("The place"),
        "agenda": _("The agenda"),
    }
    for name, limit in STAGE_TEXT_FIELDS.items():
        if name in fields:
            cleaned[name] = _clean_text(
                fields[name], field=labels[name], required=name == "title", max_length=limit
            )
    for name in ("meeting_at", "meeting_link"):
        if name in fields:
            cleaned[name] = fields[name] or (None if name == "meeting_at" else "")
    return cleaned


@transaction.atomic
def add_stage(
    user,
    consultation,
    *,
    kind,
    title,
    opens_at,
    closes_at,
    revision=None,
    description="",
    short_period_reason="",
    meeting_at=None,
    meeting_place="",
    meeting_link="",
    agenda="",
    now=None,
):
    now = _now(now)
    consultation = Consultation.objects.select_for_update().get(pk=consultation.pk)
    proposal = consultation.proposal
    if proposal.status == ProposalStatus.WITHDRAWN or not proposal.is_editable:
        raise DomainError(_("The proposal is no longer open to consultation."))
    if kind not in StageKind.values:
        raise DomainError(_("Choose the kind of stage."))
    if opens_at < now - timedelta(minutes=5):
        raise DomainError(_("A new stage cannot open in the past."))
    last = consultation.stages.order_by("-position").first()
    if last is not None and opens_at < last.opens_at:
        raise DomainError(
            _("Stages run in order: this stage cannot open before “%(title)s”.")
            % {"title": last.title}
        )
    position = (last.position + 1) if last else 1
    if kind != StageKind.WRITTEN and kind != StageKind.CALL_FOR_INPUT:
        revision = revision if kind == StageKind.MEETING else None
    _check_revision(consultation, kind, revision, position)
    reason = _clean_text(
        short_period_reason, field=_("The reason for the short period"), max_length=2000
    )
    reason = _check_period(consultation, kind, opens_at, closes_at, reason)
    if kind == StageKind.MEETING and meeting_link and not meeting_link.startswith("https://"):
        raise DomainError(_("The online link must start with https://."))
    stage = Stage.objects.create(
        consultation=consultation,
        position=position,
        kind=kind,
        opens_at=opens_at,
        closes_at=closes_at,
        revision=revision,
        short_period_reason=reason,
        created_by=user,
        **_stage_fields(
            {
                "title": title,
                "description": description,
                "meeting_at": meeting_at if kind == StageKind.MEETING else None,
                "meeting_place": meeting_place if kind == StageKind.MEETING else "",
                "meeting_link": meeting_link if kind == StageKind.MEETING else "",
                "agenda": agenda if kind == StageKind.MEETING else "",
            }
        ),
    )
    activity.record(
        user,
        "stage.added",
        stage,
        scope=proposal,
        new=stage.title,
        data={
            "kind": kind,
            "opens_at": opens_at.isoformat(),
            "closes_at": closes_at.isoformat(),
            "revision": revision.number if revision else None,
        },
    )
    return stage


@transaction.atomic
def change_stage(user, stage, *, now=None, **fields):
    """Change a stage. Before it opens everything can change; while it is open only the
    description and a later closing date; once closed or cancelled, nothing (minutes excepted,
    see `publish_minutes`)."""
    now = _now(now)
    stage = (
        Stage.objects.select_for_update().select_related("consultation__proposal").get(pk=stage.pk)
    )
    status = stage.status_at(now)
    if status in (StageStatus.CLOSED, StageStatus.CANCELLED):
        raise DomainError(
            _("The stage is %(status)s; it can no longer be changed.")
            % {"status": StageStatus(status).label.lower()}
        )
    if status == StageStatus.OPEN:
        allowed = {"description", "closes_at", "short_period_reason"}
        changed = {
            name
            for name, value in fields.items()
            if name not in allowed and _differs(getattr(stage, name), value)
        }
        if changed:
            raise DomainError(
                _(
                    "The stage is open: only its description and closing date can change "
                    "(the closing date only to a later one)."
                )
            )
        if "closes_at" in fields and fields["closes_at"] < stage.closes_at:
            raise DomainError(_("An open stage can only be extended, not shortened."))
    old = {
        "title": stage.title,
        "opens_at": stage.opens_at.isoformat(),
        "closes_at": stage.closes_at.isoformat(),
    }
    opens_at = fields.get("opens_at", stage.opens_at)
    closes_at = fields.get("closes_at", stage.closes_at)
    if status == StageStatus.SCHEDULED and opens_at < now - timedelta(minutes=5):
        raise DomainError(_("A stage cannot be moved to open in the past."))
    revision = fields.get("revision", stage.revision)
    if status == StageStatus.SCHEDULED:
        _check_revision(
            stage.consultation, stage.kind, revision, stage.position, current=stage.revision
        )
    reason = _clean_text(
        fields.get("short_period_reason", stage.short_period_reason),
        field=_("The reason for the short period"),
        max_length=2000,
    )
    stage.short_period_reason = _check_period(
        stage.consultation, stage.kind, opens_at, closes_at, reason
    )
    for name, value in _stage_fields(fields).items():
        setattr(stage, name, value)
    stage.opens_at, stage.closes_at, stage.revision = opens_at, closes_at, revision
    stage.comments_version = F("comments_version") + 1
    stage.save()
    stage.refresh_from_db()
    activity.record(
        user,
        "stage.changed",
        stage,
        scope=stage.consultation.proposal,
        new=stage.title,
        data={
            "old": old,
            "new": {
                "title": stage.title,
                "opens_at": stage.opens_at.isoformat(),
                "closes_at": stage.closes_at.isoformat(),
            },
        },
    )
    return stage


def _differs(current, new):
    if hasattr(current, "pk") or hasattr(new, "pk"):
        return getattr(current, "pk", current) != getattr(new, "pk", new)
    return (current or "") != (new or "")


@transaction.atomic
def remove_stage(user, stage, *, now=None):
    """Only a stage that has not opened yet can be removed; an opened one is cancelled instead."""
    now = _now(now)
    stage = Stage.objects.select_for_update().get(pk=stage.pk)
    if stage.status_at(now) != StageStatus.SCHEDULED:
        raise DomainError(_("A stage that has opened is never removed; cancel it instead."))
    proposal = stage.consultation.proposal
    activity.record(user, "stage.removed", proposal, scope=proposal, old=stage.title)
    later = list(stage.consultation.stages.filter(position__gt=stage.position).order_by("position"))
    stage.delete()
    for other in later:
        Stage.objects.filter(pk=other.pk).update(position=other.position - 1)


@transaction.atomic
def cancel_stage(user, stage, reason, *, now=None):
    now = _now(now)
    stage = Stage.objects.select_for_update().get(pk=stage.pk)
    status = stage.status_at(now)
    if status == StageStatus.CANCELLED:
        raise DomainError(_("The stage was already cancelled."))
    if status == StageStatus.CLOSED:
        raise DomainError(_("The stage has closed; a stage that took place cannot be cancelled."))
    reason = _clean_text(reason, field=_("The reason"), required=True, max_length=2000)
    stage.cancelled_at = now
    stage.cancellation_reason = reason
    stage.comments_version = F("comments_version") + 1
    stage.save(update_fields=["cancelled_at", "cancellation_reason", "comments_version"])
    stage.refresh_from_db()
    activity.record(
        user,
        "stage.cancelled",
        stage,
        scope=stage.consultation.proposal,
        old=status,
        new=StageStatus.CANCELLED,
        data={"reason": reason},
    )
    _sync_proposal_status(stage.consultation, now)
    notifications.stage_cancelled(stage)
    return stage


@transaction.atomic
def publish_minutes(user, stage, *, minutes, participants, now=None):
    now = _now(now)
    stage = Stage.objects.select_for_update().get(pk=stage.pk)
    if stage.kind != StageKind.MEETING:
        raise DomainError(_("Only a public meeting has minutes."))
    if stage.cancelled_at is not None:
        raise DomainError(_("The meeting was cancelled."))
    held_at = stage.meeting_at or stage.opens_at
    if held_at > now:
        raise DomainError(_("The minutes can be published once the meeting has taken place."))
    minutes = _clean_text(minutes, field=_("The minutes"), required=True, max_length=100000)
    if participants is None or participants < 0:
        raise DomainError(_("Give the number of participants."))
    first = stage.minutes_published_at is None
    stage.minutes, stage.participants = minutes, participants
    stage.minutes_published_at = stage.minutes_published_at or now
    stage.save(update_fields=["minutes", "participants", "minutes_published_at"])
    activity.record(
        user,
        "stage.minutes_published",
        stage,
        scope=stage.consultation.proposal,
        new=participants,
        data={"first": first},
    )
    return stage


# --- Stage events: opening and closing ---------------------------------------------------------


def _sync_proposal_status(consultation, now):
    """In consultation while a stage is open; consultation closed once none is open or ahead."""
    proposal = Proposal.objects.select_for_update().get(pk=consultation.proposal_id)
    stages = list(consultation.stages.all())
    any_open = any(s.status_at(now) == StageStatus.OPEN for s in stages)
    # A stage cancelled while it was open did take place (its comments stay on record).
    any_opened = any(
        s.status_at(now) in (StageStatus.OPEN, StageStatus.CLOSED)
        or (s.cancelled_at is not None and s.opens_at <= s.cancelled_at)
        for s in stages
    )
    if any_open:
        path = [ProposalStatus.IN_CONSULTATION]
    elif any_opened:
        # A stage that opened and closed between two runs still took place: log both moves.
        path = [ProposalStatus.IN_CONSULTATION, ProposalStatus.CONSULTATION_CLOSED]
        if proposal.status != ProposalStatus.PUBLISHED:
            path = path[1:]
    else:
        return
    for target in path:
        if proposal.status == target or target not in TRANSITIONS[ProposalStatus(proposal.status)]:
            return
        old = proposal.status
        proposal.status = target
        proposal.save(update_fields=["status"])
        activity.record(
            None,
            "proposal.consultation_opened"
            if target == ProposalStatus.IN_CONSULTATION
            else "proposal.consultation_closed",
            proposal,
            old=old,
            new=target,
        )


activity.register_verbs(
    {
        "proposal.consultation_opened": gettext_lazy("Consultation opened"),
        "proposal.consultation_closed": gettext_lazy("Consultation closed"),
    }
)


def due_stage_events(now=None):
    now = _now(now)
    return Stage.objects.filter(
        Q(opening_processed_at__isnull=True, opens_at__lte=now)
        | Q(closing_processed_at__isnull=True, closes_at__lte=now)
    ).filter(cancelled_at__isnull=True)


def process_stage_events(now=None):
    """Record stages that opened or closed since last time, move the proposal's status and
    email the followers. Idempotent: each event is handled once, whoever runs it (the
    scheduled task, the management command, or a page view noticing it is due)."""
    now = _now(now)
    handled = 0
    for stage_id in list(due_stage_events(now).values_list("pk", flat=True)):
        with transaction.atomic():
            stage = (
                Stage.objects.select_for_update(of=("self",))
                .select_related("consultation__proposal__organization", "revision")
                .get(pk=stage_id)
            )
            if stage.cancelled_at is not None:
                continue
            events = []
            if stage.opening_processed_at is None and stage.opens_at <= now:
                stage.opening_processed_at = now
                events.append("opened")
            if stage.closing_processed_at is None and stage.closes_at <= now:
                stage.closing_processed_at = now
                events.append("closed")
            if not events:
                continue
            stage.comments_version = F("comments_version") + 1
            stage.save(
                update_fields=["opening_processed_at", "closing_processed_at", "comments_version"]
            )
            stage.refresh_from_db()
            proposal = stage.consultation.proposal
            for event in events:
                activity.record(None, f"stage.{event}", stage, scope=proposal)
            _sync_proposal_status(stage.consultation, now)
            if "opened" in events and stage.closes_at > now:
                notifications.stage_opened(stage)
            if "closed" in events:
                notifications.stage_closed(stage)
            handled += len(events)
    return handled


# --- Comments ---------------------------------------------------------------------------------


class StageClosed(DomainError):
    """A comment or reaction arrived when the stage was not open."""


def can_participate(user):
    return (
        user.is_authenticated
        and user.is_active
        and EmailAddress.objects.filter(user=user, verified=True).exists()
    )


def _check_stage_open(stage, now):
    proposal = stage.consultation.proposal
    if not proposal.is_public:
        raise DomainError(_("This consultation is not public."), code="not_public")
    if proposal.status == ProposalStatus.WITHDRAWN:
        raise StageClosed(
            _("The proposal was withdrawn; the consultation no longer takes comments."),
            code="withdrawn",
        )
    if not stage.accepts_comments:
        raise DomainError(_("This stage does not take written comments."))
    status = stage.status_at(now)
    tz = stage.consultation.proposal.organization.zone
    if status == StageStatus.CANCELLED:
        raise StageClosed(_("This stage was cancelled; it no longer takes comments."), code=status)
    if status == StageStatus.SCHEDULED:
        raise StageClosed(
            _("This stage opens on %(date)s; comments cannot be posted before then.")
            % {"date": _format(stage.opens_at, tz)},
            code=status,
        )
    if status == StageStatus.CLOSED:
        raise StageClosed(
            _(
                "This stage closed on %(date)s; your comment was not saved. Your text is kept "
                "below so that you can copy it."
            )
            % {"date": _format(stage.closes_at, tz)},
            code=status,
        )


def _format(moment, tz):
    from django.utils.formats import date_format

    return date_format(timezone.localtime(moment, tz), "DATETIME_FORMAT")


def block_keys(revision):
    return {block["key"] for block in revision.blocks} if revision else set()


def block_text(block):
    """All the words of a block, for checking a quote."""
    if block is None:
        return ""
    parts = [block.get(name, "") for name in ("text", "article", "in_force", "proposed")]
    parts.append(block.get("rationale", ""))
    return " ".join(" ".join(part.split()) for part in parts if part)


@transaction.atomic
def post_comment(user, stage, *, text, block_key="", quote="", stance="", parent_id=None, now=None):
    """Add a comment (or a reply, with `parent_id`) to an open stage.

    One transaction: either the whole comment is stored (with its thread position and log row)
    or nothing is; no orphan row survives a refused reply. Comments in different threads do not
    wait for each other: a reply locks only its thread's first comment (the thread's positions
    are renumbered under that lock), and the stage's row is touched last, just before commit.
    """
    now = _now(now)
    if not can_participate(user):
        raise DomainError(_("Confirm your email address before commenting."), code="unverified")
    stage = Stage.objects.select_related("consultation__proposal__organization", "revision").get(
        pk=stage.pk
    )
    _check_stage_open(stage, now)
    text = _clean_text(text, field=_("Your comment"), required=True, max_length=MAX_COMMENT_LENGTH)
    quote = " ".join(
        _clean_text(quote, field=_("The quoted text"), max_length=MAX_QUOTE_LENGTH).split()
    )
    parent = None
    if parent_id:
        parent = (
            StageComment.objects.filter(pk=parent_id, stage=stage)
            .only("pk", "level", "state", "block_key", "user_id", "thread_id")
            .first()
        )
        if parent is None:
            raise DomainError(_("The comment you are replying to is not in this stage."))
        # Replies in one thread queue here, so that their positions never collide.
        list(
            StageComment.objects.select_for_update(of=("self",))
            .filter(pk=parent.thread_id)
            .values_list("pk", flat=True)
        )
        parent.refresh_from_db(fields=["state"])
        if parent.state != CommentState.VISIBLE:
            raise DomainError(_("The comment you are replying to is no longer shown."))
        if parent.level >= MAX_LEVEL:
            raise DomainError(
                _("Replies go at most %(levels)s levels deep; reply higher up in the thread.")
                % {"levels": MAX_LEVEL}
            )
        block_key = parent.block_key
        stance = ""
        quote = ""
    else:
        if stance not in Stance.values:
            raise DomainError(_("Choose whether you support, oppose or are neutral."))
        if block_key and block_key not in block_keys(stage.revision):
            raise DomainError(_("That paragraph is not part of the text under debate."))
        if quote:
            if not block_key:
                raise DomainError(_("Quote words from the paragraph you comment on."))
            if quote not in block_text(stage.revision.block(block_key)):
                raise DomainError(
                    _("The quoted words are not in that paragraph; copy them exactly.")
                )
    comment = StageComment(
        stage=stage,
        revision=stage.revision,
        content_object=stage,
        site_id=settings.SITE_ID,
        user=user,
        user_name="",
        user_email="",
        comment=text,
        submit_date=now,
        block_key=block_key,
        quote=quote,
        stance=stance,
        parent_id=parent.pk if parent else 0,
        is_public=True,
        is_removed=False,
    )
    comment.save()
    activity.record(
        user,
        "comment.posted",
        comment,
        scope=stage,
        data={"parent": parent.pk if parent else None, "block": block_key},
    )
    Follow.objects.get_or_create(consultation=stage.consultation, user=user)
    if parent is not None and parent.user_id and parent.user_id != user.pk:
        notifications.reply_posted(comment, parent.user_id)
    # Last: the version bump locks the stage's row until commit; readers see the new comment
    # and the new version together.
    _bump(stage)
    return comment


def _comment_for_update(comment):
    return (
        StageComment.objects.select_for_update(of=("self",))
        .select_related("stage__consultation__proposal")
        .get(pk=comment.pk)
    )


def _set_state(comment, actor, state, reason, now):
    StageComment.objects.filter(pk=comment.pk).update(
        state=state,
        state_reason=reason,
        state_changed_at=now,
        state_changed_by=actor,
        is_public=state != CommentState.HELD,
        is_removed=state in (CommentState.HIDDEN, CommentState.WITHDRAWN),
    )
    comment.state, comment.state_reason = state, reason
    comment.state_changed_at, comment.state_changed_by = now, actor
    _bump(comment.stage)
    # A queryset update sends no signal: tell the search queue (the comment leaves or rejoins).
    search_indexing.enqueue(comment)


def _published(stage):
    return Synthesis.objects.filter(stage=stage).exists()


@transaction.atomic
def withdraw_comment(user, comment, *, now=None):
    now = _now(now)
    comment = _comment_for_update(comment)
    if comment.user_id != user.pk:
        raise DomainError(_("Only its author can withdraw a comment."))
    if comment.state == CommentState.WITHDRAWN:
        raise DomainError(_("You already withdrew this comment."))
    if comment.state == CommentState.HIDDEN:
        raise DomainError(_("This comment was hidden by moderation."))
    if _published(comment.stage):
        raise DomainError(
            _("The synthesis of this stage is published; its comments are part of the record.")
        )
    old = comment.state
    _set_state(comment, user, CommentState.WITHDRAWN, "", now)
    activity.record(user, "comment.withdrawn", comment, scope=comment.stage, old=old)
    return comment


@transaction.atomic
def flag_comment(user, comment, *, reason, note="", now=None):
    now = _now(now)
    if not can_participate(user):
        raise DomainError(_("Confirm your email address before flagging."), code="unverified")
    comment = _comment_for_update(comment)
    if comment.user_id == user.pk:
        raise DomainError(_("You cannot flag your own comment; withdraw it instead."))
    if comment.state != CommentState.VISIBLE:
        raise DomainError(_("This comment is not shown; it cannot be flagged."))
    if reason not in FlagReason.values:
        raise DomainError(_("Choose why the comment should be reviewed."))
    note = _clean_text(note, field=_("The details"), max_length=500)
    if Flag.objects.filter(comment=comment, user=user).exists():
        raise DomainError(_("You already flagged this comment; a moderator will review it."))
    Flag.objects.create(comment=comment, user=user, reason=reason, note=note)
    StageComment.objects.filter(pk=comment.pk).update(flag_count=F("flag_count") + 1)
    comment.flag_count += 1
    activity.record(user, "comment.flagged", comment, scope=comment.stage, new=reason)
    if comment.open_flags >= flag_threshold():
        _set_state(comment, None, CommentState.HELD, "", now)
        activity.record(
            None,
            "comment.held",
            comment,
            scope=comment.stage,
            old=CommentState.VISIBLE,
            new=CommentState.HELD,
            data={"flags": comment.flag_count},
        )
    return comment


@transaction.atomic
def react(user, comment, value, *, now=None):
    """Agree or disagree; the same choice again takes it back. Returns the stored value or None."""
    now = _now(now)
    if not can_participate(user):
        raise DomainError(_("Confirm your email address before reacting."), code="unverified")
    if value not in (Reaction.AGREE, Reaction.DISAGREE):
        raise DomainError(_("Choose agree or disagree."))
    comment = _comment_for_update(comment)
    _check_stage_open(comment.stage, now)
    if comment.state != CommentState.VISIBLE:
        raise DomainError(_("This comment is not shown."))
    if comment.user_id == user.pk:
        raise DomainError(_("You cannot react to your own comment."))
    existing = Reaction.objects.filter(comment=comment, user=user).first()
    if existing is not None and existing.value == value:
        existing.delete()
        result = None
    elif existing is not None:
        existing.value = value
        existing.save(update_fields=["value", "created_at"])
        result = value
    else:
        Reaction.objects.create(comment=comment, user=user, value=value)
        result = value
    counts = dict(
        Reaction.objects.filter(comment=comment)
        .values_list("value")
        .annotate(n=Count("pk"))
        .values_list("value", "n")
    )
    StageComment.objects.filter(pk=comment.pk).update(
        agree_count=counts.get(Reaction.AGREE, 0), disagree_count=counts.get(Reaction.DISAGREE, 0)
    )
    _bump(comment.stage)
    return result


# --- Moderation -------------------------------------------------------------------------------


@transaction.atomic
def hide_comment(moderator, comment, reason, *, now=None):
    now = _now(now)
    comment = _comment_for_update(comment)
    reason = _clean_text(reason, field=_("The reason"), required=True, max_length=1000)
    if comment.state in (CommentState.HIDDEN, CommentState.WITHDRAWN):
        raise DomainError(_("This comment is already not shown."))
    old = comment.state
    _set_state(comment, moderator, CommentState.HIDDEN, reason, now)
    StageComment.objects.filter(pk=comment.pk).update(flags_reviewed=F("flag_count"))
    activity.record(
        moderator,
        "comment.hidden",
        comment,
        scope=comment.stage,
        old=old,
        new=CommentState.HIDDEN,
        data={"reason": reason},
    )
    return comment


@transaction.atomic
def restore_comment(moderator, comment, *, now=None):
    """Show a hidden or held comment again; the flags seen so far no longer count."""
    now = _now(now)
    comment = _comment_for_update(comment)
    if comment.state not in (CommentState.HIDDEN, CommentState.HELD):
        raise DomainError(_("Only a hidden or held comment can be restored."))
    old = comment.state
    _set_state(comment, moderator, CommentState.VISIBLE, "", now)
    StageComment.objects.filter(pk=comment.pk).update(flags_reviewed=F("flag_count"))
    activity.record(
        moderator, "comment.restored", comment, scope=comment.stage, old=old, new="visible"
    )
    return comment


@transaction.atomic
def dismiss_flags(moderator, comment):
    comment = _comment_for_update(comment)
    if comment.open_flags <= 0:
        raise DomainError(_("This comment has no flags waiting for review."))
    if comment.state == CommentState.HELD:
        return restore_comment(moderator, comment)
    StageComment.objects.filter(pk=comment.pk).update(flags_reviewed=F("flag_count"))
    activity.record(
        moderator, "comment.flags_dismissed", comment, scope=comment.stage, new=comment.flag_count
    )
    return comment


# --- Answers and synthesis --------------------------------------------------------------------


@transaction.atomic
def set_disposition(user, comment, *, outcome, reason, applied_in=None):
    comment = _comment_for_update(comment)
    stage = comment.stage
    if _published(stage):
        raise DomainError(
            _("The synthesis of this stage is published; its answers can no longer change.")
        )
    if comment.state != CommentState.VISIBLE:
        raise DomainError(_("Only comments that are shown can be answered."))
    if outcome not in Outcome.values:
        raise DomainError(_("Choose the answer."))
    reason = _clean_text(reason, field=_("The reason"), required=True, max_length=10000)
    if applied_in is not None:
        if outcome not in (Outcome.ACCEPTED, Outcome.PARTIALLY):
            raise DomainError(_("Only an accepted comment is applied in a revision."))
        if applied_in.proposal_id != stage.consultation.proposal_id:
            raise DomainError(_("That revision belongs to another proposal."))
        if comment.revision is not None and applied_in.number <= comment.revision.number:
            raise DomainError(
                _("The comment was made on revision %(n)s; it is applied in a later one.")
                % {"n": comment.revision.number}
            )
    existing = Disposition.objects.select_for_update().filter(comment=comment).first()
    old = existing.outcome if existing else ""
    if existing is None:
        existing = Disposition(comment=comment)
    existing.outcome, existing.reason = outcome, reason
    existing.applied_in, existing.decided_by = applied_in, user
    existing.save()
    _bump(stage)
    activity.record(
        user,
        "disposition.set",
        comment,
        scope=stage,
        old=old,
        new=outcome,
        data={"applied_in": applied_in.number if applied_in else None},
    )
    return existing


def answer_progress(stage):
    """(answered, total) over the top-level comments that are shown."""
    top = StageComment.objects.filter(stage=stage, level=0, state=CommentState.VISIBLE)
    counts = top.aggregate(
        total=Count("pk"), answered=Count("pk", filter=Q(disposition__isnull=False))
    )
    return counts["answered"], counts["total"]


def block_labels(revision):
    """Block key → a short public label: its position and, when it has one, its title."""
    labels = {}
    if revision is None:
        return labels
    for index, block in enumerate(revision.blocks, start=1):
        title = block.get("article") or (block.get("text") if block["type"] == "heading" else "")
        title = " ".join((title or "").split())
        if len(title) > 80:
            title = title[:79] + "…"
        labels[block["key"]] = f"§{index} {title}".strip()
    return labels


def synthesis_rows(stage):
    """The justification table: one row per shown comment, top-level first in text order."""
    comments = list(
        StageComment.objects.filter(stage=stage, state=CommentState.VISIBLE)
        .select_related("user__profile", "disposition__applied_in", "revision")
        .order_by("thread_id", "order")
    )
    labels = block_labels(stage.revision)
    order = {key: i for i, key in enumerate(labels)}
    thread_sizes = Counter(c.thread_id for c in comments)
    top = [c for c in comments if c.level == 0]
    top.sort(key=lambda c: (order.get(c.block_key, -1) if c.block_key else -1, c.submit_date))
    rows = []
    for number, comment in enumerate(top, start=1):
        disposition = getattr(comment, "disposition", None)
        rows.append(
            {
                "number": number,
                "comment_id": comment.pk,
                "author": comment.author_name,
                "block_key": comment.block_key,
                "block": labels.get(comment.block_key, "") if comment.block_key else "",
                "quote": comment.quote,
                "text": comment.comment,
                "stance": comment.stance,
                "submitted_at": comment.submit_date.isoformat(),
                "outcome": disposition.outcome if disposition else "",
                "reason": disposition.reason if disposition else "",
                "applied_in": (
                    disposition.applied_in.number
                    if disposition and disposition.applied_in
                    else None
                ),
                "replies": thread_sizes[comment.thread_id] - 1,
            }
        )
    return rows


def synthesis_counts(rows):
    counts = {"total": len(rows), "stance": {}, "outcome": {}}
    for row in rows:
        stance = row["stance"] or Stance.NEUTRAL
        counts["stance"][stance] = counts["stance"].get(stance, 0) + 1
        counts["outcome"][row["outcome"]] = counts["outcome"].get(row["outcome"], 0) + 1
    return counts


def check_synthesis_ready(stage, *, now=None):
    """Raise DomainError with the reason when the stage's synthesis cannot be published now
    (not a commenting stage, still scheduled or open, already published, comments unanswered).
    Reads only; `publish_synthesis` calls it, and pages call it to explain before anyone tries."""
    now = _now(now)
    if not stage.accepts_comments:
        raise DomainError(_("Only a stage that took comments has a synthesis."))
    status = stage.status_at(now)
    if status in (StageStatus.SCHEDULED, StageStatus.OPEN):
        raise DomainError(
            _("The stage is still %(status)s; publish the synthesis after it closes.")
            % {"status": StageStatus(status).label.lower()},
            code=status,
        )
    if _published(stage):
        raise DomainError(_("The synthesis of this stage is already published."), code="published")
    answered, total = answer_progress(stage)
    if answered < total:
        raise DomainError(
            _(
                "%(missing)s of %(total)s comments have no answer yet; every comment must be "
                "answered before the synthesis is published."
            )
            % {"missing": total - answered, "total": total},
            code="unanswered",
        )


@transaction.atomic
def publish_synthesis(user, stage, *, intro="", now=None):
    now = _now(now)
    stage = (
        Stage.objects.select_for_update().select_related("consultation__proposal").get(pk=stage.pk)
    )
    check_synthesis_ready(stage, now=now)
    intro = _clean_text(intro, field=_("The introduction"), max_length=20000)
    rows = synthesis_rows(stage)
    synthesis = Synthesis.objects.create(
        stage=stage,
        intro=intro,
        rows=rows,
        counts=synthesis_counts(rows),
        published_at=now,
        published_by=user,
    )
    _bump(stage)
    activity.record(
        user, "synthesis.published", synthesis, scope=stage.consultation.proposal, new=len(rows)
    )
    notifications.synthesis_published(synthesis)
    return synthesis


# --- Following --------------------------------------------------------------------------------


def follow(user, consultation):
    _, created = Follow.objects.get_or_create(consultation=consultation, user=user)
    return created


def unfollow(user, consultation):
    deleted, _unused = Follow.objects.filter(consultation=consultation, user=user).delete()
    return bool(deleted)
