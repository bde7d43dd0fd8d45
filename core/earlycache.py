"""Anonymous pages answered before the heavy middleware: whole responses kept until anything is
written.

`core.pagecache` serves anonymous visitors a shared copy of a page, but only after the whole
middleware stack (sessions, authentication, messages, CSRF, …) and after the page's version
(a few queries naming everything the page shows) has been read. Most readers of a hot
consultation are anonymous and ask for the same few pages: `EarlyPageCacheMiddleware`, placed
right after the security and static-file middleware, answers them from a copy of the whole
response — its content with the counts written in, its headers (CSP, frame options, language,
`Vary`, `Cache-Control`, `ETag`) — without reading the database.

Such a copy is valid only while nothing has been written since it was made. Every statement
that writes (INSERT, UPDATE, DELETE and anything else that is not a read) through a database
connection of any process of the site (app servers, Celery workers, management commands) moves
the site's *write generation*, a random token kept in the shared cache, on: at the first write
of each atomic block and again when the transaction commits (so a copy made from data read
before the commit, under the token moved at the first write, is not used after it). The move
at the first write is not needed when the commit's move happens; it is there for when it does
not (the process ends between the commit and its callbacks, an earlier callback fails, the
cache cannot be written just then): copies made before the transaction, which may show what
it changed (a comment it hides), are stale already, and only those made while it ran may be
served until they expire. A copy carries the token read before the page was rendered, and is
served only while the token is still that one. Random tokens, not a counter, so that a token
evicted from the cache and made again never matches an old copy. Writes to the sessions table
alone do not count (signing in, a session's expiry): no page kept here shows a session; nor do
those to the table of notification events waiting for their emails, or to the search index's
queue, or to where the pages of threads start (`NOT_SHOWN`).

A copy also expires: after PAGE_CACHE_SECONDS (what no write moves: a deploy's templates are
in the key, `core.pagecache.release`), and earlier when the page says so
(`request.page_valid_until`, e.g. a stage page at the moment its status or its "time left"
changes).

Only what `core.pagecache` would serve as a shared copy is kept (`response.shared_copy`), and
only requests that cannot be anyone's in particular are answered: GET or HEAD, no session
cookie, no messages cookie, no Authorization header. The language is the one LocaleMiddleware
would choose (the language cookie, then Accept-Language), and keys the copy with the address
(scheme, host, path and query) and the release.

Writes to the comment tables (`COMMENT_TABLES`: comments, their stored counts, reactions, answers)
move a second token instead, the *comments generation*. A copy that cannot say more is valid only
while both tokens are those read before it was rendered. A page whose only parts that follow those
tables are its threads (keyed by their versions) and counts written into placeholders
(`core.pagecache.Filled`) leaves, with its copy, the marked content and a *refill*
(`request.early_refill = (name, state)`, `name` registered with `register_refill`): when only the
comments generation has moved, the function checks in a few small queries that the page still lists
the same threads and writes the counts in again, and the copy is answered without the middleware,
and kept under the new token once the answer is sent (when the server closes the response). So a
comment on another page of a stage, or a reaction, costs the next reader of a page those few
queries, not the whole stack. A change to one of the page's own threads that writes only the
comment tables (a reply in it, a comment hidden, restored, withdrawn or answered) moves that
thread's version: the refill then renders that thread alone and answers a `Spliced`, whose parts
replace the marked parts of the copy (`core.pagecache.part`) — the page the whole stack would
render, byte for byte, under the same ETag — so no copy shows a hidden comment again, and no reader
waits for the whole page. When the refill cannot say what the page shows now (other threads listed,
other pages around it), the page goes through the whole stack.

The first reader after a change still pays for the refill. A copy rendered whole is noted under
what it shows (`register_refill`'s `topic`: its stage), with its language (`note_copy`), so
that whoever does a change's lasting work after its commit (the consultations' grouper run: the
worker, or a thread of the server) can refill the copies of what changed itself, as their
readers would (`refill_ahead`): a reader who comes after it is answered as from a warm copy.

The tokens live in the shared cache: with a process-local cache (`locmem://`) and several
processes, one process would not see another's writes, so the early cache is off by default
there (`PAGE_EARLY_CACHE`).
"""

import functools
import hashlib
import itertools
import logging
import re
import secrets
import time
from dataclasses import dataclass

from django.conf import settings
from django.conf.urls.i18n import is_language_prefix_patterns_used
from django.core.cache import cache
from django.core.exceptions import DisallowedHost
from django.db import transaction
from django.db.backends.signals import connection_created
from django.http import HttpResponse, HttpResponseNotModified
from django.utils import translation

from core.pagecache import (
    MESSAGES_COOKIE,
    Filled,
    Marked,
    Recent,
    copy_etag,
    matches_etag,
    page_key,
    release,
)

logger = logging.getLogger(__name__)

GENERATION_KEY = "consult:early:generation"
COMMENTS_KEY = "consult:early:generation:comments"
# Statements that do not write.
READS = {"SELECT", "SAVEPOINT", "RELEASE", "ROLLBACK", "BEGIN", "COMMIT", "SHOW", "EXPLAIN"}
# Tables whose writes change no page kept here: sessions, the notification events waiting for
# their emails (`core.mail`: a reply stores one, the sender deletes it after the response), and
# the search index's queue (a change queues its rows in its own transaction, which moves a token
# by its other writes; the worker applying the queue deletes them after every comment, which
# would make every copy stale again, after the copies were refilled ahead of their readers), and
# where the pages of a stage's threads start (`consultations.models.ThreadPage`: the worker
# writes them after comments; every page lists the same threads with or without them).
NOT_SHOWN = {
    "django_session",
    "core_pendingnotification",
    "search_indexqueue",
    "consultations_threadpage",
}
# Tables whose writes move the comments generation, not the site's: the comment tables, what a
# stage page shows of which is keyed by its threads' versions (read again by its refill) or
# written in as counts (`consultations.threads.refill`), and what posting a comment writes
# beside them that no page with a refill shows (following, the activity log, the form's
# token), the grouper's lookup keys of a comment's text, which no page
# shows (its batches run all the time on a consultation that is being written: the site's
# token would move with each), and the answers to comments, shown in their threads: every
# answer moves its thread's version (`set_disposition`) or, in bulk, the stage's comments
# version, outside these tables. A copy without a refill follows both tokens, so a table may be
# added here only if every refill covers what its page shows of it.
COMMENT_TABLES = {
    "django_comments",
    "django_comments_xtd_xtdcomment",
    "consultations_stagecomment",
    "consultations_commentcount",
    "consultations_reaction",
    "consultations_follow",
    "core_activitylog",
    "core_postedform",
    "consultations_commentband",
    "consultations_disposition",
}
_WRITTEN_TABLE = re.compile(r'^\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+"?(\w+)"?', re.I)
# Response headers a copy does not keep (the server and the outer middleware add their own).
NOT_KEPT = {"content-length", "date", "set-cookie"}


# --- The write generation ----------------------------------------------------------------------


def move_generation(key=GENERATION_KEY):
    """Make every early copy made so far under the token `key` (the site's write generation,
    or `COMMENTS_KEY`) unusable as it is. Side effects: one cache write.

    A cache that cannot be reached never fails the write that moved us (a migration run before
    the cache server is up, a cache outage): the copies kept there then stay usable at most
    until they expire (PAGE_CACHE_SECONDS), and the middleware answers from none while the
    cache cannot be read."""
    try:
        cache.set(key, secrets.token_hex(8), None)
    except Exception:  # noqa: BLE001 (any cache backend's error)
        logger.warning("The early page cache's write generation could not be moved.", exc_info=True)


def current_generation(key=GENERATION_KEY):
    """The token `key` now (made when the cache has none). Side effects: at most one cache
    write."""
    found = cache.get(key)
    if found is None:
        cache.add(key, secrets.token_hex(8), None)
        found = cache.get(key)
    return found


def written_table(sql):
    """The table an INSERT, UPDATE or DELETE `sql` writes, or None for another statement."""
    table = _WRITTEN_TABLE.match(sql)
    return table.group(1) if table else None


def writes(sql):
    """Whether the statement `sql` may change what a page shows."""
    first = sql.lstrip()[:10].split(None, 1)
    if not first or first[0].upper() in READS:
        return False
    return written_table(sql) not in NOT_SHOWN


def moved_by(sql):
    """The token a write `sql` moves: `COMMENTS_KEY` for the comment tables, else the site's."""
    return COMMENTS_KEY if written_table(sql) in COMMENT_TABLES else GENERATION_KEY


class _AtCommit:
    """Moves the token `key` when the transaction commits, once however many of its atomic
    blocks registered it: every block that writes registers it (a block's callbacks go with
    it when it is rolled back), all with the same instance (posting a comment writes in the
    command's savepoint, then claims the form's token around it: one move at commit, not two).
    """

    def __init__(self, key):
        self.key = key
        self.done = False

    def __call__(self):
        if not self.done:
            self.done = True
            move_generation(self.key)


def _watch(execute, sql, params, many, context):
    result = execute(sql, params, many, context)
    if settings.PAGE_EARLY_CACHE and writes(sql):
        key = moved_by(sql)
        connection = context["connection"]
        if not connection.in_atomic_block:
            move_generation(key)
            return result
        block = set(connection.savepoint_ids)
        registered = [
            item
            for item in connection.run_on_commit
            if isinstance(item[1], _AtCommit) and item[1].key == key and not item[1].done
        ]
        if not any(item[0] == block for item in registered):
            # The first write of this atomic block to these tables: now (in case the commit's
            # move never happens; and a test's transaction never commits) and when the
            # transaction commits.
            move_generation(key)
            at_commit = registered[0][1] if registered else _AtCommit(key)
            transaction.on_commit(at_commit, using=connection.alias)
    return result


def _watch_connection(sender, connection, **kwargs):
    if _watch not in connection.execute_wrappers:
        connection.execute_wrappers.append(_watch)


def install():
    """Watch every database connection this process opens (from `CoreConfig.ready`)."""
    connection_created.connect(_watch_connection, dispatch_uid="consult-early-cache")


# --- Refills -------------------------------------------------------------------------------------

_REFILLS = {}
_TOPICS = {}


def register_refill(name, function, *, topic=None):
    """Let copies whose request set `request.early_refill = (name, state)` be answered after the
    comments generation moved: `function(state)` returns the `core.pagecache.Filled` to write
    into the copy's marked content (`response.unfilled`) with what the database holds now, a
    `Spliced` when parts of the page (`core.pagecache.part`) are to be replaced first, or None
    when the copy no longer shows what the page would (it is then rendered). It runs before the
    middleware, in the copy's language, for an anonymous visitor, or ahead of one
    (`refill_ahead`). `topic(state)`, if given, names what the copy shows (a stage): a copy
    rendered whole is noted under its topic, with its language (`note_copy`), for
    `refill_ahead`."""
    _REFILLS[name] = function
    if topic is not None:
        _TOPICS[name] = topic


@dataclass(frozen=True)
class Spliced:
    """A refill's answer when some parts of its page changed (a thread with a new reply):
    `parts`, part name → its HTML now, replace those of the kept copy; `filled` the values to
    write in, its `parts` the page's version now (the copy's new ETag is the one
    `core.pagecache` gives the page rendered whole under that version, which it is byte for
    byte); `state` the refill's state for the new copy."""

    filled: Filled
    state: tuple
    parts: dict


# --- The middleware ----------------------------------------------------------------------------


def eligible(request):
    """Whether `request` is one no visitor can have made as themselves."""
    return (
        request.method in ("GET", "HEAD")
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and MESSAGES_COOKIE not in request.COOKIES
        and "HTTP_AUTHORIZATION" not in request.META
    )


def language_of(request):
    """The language LocaleMiddleware gives `request` (no one is signed in here)."""
    urlconf = getattr(request, "urlconf", settings.ROOT_URLCONF)
    i18n_patterns_used, prefixed_default_language = is_language_prefix_patterns_used(urlconf)
    language = translation.get_language_from_request(request, check_path=i18n_patterns_used)
    from_path = translation.get_language_from_path(request.path_info)
    if not from_path and i18n_patterns_used and not prefixed_default_language:
        language = settings.LANGUAGE_CODE
    return language


def early_key(request):
    """The key of `request`'s copy, or None for a host the site does not serve."""
    try:
        address = request.build_absolute_uri()
    except DisallowedHost:
        return None
    named = (release(), address, language_of(request))
    return "consult:early:" + hashlib.blake2b(repr(named).encode(), digest_size=16).hexdigest()


def _answer(request, entry):
    _generation, _until, content, headers, etag = entry[:5]
    if matches_etag(request, etag):
        response = HttpResponseNotModified()
        for name, value in headers:
            if name.lower() not in ("content-type", "content-language"):
                response[name] = value
        response["ETag"] = etag  # a refilled copy's own
        return response
    response = HttpResponse(b"" if request.method == "HEAD" else content)
    for name, value in headers:
        response[name] = value
    response["ETag"] = etag
    response["Content-Length"] = str(len(content))
    return response


# Marked contents read for refills in this process, split at their placeholders
# (`core.pagecache.Marked`), by ETag (a digest of the content: an entry never goes stale), the
# last few only.
_UNFILLED = Recent(32)


def _unfilled(etag):
    found = _UNFILLED.get(etag)
    if found is None:
        content = cache.get(unfilled_key(etag))
        if content is not None:
            found = _UNFILLED.keep(etag, Marked(content))
    return found


def unfilled_key(etag):
    """Where the marked content of the copies whose `core.pagecache` ETag is `etag` is kept,
    apart from the copies (a warm answer does not read it)."""
    return "consult:early-unfilled:" + etag.strip('"')


def refilled(entry, comments):
    """(`entry` made anew by its refill for the comments generation `comments`, (key, marked
    content) to keep beside it or None), or None when it has no refill or the page shows
    something else now. Side effects: the refill's queries (and rendering, for a `Spliced`)."""
    refill = entry[6]
    if refill is None:
        return None
    name, state, etag, language, named = refill
    function = _REFILLS.get(name)
    unfilled = _unfilled(etag) if function is not None else None
    if unfilled is None:
        return None
    with translation.override(language):
        filled = function(state)
    if filled is None:
        return None
    kept = None
    if isinstance(filled, Spliced):
        spliced = unfilled.spliced(filled.parts)
        if spliced is None:
            return None
        # As `core.pagecache` keys and tags the page rendered whole under its new version.
        etag = copy_etag(page_key((*named, filled.filled.parts)), spliced.content)
        unfilled = _UNFILLED.keep(etag, spliced)
        kept = (unfilled_key(etag), spliced.content)
        refill = (name, filled.state, etag, language, named)
        filled = filled.filled
    # The ETag `core.pagecache` gives the same page filled with the same values.
    made = (entry[0], entry[1], filled.fill(unfilled), entry[3], filled.etag(etag), comments)
    return (*made, refill), kept


class EarlyPageCacheMiddleware:
    """Answer anonymous requests from copies of whole pages kept until the next write (see the
    module). Goes right after SecurityMiddleware and WhiteNoise, which add their headers to
    every answer, before the session, locale, CSRF, authentication and messages middleware."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not settings.PAGE_EARLY_CACHE or not eligible(request):
            return self.get_response(request)
        key = early_key(request)
        if key is None:
            return self.get_response(request)
        try:
            found = cache.get_many([key, GENERATION_KEY, COMMENTS_KEY])
            generation = found.get(GENERATION_KEY) or current_generation()
            comments = found.get(COMMENTS_KEY) or current_generation(COMMENTS_KEY)
        except Exception:  # noqa: BLE001 (the cache cannot be read: no early answers)
            return self.get_response(request)
        entry = found.get(key)
        if entry is not None and entry[0] == generation and time.time() < entry[1]:
            if entry[5] == comments:
                return _answer(request, entry)
            try:
                made = refilled(entry, comments)
            except Exception:  # noqa: BLE001 (answered by the whole stack instead)
                logger.warning("An early page copy could not be refilled.", exc_info=True)
                made = None
            if made is not None:
                entry, kept = made
                response = _answer(request, entry)
                # Kept once the answer is sent: the server (and the test client) closes the
                # response after its body, and `keep` logs what fails there. The copy carries
                # the comments generation it was refilled for, so a write in between only
                # makes it stale. A spliced copy's marked content goes first (a copy whose
                # marked content is not found, not kept or evicted, is rendered whole).
                for item in (kept, (key, entry)):
                    if item is not None:
                        response._resource_closers.append(functools.partial(self.keep, *item))  # noqa: SLF001
                return response
        response = self.get_response(request)
        if (
            getattr(response, "shared_copy", False)
            and response.status_code == 200
            and not response.streaming
            and not response.cookies
        ):
            until = time.time() + settings.PAGE_CACHE_SECONDS
            changes = getattr(request, "page_valid_until", None)
            if changes is not None:
                until = min(until, changes.timestamp())
            headers = [
                (name, value) for name, value in response.items() if name.lower() not in NOT_KEPT
            ]
            refill = getattr(request, "early_refill", None)
            unfilled = getattr(response, "unfilled", None)
            etag = getattr(response, "unfilled_etag", None)
            named = getattr(response, "unfilled_named", None)
            if refill is not None and unfilled is not None and etag is not None and named:
                language = language_of(request)
                topic = _TOPICS.get(refill[0])
                topic = topic(refill[1]) if topic is not None else None
                refill = (*refill, etag, language, named)
                self.keep(unfilled_key(etag), unfilled)
                if topic is not None:
                    # After the answer, as the keeping of a refilled copy.
                    note = functools.partial(note_copy, refill[0], topic, key, until, language)
                    response._resource_closers.append(note)  # noqa: SLF001
            else:
                refill = None
            entry = (
                generation,
                until,
                response.content,
                headers,
                response["ETag"],
                comments,
                refill,
            )
            self.keep(key, entry)
        return response

    @staticmethod
    def keep(key, entry):
        try:
            cache.set(key, entry, settings.PAGE_CACHE_SECONDS)
        except Exception:  # noqa: BLE001 (not kept; the page was answered)
            logger.warning("An early page copy could not be kept.", exc_info=True)


# --- Refilled ahead of readers -------------------------------------------------------------------
#
# After a change, the first reader of each copy refills it (a few queries, the counts written in,
# the new copy kept after the answer): twice or more what a warm answer costs. Whoever makes the
# change's lasting work after its commit (the comments' grouper run: the worker in production, a
# thread of the server in the embedded default) can refill the copies of what it changed first,
# as their readers would, so that the readers who come after it read a warm copy. A reader who
# comes before it refills the copy as before (the same page, whoever refills it). Readers and
# the run may refill one copy at the same time: the one kept last stays, under the tokens it
# read; a newer write only makes it stale.

# Copies noted per topic, the last noted kept (a hot stage's pages read most are rendered whole,
# so noted again, at least every PAGE_CACHE_SECONDS), and copies refilled by one call of
# `refill_ahead` at most, taken from each topic in turn (a run after a backlog of many stages):
# no more than the marked contents a process keeps (`_UNFILLED`), which every refill reads.
AHEAD_COPIES = 30
AHEAD_RUN = 30


def copies_key(name, topic):
    """Where the copies with the refill `name` about `topic` are noted."""
    return f"consult:early-copies:{name}:{topic}"


def note_copy(name, topic, key, until, language):
    """Note the copy kept under `key` until `until` (a time), in `language`, by this release's
    code, last among those about `topic` (the last AHEAD_COPIES noted are kept). A note lost to
    another process noting at the same moment only leaves that copy to its readers. Never
    fails (a cache that cannot be reached: logged). Side effects: one cache read and one
    write."""
    where = copies_key(name, topic)
    try:
        now = time.time()
        noted = {copy: note for copy, note in (cache.get(where) or {}).items() if note[0] > now}
        noted.pop(key, None)
        noted[key] = (until, language, release())  # last: in the order they were noted
        noted = dict(list(noted.items())[-AHEAD_COPIES:])
        cache.set(where, noted, settings.PAGE_CACHE_SECONDS)
    except Exception:  # noqa: BLE001 (the copy is kept all the same)
        logger.warning("A kept early page copy could not be noted.", exc_info=True)


def noted_copies(name, topics):
    """({topic: {copy key: language}} of the live copies with the refill `name` noted about
    `topics` by servers of this release, the last noted first; whether live copies of another
    release are noted too: its copies and fragments are not this code's to make). Side
    effects: one cache read."""
    now = time.time()
    ours = release()
    found = cache.get_many([copies_key(name, topic) for topic in topics])
    mine, others = {}, False
    for topic in topics:
        noted = reversed(found.get(copies_key(name, topic), {}).items())
        for copy, (until, language, made_by) in noted:
            if until <= now:
                continue
            if made_by == ours:
                mine.setdefault(topic, {})[copy] = language
            else:
                others = True
    return mine, others


def refill_ahead(name, topics):
    """Refill now, as their next readers would, the copies with the refill `name` noted about
    `topics` (`note_copy`; this release's, AHEAD_RUN at most, the last noted of each topic in
    turn) that are stale only by the comments generation, and keep them: a reader who comes
    after it is answered from them without a refill, until the next write. Each copy is read
    with the tokens, at once, as the middleware reads it: one a reader refilled meanwhile is
    left as it is, and one refilled here is kept under the tokens read before what its refill
    reads (a write since leaves it stale, never wrong). Call it once the writes it follows are
    committed. Returns (how many copies it kept, whether copies of another release are noted
    about `topics`: `noted_copies`). Nothing without the early cache. Side effects: cache reads
    and writes; each refill's queries (and rendering, for a changed part)."""
    if not settings.PAGE_EARLY_CACHE or not topics:
        return 0, False
    mine, others = noted_copies(name, topics)
    in_turn = itertools.zip_longest(*(list(copies) for copies in mine.values()))
    keys = [copy for turn in in_turn for copy in turn if copy is not None][:AHEAD_RUN]
    done = 0
    for key in keys:
        found = cache.get_many([key, GENERATION_KEY, COMMENTS_KEY])
        entry = found.get(key)
        comments = found.get(COMMENTS_KEY)
        if (
            entry is None
            or comments is None
            or entry[0] != found.get(GENERATION_KEY)
            or entry[5] == comments
            or time.time() >= entry[1]
            or entry[6] is None
            or entry[6][0] != name
        ):
            continue  # gone, fresh, or stale by another write: its reader's
        made = refilled(entry, comments)
        if made is None:
            continue  # its next reader has it rendered whole
        entry, kept = made
        if kept is not None:
            EarlyPageCacheMiddleware.keep(*kept)
        EarlyPageCacheMiddleware.keep(key, entry)
        done += 1
    return done, others
