"""Whole pages for anonymous visitors: from the cache, with an ETag, 304 answers and a
Cache-Control that lets a reverse proxy or CDN keep them.

Most readers of a consultation are not signed in, and what they see is the same for all of them
in one language. `anonymous_page(version)` wraps a view: for an anonymous GET or HEAD, the app's
`version(request, *args, **kwargs)` names, in a few queries, everything the page shows that can
change (a stage's `comments_version`, the current revision, the status its dates give, …). The
page's cache key is a digest of that version, the address, the language and the release
(`release()`: templates, catalogues, static files and code as deployed):

- the page comes from the cache, or is rendered and kept there for PAGE_CACHE_SECONDS, which
  bounds how long what the version does not name (an organisation renamed) can lag;
- its ETag is a digest of the key and of the content kept, so two different pages never share
  one; a request whose If-None-Match holds the ETag of the copy in the cache is answered 304
  without rendering anything. When the copy expires and the page is rendered anew, a changed page
  gets a new ETag and browsers and proxies take it.

Nothing personal is ever kept: only anonymous requests without pending messages are served or
stored, a page whose rendering asked for a CSRF token, changed the session or set a cookie is
not stored, and every page sent says `Vary: Cookie, Accept-Language`; what is not served from
here says `Cache-Control: private`. `version` returns None for an address it does not take as
canonical (unknown or malformed parameters, a page number beyond the last, ids written with
leading zeros), which is then rendered as usual and not stored, so made-up addresses cannot fill
the cache.

Counts that change with every comment (totals, reaction numbers) do not key the page: the
version may be a `Filled`, whose `parts` key the copy and whose `values` are written, each time
the copy is served, where the page has `placeholder(name)` marks. The view sends its page
filled and leaves the marked one on `response.unfilled` for the cache; the ETag is a digest of
the copy's and of the values written in. A filled page's response (from the cache or the view)
keeps the marked content, its ETag and what names the copy but its version on
`response.unfilled`, `response.unfilled_etag` and `response.unfilled_named`, which
`core.earlycache` keeps to write the counts in again after a comment elsewhere, or to replace a
part of the page that changed (`part`, `splice`) under the key and ETag the page rendered whole
would have (its refills).

`Cache-Control: public, max-age=0, s-maxage=PAGE_SHARED_CACHE_SECONDS`: browsers check again each
time (a cheap 304), a shared cache may serve a copy for that many seconds without asking (0 by
default: it keeps the copy and revalidates it, so a comment hidden by moderation is not shown
again from anywhere once the version has moved on).
"""

import functools
import hashlib
import os
import re
import threading
from dataclasses import dataclass, field
from functools import wraps
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse, HttpResponseNotModified
from django.template.utils import get_app_template_dirs
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.http import parse_etags, quote_etag
from django.utils.translation import get_language

MESSAGES_COOKIE = "messages"  # django.contrib.messages' cookie storage
# Folders of the project that hold no code the pages are rendered by.
NOT_CODE = {"node_modules", "var", "tests", "bench", "docs", "staticfiles", "static", "locale"}


@functools.cache
def release():
    """A digest of what a rendered page is made of, as deployed: every template, every compiled
    catalogue, the static files' manifest and the project's Python files (their names, sizes and
    modification times, read once per process). Cached HTML carries it in its keys, so a deploy
    never serves pages or fragments rendered by the code before it."""
    base = Path(settings.BASE_DIR)
    roots = [
        *(Path(directory) for directory in settings.TEMPLATES[0]["DIRS"]),
        *get_app_template_dirs("templates"),
        *(Path(directory) for directory in settings.LOCALE_PATHS),
    ]
    files = []
    for root in roots:
        for directory, _dirs, names in os.walk(root):
            files.extend(Path(directory) / name for name in names)
    for child in base.iterdir():
        if child.is_dir() and not child.name.startswith(".") and child.name not in NOT_CODE:
            files.extend(child.rglob("*.py"))
    files.append(Path(settings.STATIC_ROOT) / "staticfiles.json")
    digest = hashlib.blake2b(digest_size=8)
    for path in sorted(set(files)):
        try:
            stat = path.stat()
        except OSError:
            continue
        digest.update(f"{path}:{stat.st_size}:{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()


# Where a value is written into a page served from the cache. Pages escape what people type, so
# no one can write one of these into a page.
PLACEHOLDER = re.compile(rb"<!--fill:([\w.:-]+)-->")


def placeholder(name):
    """The mark `Filled.apply` replaces with the value named `name` (letters, digits, `.:-_`)."""
    return f"<!--fill:{name}-->"


def part(name, html):
    """`html` (our own, already safe) between the marks of the part named `name` (letters,
    digits, `.:-_`; one part of that name in a page), which `splice` replaces in a kept copy:
    a part rendered again without rendering the page around it (`core.earlycache`'s
    refills)."""
    return f"<!--part:{name}-->{html}<!--/part:{name}-->"


def splice(content, parts):
    """`content` (bytes) with what is between the marks of each part named in `parts` (name →
    new HTML, a str) replaced, or None when a part's opening or closing mark is not there
    exactly once, in that order (the copy is then rendered anew). Side effects: none."""
    for name, html in parts.items():
        opening, closing = f"<!--part:{name}-->".encode(), f"<!--/part:{name}-->".encode()
        start = content.find(opening)
        end = content.find(closing, start)
        if start < 0 or end < 0 or content.count(opening) != 1 or content.count(closing) != 1:
            return None
        start += len(opening)
        content = b"".join((content[:start], html.encode(), content[end:]))
    return content


def page_key(named):
    """The cache key of the copy of a page named by `named` (release, view module and name,
    address, language, version parts)."""
    digest = hashlib.blake2b(repr(named).encode(), digest_size=16).hexdigest()
    return f"consult:page:{digest}"


def copy_etag(key, content):
    """The ETag of the copy kept under `key` with the marked `content` (bytes): two different
    pages, or one page in two languages or releases, never share one."""
    return quote_etag(hashlib.blake2b(key.encode() + content, digest_size=16).hexdigest())


@dataclass(frozen=True)
class Filled:
    """A page's version (`parts`, which key the copy) and the values written into its
    placeholders when it is served: `values[name]`, or for a name missing there the text
    `defaults` gives the part of the name before its first dot.

    `numbers`, when given, is what the values are made from (bytes: the same numbers give the
    same texts in a copy's language, and other numbers other texts), which the ETag then
    digests instead of the texts."""

    parts: tuple
    values: dict = field(default_factory=dict)
    defaults: dict = field(default_factory=dict)
    numbers: bytes | None = None

    def text(self, name):
        found = self.values.get(name)
        if found is None:
            found = self.defaults.get(name.split(".", 1)[0], "")
        return str(found)

    def apply(self, content, etag=None):
        """`content` (bytes) with every placeholder replaced by its value; `etag`, the ETag
        of a kept copy whose content it is, lets this process split it only once
        (`marked`)."""
        return self.fill(marked(content, etag) if etag else Marked(content))

    def fill(self, content):
        """The `Marked` `content` with every placeholder replaced by its value: the static
        pieces and the values joined."""
        values, defaults = self.values, self.defaults
        pieces = content.pieces.copy()
        texts = []
        for name, kind in content.slots:
            found = values.get(name)
            if found is None:
                found = defaults.get(kind, "")
            texts.append(str(found).encode())
        pieces[1::2] = texts
        return b"".join(pieces)

    def etag(self, stored):
        """The ETag of the copy whose ETag is `stored`, filled with these values."""
        digest = hashlib.blake2b(stored.encode(), digest_size=16)
        if self.numbers is not None:
            # The copy's ETag names its language and release, which make the texts of these
            # numbers.
            digest.update(b"\3" + self.numbers)
            return quote_etag(digest.hexdigest())
        for written in (self.values, self.defaults):
            # Names hold no control character, values are escaped text.
            pairs = [f"{name}\1{text}" for name, text in sorted(written.items())]
            digest.update("\0".join(pairs).encode())
            digest.update(b"\2")
        return quote_etag(digest.hexdigest())


def _slots(names):
    return [(name, name.split(".", 1)[0]) for name in (name.decode() for name in names)]


class Marked:
    """A page's marked content split at its placeholders, once: the static pieces (bytes) at
    even positions of `pieces`, and for each placeholder between them its name and the part
    of the name before its first dot (which `Filled.defaults` is keyed by); `content`, the
    marked content itself."""

    __slots__ = ("content", "pieces", "slots")

    def __init__(self, content, *, pieces=None, slots=None):
        self.content = content
        self.pieces = PLACEHOLDER.split(content) if pieces is None else pieces
        self.slots = _slots(self.pieces[1::2]) if slots is None else slots

    def joined(self):
        """The marked content as it was given (bytes), its placeholders in place."""
        return self.content

    def spliced(self, parts):
        """The `Marked` content `splice(self.content, parts)` gives (None when it gives
        None), split as `Marked` would split it: only the new parts are split, the pieces
        around them kept. Side effects: none."""
        content = splice(self.content, parts)
        if content is None:
            return None
        pieces, slots = self.pieces, self.slots
        for name, html in parts.items():
            opening, closing = f"<!--part:{name}-->".encode(), f"<!--/part:{name}-->".encode()
            # Marks are static text: each lies whole within one static piece (even position).
            first = next(k for k in range(0, len(pieces), 2) if opening in pieces[k])
            start = pieces[first].index(opening) + len(opening)
            last = next(
                k
                for k in range(first, len(pieces), 2)
                if closing in (pieces[k][start:] if k == first else pieces[k])
            )
            end = pieces[last].index(closing, start if last == first else 0)
            new = PLACEHOLDER.split(html.encode())
            head, tail = pieces[first][:start], pieces[last][end:]
            if len(new) == 1:
                middle = [head + new[0] + tail]
            else:
                middle = [head + new[0], *new[1:-1], new[-1] + tail]
            pieces = [*pieces[:first], *middle, *pieces[last + 1 :]]
            slots = [*slots[: first // 2], *_slots(new[1::2]), *slots[last // 2 :]]
        return Marked(content, pieces=pieces, slots=slots)


class Recent:
    """The last `size` values added, kept under their keys in this process (the first added is
    dropped first; reading does not keep a value longer); safe for the threads of a worker (it
    is dropped under a lock, so two threads never drop the same one)."""

    def __init__(self, size):
        self.size = size
        self.values = {}
        self.lock = threading.Lock()

    def get(self, key):
        return self.values.get(key)

    def keep(self, key, value):
        with self.lock:
            if key not in self.values and len(self.values) >= self.size:
                del self.values[next(iter(self.values))]
            self.values[key] = value
        return value

    def clear(self):
        with self.lock:
            self.values.clear()


# Marked contents split in this process, by the ETag of their copy (a digest of the content:
# an entry never goes stale), the last few only.
MARKED_KEPT = 32
_MARKED = Recent(MARKED_KEPT)


def marked(content, etag):
    """`content`, the marked content of the copy whose ETag is `etag`, as a `Marked` (split
    once per process)."""
    found = _MARKED.get(etag)
    if found is None:
        found = _MARKED.keep(etag, Marked(content))
    return found


def servable(request):
    """Whether `request` may get (and leave) a shared copy of a page: an anonymous GET or HEAD
    with no message waiting for it."""
    if request.method not in ("GET", "HEAD") or request.user.is_authenticated:
        return False
    if request.COOKIES.get(MESSAGES_COOKIE):
        return False
    if request.COOKIES.get(settings.SESSION_COOKIE_NAME):
        return "_messages" not in request.session
    return True


def storable(request, response):
    """Whether what the view answered is the same for every anonymous visitor."""
    return (
        response.status_code == 200
        and not response.streaming
        and not response.cookies
        and not request.META.get("CSRF_COOKIE_NEEDS_UPDATE")
        and not getattr(getattr(request, "session", None), "modified", False)
    )


def matches_etag(request, etag):
    """If-None-Match holds `etag`, compared weakly (a proxy that compresses may mark it W/)."""
    wanted = request.headers.get("If-None-Match", "")
    return etag.removeprefix("W/") in {tag.removeprefix("W/") for tag in parse_etags(wanted)}


def _shared(response, etag):
    response["ETag"] = etag
    # What `core.earlycache` may keep and answer before the middleware.
    response.shared_copy = True
    patch_cache_control(
        response, public=True, max_age=0, s_maxage=settings.PAGE_SHARED_CACHE_SECONDS
    )
    patch_vary_headers(response, ("Cookie", "Accept-Language"))
    return response


def _private(response):
    """A page rendered for this request only: no shared cache may keep it."""
    patch_cache_control(response, private=True)
    patch_vary_headers(response, ("Cookie", "Accept-Language"))
    return response


def anonymous_page(version):
    """Serve the wrapped view's page to anonymous visitors from the cache (see the module)."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not servable(request):
                return _private(view(request, *args, **kwargs))
            parts = version(request, *args, **kwargs)
            if parts is None:
                return _private(view(request, *args, **kwargs))
            filled = parts if isinstance(parts, Filled) else None
            if filled is not None:
                parts = filled.parts
            named = (
                release(),
                view.__module__,
                view.__name__,
                request.build_absolute_uri(),  # scheme, host (one of ALLOWED_HOSTS), path, query
                get_language(),
                parts,
            )
            key = page_key(named)
            stored = cache.get(key)
            if stored is not None:
                unfilled, content_type, etag = stored
                content = unfilled
                if filled is not None:
                    content, etag = filled.apply(unfilled, etag), filled.etag(etag)
                if matches_etag(request, etag):
                    return _shared(HttpResponseNotModified(), etag)
                response = HttpResponse(content, content_type=content_type)
                if filled is not None:
                    # For `core.earlycache`'s refills.
                    response.unfilled, response.unfilled_etag = unfilled, stored[2]
                    response.unfilled_named = named[:-1]
                return _shared(response, etag)
            response = view(request, *args, **kwargs)
            if not storable(request, response):
                return _private(response)
            content = getattr(response, "unfilled", response.content)
            etag = copy_etag(key, content)
            cache.set(key, (content, response["Content-Type"], etag), settings.PAGE_CACHE_SECONDS)
            if filled is not None:
                # The values read with the version, as a copy from the cache would be served.
                response.unfilled, response.unfilled_etag = content, etag
                response.unfilled_named = named[:-1]
                response.content, etag = filled.apply(content, etag), filled.etag(etag)
            if matches_etag(request, etag):
                # Rendered anew (the copy had expired) and the same as the browser's.
                return _shared(HttpResponseNotModified(), etag)
            return _shared(response, etag)

        return wrapped

    return decorator
