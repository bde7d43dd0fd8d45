"""Grouping a stage's identical and near-identical top-level comments (form-letter campaigns).

How two texts are compared is `consultations.similarity`. Grouping never slows posting down:
`post_comment` only queues `group_comment_task` after its commit (run in process in the
embedded default, by a worker with a broker), which fingerprints the comment and puts it in the
group of the earlier comments it repeats. Replies are not grouped: they are answered in their
thread. A group is a selection aid for answering (`synthesis.answer_comments`); every member keeps
its own answer, and a comment that joins a group later is unanswered in it.

Groups are made, never merged: a comment resembling members of two groups joins the one of the
comment it resembles most. Nothing here logs: grouping is the platform's reading of the texts,
not anyone's decision, and it changes nothing that was public.
"""

from celery import shared_task
from django.db import transaction
from django.db.models import Count

from consultations import similarity
from consultations.models import CommentBand, CommentGroup, StageComment

# How many earlier comments sharing a band with the new one are compared exactly (those sharing
# the most bands first). A member of a campaign shares nearly every band with the others, so the
# group is found among the first few; the bound keeps a 10,000-letter campaign cheap.
CANDIDATES = 20


def queue_grouping(comment):
    """Group a new top-level comment once its transaction commits (the caller posts only
    top-level comments here). Side effects: a task queued after commit (`group_comment_task`)."""
    pk = comment.pk
    transaction.on_commit(lambda: group_comment_task.delay(pk))


@shared_task(name="consultations.group_comment", ignore_result=True)
def group_comment_task(comment_id):
    """Thin: `group_comment`. Side effects: those of `group_comment`."""
    group_comment(comment_id)


@transaction.atomic
def group_comment(comment_id):
    """Fingerprint a stored top-level comment and put it in the group of the earlier comments of
    its stage that it repeats (similarity at least `similarity.THRESHOLD`); with none grouped
    yet, a new group of them all, identified by the earliest. Returns the group or None.
    Idempotent: a comment already grouped is left as it is, its bands are stored once.

    Side effects: the comment's `CommentBand` rows; maybe a `CommentGroup`; the `group` of the
    comment and of the ungrouped comments it repeats. No log row (see the module)."""
    comment = (
        StageComment.objects.filter(pk=comment_id, level=0)
        .only("pk", "stage_id", "comment", "group_id")
        .first()
    )
    if comment is None:
        return None
    if comment.group_id is not None:
        return CommentGroup.objects.get(pk=comment.group_id)
    found = similarity.shingles(comment.comment)
    keys = similarity.band_keys(found)
    if not CommentBand.objects.filter(comment_id=comment.pk).exists():
        CommentBand.objects.bulk_create(
            CommentBand(stage_id=comment.stage_id, comment_id=comment.pk, key=key) for key in keys
        )
    candidates = [
        row["comment_id"]
        for row in CommentBand.objects.filter(stage_id=comment.stage_id, key__in=keys)
        .exclude(comment_id=comment.pk)
        .values("comment_id")
        .annotate(shared=Count("pk"))
        .order_by("-shared", "comment_id")[:CANDIDATES]
    ]
    matches = []
    for pk, text, group_id in StageComment.objects.filter(pk__in=candidates).values_list(
        "pk", "comment", "group_id"
    ):
        score = similarity.similarity(found, similarity.shingles(text))
        if score >= similarity.THRESHOLD:
            matches.append((score, pk, group_id))
    if not matches:
        return None
    grouped = sorted((-score, group_id) for score, _pk, group_id in matches if group_id)
    if grouped:
        group = CommentGroup.objects.get(pk=grouped[0][1])
        members = [comment.pk]
    else:
        members = [comment.pk, *(pk for _score, pk, _group in matches)]
        # Keyed by its earliest comment: two letters grouped at once with the same earlier one
        # (two workers) meet in the same row instead of making two groups.
        group, _created = CommentGroup.objects.get_or_create(
            seed_id=min(members), defaults={"stage_id": comment.stage_id}
        )
    StageComment.objects.filter(pk__in=members, group__isnull=True).update(group=group)
    return group


def group_stage(stage):
    """Group every top-level comment of `stage` not fingerprinted yet, oldest first, exactly as
    if each had just been posted (comments stored before grouping existed; `manage.py
    group_comments`). Returns how many were looked at.

    Side effects: those of `group_comment`, for each."""
    pending = list(
        StageComment.objects.filter(stage=stage, level=0, bands__isnull=True)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    for pk in pending:
        group_comment(pk)
    return len(pending)
