"""Recommendations an authority receives on its draft by email or on paper, logged into the
stage that takes them (Law 52/2003 art. 7: written recommendations, by any channel).

A logged recommendation is a comment of the stage without an account: its author's name, the
channel and the day it arrived are kept on it, so that it is answered, counted and published in
the synthesis and its justification table exactly as comments posted on the site are.
"""

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from consultations.domain import grouping
from consultations.domain.common import comment_posted, resolve_now
from consultations.domain.queries import block_keys, has_synthesis
from consultations.models import Channel, Stage, StageComment, StageStatus
from core import activity
from core.dates import last_day
from core.errors import DomainError, InvalidTransition
from core.permissions import require
from core.text import clean_text

# django-comments keeps a comment's author name in 50 characters.
MAX_AUTHOR_LENGTH = 50
MAX_RECOMMENDATION_LENGTH = 20000
LOGGED_CHANNELS = [Channel.EMAIL, Channel.PAPER]


def check_logs_recommendations(stage, now=None):
    """Recommendations received by email or on paper can be logged in `stage` now: a stage that
    takes comments, of a public draft, that has opened, not cancelled, its synthesis not
    published yet. Side effects: none."""
    now = resolve_now(now)
    if not stage.accepts_comments:
        raise DomainError(_("This stage does not take recommendations."), code="no_comments")
    if not stage.consultation.proposal.is_public:
        raise DomainError(_("This consultation is not public."), code="not_public")
    status = stage.status_at(now)
    if status == StageStatus.CANCELLED:
        raise InvalidTransition(_("This stage was cancelled."), code=status)
    if status == StageStatus.SCHEDULED:
        raise InvalidTransition(
            _("Recommendations are logged once the stage has opened."), code=status
        )
    if has_synthesis(stage):
        raise InvalidTransition(
            _("The synthesis of this stage is published; no recommendation can be added."),
            code="published",
        )


@transaction.atomic
def log_recommendation(user, stage, *, author, received_on, text, channel, block_key="", now=None):
    """Log a recommendation received by email or on paper during `stage`'s period (from its
    opening day to its last day, in the authority's zone, and not after today). Returns the
    comment that holds it.

    Side effects: the comment (shown, a thread of its own, no account: the author's name as
    given; the channel, the day received and who logged it); a log row ("recommendation.logged",
    scoped to the stage); grouping with similar comments after commit; counted by a worker
    after commit (`common.comment_posted`); a search-queue row (the save's signal)."""
    now = resolve_now(now)
    stage = Stage.objects.select_related("consultation__proposal__organization", "revision").get(
        pk=stage.pk
    )
    require(
        user,
        "consultations.log_recommendation",
        stage,
        message=_("Only the authority's admins and registrars can log recommendations received."),
    )
    check_logs_recommendations(stage, now)
    if channel not in LOGGED_CHANNELS:
        raise DomainError(_("Choose how the recommendation was received."), code="channel")
    author = clean_text(author, field=_("The author"), required=True, max_length=MAX_AUTHOR_LENGTH)
    text = clean_text(
        text, field=_("The recommendation"), required=True, max_length=MAX_RECOMMENDATION_LENGTH
    )
    if received_on is None:
        raise DomainError(_("Give the date the recommendation was received."), code="date")
    zone = stage.consultation.proposal.organization.zone
    first = timezone.localtime(stage.opens_at, zone).date()
    last = min(last_day(stage.closes_at, zone), timezone.localtime(now, zone).date())
    if not first <= received_on <= last:
        raise DomainError(
            _("A recommendation logged in this stage was received between %(first)s and %(last)s.")
            % {
                "first": date_format(first, "DATE_FORMAT"),
                "last": date_format(last, "DATE_FORMAT"),
            },
            code="date",
        )
    if block_key and block_key not in block_keys(stage.revision):
        raise DomainError(_("That paragraph is not part of the text under debate."))
    comment = StageComment(
        stage=stage,
        revision=stage.revision,
        content_object=stage,
        site_id=settings.SITE_ID,
        user=None,
        user_name=author,
        user_email="",
        comment=text,
        submit_date=now,
        block_key=block_key,
        channel=channel,
        received_on=received_on,
        logged_by=user,
        parent_id=0,
        is_public=True,
        is_removed=False,
        count_pending=True,  # counted by a worker (`common.comment_posted`)
    )
    comment.save()
    activity.record(
        user,
        "recommendation.logged",
        comment,
        scope=stage,
        data={"channel": channel, "received_on": received_on.isoformat(), "block": block_key},
    )
    grouping.queue_grouping(comment)
    comment_posted(comment)
    grouping.queue_counting()
    return comment
