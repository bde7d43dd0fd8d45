"""What the consultations app stores about a person, for the data export and account deletion.

Comments are part of the public record of a consultation: erasure keeps their text and shows
them as from the deleted account (the tombstone user's public name), but clears the name, email
and IP address the comments package keeps on each row. Follows and the reply opt-out are
personal preferences and go. Reactions and flags stay (they are counted in public figures and
in the moderation record) and point at the anonymous tombstone.
"""

from django.db.models import F

from consultations.domain.meetings import release_seats_of
from consultations.domain.questionnaires import erase_responses_of
from consultations.models import (
    Flag,
    Follow,
    MeetingRegistration,
    QuestionnaireResponse,
    Reaction,
    ReplyOptOut,
    Stage,
    StageComment,
)
from search import indexing as search_indexing


def _iso(value):
    return value.isoformat() if value else None


def export_consultations(user):
    comments = (
        StageComment.objects.filter(user=user)
        .select_related("stage__consultation__proposal")
        .order_by("submit_date", "pk")
    )
    reactions = (
        Reaction.objects.filter(user=user)
        .select_related("comment__stage__consultation__proposal")
        .order_by("created_at", "pk")
    )
    flags = Flag.objects.filter(user=user).order_by("created_at", "pk")
    follows = (
        Follow.objects.filter(user=user)
        .select_related("consultation__proposal")
        .order_by("created_at", "pk")
    )
    opt_out = ReplyOptOut.objects.filter(user=user).first()
    return {
        "comments": [
            {
                "id": comment.pk,
                "parent_id": comment.parent_id if comment.parent_id != comment.pk else None,
                "proposal": comment.stage.consultation.proposal.slug,
                "proposal_title": comment.stage.consultation.proposal.title,
                "stage": comment.stage.position,
                "stage_title": comment.stage.title,
                "block_key": comment.block_key,
                "quote": comment.quote,
                "stance": comment.stance,
                "text": comment.comment,
                "suggestion": comment.suggestion,
                "suggested_text": comment.suggested_text,
                "time": _iso(comment.submit_date),
                "state": comment.state,
                "state_reason": comment.state_reason,
            }
            for comment in comments
        ],
        "reactions": [
            {
                "comment_id": reaction.comment_id,
                "proposal": reaction.comment.stage.consultation.proposal.slug,
                "value": reaction.value,
                "time": _iso(reaction.created_at),
            }
            for reaction in reactions
        ],
        "flags": [
            {
                "comment_id": flag.comment_id,
                "reason": flag.reason,
                "details": flag.note,
                "time": _iso(flag.created_at),
            }
            for flag in flags
        ],
        "follows": [
            {
                "proposal": follow.consultation.proposal.slug,
                "consultation": follow.consultation.title,
                "since": _iso(follow.created_at),
            }
            for follow in follows
        ],
        "reply_emails": opt_out is None,
    }


def erase_consultations(user):
    comments = StageComment.objects.filter(user=user)
    stage_ids = set(comments.values_list("stage_id", flat=True))
    comments.update(user_name="", user_email="", user_url="", ip_address=None)
    # The author's public name changes to "Deleted account": rendered threads and the search
    # documents (whose title carries the name) are refreshed.
    Stage.objects.filter(pk__in=stage_ids).update(comments_version=F("comments_version") + 1)
    for comment in comments.only("pk"):
        search_indexing.enqueue(comment)
    Follow.objects.filter(user=user).delete()
    ReplyOptOut.objects.filter(user=user).delete()


def export_meetings(user):
    registrations = (
        MeetingRegistration.objects.filter(user=user)
        .select_related("stage__consultation__proposal")
        .order_by("created_at", "pk")
    )
    return [
        {
            "proposal": registration.stage.consultation.proposal.slug,
            "stage": registration.stage.position,
            "stage_title": registration.stage.title,
            "name": registration.name,
            "organization": registration.organization,
            "category": registration.category,
            "show_name": registration.show_name,
            "status": registration.status,
            "registered": _iso(registration.created_at),
            "promoted": _iso(registration.promoted_at),
            "cancelled": _iso(registration.cancelled_at),
            "attended": registration.attended,
        }
        for registration in registrations
    ]


def erase_meetings(user):
    release_seats_of(user)
    registrations = MeetingRegistration.objects.filter(user=user)
    stage_ids = set(registrations.values_list("stage_id", flat=True))
    registrations.update(name="", organization="", show_name=False)
    # Public attendance lists are part of the stages' pages.
    Stage.objects.filter(pk__in=stage_ids).update(comments_version=F("comments_version") + 1)


def renew_threads_of(sender, user_id, **kwargs):
    """A person's public name changed (`accounts.models.public_name_changed`): every thread
    with one of their comments moves on (`thread_version`), so that the cached threads, stage
    pages and comment pages that show the name are rendered again, and the search documents
    of their comments (whose title carries the name) are refreshed.

    Side effects: one UPDATE of the threads' first comments; one search-queue row per comment."""
    comments = StageComment.objects.filter(user_id=user_id)
    StageComment.objects.filter(pk__in=comments.values("thread_id")).update(
        thread_version=F("thread_version") + 1
    )
    for comment in comments.only("pk"):
        search_indexing.enqueue(comment)


def export_questionnaires(user):
    responses = (
        QuestionnaireResponse.objects.filter(user=user)
        .select_related("stage__consultation__proposal")
        .prefetch_related("answers__question")
        .order_by("submitted_at", "pk")
    )
    records = []
    for response in responses:
        answers = []
        for answer in response.answers.all():
            question = answer.question
            labels = dict(question.options())
            key = answer.choice if answer.choice is not None else answer.value
            answers.append(
                {
                    "question": question.position,
                    "question_text": question.text,
                    "answer": answer.text if key is None else labels.get(key, key),
                }
            )
        records.append(
            {
                "proposal": response.stage.consultation.proposal.slug,
                "stage": response.stage.position,
                "stage_title": response.stage.title,
                "category": response.category,
                "sent": _iso(response.submitted_at),
                "changed": _iso(response.updated_at),
                "answers": answers,
            }
        )
    return records


def erase_questionnaires(user):
    """The responses stay in the counts without their person; their free texts are cleared
    (`domain.questionnaires.erase_responses_of`)."""
    erase_responses_of(user)
