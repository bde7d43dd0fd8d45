"""A stage's comment threads, built with a fixed number of queries and cached as rendered HTML.

The comments package's template tags cost about two queries per comment. Here a page of
threads costs three queries whatever its size — the number of top-level comments (for the
pagination), the ids of this page's top-level comments, and every comment of those threads with
its author and answer — and the tree is assembled in Python. The rendered page of threads is
cached under a key that carries the stage's `comments_version`, which every change to what the
threads show bumps (domain functions do it), so nothing is ever invalidated by hand.

A change re-renders only what it changed. Each thread is rendered and cached on its own, under
a digest of what its comments show (`thread_digest`): after a new reply, the page's other
threads come from the cache and only the replied-to thread is rendered again. Reaction counts
are not part of that digest: cached threads carry a placeholder per comment, and the counts of
the rows just read are written in (`fill_reactions`), so a reaction renders no thread at all.
The text under debate is cached likewise under a digest of its per-paragraph counts.

Only what is the same for every viewer is cached: the fragment's forms carry a placeholder
where the CSRF token goes, replaced after reading from the cache, and actions that depend on
who is looking (withdrawing one's own comment, moderating, answering) are on the comment's own
page.
"""

import hashlib
import re
from dataclasses import dataclass

from django.core.cache import cache
from django.core.paginator import Paginator
from django.db.models import Count
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, gettext

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
# Stands where a comment's reaction counts go in a cached thread (comment text is escaped).
REACTIONS = re.compile(r"<!--consult:reactions:(\d+)-->")
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


def _comments_of(root):
    """`root` and every reply under it, in the order they are shown."""
    stack, found = [root], []
    while stack:
        comment = stack.pop()
        found.append(comment)
        stack.extend(reversed(comment.replies))
    return found


def thread_digest(root):
    """A digest of everything the thread of `root` shows but its reaction counts: each
    comment's state, reason, author, date, stance, place, quote and text, the paragraph note and
    the answer. Two renderings of threads with the same digest (and the same `_key`) are equal."""
    digest = hashlib.blake2b(digest_size=16)
    for comment in _comments_of(root):
        answer = comment.answer
        note = comment.text_note
        parts = (
            comment.pk,
            comment.parent_id,
            comment.level,
            comment.state,
            comment.state_reason,
            comment.author_name,
            comment.submit_date.isoformat(),
            comment.stance,
            comment.block_key,
            comment.quote,
            comment.comment,
            (note.since, note.number, note.removed) if note else None,
            (answer.pk, answer.outcome, answer.reason, answer.applied_in_id) if answer else None,
        )
        digest.update(repr(parts).encode())
    return digest.hexdigest()


def reaction_text(comment):
    return gettext("Agree: %(agree)s · Disagree: %(disagree)s") % {
        "agree": comment.agree_count,
        "disagree": comment.disagree_count,
    }


def fill_reactions(html, comments):
    """`html` with the reaction placeholders of `comments` replaced by their counts."""
    texts = {str(comment.pk): reaction_text(comment) for comment in comments}
    filled = REACTIONS.sub(lambda match: texts.get(match.group(1), ""), html)
    return mark_safe(filled)  # noqa: S308 (our own HTML, the counts are numbers)


def render_thread_list(stage, roots, *, can_comment, status):
    """The HTML of each thread of `roots` (with reaction placeholders), from the cache where a
    thread is unchanged; the others are rendered and cached."""
    context = {
        **comment_context(stage, can_comment=can_comment, status=status),
        "reaction_placeholders": True,
    }
    proposal = stage.consultation.proposal
    # Not the stage's `comments_version`: a thread's key changes with what it shows, so that a
    # change elsewhere on the page leaves it in the cache.
    common = [
        stage.pk,
        stage.revision_id,  # the paragraphs' labels
        proposal.slug,
        proposal.current_revision_id,
        context["tz"],
        get_language(),
        status,
        int(can_comment),
    ]
    keys = [
        "consult:thread:"
        + ":".join(str(value) for value in [*common, root.pk, thread_digest(root)])
        for root in roots
    ]
    found = cache.get_many(keys) if keys else {}
    fresh = {}
    # Rendered apart from the page, so in the organisation's zone here (`_threads.html` sets it
    # for what it renders itself).
    with timezone.override(context["tz"]):
        for key, root in zip(keys, roots, strict=True):
            if key not in found:
                fresh[key] = render_to_string(
                    "consultations/_comment.html", {**context, "comment": root}
                )
    if fresh:
        cache.set_many(fresh, CACHE_SECONDS)
    return [mark_safe({**found, **fresh}[key]) for key in keys]  # noqa: S308 (our own HTML)


def page_count(stage):
    """How many pages the stage's threads fill (unfiltered; at least 1), counted once per
    version of the stage."""
    key = f"consult:page-count:{stage.pk}:{stage.comments_version}"
    count = cache.get(key)
    if count is None:
        threads = StageComment.objects.filter(stage=stage, level=0).count()
        count = max(1, -(-threads // PER_PAGE))
        cache.set(key, count, CACHE_SECONDS)
    return count


def render_threads(stage, filters, number, *, can_comment, status):
    """The threads section of a stage page (HTML, with the CSRF placeholder), from the cache
    when nothing changed since it was rendered; otherwise only the threads that changed are
    rendered again. A page number beyond the last is the last page (as the paginator reads it),
    so that made-up numbers share one cache entry."""
    if number > 1:
        number = min(number, page_count(stage))
    key = _key("threads", stage, status, int(can_comment), filters.block, filters.stance, number)
    html = cache.get(key)
    if html is None:
        page, threads = build_page(stage, filters, number)
        stage_url = stage_path(stage)
        context = {
            **comment_context(stage, can_comment=can_comment, status=status),
            "page": page,
            "rendered_threads": render_thread_list(
                stage, threads, can_comment=can_comment, status=status
            ),
            "threads": threads,
            "filters": filters,
            "stage_url": stage_url,
            "previous_query": filters.query(page=page.previous_page_number())
            if page.has_previous()
            else "",
            "next_query": filters.query(page=page.next_page_number()) if page.has_next() else "",
        }
        html = render_to_string("consultations/_threads.html", context)
        html = fill_reactions(html, [c for root in threads for c in _comments_of(root)])
        cache.set(key, html, CACHE_SECONDS)
    return html


def render_text(stage, *, status):
    """The revision under debate with the comment count of each paragraph, cached under those
    counts (a reaction or an answer does not render it again; a new comment on a paragraph
    does)."""
    counts = block_counts(stage)
    digest = hashlib.blake2b(repr(sorted(counts.items())).encode(), digest_size=16).hexdigest()
    proposal = stage.consultation.proposal
    key = ":".join(
        [
            "consult:text",
            str(stage.pk),
            str(stage.revision_id),
            str(proposal.current_revision_id),
            proposal.status,
            proposal.language,
            stage_path(stage),
            get_language(),
            status,
            digest,
        ]
    )
    html = cache.get(key)
    if html is None:
        html = render_to_string(
            "consultations/_stage_text.html",
            {
                "stage": stage,
                "stage_url": stage_path(stage),
                "proposal": proposal,
                "revision": stage.revision,
                "stage_text": True,
                "block_counts": counts,
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
