"""Benchmark of a consultation stage page with 5,000 comments, served by gunicorn.

    .venv/bin/python bench/consultations_bench.py [--comments 5000] [--seconds 10] [--workers 1 2]
        (SQLite in a temporary directory; DATABASE_URL=postgres://user@host/any to use a fresh
         PostgreSQL database named bench_consultations, dropped at the end)

Generates a proposal with 30 paragraphs and an open written-comments stage holding N comments in
threads (a quarter top-level, the rest replies 1–3 levels deep, some reactions), all made through
`consultations.domain.post_comment`. Then, for 1 and for 2 gunicorn sync workers on a free port
(the production settings with DEBUG off), measures requests per second of:

- a plain view on the same server (`/bench/plain/`, an HttpResponse: the server's ceiling);
- the stage page, page 1 (20 threads), with the rendered threads cached (warm);
- the same page as the first view after a change elsewhere (a bench-only view moves the
  stage's `comments_version` on, as every comment or reaction does, then runs the real view:
  the page's threads are read again and each comes from its own cache entry);
- after a reaction on page 1 (a bench-only view adds one to a comment's agree count and moves
  the version on: no thread is rendered, the counts are written into the cached threads);
- after one thread of page 1 changed (a bench-only view changes a field of one of its comments
  that the thread's digest covers, as a reply, an answer or moderation does: that thread is
  rendered again, the other 19 come from the cache);
- the same page with no cache at all (a second server with CACHE_URL=dummy://: every request
  builds and renders the threads: cold);
- the same 20 threads rendered by the comments package's own template tags
  (`XtdComment.tree_from_queryset` + `{% render_xtdcomment_tree %}`, a bench-only view in the
  same layout).

The bench-only views and URLs live in a settings package written to the temporary directory;
the application's code is unchanged. Before the servers, it prints the queries of each page
(in process) and the time and queries of the package rendering all N comments at once
(`{% render_xtdcomment_tree for stage %}`, skipped with --skip-full-tree). Clients are threads
of this process (one new connection per request: gunicorn's sync workers close them); on a
small machine they share the CPUs with the server, so the plain view's figure is a floor.
"""

import argparse
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
'''

URLS = """
from django.urls import include, path

from bench_site import views
from consult.urls import urlpatterns as site_urlpatterns

urlpatterns = [
    path("bench/plain/", views.plain),
    path("bench/xtd/<slug:slug>/<int:position>/", views.xtd_page),
    path("bench/xtd-all/<slug:slug>/<int:position>/", views.xtd_all),
    path("bench/changed/<slug:slug>/<int:position>/", views.stage_after_change),
    path("bench/reacted/<slug:slug>/<int:position>/", views.stage_after_reaction),
    path("bench/thread/<slug:slug>/<int:position>/", views.stage_after_thread_change),
    # The package's own URLs, which its templates link to.
    path("bench/comments/", include("django_comments_xtd.urls")),
    *site_urlpatterns,
]
"""

VIEWS = '''
import random
import secrets

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db.models import F, Prefetch
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django_comments.models import CommentFlag
from django_comments_xtd.models import DISLIKEDIT_FLAG, LIKEDIT_FLAG, XtdComment

from accounts.models import User
from consultations.models import Stage, StageComment
from consultations.threads import PER_PAGE
from consultations.views import stages

# The package's templates read `comment.name`, which calls `user.get_full_name()`: Django's
# AbstractUser has it, our User does not (the package cannot render our comments without this).
if not hasattr(User, "get_full_name"):
    User.get_full_name = lambda self: self.public_name


def plain(request):
    return HttpResponse("ok", content_type="text/plain")


def stage_after_change(request, slug, position):
    """The stage page as the first view after a change (a comment, a reaction…): the stage's
    `comments_version` moves on, as the domain functions do, then the real view runs."""
    Stage.objects.filter(consultation__proposal__slug=slug, position=position).update(
        comments_version=F("comments_version") + 1
    )
    return stages.stage(request, slug=slug, position=position)


def _page_one_comments(slug, position):
    stage = _stage(slug, position)
    roots = StageComment.objects.filter(stage=stage, level=0).order_by("thread_id")
    ids = list(roots.values_list("thread_id", flat=True)[:PER_PAGE])
    return stage, list(
        StageComment.objects.filter(thread_id__in=ids).values_list("pk", "thread_id")
    )


def stage_after_reaction(request, slug, position):
    """The first view after a reaction on page 1: one comment's agree count moves on and the
    stage's `comments_version` with it (what `domain.react` writes, without the Reaction row);
    then the real view. No thread is rendered again, only the counts are written in."""
    stage, comments = _page_one_comments(slug, position)
    pk, _thread = random.choice(comments)
    StageComment.objects.filter(pk=pk).update(agree_count=F("agree_count") + 1)
    Stage.objects.filter(pk=stage.pk).update(comments_version=F("comments_version") + 1)
    return stages.stage(request, slug=slug, position=position)


def stage_after_thread_change(request, slug, position):
    """The first view after a change to one thread of page 1 (a reply, an answer, a comment
    hidden): a bench-only write changes a field of one of its comments that the thread's digest
    covers (the state reason, which a visible comment does not show) and moves the stage's
    `comments_version` on; then the real view. That thread is rendered again, the other 19 come
    from the cache."""
    stage, comments = _page_one_comments(slug, position)
    pk, _thread = random.choice(comments)
    StageComment.objects.filter(pk=pk).update(state_reason=secrets.token_hex(4))
    Stage.objects.filter(pk=stage.pk).update(comments_version=F("comments_version") + 1)
    return stages.stage(request, slug=slug, position=position)


def _stage(slug, position):
    return get_object_or_404(
        Stage.objects.select_related("consultation__proposal"),
        consultation__proposal__slug=slug,
        position=position,
    )


def xtd_page(request, slug, position):
    """The threads of the stage page's page 1, as the comments package builds and renders
    them (its `get_xtdcomment_tree` query, restricted to these threads)."""
    stage = _stage(slug, position)
    ids = list(
        StageComment.objects.filter(stage=stage, level=0)
        .order_by("thread_id")
        .values_list("pk", flat=True)[:PER_PAGE]
    )
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
        (package / "templates" / "bench" / "xtd_page.html").write_text(XTD_PAGE)
        (package / "templates" / "bench" / "xtd_all.html").write_text(XTD_ALL)
        given = os.environ.get("DATABASE_URL", "")
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
            # The search queue is left alone: no index worker competes with the servers.
            "SEARCH_INDEX_UPDATES": "manual",
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


# --- In-process figures ----------------------------------------------------------------------


def count_queries(path, *, clear_cache):
    """(status, queries, seconds, bytes) of one in-process request."""
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client

    if clear_cache:
        cache.clear()
    queries = 0

    def count(execute, sql, params, many, context):
        nonlocal queries
        queries += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        start = time.perf_counter()
        response = Client().get(path, HTTP_HOST="127.0.0.1")
        elapsed = time.perf_counter() - start
    return response.status_code, queries, elapsed, len(response.content)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--comments", type=int, default=5000)
    parser.add_argument("--seconds", type=float, default=10.0, help="per measurement")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--clients-per-worker", type=int, default=2)
    parser.add_argument("--skip-full-tree", action="store_true")
    parser.add_argument("--keep", action="store_true", help="keep the database and files")
    parser.add_argument("--seed", type=int, default=350)
    args = parser.parse_args()

    import random

    rng = random.Random(args.seed)
    site = BenchSite(database_name="bench_consultations", keep=args.keep)
    site.create_database()
    site.setup_django()
    try:
        run(site, rng, args)
    finally:
        site.cleanup()


def run(site, rng, args):
    from django.core.management import call_command
    from django.db import transaction
    from django.db.models import Count

    from consultations.models import StageComment

    database = "PostgreSQL" if site.postgres else "SQLite"
    print(f"database: {database}; {os.cpu_count()} CPUs; Python {sys.version.split()[0]}")
    call_command("migrate", verbosity=0)
    start = time.perf_counter()
    with transaction.atomic(), no_emails():
        stage = make_stage(rng)
        people = make_people(200)
        make_comments(rng, stage, people, args.comments)
    elapsed = time.perf_counter() - start
    comments = StageComment.objects.filter(stage=stage)
    levels = dict(comments.order_by().values_list("level").annotate(n=Count("pk")))
    print(
        f"generated {comments.count()} comments ({levels.get(0, 0)} threads; replies by level "
        f"{[levels.get(level, 0) for level in (1, 2, 3)]}) through the domain in {elapsed:.1f} s"
    )
    page = f"/proposals/{SLUG}/consultation/stages/{stage.position}/"
    package_page = f"/bench/xtd/{SLUG}/{stage.position}/"
    package_all = f"/bench/xtd-all/{SLUG}/{stage.position}/"
    changed = f"/bench/changed/{SLUG}/{stage.position}/"
    reacted = f"/bench/reacted/{SLUG}/{stage.position}/"
    thread = f"/bench/thread/{SLUG}/{stage.position}/"

    print("\nin process (Django test client, one request each, templates already compiled):")
    count_queries(page + "?page=3", clear_cache=True)
    count_queries(package_page, clear_cache=True)
    for label, path, clear in (
        ("stage page 1, cold cache", page, True),
        ("stage page 1, warm cache", page, False),
        ("stage page 1, after a change", changed, False),
        ("stage page 1, after a reaction", reacted, False),
        ("stage page 1, one thread changed", thread, False),
        ("stage page 50, cold cache", page + "?page=50", True),
        ("package tags, page 1's threads", package_page, True),
    ):
        status, queries, seconds, size = count_queries(path, clear_cache=clear)
        print(
            f"  {label:<34} {status}  {queries:>5} queries  {seconds * 1000:>8.1f} ms  "
            f"{size // 1024} KiB"
        )
        if status != 200:
            raise SystemExit(f"{path} answered {status}, not 200.")
    if not args.skip_full_tree:
        status, queries, seconds, size = count_queries(package_all, clear_cache=True)
        print(
            f"  {'package tags, all comments':<34} {status}  {queries:>5} queries  "
            f"{seconds * 1000:>8.1f} ms  {size // 1024} KiB"
        )

    rows = []
    for workers in args.workers:
        clients = workers * args.clients_per_worker
        with gunicorn(site, workers=workers) as port:
            require_ok(port, page)
            require_ok(port, changed)
            require_ok(port, reacted)
            require_ok(port, thread)
            require_ok(port, package_page)
            for label, path in (
                ("plain view", "/bench/plain/"),
                ("stage page 1, cache warm", page),
                ("stage page 1, after a change", changed),
                ("stage page 1, after a reaction", reacted),
                ("stage page 1, one thread changed", thread),
                ("package tags, same threads", package_page),
            ):
                hammer(port, path, seconds=min(2.0, args.seconds), clients=clients)  # warm up
                rows.append((workers, label, *hammer(port, path, seconds=args.seconds,
                                                     clients=clients)))  # fmt: skip
        with gunicorn(site, workers=workers, env={"CACHE_URL": "dummy://"}) as port:
            require_ok(port, page)
            hammer(port, page, seconds=min(2.0, args.seconds), clients=clients)
            rows.append(
                (workers, "stage page 1, cache cold",
                 *hammer(port, page, seconds=args.seconds, clients=clients))
            )  # fmt: skip

    print(
        f"\ngunicorn sync workers, {args.clients_per_worker} client threads per worker, "
        f"{args.seconds:g} s each; {args.comments} comments; {database}; load average "
        f"{os.getloadavg()[0]:.1f} at the end"
    )
    print(f"{'workers':>7}  {'page':<33} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8}  statuses")
    order = ["plain view", "stage page 1, cache warm", "stage page 1, after a change",
             "stage page 1, after a reaction", "stage page 1, one thread changed",
             "stage page 1, cache cold", "package tags, same threads"]  # fmt: skip
    rows.sort(key=lambda row: (row[0], order.index(row[1])))
    for workers, label, rate, latencies, statuses in rows:
        print(
            f"{workers:>7}  {label:<33} {rate:>8.1f} {percentile(latencies, 0.5) * 1000:>8.1f} "
            f"{percentile(latencies, 0.95) * 1000:>8.1f}  "
            + ", ".join(f"{code}: {count}" for code, count in sorted(statuses.items(), key=str))
        )
    plain = {row[0]: row[2] for row in rows if row[1] == "plain view"}
    warm = {row[0]: row[2] for row in rows if row[1] == "stage page 1, cache warm"}
    package = {row[0]: row[2] for row in rows if row[1] == "package tags, same threads"}
    after = {
        label: {row[0]: row[2] for row in rows if row[1] == label}
        for label in (
            "stage page 1, after a change",
            "stage page 1, after a reaction",
            "stage page 1, one thread changed",
        )
    }
    for workers in args.workers:
        print(
            f"{workers} worker(s): stage page (warm) = {warm[workers] / plain[workers]:.1%} of "
            f"the plain view, {warm[workers] / package[workers]:.1f}× the package's tags"
        )
        for label, rates in after.items():
            print(
                f"  {label.removeprefix('stage page 1, ')}: "
                f"{rates[workers] / warm[workers]:.1%} of the warm figure"
            )
    # Nothing in this benchmark should have failed.
    failures = sum(
        count for *_rest, statuses in rows for code, count in statuses.items() if code != 200
    )
    if failures:
        raise SystemExit(f"{failures} request(s) did not answer 200.")


if __name__ == "__main__":
    main()
