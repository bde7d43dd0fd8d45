"""A stage's comment threads, built with a fixed number of queries and cached as rendered HTML.

The comments package's template tags cost about two queries per comment. Here a page of
threads costs one indexed query for the page's threads and their versions, whatever the number
of comments, and the stored counts (`CommentCount`) give the number of threads and pages; the
tree of a thread is assembled in Python.

A change re-renders only what it changed. Each thread is rendered and cached on its own, under
its `thread_version` (on its first comment), which every change to what it shows moves on
(`consultations.domain.common`): after a new reply, only the replied-to thread is read and rendered
again; the page's other threads come from the cache. The page of threads is cached under the list
of its threads and their versions, so a change in another thread, or on another page, leaves it in
use; each thread in it is a marked part (`core.pagecache.part`), so a kept copy of an anonymous
page has a changed thread replaced without the page being rendered again (`refill`); after a reply,
the grouper's run that follows the commit refills the kept copies of the stage's pages itself, that
thread rendered in them (`refill_ahead`, as after a reaction, a moderation or an answer), so that
the copies' readers after it read them as they are. What changes with every comment or reaction
keys nothing: cached HTML carries placeholders (`core.pagecache.placeholder`) for the reaction
counts of each comment, the number of threads and pages and each paragraph's count, and
`fill_values` gives what is written into them when a
page is served.

Only what is the same for every viewer is cached: the fragment's forms carry a placeholder
where the CSRF token goes, replaced after reading from the cache, and actions that depend on
who is looking (withdrawing one's own comment, moderating, answering) are on the comment's own
page.
"""

import contextlib
import functools
import hashlib
import logging
import marshal
import re
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.core.paginator import Paginator
from django.db import connection
from django.template.loader import render_to_string
from django.urls import get_script_prefix, reverse, set_script_prefix
from django.utils import timezone
from django.utils.html import escape
from django.utils.http import urlencode
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, gettext, ngettext

from consultations.anchors import follower_for
from consultations.domain import MAX_LEVEL, block_keys, block_labels
from consultations.domain.common import read_counts
from consultations.models import (
    THREADS_PER_PAGE,
    Reaction,
    Stage,
    StageComment,
    StageStatus,
    Stance,
    ThreadPage,
)
from core import earlycache, sql
from core.earlycache import Spliced
from core.pagecache import Filled, Recent, part, placeholder, release
from core.params import page_param
from proposals import stored_blocks

log = logging.getLogger(__name__)

_MARKUP = re.compile(r"[*_#>`\[\]]+")

PER_PAGE = THREADS_PER_PAGE
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


# The labels of the texts under debate, made once per process (`proposals.stored_blocks`).
_LABELS = Recent(stored_blocks.KEPT)


def paragraph_labels(revision):
    """Block key → the label people choose a paragraph by: its public label (“§2 Art. 5”),
    followed for a text block by its first words (a new dict; made once per process for a
    saved revision read with its hash)."""
    key = stored_blocks.key_of(revision)
    if key is None:
        return _paragraph_labels(revision)
    found = _LABELS.get(key)
    if found is None:
        found = _LABELS.keep(key, _paragraph_labels(revision))
    return dict(found)


def _paragraph_labels(revision):
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
    """The first comments of the stage's threads (through `filters`), in thread order: one of
    the `stage_threads` indexes serves it whatever the number of comments."""
    filters = filters or Filters()
    comments = StageComment.objects.filter(stage_id=stage.pk, starts_thread=True)
    if filters.block == WHOLE_TEXT:
        comments = comments.filter(block_key="")
    elif filters.block:
        comments = comments.filter(block_key=filters.block)
    if filters.stance:
        comments = comments.filter(stance=filters.stance)
    # A thread's id is its first comment's.
    return comments.order_by("pk")


# --- The reads of every stage page view, as SQL made once ------------------------------------
#
# A kept copy of a stage page is refilled (`refill`) in three small reads: its threads, the
# stored counts, the reaction counts (and, for a thread of its own that changed, the stage and
# that thread, through the ORM). Compiled by the ORM at each request, the compilation
# cost more than the reads; here each statement is written once per process and database
# vendor (and shape: the filters used, the number of threads), from the models' own table and
# column names, and read as tuples. Each says what its ORM form in the comment says, and
# `tests/consultations/test_early_refill.py` compares their answers with the ORM's.


def _threads_sql(by_block, by_stance):
    # top_level(stage, filters).values_list("pk", "thread_version")[offset : offset + limit];
    # `starts_thread` compared as itself, as the partial indexes' condition is written.
    table, column = _columns(StageComment)
    if not (by_block or by_stance):
        return _page_threads_sql(table, column)
    where = [f"{column('stage')} = %s", column("starts_thread")]
    if by_block:
        where.append(f"{column('block_key')} = %s")
    if by_stance:
        where.append(f"{column('stance')} = %s")
    return (
        f"SELECT {column('pk')}, {column('thread_version')} FROM {table} "
        f"WHERE {' AND '.join(where)} ORDER BY {column('pk')} ASC LIMIT %s OFFSET %s"
    )


def _page_threads_sql(table, column):
    # The same for the unfiltered threads, from where the nearest page written before it starts
    # (`ThreadPage`): its threads by their ids from that first one, the pages between counted
    # over (none once the page itself is written). Parameters: stage, stage, page, limit, page,
    # stage, page, limit. Without any page written, from the first thread, as `OFFSET` alone
    # would. A plain SELECT (no WITH): `core.earlycache` tells reads from writes by the first word.
    return (
        f"SELECT {column('pk')}, {column('thread_version')} FROM {table} "
        f"WHERE {column('stage')} = %s AND {column('starts_thread')} "
        f"AND {column('pk')} >= COALESCE({_nearest_page('first_thread_id', 'number')}, 0) "
        f"ORDER BY {column('pk')} ASC LIMIT %s "
        f"OFFSET (%s - COALESCE({_nearest_page('number', 'number')}, 1)) * %s"
    )


def _nearest_page(name, by):
    # `name` of the stage's last recorded page (`ThreadPage`) whose `by` is at most a bound, as a
    # scalar subquery; parameters: stage, bound. Both unique constraints serve it.
    pages, (stage, name, by) = sql.quoted(ThreadPage, ["stage_id", name, by])
    return (
        f"(SELECT {name} FROM {pages} WHERE {stage} = %s AND {by} <= %s ORDER BY {by} DESC LIMIT 1)"
    )


def _reactions_sql(number):
    # StageComment.objects.filter(thread_id__in=…).exclude(agree_count=0, disagree_count=0)
    # .values_list("pk", "agree_count", "disagree_count"): the thread id is in the comments
    # package's table, joined by the parent link.
    table, column = _columns(StageComment)
    parent = StageComment._meta.pk.remote_field.model
    parent_table, parent_column = _columns(parent)
    ids = ", ".join(["%s"] * number)
    return (
        f"SELECT {column('pk')}, {column('agree_count')}, {column('disagree_count')} "
        f"FROM {table} INNER JOIN {parent_table} ON {column('pk')} = {parent_column('pk')} "
        f"WHERE {parent_column('thread_id')} IN ({ids}) "
        f"AND NOT ({column('agree_count')} = 0 AND {column('disagree_count')} = 0)"
    )


def _columns(model):
    """(the quoted table, name → its quoted column, table-qualified) of `model`."""
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)

    def column(name):
        field = model._meta.pk if name == "pk" else model._meta.get_field(name)
        return f"{table}.{quote(field.column)}"

    return table, column


_STATEMENTS = {"threads": _threads_sql, "reactions": _reactions_sql}


def statement(name, shape=()):
    """The SQL of the read `name` ("threads", "reactions") in `shape`, for the
    default database's vendor: written at first use, then kept for the process (`core.sql`)."""
    return sql.kept(("refill", name, shape), lambda: _STATEMENTS[name](*shape))


def _read(cursor, name, shape, params):
    """The rows (tuples) the read `name` in `shape` gives for `params`, through `cursor` or a
    new one."""
    if cursor is None:
        with connection.cursor() as cursor:
            return _read(cursor, name, shape, params)
    cursor.execute(statement(name, shape), params)
    return cursor.fetchall()


def reaction_counts(thread_ids, cursor=None):
    """[(id, agree, disagree)] of the comments with reactions in the threads `thread_ids`
    (values, not model instances): one query, none for no threads."""
    if not thread_ids:
        return []
    return _read(cursor, "reactions", (len(thread_ids),), list(thread_ids))


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


class Counts:
    """A stage's comment counts: the stored rows (`CommentCount`) with the comments waiting to
    be added to them (`domain.common.read_counts`), one query. `rows`: [(block key, stance,
    threads, shown comments)], one per key, sorted."""

    def __init__(self, stage, cursor=None):
        self.rows = self._rows(stage.pk, cursor)

    @classmethod
    def of_stage(cls, stage_id, cursor=None):
        """The counts of the stage whose id is `stage_id` (no model instance made)."""
        counts = cls.__new__(cls)
        counts.rows = cls._rows(stage_id, cursor)
        return counts

    @staticmethod
    def _rows(stage_id, cursor):
        return [row[1:] for row in read_counts("stage", stage_id, cursor)]

    def by_block(self):
        """In one pass over the rows: (shown comments per block key, "" for the whole text,
        blocks with none left out; block key → {stance: shown comments} for the blocks whose
        shown comments have a stance — replies have none)."""
        shown, stances = {}, {}
        for block_key, stance, _threads, count in self.rows:
            if count:
                shown[block_key] = shown.get(block_key, 0) + count
                if stance:
                    stances.setdefault(block_key, {})[stance] = count
        return shown, stances

    def shown_by_block(self):
        """Shown comments per block key ("" for the whole text); blocks with none left out."""
        return self.by_block()[0]

    def threads(self, filters):
        """How many threads `filters` let through."""
        block = "" if filters.block == WHOLE_TEXT else filters.block
        return sum(
            threads
            for block_key, stance, threads, _shown in self.rows
            if (not filters.block or block_key == block)
            and (not filters.stance or stance == filters.stance)
        )


def paginate(counts, filters, number):
    """The page `number` of the threads `filters` let through (the last for a number beyond
    it), counted from the stored counts: nothing is read."""
    return Paginator(range(counts.threads(filters)), PER_PAGE).get_page(number)


def page_threads(stage, filters, page):
    """[(id, thread_version)] of the threads on `page`, in order: one indexed query."""
    return listed_threads(stage.pk, filters, page.number)


def listed_threads(stage_id, filters, number, cursor=None):
    """[(id, thread_version)] of the threads on page `number` of the stage's threads through
    `filters`, in order: one query on one of the `stage_threads` indexes (`top_level`'s)."""
    shape = (bool(filters.block), bool(filters.stance))
    if shape == (False, False):
        # From the nearest page written (`_page_threads_sql`): no walk over the earlier pages.
        params = [stage_id, stage_id, number, PER_PAGE, number, stage_id, number, PER_PAGE]
        return _read(cursor, "threads", shape, params)
    params = [stage_id]
    if filters.block:
        params.append("" if filters.block == WHOLE_TEXT else filters.block)
    if filters.stance:
        params.append(filters.stance)
    params += [PER_PAGE, (number - 1) * PER_PAGE]
    return _read(cursor, "threads", shape, params)


def build_page(stage, filters, number):
    """(page, threads): one page of top-level comments and their whole threads; 3 queries."""
    page = paginate(Counts(stage), filters, number)
    ids = [pk for pk, _version in page_threads(stage, filters, page)]
    return page, build_threads(stage, ids)


def build_threads(stage, ids):
    """The threads whose first comments are `ids`, assembled, in that order; one query."""
    comments = list(thread_comments(ids)) if ids else []
    labels = paragraph_labels(stage.revision)
    roots = _assemble(comments, labels, follower_for(stage.consultation.proposal))
    order = {pk: index for index, pk in enumerate(ids)}
    roots.sort(key=lambda comment: order.get(comment.pk, 0))
    return roots


def build_thread(comment):
    """The whole thread `comment` belongs to (for the comment's own page); one query."""
    stage = comment.stage
    comments = list(thread_comments([comment.thread_id]))
    roots = _assemble(comments, paragraph_labels(stage.revision), follower_for(stage.proposal))
    return roots[0] if roots else None


def block_counts(stage):
    """Shown comments per block key ("" for the whole text), from the stored counts."""
    return Counts(stage).shown_by_block()


def _key(kind, stage, *parts):
    proposal = stage.consultation.proposal
    values = [
        release(),  # a deploy's templates and code render anew
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


class Texts(dict):
    """Texts made by `make` from numbers (the key: one number, or a tuple of them) in one
    language, made when first asked for. `make` runs in the active language: a table is
    read for the active language only (`once_per_language`)."""

    __slots__ = ("make",)
    # Numbers are few (a page's counts repeat), but nothing bounds them: a table this full
    # starts again.
    KEPT = 4096

    def __init__(self, make):
        super().__init__()
        self.make = make

    def __missing__(self, numbers):
        if len(self) >= self.KEPT:
            self.clear()
        text = self.make(*numbers) if isinstance(numbers, tuple) else self.make(numbers)
        self[numbers] = text
        return text


_TEXTS = {}


def once_per_language(make):
    """`make(*numbers)` (a text in the active language, from numbers only), made once per
    process, language and numbers: a page writes about a hundred counts, the same few values
    again and again, and their translation and formatting took a fifth of a refill.
    `made.texts(language)`, for the active language, is the table itself (a dict lookup per
    text)."""

    def texts(language):
        found = _TEXTS.get((language, make))
        if found is None:
            found = _TEXTS[language, make] = Texts(make)
        return found

    @functools.wraps(make)
    def made(*numbers):
        return texts(get_language())[numbers if len(numbers) > 1 else numbers[0]]

    made.texts = texts
    return made


@once_per_language
def counts_text(agree, disagree):
    return gettext("Agree: %(agree)s · Disagree: %(disagree)s") % {
        "agree": agree,
        "disagree": disagree,
    }


@once_per_language
def comments_text(count):
    return ngettext("%(counter)s comment", "%(counter)s comments", count) % {"counter": count}


@once_per_language
def whole_text_comments(count):
    return ngettext(
        "%(counter)s comment on the whole text.", "%(counter)s comments on the whole text.", count
    ) % {"counter": count}


@once_per_language
def threads_text(count):
    return ngettext("%(counter)s thread", "%(counter)s threads", count) % {"counter": count}


@once_per_language
def pages_text(number, total):
    return gettext("Page %(number)s of %(total)s") % {"number": number, "total": total}


def viewer_reactions(viewer, thread_ids):
    """Comment id → "agree"/"disagree": the reactions `viewer` (signed in) gave in the threads
    `thread_ids`; empty for anyone else. One query. Side effects: none."""
    if viewer is None or not viewer.is_authenticated or not thread_ids:
        return {}
    return dict(
        Reaction.objects.filter(user=viewer, comment__thread_id__in=list(thread_ids))
        .order_by()
        .values_list("comment_id", "value")
    )


def reaction_mark(value):
    """What a viewer reads of their own reaction next to the counts."""
    if value == Reaction.AGREE:
        return gettext("your reaction: you agree")
    if value == Reaction.DISAGREE:
        return gettext("your reaction: you disagree")
    return ""


# The stance strip: its parts in this order, their widths in steps of STRIP_STEP per cent (one
# CSS class per step: the Content-Security-Policy allows no style attribute).
STRIP_STANCES = (Stance.SUPPORT, Stance.OPPOSE, Stance.NEUTRAL)
STRIP_STEP = 5


def strip_widths(numbers):
    """Per cent widths, multiples of STRIP_STEP that add up to 100, for `numbers` (not all
    zero): largest remainders first, and every number above zero gets at least one step."""
    steps = 100 // STRIP_STEP
    total = sum(numbers)
    exact = [number * steps / total for number in numbers]
    widths = [int(value) for value in exact]
    by_remainder = sorted(range(len(numbers)), key=lambda i: (widths[i] - exact[i], i))
    for index in by_remainder[: steps - sum(widths)]:
        widths[index] += 1
    for index, number in enumerate(numbers):
        if number and not widths[index]:
            widths[index] = 1
            widths[max(range(len(widths)), key=lambda i: widths[i])] -= 1
    return [width * STRIP_STEP for width in widths]


def stance_text(stances):
    """What a reader reads of a paragraph's stances: "for: 3 · against: 1 · neutral: 2"."""
    return gettext("for: %(support)s · against: %(oppose)s · neutral: %(neutral)s") % {
        stance: stances.get(stance, 0) for stance in STRIP_STANCES
    }


def stance_strip(stances):
    """The HTML of a paragraph's stance strip for {stance: shown comments}: a bar in three
    colours (hidden from screen readers) and the same numbers as text."""
    return _stance_strip(*(stances.get(stance, 0) for stance in STRIP_STANCES))


@once_per_language
def _stance_strip(*numbers):
    # What format_html would make, without it: made for every new set of numbers, that is for
    # about every comment (a fifth of a refill went here). The stances are constants, the
    # widths numbers; the texts are escaped.
    parts = "".join(
        f'<span class="stance-part stance-part-{stance} stance-w-{width}"></span>'
        for stance, number, width in zip(STRIP_STANCES, numbers, strip_widths(numbers), strict=True)
        if number
    )
    label = escape(gettext("Stances of the comments:"))
    text = escape(stance_text(dict(zip(STRIP_STANCES, numbers, strict=True))))
    return mark_safe(  # noqa: S308 (escaped above)
        f'<span class="stance-strip" aria-hidden="true">{parts}</span>'
        f'<span class="stance-text"><span class="visually-hidden">{label} </span>{text}</span>'
    )


def fill_values(stage, filters, page, threads, counts, viewer=None, cursor=None):
    """What is written into the placeholders of a stage page showing `threads` ([(id,
    version)]) on `page` (a `core.pagecache.Filled` without parts): the counts, and the
    reaction counts of the threads' comments (one query, for the comments that have some);
    for a signed-in `viewer`, the reactions they gave, next to those counts (one more query:
    such a page is theirs, never a shared copy)."""
    language = get_language()
    comments = comments_text.texts(language)
    strips = _stance_strip.texts(language)
    reactions = counts_text.texts(language)
    shown, stances = counts.by_block()
    total = page.paginator.count
    values = {
        "total": comments[sum(shown.values())],
        "whole": whole_text_comments.texts(language)[shown.get("", 0)],
        "threads": threads_text.texts(language)[total],
        "pages": pages_text.texts(language)[page.number, page.paginator.num_pages],
    }
    for block_key, count in shown.items():
        values[f"block.{block_key}"] = comments[count]
    for block_key, numbers in stances.items():
        values[f"stance.{block_key}"] = strips[
            numbers.get(STRIP_STANCES[0], 0),
            numbers.get(STRIP_STANCES[1], 0),
            numbers.get(STRIP_STANCES[2], 0),
        ]
    # (id, agree, disagree) of the comments with reactions: values, not model instances.
    reacted = reaction_counts([pk for pk, _version in threads], cursor)
    for pk, agree, disagree in reacted:
        values[f"reactions.{pk}"] = reactions[agree, disagree]
    mine = viewer_reactions(viewer, [pk for pk, _version in threads])
    if mine:
        counted = {pk: (agree, disagree) for pk, agree, disagree in reacted}
        for pk, value in mine.items():
            text = counts_text(*counted.get(pk, (0, 0)))
            values[f"reactions.{pk}"] = f"{text} · {reaction_mark(value)}"
    defaults = {"block": comments[0], "reactions": reactions[0, 0], "stance": ""}
    return Filled((), values, defaults, None if mine else _numbers(total, page, counts, reacted))


def _numbers(total, page, counts, reacted):
    """What the texts of a page's counts are made from, as bytes for its ETag
    (`core.pagecache.Filled.numbers`), in a fifth of the time the texts took to digest: the
    same bytes for the same rows in every process (marshal's first version writes values only,
    never references, and its strings whole). Rows read in another order (the reads have none)
    would only give another ETag for the same page, a 304 missed, never a page kept under
    another's. None (the texts are digested) for a value marshal does not write."""
    try:
        return marshal.dumps(
            (total, page.number, page.paginator.num_pages, counts.rows, reacted), 0
        )
    except ValueError:
        return None


REFILL = "consultations.stage-page"


def early_state(stage, filters, page, threads, listed, *, status, parts):
    """What `refill` needs to write a kept copy of a stage page (anonymous, in its language)
    again: the stage, the filters, the page number, whether a next page follows, the page's
    threads and their versions ([(id, version)]), whether the page lists threads, the stage's
    status its dates give, the page's version parts but its threads (`views.stages`), where
    its threads are cached (`fragment_prefix`: what the page shows of the stage in those keys
    changes only with writes outside the comment tables, which leave no copy to refill)."""
    return (
        stage.pk,
        filters.block,
        filters.stance,
        page.number,
        page.has_next(),
        tuple(threads),
        listed,
        status,
        tuple(parts),
        fragment_prefix(stage, can_comment=False, status=status),
    )


def refill(state):
    """What to write into a kept copy of a stage page (`core.earlycache`: a comment or a
    reaction was written somewhere since): the counts (a `Filled`); when some of its threads
    changed (a reply, a comment hidden or withdrawn) a `core.earlycache.Spliced` with those
    threads rendered again, the others kept as they are; or None when the page now lists other
    threads or has other pages around it, or its stage or one of those threads is gone. Three
    queries: the page's threads and versions, the stored counts, the reaction counts; threads
    that changed are read from the cache under the copy's keys (rendered by another copy's
    refill in the same language), and those not found there cost two more, the stage and
    those threads (`render_fragments`). What else the page shows does not follow the comment
    tables (`consultations.domain.common`)."""
    stage_id, block, stance, number, has_next, shown, listed, status, parts, prefix = state
    filters = Filters(block=block, stance=stance)
    with connection.cursor() as cursor:
        # The threads first: other threads on the page (the likelier miss) cost one query.
        threads = tuple(listed_threads(stage_id, filters, number, cursor) if listed else [])
        if [pk for pk, _version in threads] != [pk for pk, _version in shown]:
            return None
        counts = Counts.of_stage(stage_id, cursor)
        page = paginate(counts, filters, number)
        if page.number != number or page.has_next() != has_next:
            return None
        # (`fill_values` does not read the stage: none is made.)
        filled = fill_values(None, filters, page, threads, counts, cursor=cursor)
    changed = [thread for thread, before in zip(threads, shown, strict=True) if thread != before]
    if not changed:
        return filled
    # Rendered for another copy already: nothing more is read.
    fragments, missing = cached_fragments(prefix, changed)
    if missing:
        stage = stage_to_render(stage_id)
        # Rendered here under another prefix (a worker whose script prefix is not the servers',
        # `refill_ahead`), the threads' links would not be the page's: rendered whole instead.
        if stage is None or fragment_prefix(stage, can_comment=False, status=status) != prefix:
            return None
        fragments.update(render_fragments(stage, missing, can_comment=False, status=status))
    if len(fragments) != len(changed):
        return None  # a thread gone meanwhile: the page is rendered whole
    return Spliced(
        Filled((*parts, threads, has_next), filled.values, filled.defaults, filled.numbers),
        (*state[:5], threads, *state[6:]),
        {thread_part(pk): html for pk, html in fragments.items()},
    )


def stage_to_render(stage_id):
    """The stage with what rendering its threads reads (its proposal and organisation, the
    revision under debate without its blocks: its paragraphs' labels are kept per process,
    `paragraph_labels`), or None when it is gone. One query."""
    return (
        Stage.objects.select_related("consultation__proposal__organization", "revision")
        .defer("revision__blocks")
        .filter(pk=stage_id)
        .first()
    )


def render_thread_list(stage, threads, *, can_comment, status):
    """The HTML of each of `threads` ([(id, version)]), with reaction placeholders, each marked
    as a part of the page (`core.pagecache.part`, which a kept copy's refill replaces when the
    thread changes): from the cache where a thread's version is unchanged; the others are read
    (one query), rendered and cached."""
    fragments = thread_fragments(stage, threads, can_comment=can_comment, status=status)
    return [
        mark_safe(part(thread_part(pk), fragments[pk]))  # noqa: S308 (our own HTML)
        for pk, _version in threads
        if pk in fragments
    ]


def thread_part(pk):
    """The name of the part of a stage page that is the thread whose id is `pk`."""
    return f"thread.{pk}"


def fragment_prefix(stage, *, can_comment, status):
    """What the cache keys of the stage's rendered threads (`thread_fragments`) share, in the
    current language: everything but a thread's own version that its HTML follows."""
    proposal = stage.consultation.proposal
    common = [
        release(),  # a deploy's templates and code render anew
        stage.pk,
        stage.comments_version,  # what is not one thread's (an account erased, a bulk answer)
        stage.revision_id,  # the paragraphs' labels
        proposal.slug,
        proposal.current_revision_id,  # the notes on paragraphs changed since
        proposal.organization.zone,
        get_script_prefix(),  # the links' (a worker renders without a request)
        get_language(),
        status,
        int(can_comment),
    ]
    return "consult:thread:" + ":".join(str(value) for value in common)


def fragment_key(prefix, pk, version):
    """The cache key of the thread `pk` rendered at `version` under `prefix`."""
    return f"{prefix}:{pk}:{version}"


def cached_fragments(prefix, threads):
    """({thread id: its HTML} of those of `threads` ([(id, version)]) in the cache under
    `prefix` at their versions, [(id, version)] of the others, in order). One cache read."""
    keys = [fragment_key(prefix, pk, version) for pk, version in threads]
    found = cache.get_many(keys) if keys else {}
    fragments, missing = {}, []
    for key, thread in zip(keys, threads, strict=True):
        if key in found:
            fragments[thread[0]] = found[key]
        else:
            missing.append(thread)
    return fragments, missing


def render_fragments(stage, threads, *, can_comment, status):
    """{thread id: its HTML} of `threads` ([(id, version)]) still there, read (one query),
    rendered and cached under their versions, whatever the cache holds."""
    if not threads:
        return {}
    context = {
        **comment_context(stage, can_comment=can_comment, status=status),
        "reaction_placeholders": True,
    }
    prefix = fragment_prefix(stage, can_comment=can_comment, status=status)
    # Read after the versions: a thread changed meanwhile is kept newer than its key, never
    # older.
    roots = {root.pk: root for root in build_threads(stage, [pk for pk, _version in threads])}
    fresh = {}
    # Rendered apart from the page, so in the organisation's zone here (`_threads.html` sets it
    # for what it renders itself).
    with timezone.override(context["tz"]):
        for pk, version in threads:
            if pk in roots:
                fresh[pk, fragment_key(prefix, pk, version)] = render_to_string(
                    "consultations/_comment.html", {**context, "comment": roots[pk]}
                )
    if fresh:
        cache.set_many({key: html for (_pk, key), html in fresh.items()}, CACHE_SECONDS)
    return {pk: html for (pk, _key), html in fresh.items()}


def thread_fragments(stage, threads, *, can_comment, status):
    """Thread id → the HTML of that thread, for each of `threads` ([(id, version)]) still there,
    in order: from the cache where a thread's version is unchanged (`cached_fragments`); the
    others are read (one query), rendered and cached (`render_fragments`)."""
    prefix = fragment_prefix(stage, can_comment=can_comment, status=status)
    fragments, missing = cached_fragments(prefix, threads)
    fragments.update(render_fragments(stage, missing, can_comment=can_comment, status=status))
    return {pk: fragments[pk] for pk, _version in threads if pk in fragments}


# --- Rendering ahead of readers ------------------------------------------------------------
#
# After a change, the first reader of a kept copy of a stage page would refill it (`refill`):
# the counts written in, and after a reply or a moderation the changed thread rendered, about
# five times what the counts alone cost. The grouper's run, which follows every commit that
# stores a comment (`consultations.domain.grouping`: the worker in production, a thread of the
# server in the embedded default), once it has counted them, refills the copies of their
# stages' pages noted when they were kept (`core.earlycache.note_copy`) itself
# (`refill_ahead`), as the runs that a reaction's or a moderation's commit starts do
# (`grouping.queue_stage_run`): a thread is rendered only for the copies that show it, in their
# languages, and a reader who comes after the run is answered from a copy no write has made
# stale since. One who comes before it refills the copy as before (each refill gives the same
# page, whoever makes it). An answer to a comment moves its thread's version and starts a run
# as a moderation does; answers given in bulk move the stage's comments version instead (the
# site's token): those pages are rendered whole by their next readers.


def copy_topic(state):
    """What a kept copy of a stage page with the refill `state` (`early_state`) is noted under
    (`core.earlycache.note_copy`): its stage. (Only the addresses the site's links give are
    kept: `page_version` answers any other privately.)"""
    return state[0]


@contextlib.contextmanager
def _worker_prefix():
    """The script prefix FORCE_SCRIPT_NAME gives, as `django.setup` sets it for a process (a
    thread of the server starts without it), then the thread's own again (a Celery task run
    in the request that queued it, without a broker)."""
    before = get_script_prefix()
    set_script_prefix("/" if settings.FORCE_SCRIPT_NAME is None else settings.FORCE_SCRIPT_NAME)
    try:
        yield
    finally:
        set_script_prefix(before)


# Whether this process has said that copies are kept by servers of another release, and since
# when it runs: the notes of the servers before a deploy live on for PAGE_CACHE_SECONDS.
_OTHER_RELEASE = {"told": False, "since": time.monotonic()}


def refill_ahead(stages):
    """Refill the kept anonymous copies of the pages of `stages` (ids) that the comments written
    since made stale (`core.earlycache.refill_ahead`: their counts written in, their threads
    that changed rendered and spliced in), so that their next readers are answered without a
    refill. Run last by the grouper's run after a comment's commit, or by the run a reaction's
    or a moderation's commit starts (`grouping.run_last`), in the worker's process or a thread
    of the server's, with the script prefix FORCE_SCRIPT_NAME gives (a thread that would render
    under another prefix than the copy's is left to the copy's reader, `refill`). Copies noted
    by servers of another release are not this code's to refill (said in the log once, when it
    lasts beyond the notes of the servers before a deploy). Returns how many copies it kept.
    Side effects: those of the refills."""
    if not settings.PAGE_EARLY_CACHE:
        return 0
    with _worker_prefix():
        done, others = earlycache.refill_ahead(REFILL, stages)
    if (
        others
        and not _OTHER_RELEASE["told"]
        and time.monotonic() - _OTHER_RELEASE["since"] > settings.PAGE_CACHE_SECONDS
    ):
        _OTHER_RELEASE["told"] = True
        log.warning(
            "Stage pages are kept by servers of another release than this process's: they are "
            "not refilled ahead of their readers (give the servers and the worker the same code "
            "and static files)."
        )
    return done


def page_count(stage):
    """How many pages the stage's threads fill (unfiltered; at least 1), from the stored
    counts."""
    return max(1, -(-Counts(stage).threads(Filters()) // PER_PAGE))


def render_threads(stage, filters, number, *, can_comment, status, counts=None, listed=None):
    """The threads section of a stage page (HTML, with the CSRF placeholder and the
    placeholders `fill_values` fills): from the cache when the page's threads and their
    versions are those it was rendered with; otherwise only the threads that changed are read
    and rendered again. A page number beyond the last is the last page (as the paginator reads
    it). `listed`: the (page, threads) a caller has read already. Returns (html, page,
    threads)."""
    if listed is not None:
        page, threads = listed
    else:
        counts = counts or Counts(stage)
        page = paginate(counts, filters, number)
        threads = page_threads(stage, filters, page)
    digest = hashlib.blake2b(repr(threads).encode(), digest_size=16).hexdigest()
    key = _key(
        "threads",
        stage,
        status,
        int(can_comment),
        filters.block,
        filters.stance,
        page.number,
        page.has_previous(),
        page.has_next(),
        digest,
    )
    html = cache.get(key)
    if html is None:
        stage_url = stage_path(stage)
        context = {
            **comment_context(stage, can_comment=can_comment, status=status),
            "page": page,
            "rendered_threads": render_thread_list(
                stage, threads, can_comment=can_comment, status=status
            ),
            "threads_text": mark_safe(placeholder("threads")),  # noqa: S308 (a constant)
            "pages_text": mark_safe(placeholder("pages")),  # noqa: S308 (a constant)
            "filters": filters,
            "stage_url": stage_url,
            "previous_query": filters.query(page=page.previous_page_number())
            if page.has_previous()
            else "",
            "next_query": filters.query(page=page.next_page_number()) if page.has_next() else "",
        }
        html = render_to_string("consultations/_threads.html", context)
        cache.set(key, html, CACHE_SECONDS)
    return mark_safe(html), page, threads  # noqa: S308 (our own HTML)


def render_text(stage, *, status):
    """The revision under debate with a placeholder for each paragraph's comment count
    (`fill_values`): rendered once per revision, status and language, not again for comments,
    reactions or answers."""
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
                "is_open": status == StageStatus.OPEN,
            },
        )
        cache.set(key, html, CACHE_SECONDS)
    return html


def with_csrf(html, csrf_input):
    return mark_safe(html.replace(CSRF_PLACEHOLDER, str(csrf_input)))  # noqa: S308


def _threads_before_sql():
    # The nearest page written whose first thread is not after the thread (`ThreadPage`), and the
    # stage's threads from that page's first to the thread: fewer than a page once the thread's
    # page is written. Without any page written, every thread before it. Parameters: stage,
    # thread, stage, thread, stage, thread. A plain SELECT, as `_page_threads_sql`.
    table, (stage, starts, key) = sql.quoted(
        StageComment, ["stage_id", "starts_thread", "xtdcomment_ptr_id"]
    )
    # `starts_thread` compared as itself, as the ORM writes it and the partial index says it.
    return (
        f"SELECT COALESCE({_nearest_page('number', 'first_thread_id')}, 1), "
        f"(SELECT COUNT(*) FROM {table} WHERE {stage} = %s AND {starts} AND {key} < %s "
        f"AND {key} >= COALESCE({_nearest_page('first_thread_id', 'first_thread_id')}, 0))"
    )


def page_of(comment):
    """The page of the unfiltered stage threads where `comment`'s thread is; one query (the
    nearest page written before it, `ThreadPage`, and the threads from its first, on the
    `stage_threads` partial index; written once per process, `core.sql`: every comment posted is
    sent there)."""
    number, after = sql.one(
        "threads_before",
        _threads_before_sql,
        [comment.stage_id, comment.thread_id] * 3,
    )
    return number + after // PER_PAGE


def stage_path(stage):
    return reverse("consultations:stage", args=[stage.consultation.proposal.slug, stage.position])


def location(comment):
    """The address of `comment` in its stage's threads."""
    stage = comment.stage
    url = stage_path(stage)
    number = page_of(comment)
    query = f"?page={number}" if number > 1 else ""
    return f"{url}{query}#comment-{comment.pk}"
