"""A stage's comment threads, built with a fixed number of queries and cached as rendered HTML.

The comments package's template tags cost about two queries per comment. Here a page of
threads costs three queries whatever its size — the number of top-level comments (for the
pagination), the ids of this page's top-level comments, and every comment of those threads with
its author and answer — and the tree is assembled in Python. The rendered fragment is cached
under a key that carries the stage's `comments_version`, which every change to what the threads
show bumps (domain functions do it), so nothing is ever invalidated by hand.

Only what is the same for every viewer is cached: the fragment's forms carry a placeholder
where the CSRF token goes, replaced after reading from the cache, and actions that depend on
who is looking (withdrawing one's own comment, moderating, answering) are on the comment's own
page.
"""

import re
from dataclasses import dataclass

from django.core.cache import cache
from django.core.paginator import Paginator
from django.db.models import Count
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

from consultations.anchors import follower_for
from consultations.domain import MAX_LEVEL, block_keys, block_labels
from consultations.models import CommentState, StageComment, StageStatus, Stance
from core.params import page_param

_MARKUP = re.compile(r"[*_#>`\[\]]+")

PER_PAGE = 20
CACHE_SECONDS = 24 * 3600
# Stands where the CSRF token goes in cached HTML. Comment text is escaped, so no one can
# write this into a page.
CSRF_PLACEHOLDER = "<!--consult:csrf-->"
# The block filter's value for comments on the whole text rather than one paragraph.
WHOLE_TEXT = "whole"


@dataclass(frozen=True)
class Filters:
    block: str = ""  # "", WHOLE_TEXT or a block key of the revision under debate
    stance: str = ""

    @classmethod
    def from_query(cls, query, stage):
        block = query.get("block", "")
        if block != WHOLE_TEXT and block not in block_keys(stage.revision):
            block = ""
        stance = query.get("stance", "")
        if stance not in Stance.values:
            stance = ""
        return cls(block=block, stance=stance)

    @property
    def active(self):
        return bool(self.block or self.stance)

    def query(self, **extra):
        params = {"block": self.block, "stance": self.stance, **extra}
        return urlencode({name: value for name, value in params.items() if value})


def paragraph_labels(revision):
    """Block key → the label people choose a paragraph by: its public label (“§2 Art. 5”),
    followed for a text block by its first words."""
    labels = block_labels(revision)
    for block in revision.blocks if revision is not None else []:
        if block["type"] != "text":
            continue
        words = " ".join(_MARKUP.sub(" ", block.get("text", "")).split())
        if words:
            snippet = words if len(words) <= 60 else words[:60].rsplit(" ", 1)[0] + "…"
            labels[block["key"]] = f"{labels[block['key']]} — {snippet}"
    return labels


def page_number(value):
    """The page of threads asked for (`core.params.page_param`: 1 for anything malformed)."""
    return page_param(value)


def top_level(stage, filters=None):
    filters = filters or Filters()
    comments = StageComment.objects.filter(stage=stage, level=0)
    if filters.block == WHOLE_TEXT:
        comments = comments.filter(block_key="")
    elif filters.block:
        comments = comments.filter(block_key=filters.block)
    if filters.stance:
        comments = comments.filter(stance=filters.stance)
    return comments.order_by("thread_id")


def _assemble(comments, labels, follower):
    """Top-level comments in order, each reply attached under its parent (`.replies`)."""
    by_pk, roots = {}, []
    for comment in comments:
        comment.replies = []
        comment.heading_level = min(comment.level + 3, 6)
        comment.block_label = labels.get(comment.block_key, "") if comment.block_key else ""
        comment.text_note = follower.note(comment.revision_id, comment.block_key)
        comment.answer = getattr(comment, "disposition", None)
        by_pk[comment.pk] = comment
        if comment.level == 0:
            roots.append(comment)
        else:
            parent = by_pk.get(comment.parent_id)
            if parent is not None:
                parent.replies.append(comment)
    return roots


def thread_comments(thread_ids):
    """Every comment of these threads, in thread order, with what rendering them needs."""
    return (
        StageComment.objects.filter(thread_id__in=thread_ids)
        .select_related("user__profile", "disposition__applied_in")
        .order_by("thread_id", "order")
    )


def build_page(stage, filters, number):
    """(page, threads): one page of top-level comments and their whole threads; 3 queries."""
    paginator = Paginator(top_level(stage, filters).values_list("pk", flat=True), PER_PAGE)
    page = paginator.get_page(number)
    ids = list(page.object_list)
    comments = list(thread_comments(ids)) if ids else []
    labels = paragraph_labels(stage.revision)
    roots = _assemble(comments, labels, follower_for(stage.consultation.proposal))
    order = {pk: index for index, pk in enumerate(ids)}
    roots.sort(key=lambda comment: order.get(comment.pk, 0))
    return page, roots


def build_thread(comment):
    """The whole thread `comment` belongs to (for the comment's own page); one query."""
    stage = comment.stage
    comments = list(thread_comments([comment.thread_id]))
    roots = _assemble(comments, paragraph_labels(stage.revision), follower_for(stage.proposal))
    return roots[0] if roots else None


def block_counts(stage):
    """Shown comments per block key ("" for the whole text), cached until the stage changes."""
    key = f"consult:block-counts:{stage.pk}:{stage.comments_version}"
    counts = cache.get(key)
    if counts is None:
        counts = dict(
            StageComment.objects.filter(stage=stage, state=CommentState.VISIBLE)
            .order_by()
            .values_list("block_key")
            .annotate(n=Count("pk"))
            .values_list("block_key", "n")
        )
        cache.set(key, counts, CACHE_SECONDS)
    return counts


def _key(kind, stage, *parts):
    proposal = stage.consultation.proposal
    values = [
        stage.pk,
        stage.comments_version,
        proposal.current_revision_id,
        proposal.status,
        get_language(),
        *parts,
    ]
    return f"consult:{kind}:" + ":".join(str(value) for value in values)


def comment_context(stage, *, can_comment, status):
    """What `_comment.html` needs beside the comment itself."""
    proposal = stage.consultation.proposal
    return {
        "stage": stage,
        "proposal": proposal,
        "tz": proposal.organization.zone,
        "can_comment": can_comment,
        "is_open": status == StageStatus.OPEN,
        "max_level": MAX_LEVEL,
        "csrf_placeholder": mark_safe(CSRF_PLACEHOLDER),  # noqa: S308 (a constant)
    }


def render_threads(stage, filters, number, *, can_comment, status):
    """The threads section of a stage page (HTML, with the CSRF placeholder), from the cache
    when nothing changed since it was rendered."""
    key = _key("threads", stage, status, int(can_comment), filters.block, filters.stance, number)
    html = cache.get(key)
    if html is None:
        page, threads = build_page(stage, filters, number)
        stage_url = stage_path(stage)
        context = {
            **comment_context(stage, can_comment=can_comment, status=status),
            "page": page,
            "threads": threads,
            "filters": filters,
            "stage_url": stage_url,
            "labels": paragraph_labels(stage.revision),
            "previous_query": filters.query(page=page.previous_page_number())
            if page.has_previous()
            else "",
            "next_query": filters.query(page=page.next_page_number()) if page.has_next() else "",
        }
        html = render_to_string("consultations/_threads.html", context)
        cache.set(key, html, CACHE_SECONDS)
    return html


def render_text(stage, *, status):
    """The revision under debate with the comment count of each paragraph, cached likewise."""
    key = _key("text", stage, status)
    html = cache.get(key)
    if html is None:
        proposal = stage.consultation.proposal
        html = render_to_string(
            "consultations/_stage_text.html",
            {
                "stage": stage,
                "stage_url": stage_path(stage),
                "proposal": proposal,
                "revision": stage.revision,
                "stage_text": True,
                "block_counts": block_counts(stage),
                "is_open": status == StageStatus.OPEN,
            },
        )
        cache.set(key, html, CACHE_SECONDS)
    return html


def with_csrf(html, csrf_input):
    return mark_safe(html.replace(CSRF_PLACEHOLDER, str(csrf_input)))  # noqa: S308


def page_of(comment):
    """The page of the unfiltered stage threads where `comment`'s thread is; one query."""
    before = StageComment.objects.filter(
        stage_id=comment.stage_id, level=0, thread_id__lt=comment.thread_id
    ).count()
    return before // PER_PAGE + 1


def stage_path(stage):
    return reverse("consultations:stage", args=[stage.consultation.proposal.slug, stage.position])


def location(comment):
    """The address of `comment` in its stage's threads."""
    stage = comment.stage
    url = stage_path(stage)
    number = page_of(comment)
    query = f"?page={number}" if number > 1 else ""
    return f"{url}{query}#comment-{comment.pk}"
