"""Benchmark of a consultation stage page at 5,000, 50,000 and 200,000 comments, served by gunicorn.

    .venv/bin/python bench/consultations_bench.py [--comments 5000 50000 200000] [--seconds 10]
        [--workers 1 2] [--through-domain] [--profile]
        (SQLite in a temporary directory; DATABASE_URL=postgres://user@host/any to use a fresh
         PostgreSQL database named bench_consultations, dropped at the end)

Generates a proposal with 30 paragraphs and, for each size N, an open written-comments stage
holding N comments in threads (a quarter top-level, the rest replies 1–3 levels deep, a tenth
with reaction counts). The comments are written in bulk (`make_comments_in_bulk`: the comments
package's two tables and ours, with thread ids, positions, levels and nested counts as the
package computes them, then `domain.recount_comments`), not through the request path;
`--through-domain` makes them with `consultations.domain.post_comment` instead (slow). Then, for
1 and for 2 gunicorn sync workers on a free port (the production settings with DEBUG off),
measures requests per second, at each size, of:

- a plain view on the same server (`/bench/plain/`, an HttpResponse: the server's ceiling);
- the stage page, page 1 (20 threads), from the cache (warm);
- the same page as the first view after a change elsewhere (a bench-only middleware, before
  every other, writes what a reply on another page writes — one more shown comment in the
  stored counts and that thread's version, with the domain's own functions — then passes the
  request on as one for the page's address, so it goes through `core.earlycache` as a reader's
  does: the copy is refilled with the counts);
- after a reaction on page 1 (the middleware adds one to a comment's agree count, as
  `domain.react` does, without the Reaction row: the copy is refilled);
- after one thread of page 1 changed (the middleware changes a field of one of its comments
  and moves its thread's version on, as a reply or moderation does: the copy's
  refill reads the stage and that thread, renders it and splices it into the copy, the other
  19 threads and the page around them kept as they are);
- the view alone after a change a worker follows, the worker's part run by the bench in a
  process of its own (`WorkerProcess`, as the Celery worker is): a reply on another page, a
  reaction on page 1 and a reply in one of page 1's threads, each posted through the domain,
  then the worker's run after its commit (`grouping.catch_up` after a reply: counted, then the
  stage's kept copies refilled ahead of their readers; `grouping.stage_run_task` after a
  reaction); the writes made by the measured server (an untimed request) or, as through
  another server, by the worker's process too; the reply in page 1 measured last, as its
  replies stay in page 1's threads; and a control: nothing changed, the worker's process busy
  for about as long as a reply's run (what a view pays for sharing the two cores with it);
- each of the first three writes alone (`/bench/write-only/…`: written, answered "ok" before
  the other middleware), from which the view alone is derived (1/view = 1/pair − 1/writes);
- the view alone, measured: one client per worker, in rounds (`rounds`): every client makes
  the change with an untimed `/bench/write-only/…` request (and the worker's part runs), then
  every client asks for the page (timed), so that no timed view runs beside the writes; the
  warm page the same way (no write); each view followed by a timed plain view, which waits
  for what the server does once the view is answered (keeping a refilled copy): no warm view
  is slowed by it, and its cost is printed; each as views/s (clients / mean latency) and as a
  share of warm, measured in the same run, without and with that keeping (`--rounds-only`:
  only these on the servers);
- the same page with no cache at all (a second server with CACHE_URL=dummy://: every request
  builds and renders the threads: cold);
- the same 20 threads rendered by the comments package's own template tags
  (`XtdComment.tree_from_queryset` + `{% render_xtdcomment_tree %}`, a bench-only view in the
  same layout).

The bench-only views and URLs live in a settings package written to the temporary directory;
the application's code is unchanged. Before the servers, it prints the queries and CPU time of
each page in process at each size, the first views after a change with their writes and alone
(the writes made by an untimed request first, and the worker's part in process; with
`--profile`, where the time of the view alone goes, by cProfile), the CPU time of the worker's
run after one reply with page 1's copy kept in no language, in one and in two (each refilled by
the run), and the time and queries of the package
rendering all comments of the smallest stage at once (`{% render_xtdcomment_tree for stage %}`,
skipped with --skip-full-tree). Clients are threads of this process (one new connection per request:
gunicorn's sync workers close them); on a small machine they share the CPUs with the server, so
the plain view's figure is a floor.
"""

import argparse
import functools
import http.client
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent

SETTINGS = '''
"""Production settings for the benchmark, plus bench-only URLs and templates."""
from pathlib import Path

from consult.settings import *  # noqa: F403

ROOT_URLCONF = "bench_site.urls"
# No collectstatic for a benchmark: plain static URLs (pages reference, nobody fetches them).
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
TEMPLATES[0]["DIRS"] = [*TEMPLATES[0]["DIRS"], Path(__file__).parent / "templates"]  # noqa: F405
LOGGING["root"]["level"] = "WARNING"  # noqa: F405
# The bench's writes, then the real page through every middleware (the early cache included).
MIDDLEWARE = ["bench_site.changes.BenchChanges", *MIDDLEWARE]  # noqa: F405
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    # What is measured is reading after a change, not the disk: SQLite in WAL mode, which does
    # not flush the disk at every commit (two flushes a write took most of a "first view after
    # a change" on a shared machine's disk).
    DATABASES["default"]["OPTIONS"]["init_command"] = (  # noqa: F405
        "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL"
    )
'''

URLS = """
from django.urls import include, path

from bench_site import views
from consult.urls import urlpatterns as site_urlpatterns

urlpatterns = [
    path("bench/plain/", views.plain),
    path("bench/floor/", views.post_floor),
    path("bench/xtd/<slug:slug>/<int:position>/", views.xtd_page),
    path("bench/xtd-all/<slug:slug>/<int:position>/", views.xtd_all),
    # The package's own URLs, which its templates link to.
    path("bench/comments/", include("django_comments_xtd.urls")),
    *site_urlpatterns,
]
"""

CHANGES = '''
"""The bench's changes: a middleware before every other that writes what a change writes, then
passes the request on as one for the stage page's own address (so the first view after the
change goes through every middleware, `core.earlycache` first, exactly as a reader's would).
`/bench/write-only/<kind>/...` writes and answers at once: what the writes alone cost."""

import random
import re
import secrets

from django.db.models import F
from django.http import HttpResponse
from django.urls import reverse

from accounts.models import User
from consultations.domain import post_comment, react
from consultations.domain.common import bump_thread_version, count_comment
from consultations.models import Stage, StageComment
from consultations.threads import PER_PAGE

ADDRESS = re.compile(
    r"^/bench/(write-only/)?(changed|reacted|thread|replied|elsewhere|react)/([-\\w]+)/(\\d+)/$"
)


def _stage(slug, position):
    return Stage.objects.get(consultation__proposal__slug=slug, position=position)


def _page_threads(stage):
    roots = StageComment.objects.filter(stage=stage, starts_thread=True).order_by("pk")
    return list(roots.values_list("pk", flat=True)[:PER_PAGE])


def change_elsewhere(stage):
    """What a reply on another page changes beside its own rows: that thread's version
    (`domain.comment_posted`) and, once the worker folds it in, one more shown comment in the
    stored counts (`domain.fold_counts`)."""
    last = StageComment.objects.filter(stage=stage, starts_thread=True).order_by("-pk").first()
    count_comment(last, shown=1)
    bump_thread_version(last)


def reaction(stage):
    """What a reaction on page 1 writes (`domain.react`, without the Reaction row): one more
    agree on one of its comments."""
    threads = _page_threads(stage)
    comments = list(StageComment.objects.filter(thread_id__in=threads).values_list("pk", flat=True))
    StageComment.objects.filter(pk=random.choice(comments)).update(
        agree_count=F("agree_count") + 1
    )


def thread_change(stage):
    """A change to one thread of page 1 (a reply, an answer, a comment hidden): a field of one
    of its comments (the state reason, which a visible comment does not show) and its thread's
    version, as the domain functions write them."""
    root = random.choice(_page_threads(stage))
    comments = list(StageComment.objects.filter(thread_id=root).values_list("pk", flat=True))
    StageComment.objects.filter(pk=random.choice(comments)).update(
        state_reason=secrets.token_hex(4)
    )
    StageComment.objects.filter(pk=root).update(thread_version=F("thread_version") + 1)


def reply_in_page(stage):
    """A reply in one thread of page 1, through the domain (the worker's run after its commit,
    `grouping.catch_up`, is the bench's own: `worker_after`)."""
    root = random.choice(_page_threads(stage))
    author = User.objects.filter(email__startswith="bench").order_by("?").first()
    post_comment(author, stage, text=f"Răspuns {secrets.token_hex(4)}.", parent_id=root)


def reply_elsewhere(stage):
    """A reply in the stage's last thread (on its last page), through the domain (the worker's
    run after its commit is the bench's own)."""
    last = StageComment.objects.filter(stage=stage, starts_thread=True).order_by("-pk").first()
    author = User.objects.filter(email__startswith="bench").order_by("?").first()
    post_comment(author, stage, text=f"Răspuns {secrets.token_hex(4)}.", parent_id=last.pk)


def reaction_through_domain(stage):
    """A reaction on page 1 through the domain (`domain.react`, by someone else than the
    comment's author: the same choice again takes it back; the worker's task after its commit,
    `grouping.stage_run_task`, is the bench's own)."""
    threads = _page_threads(stage)
    comments = StageComment.objects.filter(thread_id__in=threads, state="visible")
    comment = random.choice(list(comments))
    people = User.objects.filter(email__startswith="bench").exclude(pk=comment.user_id)
    react(people.order_by("?").first(), comment, "agree")


WRITES = {
    "changed": change_elsewhere,
    "reacted": reaction,
    "thread": thread_change,
    "replied": reply_in_page,
    "elsewhere": reply_elsewhere,
    "react": reaction_through_domain,
}


class BenchChanges:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        found = ADDRESS.match(request.path_info)
        if found is None:
            return self.get_response(request)
        only, kind, slug, position = found.groups()
        WRITES[kind](_stage(slug, int(position)))
        if only:
            return HttpResponse("ok", content_type="text/plain")
        page = reverse("consultations:stage", args=[slug, int(position)])
        request.path = request.path_info = request.META["PATH_INFO"] = page
        return self.get_response(request)
'''

VIEWS = '''
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Prefetch
from django.http import HttpResponse, HttpResponseRedirect
from django.views.decorators.http import require_POST
from django.shortcuts import get_object_or_404, render
from django_comments.models import CommentFlag
from django_comments_xtd.models import DISLIKEDIT_FLAG, LIKEDIT_FLAG, XtdComment

from accounts.models import User
from consultations.models import Stage, StageComment
from consultations.threads import PER_PAGE
from core.models import ActivityLog

# The package's templates read `comment.name`, which calls `user.get_full_name()`: Django's
# AbstractUser has it, our User does not (the package cannot render our comments without this).
if not hasattr(User, "get_full_name"):
    User.get_full_name = lambda self: self.public_name


def plain(request):
    return HttpResponse("ok", content_type="text/plain")


@require_POST
def post_floor(request):
    """The floor of any posting path (`comment_load.py --floor`): a signed-in, CSRF-checked POST
    that stores one row (a log row: the form's text as its value) in a transaction and answers
    302 with the row's id, as an accepted comment does."""
    if not request.user.is_authenticated:
        return HttpResponse("sign in", status=403, content_type="text/plain")
    with transaction.atomic():
        row = ActivityLog.objects.create(
            actor=request.user,
            verb="bench.floor",
            target_type=ContentType.objects.get_for_model(User),
            target_id=str(request.user.pk),
            target_repr="",
            scope_type=ContentType.objects.get_for_model(User),
            scope_id=str(request.user.pk),
            new_value=request.POST.get("text", ""),
        )
    return HttpResponseRedirect(f"/bench/floor/#comment-{row.pk}")


def _page_threads(slug, position):
    stage = _stage(slug, position)
    roots = StageComment.objects.filter(stage=stage, starts_thread=True).order_by("pk")
    return stage, list(roots.values_list("pk", flat=True)[:PER_PAGE])


def _stage(slug, position):
    return get_object_or_404(
        Stage.objects.select_related("consultation__proposal"),
        consultation__proposal__slug=slug,
        position=position,
    )


def xtd_page(request, slug, position):
    """The threads of the stage page's page 1, as the comments package builds and renders
    them (its `get_xtdcomment_tree` query, restricted to these threads)."""
    stage, ids = _page_threads(slug, position)
    flags = CommentFlag.objects.filter(
        flag__in=[CommentFlag.SUGGEST_REMOVAL, LIKEDIT_FLAG, DISLIKEDIT_FLAG]
    ).prefetch_related("user")
    queryset = XtdComment.objects.prefetch_related(Prefetch("flags", queryset=flags)).filter(
        content_type=ContentType.objects.get_for_model(stage),
        object_pk=stage.pk,
        site__pk=settings.SITE_ID,
        is_public=True,
        thread_id__in=ids,
    )
    tree = XtdComment.tree_from_queryset(queryset, user=request.user)
    return render(request, "bench/xtd_page.html", {"stage": stage, "comments": tree})


def xtd_all(request, slug, position):
    """Every comment of the stage through `{% render_xtdcomment_tree for stage %}`."""
    return render(request, "bench/xtd_all.html", {"stage": _stage(slug, position)})
'''

XTD_PAGE = """{% extends "base.html" %}{% load comments_xtd %}
{% block title %}{{ stage.title }}{% endblock %}
{% block content %}<h1>{{ stage.title }}</h1>
{% render_xtdcomment_tree with comments=comments %}{% endblock %}
"""

XTD_ALL = """{% extends "base.html" %}{% load comments_xtd %}
{% block title %}{{ stage.title }}{% endblock %}
{% block content %}<h1>{{ stage.title }}</h1>
{% render_xtdcomment_tree for stage %}{% endblock %}
"""

BLOCKS = 30
SLUG = "bench-consultare"
WORDS_TEXT = (
    "finanțare nerambursabilă autoritate publică program anual procedură selecție termen zile "
    "organizație asociație proiect buget cofinanțare contract raport evaluare transparență "
    "consultare cetățeni primărie consiliu local lege articol alineat modificare propunere"
)
WORDS = WORDS_TEXT.split(" ")


# --- The site, the database and the server ----------------------------------------------------


class BenchSite:
    """A temporary directory with the bench settings package, the environment of the app
    servers and (SQLite) the database file; or a fresh PostgreSQL database."""

    def __init__(self, *, database_name, cache="locmem://", extra_env=None, keep=False):
        self.dir = Path(tempfile.mkdtemp(prefix="consult-bench-"))
        self.keep = keep
        package = self.dir / "bench_site"
        (package / "templates" / "bench").mkdir(parents=True)
        (package / "__init__.py").write_text("")
        (self.dir / "static").mkdir()
        (package / "settings.py").write_text(SETTINGS)
        (package / "urls.py").write_text(URLS)
        (package / "views.py").write_text(VIEWS)
        (package / "changes.py").write_text(CHANGES)
        (package / "templates" / "bench" / "xtd_page.html").write_text(XTD_PAGE)
        (package / "templates" / "bench" / "xtd_all.html").write_text(XTD_ALL)
        given = os.environ.get("DATABASE_URL", "")
        # BENCH_DATABASE names the PostgreSQL database instead (one per person on a shared
        # server, so that two benchmarks never drop each other's).
        database_name = os.environ.get("BENCH_DATABASE") or database_name
        self.postgres = given.startswith(("postgres://", "postgresql://"))
        if self.postgres:
            parts = urlsplit(given)
            self.admin_url = parts._replace(path="/postgres").geturl()
            self.database_url = parts._replace(path=f"/{database_name}").geturl()
            self.database_name = database_name
        else:
            self.database_url = f"sqlite:///{self.dir / 'bench.sqlite3'}"
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "bench_site.settings",
            "PYTHONPATH": os.pathsep.join([str(self.dir), str(ROOT)]),
            "CONSULT_VAR_DIR": str(self.dir / "var"),
            "STATIC_ROOT": str(self.dir / "static"),
            "DATABASE_URL": self.database_url,
            "DATABASE_CONN_MAX_AGE": "60",
            "DEBUG": "0",
            "SECRET_KEY": secrets.token_urlsafe(64),
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "SITE_URL": "https://consult.test",
            "SECURE_SSL_REDIRECT": "0",
            "SESSION_COOKIE_SECURE": "0",
            "CSRF_COOKIE_SECURE": "0",
            "SECURE_HSTS_SECONDS": "0",
            "CACHE_URL": cache,
            "EMAIL_URL": "locmem://",
            # The search queue is left alone: no index worker competes with the servers. So are
            # the stored emails (core.mail): a worker sends them, not the servers measured.
            "SEARCH_INDEX_UPDATES": "manual",
            "NOTIFICATION_EMAILS": "manual",
            "LOG_LEVEL": "WARNING",
            **(extra_env or {}),
        }

    def create_database(self):
        if not self.postgres:
            return
        import psycopg

        with psycopg.connect(self.admin_url, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{self.database_name}" WITH (FORCE)')
            connection.execute(f'CREATE DATABASE "{self.database_name}"')

    def setup_django(self):
        """Configure this process like the servers (call once, before importing Django code)."""
        os.environ.update(self.env)
        sys.path[:0] = [str(self.dir), str(ROOT)]
        import django

        django.setup()

    def cleanup(self):
        if self.postgres and not self.keep:
            from django.db import connections

            connections.close_all()
            import psycopg

            with psycopg.connect(self.admin_url, autocommit=True) as connection:
                connection.execute(f'DROP DATABASE IF EXISTS "{self.database_name}" WITH (FORCE)')
        if self.keep:
            print(f"kept: {self.dir} ({self.database_url})")
        else:
            shutil.rmtree(self.dir, ignore_errors=True)


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def gunicorn(site, *, workers, env=None, timeout=300):
    """A gunicorn with `workers` sync workers serving the site; yields its port."""
    port = free_port()
    log = open(site.dir / f"gunicorn-{port}.log", "w")  # noqa: SIM115
    process = subprocess.Popen(
        [
            str(VENV_BIN / "gunicorn"),
            "consult.wsgi",
            "--workers",
            str(workers),
            "--worker-class",
            "sync",
            "--bind",
            f"127.0.0.1:{port}",
            "--timeout",
            str(timeout),
            "--log-level",
            "warning",
            "--chdir",
            str(ROOT),
        ],
        env={**site.env, **(env or {})},
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if get(port, "/bench/plain/")[0] == 200:
                    break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                log.flush()
                raise SystemExit(
                    "gunicorn did not start:\n" + (site.dir / log.name).read_text()[-3000:]
                )
            time.sleep(0.2)
        yield port
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


def get(port, path, headers=None, timeout=300):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request("GET", path, headers={"Host": "127.0.0.1", **(headers or {})})
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def require_ok(port, path):
    status, body = get(port, path)
    if status != 200:
        text = body.decode("utf-8", "replace")
        raise SystemExit(
            f"GET {path} answered {status}, not 200: the page under test does not work "
            f"(yet). Start of the answer:\n{text[:600]}"
        )
    return body


def hammer(port, path, *, seconds, clients):
    """Requests from `clients` threads for `seconds`: (req/s, latencies in s, statuses)."""
    stop = time.monotonic() + seconds
    lock = threading.Lock()
    latencies, statuses = [], {}

    def client():
        mine, codes = [], {}
        while time.monotonic() < stop:
            start = time.perf_counter()
            try:
                status, _ = get(port, path)
            except OSError as error:
                status = type(error).__name__
            mine.append(time.perf_counter() - start)
            codes[status] = codes.get(status, 0) + 1
        with lock:
            latencies.extend(mine)
            for code, count in codes.items():
                statuses[code] = statuses.get(code, 0) + count

    started = time.monotonic()
    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    return len(latencies) / elapsed, latencies, statuses


def rounds(port, path, before, *, seconds, clients, worker=None):
    """The view alone after a change, and the warm view, measured in the same seconds: rounds
    of `clients` threads for `seconds`, each round in steps that wait for one another: every
    client asks for `path` (timed: warm, the copy is the current one) and then for the plain
    view (timed: a request behind a warm view), requests `before` (untimed: the change's
    writes; none when it is None), then, once, has `worker()` called (untimed: the worker's
    run after their commits, or the writes made through another server too, `WorkerProcess`),
    asks for `path` again (timed: the first view after the change) and then for the plain view
    (timed: a request behind it, which waits for what the server does once that answer is
    sent: keeping the refilled copy). So a timed view runs beside other views only,
    never beside the writes, no warm view waits for the keeping of the round before, and a
    load that comes and goes on a shared machine weighs on both figures alike. Returns (warm
    latencies, latencies after the change, in s; statuses; the plain view's latencies behind
    a warm view, behind a view after the change)."""
    lock = threading.Lock()
    warm, after, statuses = [], [], {}
    behind_warm, behind_after = [], []
    stop = time.monotonic() + seconds
    done = []
    # The last thread to reach the end of a round decides whether another one follows.
    end = threading.Barrier(clients, action=lambda: done.append(time.monotonic() >= stop))
    step = threading.Barrier(clients)
    failed = []

    def work():
        try:
            worker()
        except Exception as error:  # noqa: BLE001 (counted: the rounds go on)
            failed.append(type(error).__name__)

    # The last client to have made its writes runs the worker's part, before any views again.
    written = threading.Barrier(clients, action=work if worker is not None else None)

    def timed(codes, address=path):
        start = time.perf_counter()
        try:
            status, _ = get(port, address)
        except (OSError, http.client.HTTPException) as error:
            status = type(error).__name__  # counted, and the round goes on for every client
        codes[status] = codes.get(status, 0) + 1
        return time.perf_counter() - start

    def client():
        mine_warm, mine_after, codes = [], [], {}
        mine_behind_warm, mine_behind_after = [], []
        while not done or not done[-1]:
            mine_warm.append(timed(codes))
            mine_behind_warm.append(timed(codes, "/bench/plain/"))
            step.wait()
            try:
                status = 200 if before is None else get(port, before)[0]
            except (OSError, http.client.HTTPException) as error:
                status = type(error).__name__
            if status != 200:
                codes[f"{status} (writes)"] = codes.get(f"{status} (writes)", 0) + 1
            written.wait()
            mine_after.append(timed(codes))
            mine_behind_after.append(timed(codes, "/bench/plain/"))
            end.wait()
        with lock:
            warm.extend(mine_warm)
            after.extend(mine_after)
            behind_warm.extend(mine_behind_warm)
            behind_after.extend(mine_behind_after)
            for code, count in codes.items():
                statuses[code] = statuses.get(code, 0) + count

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for name in failed:
        statuses[f"{name} (worker)"] = statuses.get(f"{name} (worker)", 0) + 1
    return warm, after, statuses, behind_warm, behind_after


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] if ordered else 0.0


# --- Data ------------------------------------------------------------------------------------


@contextmanager
def no_emails():
    """Generated comments email nobody (replies would otherwise queue thousands of emails)."""
    from core import mail

    with mail.silenced():
        yield


def add_site_arguments(parser):
    """The options every benchmark on a `BenchSite` takes: --keep and --seed."""
    parser.add_argument("--keep", action="store_true", help="keep the database and files")
    parser.add_argument("--seed", type=int, default=350)


def run_on_site(run, args, *, database_name, **options):
    """`run(site, rng, args)` on a new `BenchSite` (`options` its own), its database made and
    Django set up in this process, `rng` seeded with `args.seed`; the site removed after, unless
    `args.keep`."""
    import random

    rng = random.Random(args.seed)
    site = BenchSite(database_name=database_name, keep=args.keep, **options)
    site.create_database()
    site.setup_django()
    try:
        run(site, rng, args)
    finally:
        site.cleanup()


def begin_run(site):
    """Print the database and machine, and migrate (the first lines of every such run)."""
    from django.core.management import call_command

    database = "PostgreSQL" if site.postgres else "SQLite"
    print(f"database: {database}; {os.cpu_count()} CPUs; Python {sys.version.split()[0]}")
    call_command("migrate", verbosity=0)
    return database


def make_people(count, prefix="bench"):
    from allauth.account.models import EmailAddress

    from accounts.models import User

    people = []
    for number in range(count):
        email = f"{prefix}{number}@example.org"
        user = User.objects.create_user(email)  # no password: signed in directly
        profile = user.profile
        profile.display_name = f"Participant {number}"
        profile.save()
        EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
        people.append(user)
    return people


def make_stage(rng, *, slug=SLUG, blocks=BLOCKS):
    """A published proposal with `blocks` paragraphs and an open written stage on it."""
    from datetime import timedelta

    from django.utils import timezone

    from accounts.models import Membership, Organization
    from consultations import domain
    from proposals import domain as proposals_domain

    editor = make_people(1, prefix=f"{slug}-editor")[0]
    ngo = Organization.objects.create(
        kind="ngo", name=f"Asociația {slug}", slug=f"ong-{slug}", country="RO"
    )
    Membership.objects.create(user=editor, organization=ngo, role="admin")
    authority = Organization.objects.authorities().first()
    proposal = proposals_domain.create_proposal(
        editor,
        ngo,
        title="Modificarea Legii nr. 350/2005 (benchmark)",
        slug=slug,
        summary="",
        kind="other",
        target_authority=authority,
    )
    text = [
        {
            "key": f"k{index:010x}",
            "type": "text",
            "text": " ".join(rng.choice(WORDS) for _ in range(60)) + ".",
        }
        for index in range(blocks)
    ]
    proposals_domain.save_revision(
        editor, proposal, base_number=0, title=proposal.title, summary="", blocks=text, message=""
    )
    proposal.refresh_from_db()
    proposals_domain.publish_proposal(editor, proposal)
    consultation = domain.create_consultation(editor, proposal, title="Consultare (benchmark)")
    now = timezone.now()
    stage = domain.add_stage(
        editor,
        consultation,
        kind="written",
        title="Comentarii scrise",
        opens_at=now - timedelta(days=1),
        closes_at=now + timedelta(days=14),
        revision=proposal.current_revision,
        now=now - timedelta(days=2),
    )
    domain.process_stage_events()
    return stage


def make_comments(rng, stage, people, total):
    """`total` comments in threads of 1–8 (replies up to level 3), oldest first."""
    from datetime import timedelta

    from consultations import domain

    keys = [block["key"] for block in stage.revision.blocks]
    texts = {block["key"]: block["text"].rstrip(".").split() for block in stage.revision.blocks}
    moment = stage.opens_at + timedelta(minutes=1)
    made = []
    while len(made) < total:
        author = rng.choice(people)
        key = rng.choice(keys) if rng.random() < 0.8 else ""
        quote = ""
        if key and rng.random() < 0.3:
            start = rng.randrange(0, 50)
            quote = " ".join(texts[key][start : start + rng.randint(2, 6)])
        top = domain.post_comment(
            author,
            stage,
            text=" ".join(rng.choice(WORDS) for _ in range(rng.randint(15, 80))).capitalize() + ".",
            block_key=key,
            quote=quote,
            stance=rng.choice(["support", "oppose", "neutral"]),
            now=moment,
        )
        made.append(top)
        thread = [top]
        for _ in range(min(rng.choice([0, 1, 2, 3, 3, 4, 5, 7]), total - len(made))):
            moment += timedelta(seconds=1)
            parent = rng.choice([c for c in thread if c.level < domain.MAX_LEVEL])
            reply = domain.post_comment(
                rng.choice(people),
                stage,
                text=" ".join(rng.choice(WORDS) for _ in range(rng.randint(8, 50))).capitalize()
                + ".",
                parent_id=parent.pk,
                now=moment,
            )
            thread.append(reply)
            made.append(reply)
        moment += timedelta(seconds=1)
    for comment in rng.sample(made, len(made) // 10):
        reactor = rng.choice(people)
        if reactor.pk != comment.user_id:
            domain.react(reactor, comment, rng.choice(["agree", "disagree"]), now=moment)
    return made


def _insert(model, rows):
    """Rows of `model`'s own table (its local fields, by attribute name), inserted as they are:
    a multi-table model cannot be bulk-created by Django."""
    from django.db import connection

    fields = list(model._meta.local_concrete_fields)
    quote = connection.ops.quote_name
    sql = (
        f"INSERT INTO {quote(model._meta.db_table)} "
        f"({', '.join(quote(field.column) for field in fields)}) "
        f"VALUES ({', '.join(['%s'] * len(fields))})"
    )
    values = [
        [
            field.get_db_prep_save(
                row[field.attname] if field.attname in row else field.get_default(), connection
            )
            for field in fields
        ]
        for row in rows
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, values)


def _thread_shape(rng, budget):
    """The levels of one thread's comments in the order the package shows them (depth first):
    a first comment and 0–7 replies, each under a comment of level < 3."""
    from consultations.domain import MAX_LEVEL

    nodes = [{"level": 0, "children": []}]
    for _ in range(min(rng.choice([0, 1, 2, 3, 3, 4, 5, 7]), budget - 1)):
        parent = rng.choice([node for node in nodes if node["level"] < MAX_LEVEL])
        child = {"level": parent["level"] + 1, "children": [], "parent": parent}
        parent["children"].append(child)
        nodes.append(child)
    ordered, stack = [], [nodes[0]]
    while stack:
        node = stack.pop()
        ordered.append(node)
        stack.extend(reversed(node["children"]))
    return ordered


def make_comments_in_bulk(rng, stage, people, total, batch=5000, shape=None):
    """`total` comments in threads shaped like `make_comments`' (or by `shape(rng, budget)`),
    written in bulk: the comments package's two tables and ours (thread id, parent, level,
    position in the thread and nested count as the package computes them), a tenth with
    reaction counts (no Reaction rows), then the stage's stored counts counted from the rows
    and the first thread of each of its pages recorded, as the worker would. Returns the number of
    threads."""
    from datetime import timedelta

    from django.contrib.contenttypes.models import ContentType
    from django.utils import timezone
    from django_comments.models import Comment
    from django_comments_xtd.models import XtdComment

    from consultations import domain
    from consultations.models import StageComment

    keys = [block["key"] for block in stage.revision.blocks]
    texts = {block["key"]: block["text"].rstrip(".").split() for block in stage.revision.blocks}
    content_type = ContentType.objects.get_for_model(stage)
    moment = stage.opens_at + timedelta(minutes=1)
    made = threads = 0
    while made < total:
        shapes = []
        size = 0
        while made + size < total and size < batch:
            one = (shape or _thread_shape)(rng, total - made - size)
            shapes.append(one)
            size += len(one)
        rows = []
        for thread in shapes:
            key = rng.choice(keys) if rng.random() < 0.8 else ""
            for node in thread:
                moment += timedelta(seconds=1)
                words = (15, 80) if node["level"] == 0 else (8, 50)
                rows.append(
                    Comment(
                        content_type=content_type,
                        object_pk=str(stage.pk),
                        site_id=1,
                        user=rng.choice(people),
                        comment=" ".join(
                            rng.choice(WORDS) for _ in range(rng.randint(*words))
                        ).capitalize()
                        + ".",
                        submit_date=min(moment, timezone.now()),
                        is_public=True,
                        is_removed=False,
                    )
                )
                node["key"] = key
        created = iter(Comment.objects.bulk_create(rows))
        xtd_rows, our_rows = [], []
        for thread in shapes:
            for node in thread:
                node["pk"] = next(created).pk
            root = thread[0]
            for order, node in enumerate(thread, start=1):
                descendants, stack = 0, list(node["children"])
                while stack:
                    descendants += 1
                    stack.extend(stack.pop()["children"])
                parent = node.get("parent", node)
                xtd_rows.append(
                    {
                        "comment_ptr_id": node["pk"],
                        "thread_id": root["pk"],
                        "parent_id": parent["pk"],
                        "level": node["level"],
                        "order": order,
                        "nested_count": descendants,
                    }
                )
                quote = ""
                if node["level"] == 0 and node["key"] and rng.random() < 0.3:
                    start = rng.randrange(0, 50)
                    quote = " ".join(texts[node["key"]][start : start + rng.randint(2, 6)])
                reacted = rng.random() < 0.1
                our_rows.append(
                    {
                        "xtdcomment_ptr_id": node["pk"],
                        "stage_id": stage.pk,
                        "revision_id": stage.revision_id,
                        "block_key": node["key"],
                        "quote": quote,
                        "stance": rng.choice(["support", "oppose", "neutral"])
                        if node["level"] == 0
                        else "",
                        "agree_count": rng.randint(0, 3) if reacted else 0,
                        "disagree_count": rng.randint(0, 3) if reacted else 0,
                        "starts_thread": node["level"] == 0,
                    }
                )
        _insert(XtdComment, xtd_rows)
        _insert(StageComment, our_rows)
        made += size
        threads += len(shapes)
    domain.recount_comments(stage)
    domain.mark_pages([stage.pk])
    return threads


# --- In-process figures ----------------------------------------------------------------------


def worker_after(kind, slug, position=1, *, writes=False):
    """What the worker does after the commit of the change `kind`, run here (in production a
    Celery worker's process, not the server's): the grouper's run after a reply, which renders
    its thread ahead, counts it and refills the stage's kept copies (`grouping.catch_up`); the
    stage's run after a reaction (`grouping.stage_run_task`). None for the bench's other
    changes (writes no worker follows). With `writes`, the change's writes too, made here
    first, as through another server than the one measured."""
    from bench_site.changes import WRITES

    from consultations.domain.grouping import catch_up, stage_run_task
    from consultations.models import Stage

    if kind == "busy":
        return busy
    stage = Stage.objects.get(consultation__proposal__slug=slug, position=position)
    if kind in ("replied", "elsewhere"):
        run = catch_up
    elif kind == "react":
        run = functools.partial(stage_run_task, stage.pk)
    else:
        return None
    if not writes:
        return run

    def written_then_run():
        WRITES[kind](stage)
        run()

    return written_then_run


def busy(seconds=0.015):
    """A control: the worker's process busy for about as long as its run after a reply takes,
    allocating as it goes, changing nothing (no copy goes stale)."""
    end = time.process_time() + seconds
    kept = []
    while time.process_time() < end:
        kept.append([str(number) for number in range(200)])
    return len(kept)


class WorkerProcess:
    """The worker's part of the changes (`worker_after`), run in a process of its own, forked
    from this one (Django set up), as the Celery worker is in production: its work leaves
    neither the measured server nor the clients timing it with anything to collect or with
    cold caches. `run(kind, slug, writes)` runs one and waits for it."""

    def __init__(self):
        import multiprocessing

        from django.core.cache import cache
        from django.db import connections

        connections.close_all()  # the child opens its own (redis-py's pool notices the fork)
        cache.close()
        context = multiprocessing.get_context("fork")
        self.pipe, child = context.Pipe()
        self.lock = threading.Lock()
        self.process = context.Process(target=self._serve, args=(child,), daemon=True)
        self.process.start()

    @staticmethod
    def _serve(pipe):
        while (asked := pipe.recv()) is not None:
            kind, slug, made = asked
            try:
                worker_after(kind, slug, writes=made)()
                pipe.send(None)
            except Exception as error:  # noqa: BLE001 (told to the rounds, which count it)
                pipe.send(f"{type(error).__name__}: {error}")

    def run(self, kind, slug, writes):
        with self.lock:
            self.pipe.send((kind, slug, writes))
            failed = self.pipe.recv()
        if failed:
            raise RuntimeError(failed)

    def stop(self):
        self.pipe.send(None)
        self.process.join(30)


def writes(before):
    """Request the path `before` (a change's writes) in process, untimed, then run what the
    worker does after them if given (`before` = (path, function))."""
    from django.test import Client

    if before is None:
        return
    path, worker = before if isinstance(before, tuple) else (before, None)
    Client().get(path, HTTP_HOST="127.0.0.1")
    if worker is not None:
        worker()


def count_queries(path, *, clear_cache, before=None):
    """(status, queries, CPU seconds, bytes) of one in-process request; `before`, a path
    requested first, untimed and uncounted (the change's writes), or (that path, what the
    worker does after its commit: `worker_after`)."""
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client

    if clear_cache:
        cache.clear()
    writes(before)
    queries = 0

    def count(execute, sql, params, many, context):
        nonlocal queries
        queries += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        # CPU time of this process (SQLite runs in it): what the page costs, less distorted than
        # the clock by other work on a shared machine.
        start = time.process_time()
        response = Client().get(path, HTTP_HOST="127.0.0.1")
        elapsed = time.process_time() - start
    return response.status_code, queries, elapsed, len(response.content)


def in_process(path, *, clear_cache=False, repeat=1, before=None):
    """(status, queries, median CPU seconds, bytes) of `repeat` in-process requests, each
    after an untimed request of `before` if given."""
    runs = [count_queries(path, clear_cache=clear_cache, before=before) for _ in range(repeat)]
    seconds = sorted(run[2] for run in runs)[len(runs) // 2]
    status, queries, _seconds, size = runs[-1]
    return status, queries, seconds, size


def worker_run_after_reply(slug, *, languages, repeat=20):
    """Median CPU seconds of the worker's run (`grouping.catch_up`) after one reply in a thread
    of page 1 of the stage `slug`, with a copy of page 1 kept in each of `languages` (none: the
    run only counts the reply; each: that copy refilled by the run, the replied-to thread
    rendered for it), and no other copy of the stage noted. The reply is posted untimed,
    through the domain."""
    from django.core.cache import cache
    from django.test import Client, RequestFactory

    from accounts.models import User
    from consultations import threads
    from consultations.domain import post_comment
    from consultations.domain.grouping import catch_up
    from consultations.models import Stage, StageComment
    from core import earlycache

    stage = Stage.objects.get(consultation__proposal__slug=slug, position=1)
    page = paths(slug)["page"]
    roots = list(
        StageComment.objects.filter(stage=stage, starts_thread=True)
        .order_by("pk")
        .values_list("pk", flat=True)[: threads.PER_PAGE]
    )
    authors = list(User.objects.filter(email__startswith="bench")[:20])
    where = earlycache.copies_key(threads.REFILL, stage.pk)
    keys = []
    for code in languages:
        request = RequestFactory(HTTP_ACCEPT_LANGUAGE=code, HTTP_HOST="127.0.0.1").get(page)
        keys.append(earlycache.early_key(request))
        cache.delete(keys[-1])  # rendered whole again: kept and noted
        Client(HTTP_ACCEPT_LANGUAGE=code).get(page, HTTP_HOST="127.0.0.1")
    noted = cache.get(where) or {}
    if any(key not in noted for key in keys):
        raise SystemExit(f"Page 1 of {slug} was not noted in {languages}.")
    runs = []
    for number in range(repeat):
        cache.set(where, {key: noted[key] for key in keys}, 600)
        post_comment(
            authors[number % len(authors)],
            stage,
            text=f"Răspuns {number}, măsurat.",
            parent_id=roots[number % len(roots)],
        )
        start = time.process_time()
        catch_up()
        runs.append(time.process_time() - start)
    cache.set(where, noted, 600)  # for the next caller
    return sorted(runs)[repeat // 2]


def answered_then_closed(path, *, before=None, repeat=20):
    """(median CPU seconds until the answer's body is ready, median CPU seconds of closing it)
    of `repeat` requests of `path` through the WSGI handler, as a server runs them, each after
    an untimed request of `before` if given: what `core.earlycache` does once the answer is
    sent (keeping a refilled copy) is in the second figure, not the first."""
    from django.core.handlers.wsgi import WSGIHandler
    from django.test import Client, RequestFactory

    handler = WSGIHandler()
    views, closes = [], []
    for _ in range(repeat):
        if before is not None:
            Client().get(before, HTTP_HOST="127.0.0.1")
        environ = RequestFactory()._base_environ(  # noqa: SLF001 (a plain GET's environ)
            PATH_INFO=path, REQUEST_METHOD="GET", HTTP_HOST="127.0.0.1", QUERY_STRING=""
        )
        start = time.process_time()
        response = handler(environ, lambda status, headers, exc_info=None: None)
        b"".join(response)
        answered = time.process_time()
        response.close()
        closes.append(time.process_time() - answered)
        views.append(answered - start)
        if response.status_code != 200:
            raise SystemExit(f"{path} answered {response.status_code}, not 200.")
    return sorted(views)[repeat // 2], sorted(closes)[repeat // 2]


def profile(path, repeat=30, before=None):
    """Where `repeat` in-process requests of `path` spend their time (cProfile: the 25
    functions with the most time of their own, then ours and the cache's by cumulative time);
    each after an unprofiled request of `before` if given (the change's writes)."""
    import cProfile
    import io
    import pstats

    # CPU time (SQLite runs in this process): waits for the disk or the CPU do not count.
    profiler = cProfile.Profile(time.process_time)
    for _ in range(repeat):
        writes(before)
        profiler.enable()
        count_queries(path, clear_cache=False)
        profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("tottime").print_stats(25)
    # Where in our code (and the caches, the ORM) the time goes, with what each calls.
    stats.sort_stats("cumulative").print_stats(
        r"consult|earlycache|pagecache|threads|cache|compiler", 40
    )
    return out.getvalue()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--comments", type=int, nargs="+", default=[5000, 50000, 200000])
    parser.add_argument("--seconds", type=float, default=10.0, help="per measurement")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--clients-per-worker", type=int, default=2)
    parser.add_argument("--skip-full-tree", action="store_true")
    parser.add_argument("--skip-servers", action="store_true", help="in-process figures only")
    parser.add_argument("--through-domain", action="store_true")
    parser.add_argument("--profile", action="store_true")
    parser.add_argument(
        "--rounds-only",
        action="store_true",
        help="of the servers' figures, only the first views alone (in rounds with the warm view)",
    )
    add_site_arguments(parser)
    parser.add_argument(
        "--cache",
        default="locmem://",
        help="CACHE_URL of the servers and this process; a redis:// cache (one nobody else "
        "uses: the benchmark clears it) also turns on the early page cache, which needs a "
        "cache all workers share",
    )
    args = parser.parse_args()
    run_on_site(run, args, database_name="bench_consultations", cache=args.cache)


# The in-process figures of a view alone after a change (its writes made by an untimed request
# first), by the change.
VIEW_ALONE = {
    "changed": "view alone, after a change elsewhere",
    "reacted": "view alone, after a reaction",
    "thread": "view alone, one thread changed",
    "elsewhere": "view alone, reply elsewhere, run",
    "react": "view alone, reaction, worker run",
    "replied": "view alone, a reply, worker run",
}


def after_worker(where, slug):
    """Change → (the path of its writes, what the worker does after them: `worker_after`), for
    the changes a worker follows."""
    return {
        kind: (where[f"{kind}_writes"], worker_after(kind, slug))
        for kind in ("replied", "elsewhere", "react")
    }


def paths(slug, position=1):
    page = f"/proposals/{slug}/consultation/stages/{position}/"
    return {
        "page": page,
        "changed": f"/bench/changed/{slug}/{position}/",
        "reacted": f"/bench/reacted/{slug}/{position}/",
        "thread": f"/bench/thread/{slug}/{position}/",
        "changed_writes": f"/bench/write-only/changed/{slug}/{position}/",
        "reacted_writes": f"/bench/write-only/reacted/{slug}/{position}/",
        "thread_writes": f"/bench/write-only/thread/{slug}/{position}/",
        "replied_writes": f"/bench/write-only/replied/{slug}/{position}/",
        "elsewhere_writes": f"/bench/write-only/elsewhere/{slug}/{position}/",
        "react_writes": f"/bench/write-only/react/{slug}/{position}/",
        "package": f"/bench/xtd/{slug}/{position}/",
        "package_all": f"/bench/xtd-all/{slug}/{position}/",
    }


def run(site, rng, args):
    from django.conf import settings
    from django.core.management import call_command
    from django.db import transaction
    from django.db.models import Count

    from consultations.models import StageComment

    database = "PostgreSQL" if site.postgres else "SQLite"
    print(f"database: {database}; {os.cpu_count()} CPUs; Python {sys.version.split()[0]}")
    print(
        f"cache: {site.env['CACHE_URL']}; early page cache (core/earlycache.py) "
        f"{'on' if settings.PAGE_EARLY_CACHE else 'off'}"
    )
    call_command("migrate", verbosity=0)
    people = make_people(200)
    sizes = sorted(args.comments)
    stages = {}
    for size in sizes:
        start = time.perf_counter()
        with transaction.atomic(), no_emails():
            stage = make_stage(rng, slug=f"{SLUG}-{size}")
            if args.through_domain:
                make_comments(rng, stage, people, size)
                how = "through the domain"
            else:
                make_comments_in_bulk(rng, stage, people, size)
                how = "in bulk"
        elapsed = time.perf_counter() - start
        stages[size] = stage
        comments = StageComment.objects.filter(stage=stage)
        levels = dict(comments.order_by().values_list("level").annotate(n=Count("pk")))
        print(
            f"generated {comments.count()} comments ({levels.get(0, 0)} threads; replies by "
            f"level {[levels.get(level, 0) for level in (1, 2, 3)]}) {how} in {elapsed:.1f} s"
        )

    print(
        "\nin process (Django test client; CPU ms, medians of 20 requests, 5 for a cold cache; "
        f"templates already compiled; load average {os.getloadavg()[0]:.1f}):"
    )
    figures = {}
    for size in sizes:
        where = paths(f"{SLUG}-{size}")
        ran = after_worker(where, f"{SLUG}-{size}")
        count_queries(where["page"] + "?page=3", clear_cache=True)
        count_queries(where["package"], clear_cache=True)
        for label, path, clear, repeat in (
            ("stage page 1, cold cache", where["page"], True, 5),
            ("stage page 1, warm cache", where["page"], False, 20),
            ("stage page 1, after a change", where["changed"], False, 20),
            ("stage page 1, after a reaction", where["reacted"], False, 20),
            ("stage page 1, one thread changed", where["thread"], False, 20),
            ("writes alone, a change elsewhere", where["changed_writes"], False, 20),
            ("writes alone, a reaction", where["reacted_writes"], False, 20),
            ("writes alone, a thread changed", where["thread_writes"], False, 20),
            # The view alone: each request after an untimed one that writes (the change).
            (VIEW_ALONE["changed"], (where["changed_writes"], where["page"]), False, 20),
            (VIEW_ALONE["reacted"], (where["reacted_writes"], where["page"]), False, 20),
            (VIEW_ALONE["thread"], (where["thread_writes"], where["page"]), False, 20),
            # Changes through the domain, then the worker's run here (the copy refilled).
            (VIEW_ALONE["elsewhere"], (ran["elsewhere"], where["page"]), False, 20),
            (VIEW_ALONE["react"], (ran["react"], where["page"]), False, 20),
            # Last: its replies stay in page 1's threads.
            ("writes alone, a reply", where["replied_writes"], False, 20),
            (VIEW_ALONE["replied"], (ran["replied"], where["page"]), False, 20),
            ("stage page 50, cold cache", where["page"] + "?page=50", True, 5),
            ("package tags, page 1's threads", where["package"], True, 5),
        ):
            count_queries(where["page"], clear_cache=False)  # page 1 in the cache again
            before, path = path if isinstance(path, tuple) else (None, path)
            status, queries, seconds, length = in_process(
                path, clear_cache=clear, repeat=repeat, before=before
            )
            figures[size, label] = seconds
            print(
                f"  {size:>7} {label:<34} {status}  {queries:>5} queries  "
                f"{seconds * 1000:>8.2f} CPU ms  {length // 1024} KiB"
            )
            if status != 200:
                raise SystemExit(f"{path} answered {status}, not 200.")
    print(
        "  as a server answers (WSGI handler, CPU µs, medians of 50: until the body is ready / "
        "closing the response, which keeps a refilled copy):"
    )
    for size in sizes:
        where = paths(f"{SLUG}-{size}")
        count_queries(where["page"], clear_cache=False)  # page 1 in the cache again
        line = []
        for label, before in (
            ("warm", None),
            ("after a change elsewhere", where["changed_writes"]),
            ("after a reaction", where["reacted_writes"]),
        ):
            view, close = answered_then_closed(where["page"], before=before, repeat=50)
            figures[size, "answered", label] = view
            line.append(f"{label} {view * 1e6:.0f} / {close * 1e6:.0f}")
        warm = figures[size, "answered", "warm"]
        print(
            f"  {size:>7} {'; '.join(line)}; warm / view: "
            f"{warm / figures[size, 'answered', 'after a change elsewhere']:.1%}, "
            f"{warm / figures[size, 'answered', 'after a reaction']:.1%}"
        )
    print(
        "  the worker's run after one reply (CPU ms, medians of 20; page 1 kept in no language / "
        "in one / in two: its copies refilled by the run, the thread rendered for each):"
        if settings.PAGE_EARLY_CACHE
        else "  (the worker's run after a reply refills nothing without the early page cache: "
        "give --cache redis://…)"
    )
    for size in sizes if settings.PAGE_EARLY_CACHE else []:
        slug = f"{SLUG}-{size}"
        costs = [
            worker_run_after_reply(slug, languages=kept) for kept in ((), ("ro",), ("ro", "en"))
        ]
        print(f"  {size:>7} " + " / ".join(f"{cost * 1000:.2f}" for cost in costs))
    smallest, largest = sizes[0], sizes[-1]
    for size in sizes:
        warm = figures[size, "stage page 1, warm cache"]
        print(
            f"  {size} comments, the view alone against warm (CPU time, warm / view): "
            + "; ".join(
                f"{label.removeprefix('view alone, ')} {warm / figures[size, label]:.1%}"
                for label in VIEW_ALONE.values()
            )
        )
    for label in (
        "stage page 1, warm cache",
        "stage page 1, after a change",
        "stage page 1, after a reaction",
        "stage page 1, one thread changed",
        *VIEW_ALONE.values(),
    ):
        print(
            f"  {label.removeprefix('stage page 1, ')}: {largest} comments / {smallest} = "
            f"{figures[largest, label] / figures[smallest, label]:.2f}"
        )
    if args.profile:
        where = paths(f"{SLUG}-{largest}")
        ran = after_worker(where, f"{SLUG}-{largest}")
        count_queries(where["page"], clear_cache=False)  # page 1 in the cache again
        print(
            f"\nprofile, the view alone after a change elsewhere (its writes before, not "
            f"profiled), {largest} comments, 30 requests:"
        )
        print(profile(where["page"], before=where["changed_writes"]))
        print(f"profile, the view alone after a reaction, {largest} comments, 30 requests:")
        print(profile(where["page"], before=where["reacted_writes"]))
        print(
            f"profile, the view alone after one of its threads changed, {largest} comments, "
            "30 requests:"
        )
        print(profile(where["page"], before=where["thread_writes"]))
        print(
            f"profile, the view alone after a reply in one of its threads and the worker's run, "
            f"{largest} comments, 30 requests:"
        )
        print(profile(where["page"], before=ran["replied"]))
        print(
            f"profile, the view alone after a reply on another page and the worker's run (its "
            f"copy refilled ahead), {largest} comments, 30 requests:"
        )
        print(profile(where["page"], before=ran["elsewhere"]))
        print(f"profile, warm cache, {largest} comments, 30 requests:")
        print(profile(where["page"]))
    if not args.skip_full_tree:
        status, queries, seconds, length = count_queries(
            paths(f"{SLUG}-{smallest}")["package_all"], clear_cache=True
        )
        print(
            f"  {'package tags, all ' + str(smallest) + ' comments':<42} {status}  {queries:>5} "
            f"queries  {seconds * 1000:>8.1f} ms  {length // 1024} KiB"
        )
    if args.skip_servers:
        return
    serve(site, args, sizes, database)


def mean_of(values):
    return sum(values) / len(values)


def view_rate(latencies, clients):
    """The rate at which `clients` clients, each waiting for its answer, would be answered at
    these latencies: clients / mean latency."""
    return clients * len(latencies) / sum(latencies) if latencies else 0.0


def print_rates(rows, args, sizes, database, measured, writes_only):
    """The servers' requests per second of each page (`serve`'s hammering), and their shares."""
    print(
        f"\ngunicorn sync workers, {args.clients_per_worker} client threads per worker, "
        f"{args.seconds:g} s each; {database}; load average "
        f"{os.getloadavg()[0]:.1f} at the end"
    )
    print(
        f"{'workers':>7} {'comments':>8}  {'page':<33} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8}"
        "  statuses"
    )
    for workers, size, label, rate, latencies, statuses in rows:
        print(
            f"{workers:>7} {size or '':>8}  {label:<33} {rate:>8.1f} "
            f"{percentile(latencies, 0.5) * 1000:>8.1f} "
            f"{percentile(latencies, 0.95) * 1000:>8.1f}  "
            + ", ".join(f"{code}: {count}" for code, count in sorted(statuses.items(), key=str))
        )
    rate = {(row[0], row[1], row[2]): row[3] for row in rows}
    for workers in args.workers:
        plain = rate[workers, None, "plain view"]
        for size in sizes:
            warm = rate[workers, size, "stage page 1, cache warm"]
            print(
                f"{workers} worker(s), {size} comments: warm = {warm / plain:.1%} of the plain "
                "view; "
                + "; ".join(
                    f"{label.removeprefix('stage page 1, ')} = "
                    f"{rate[workers, size, label] / warm:.1%} of warm"
                    for label, _name in measured[1:]
                )
            )
            # The view alone: each request of the pair costs the server 1/rate; the writes' share
            # taken out (1/view = 1/pair - 1/writes), a noisy difference on a loaded machine.
            alone = {}
            for (label, _name), (_writes, _path) in zip(measured[1:], writes_only, strict=True):
                pair, writes = rate[workers, size, label], rate[workers, size, _writes]
                alone[label] = 1 / (1 / pair - 1 / writes) if pair < writes else float("inf")
                rate[workers, size, label + " (view alone)"] = alone[label]
            print(
                "    the view alone (the writes' time taken out): "
                + "; ".join(
                    f"{label.removeprefix('stage page 1, ')} = {value:.1f} req/s, "
                    f"{value / warm:.1%} of warm"
                    for label, value in alone.items()
                )
            )
        for label in [label for label, _name in measured] + [
            label + " (view alone)" for label, _name in measured[1:]
        ]:
            print(
                f"  {label.removeprefix('stage page 1, ')}: {sizes[-1]} comments / {sizes[0]} = "
                f"{rate[workers, sizes[-1], label] / rate[workers, sizes[0], label]:.2f}"
            )


def serve(site, args, sizes, database):
    worker_process = WorkerProcess()
    try:
        _serve(site, args, sizes, database, worker_process)
    finally:
        worker_process.stop()


def _serve(site, args, sizes, database, worker_process):
    rows = []
    # The view alone after each change, timed by the client after an untimed request making
    # the change's writes, one client per worker (a request never waits for another client's),
    # in rounds with the warm view (`rounds`): (label, the writes).
    alone_plan = [
        ("after a change elsewhere", "changed_writes"),
        ("after a reaction", "reacted_writes"),
        ("after one of its threads changed", "thread_writes"),
        # The same changes through the domain, followed by the worker's run (which refills
        # the copy ahead of its reader).
        ("reply elsewhere, worker run", "elsewhere_writes"),
        ("reaction, worker run", "react_writes"),
        # The same, the writes made here too, as through another server than the measured
        # one (which then answers only reads: in production most readers' server did not take
        # the change).
        ("reply elsewhere, other server", "elsewhere_elsewhere"),
        ("reaction, other server", "react_elsewhere"),
        # Last: its replies stay in page 1's threads (the warm view of the same rounds reads
        # them too).
        ("after a reply in it, worker run", "replied_writes"),
        ("reply in it, other server", "replied_elsewhere"),
        # A control: no change, the worker's process busy for as long as a reply's run (what
        # the views after the worker's run pay for sharing two cores with it).
        ("nothing changed, worker busy", "busy_elsewhere"),
    ]
    alone_rows = []
    measured = [
        ("stage page 1, cache warm", "page"),
        ("stage page 1, after a change", "changed"),
        ("stage page 1, after a reaction", "reacted"),
        ("stage page 1, one thread changed", "thread"),
    ]
    # The bench's writes alone (answered before every middleware): what they take of a "first
    # view after" figure, which includes them.
    writes_only = [
        ("writes alone, a change elsewhere", "changed_writes"),
        ("writes alone, a reaction", "reacted_writes"),
        ("writes alone, a thread changed", "thread_writes"),
    ]
    for workers in args.workers:
        clients = workers * args.clients_per_worker
        with gunicorn(site, workers=workers) as port:
            for size in sizes:
                for _label, name in measured:
                    require_ok(port, paths(f"{SLUG}-{size}")[name])
            require_ok(port, paths(f"{SLUG}-{sizes[0]}")["package"])
            plan = [(None, "plain view", "/bench/plain/")]
            for size in sizes:
                where = paths(f"{SLUG}-{size}")
                plan.extend((size, label, where[name]) for label, name in measured + writes_only)
            plan.append(
                (sizes[0], "package tags, same threads", paths(f"{SLUG}-{sizes[0]}")["package"])
            )
            for size, label, path in [] if args.rounds_only else plan:
                hammer(port, path, seconds=min(2.0, args.seconds), clients=clients)  # warm up
                rows.append((workers, size, label, *hammer(port, path, seconds=args.seconds,
                                                           clients=clients)))  # fmt: skip
            for size in sizes:
                where = paths(f"{SLUG}-{size}")
                for label, change in alone_plan:
                    # The worker's part (and the writes, "…_elsewhere") in the worker's process.
                    kind, made = change.rsplit("_", 1)
                    worker = (
                        functools.partial(
                            worker_process.run, kind, f"{SLUG}-{size}", made == "elsewhere"
                        )
                        if kind in ("replied", "elsewhere", "react", "busy")
                        else None
                    )
                    before = where[change] if made == "writes" else None
                    rounds(port, where["page"], before, seconds=min(2.0, args.seconds),
                           clients=workers, worker=worker)  # fmt: skip
                    alone_rows.append((workers, size, label, *rounds(
                        port, where["page"], before, seconds=args.seconds,
                        clients=workers, worker=worker,
                    )))  # fmt: skip
        if args.rounds_only:
            continue
        with gunicorn(site, workers=workers, env={"CACHE_URL": "dummy://"}) as port:
            page = paths(f"{SLUG}-{sizes[0]}")["page"]
            require_ok(port, page)
            hammer(port, page, seconds=min(2.0, args.seconds), clients=clients)
            rows.append(
                (workers, sizes[0], "stage page 1, cache cold",
                 *hammer(port, page, seconds=args.seconds, clients=clients))
            )  # fmt: skip

    if not args.rounds_only:
        print_rates(rows, args, sizes, database, measured, writes_only)
    print(
        "\nthe first view after a change alone, against the warm view in the same rounds "
        "(`rounds`: all clients view the page, warm; all make the change, untimed; all view it "
        f"again, timed); one client per worker; {args.seconds:g} s each; load average "
        f"{os.getloadavg()[0]:.1f} at the end"
    )
    print(
        f"{'workers':>7} {'comments':>8}  {'stage page 1':<33} {'views':>6} {'p50 ms':>7} "
        f"{'mean ms':>7} {'p95 ms':>7} {'views/s':>8} {'of warm':>8} {'p50s':>6}  statuses"
    )
    for workers, size, label, warm, after, statuses, _behind_warm, _behind_after in alone_rows:
        warm_rate, rate = view_rate(warm, workers), view_rate(after, workers)
        for name, latencies, share, medians in (
            (f"warm (rounds {label})", warm, "", ""),
            (
                label,
                after,
                f"{rate / warm_rate:.1%}" if warm_rate else "",
                f"{percentile(warm, 0.5) / percentile(after, 0.5):.0%}" if after else "",
            ),
        ):
            mean = sum(latencies) / len(latencies) if latencies else 0.0
            print(
                f"{workers:>7} {size:>8}  {name[:33]:<33} {len(latencies):>6} "
                f"{percentile(latencies, 0.5) * 1000:>7.2f} {mean * 1000:>7.2f} "
                f"{percentile(latencies, 0.95) * 1000:>7.2f} "
                f"{view_rate(latencies, workers):>8.1f} {share:>8} {medians:>6}  "
                + (
                    ", ".join(
                        f"{code}: {count}" for code, count in sorted(statuses.items(), key=str)
                    )
                    if latencies is after
                    else ""
                )
            )
    print(
        "\nthe same views with what the server does once their answer is sent (keeping the "
        "refilled copy): the plain view asked right behind each is slower by that much than "
        "behind a warm view (means); the share of warm counted with it"
    )
    print(f"{'workers':>7} {'comments':>8}  {'stage page 1':<33} {'after ms':>8} {'share':>7}")
    for workers, size, label, warm, after, _statuses, behind_warm, behind_after in alone_rows:
        if not (warm and after and behind_warm and behind_after):
            continue
        kept = max(0.0, mean_of(behind_after) - mean_of(behind_warm))
        print(
            f"{workers:>7} {size:>8}  {label[:33]:<33} {kept * 1000:>8.2f} "
            f"{mean_of(warm) / (mean_of(after) + kept):>7.1%}"
        )
    # Nothing in this benchmark should have failed.
    failures = sum(
        count
        for statuses in [row[-1] for row in rows] + [row[5] for row in alone_rows]
        for code, count in statuses.items()
        if code != 200
    )
    if failures:
        raise SystemExit(f"{failures} request(s) did not answer 200.")


if __name__ == "__main__":
    main()
