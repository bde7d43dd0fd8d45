"""Load test of commenting: concurrent commenters posting through the real form to gunicorn on
PostgreSQL.

    .venv/bin/python bench/comment_load.py [--commenters 50] [--seconds 60] [--workers 4]
        [--topology embedded|production] [--servers 1] [--database bench_comments]
        [--pages-every 1]
        (DATABASE_URL=postgres://user@host:port/any picks the server; default
         postgres://postgres@127.0.0.1:5432; a fresh database named by --database is created
         and dropped at the end)

Two topologies. `embedded` (the default): the cache (sessions, rate limits) in each server's
memory, no Celery broker, the search queue and the replies' emails (`NOTIFICATION_EMAILS`
"manual": stored with the reply, sent by a worker) left for later, but where the stage's pages
of threads start (what the redirect after a post reads: `ThreadPage`) written every second by
this process, as a worker's run would (`--pages-every`). `production`, as the README
documents it: a Redis of its own (cache, sessions, Celery broker), a Celery worker on it that
sends the emails and applies the search queue to the index, and `--servers` gunicorn processes
sharing `--workers` sync workers (the commenters are spread over them, as behind a load
balancer); at the end it waits for the worker to empty the search queue and checks every
accepted comment is in the index and every reply to another person's comment was emailed.

Creates an open written-comments stage and one verified user per commenter, signs each in
directly (a session made in process, not through the rate-limited login page), starts gunicorn
with the production settings (DEBUG off, COMMENT_RATE_PER_MINUTE raised for the test), and runs
one thread per commenter: it opens the stage page once (the CSRF cookie and the form's token),
then posts comments to /proposals/<slug>/consultation/stages/<n>/comment/ with the form's fields
(text, block, quote, stance, parent_id and the form's one-time token) as fast as the server
answers, about a fifth of them replies to comments accepted earlier. Each accepted comment
answers 302 to its place in the threads (`#comment-<id>`). One post in twenty is sent a second
time with the same token, as after a double click: it must answer with the same comment.

Prints accepted comments per second and latencies, errors by status (target 0), and comments
lost: accepted answers whose comment is not in the database, or whose text differs (target 0);
also comments stored without an accepted answer, duplicates (a text stored twice, or a resend
answered with another comment), rows left in the comments package's tables without their
other parts, the load average before and after, and where the machine's CPU went during the
run, in all and per accepted comment: this process (the commenters), the servers, the worker,
Redis, the PostgreSQL backends of the benchmark's database, and the rest (whatever else runs on
the machine: on a shared one, compare the per-comment figures of the servers and the database).
"""

import argparse
import http.client
import os
import random
import re
import secrets
import shutil
import socket
import subprocess
import sys
import threading
import time
from contextlib import ExitStack, contextmanager
from pathlib import Path
from urllib.parse import urlencode

from consultations_bench import (
    ROOT,
    VENV_BIN,
    BenchSite,
    free_port,
    gunicorn,
    make_people,
    make_stage,
    no_emails,
    percentile,
)

SLUG = "bench-comentarii"
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
COMMENT_ID = re.compile(r"#comment-(\d+)$")
TEXTS = [
    "Termenul propus este prea scurt pentru asociațiile mici din mediul rural.",
    "Susțin modificarea, dar ar trebui precizat cine verifică publicarea programului.",
    "Propun ca documentele justificative să fie cerute doar după evaluare.",
    "Contractele multianuale ar ajuta serviciile sociale care funcționează tot anul.",
    "Nu sunt de acord: procedura se lungește și banii ajung mai târziu la beneficiari.",
]
RESEND_SHARE = 0.05  # posts sent a second time with the same form token (a double click)


class Commenter(threading.Thread):
    def __init__(
        self, number, *, port, page, post, cookie, keys, pool, deadline, rng, resend=RESEND_SHARE
    ):
        super().__init__(daemon=True)
        self.number, self.port, self.page, self.post = number, port, page, post
        self.resend = resend
        self.cookie, self.keys, self.pool = cookie, keys, pool
        self.deadline, self.rng = deadline, rng
        self.accepted = {}  # comment id → the text sent
        self.statuses = {}
        self.latencies = []
        self.samples = {}  # status → start of one answer, for the report
        self.resends = 0
        self.resends_elsewhere = 0  # a resend answered with another comment: a duplicate

    def request(self, method, path, body=None, headers=None):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        try:
            connection.request(method, path, body=body, headers={"Host": "127.0.0.1", **headers})
            response = connection.getresponse()
            return response.status, response.getheaders(), response.read()
        finally:
            connection.close()

    def start_session(self):
        status, headers, body = self.request("GET", self.page, headers={"Cookie": self.cookie})
        if status != 200:
            raise RuntimeError(f"the stage page answered {status}: {body[:300]!r}")
        cookies = [value for name, value in headers if name.lower() == "set-cookie"]
        csrf = next(c.split(";")[0] for c in cookies if c.startswith("csrftoken="))
        match = TOKEN.search(body.decode())
        if match is None:
            raise RuntimeError("no comment form on the stage page (is the user signed in?)")
        self.headers = {
            "Cookie": f"{self.cookie}; {csrf}",
            "Content-Type": "application/x-www-form-urlencoded",
        }
        self.token = match.group(1)

    def send(self, fields):
        start = time.perf_counter()
        try:
            status, headers, body = self.request(
                "POST", self.post, body=urlencode(fields), headers=self.headers
            )
        except OSError as error:
            status, headers, body = type(error).__name__, [], b""
        self.latencies.append(time.perf_counter() - start)
        location = {name.lower(): value for name, value in headers}.get("location", "")
        match = COMMENT_ID.search(location)
        if status == 302 and match:
            return "302 accepted", int(match.group(1)), ""
        return status, None, (location or body[:400].decode("utf-8", "replace"))

    def run(self):
        try:
            self.start_session()
        except Exception as error:  # noqa: BLE001  (reported, not raised, from a thread)
            self.statuses[f"session: {error}"] = 1
            return
        sequence = 0
        while time.monotonic() < self.deadline:
            sequence += 1
            text = f"{self.rng.choice(TEXTS)} [c{self.number}-{sequence}]"
            parent = None
            with self.pool.lock:
                if self.pool.items and self.rng.random() < 0.2:
                    parent = self.rng.choice(self.pool.items)
            # Each rendering of the form carries a new token (core.idempotency).
            fields = {
                "csrfmiddlewaretoken": self.token,
                "form_token": secrets.token_hex(16),
                "text": text,
                "quote": "",
            }
            if parent is None:
                fields["block"] = self.rng.choice(self.keys)
                fields["stance"] = self.rng.choice(["support", "oppose", "neutral"])
            else:
                fields["parent_id"] = str(parent[0])
            status, comment_id, sample = self.send(fields)
            if comment_id is not None:
                self.accepted[comment_id] = text
                level = 0 if parent is None else parent[1] + 1
                if level < 3:
                    with self.pool.lock:
                        self.pool.items.append((comment_id, level))
                if self.rng.random() < self.resend:
                    self.resends += 1
                    again, again_id, again_sample = self.send(fields)
                    if again_id is not None and again_id != comment_id:
                        self.resends_elsewhere += 1
                    elif again_id is None:
                        self.statuses[again] = self.statuses.get(again, 0) + 1
                        self.samples.setdefault(again, again_sample)
            self.statuses[status] = self.statuses.get(status, 0) + 1
            if comment_id is None:
                self.samples.setdefault(status, sample)


class Pool:
    def __init__(self):
        self.lock = threading.Lock()
        self.items = []


class PageWriter(threading.Thread):
    """In the embedded topology, what the worker's run does for the redirect after a post:
    every `every` seconds, where the stage's pages of threads start is written
    (`domain.mark_pages`). Without it the redirect counts every thread of the stage, more each
    second of the run, which no deployment does (the production topology's worker, and the
    embedded default's thread of the server, write them after each comment's commit)."""

    def __init__(self, stage_id, deadline, every):
        super().__init__(daemon=True)
        self.stage_id, self.deadline, self.every = stage_id, deadline, every
        self.runs = self.pages = 0
        self.error = None

    def run(self):
        from django.db import connection

        from consultations import domain

        try:
            while time.monotonic() < self.deadline:
                time.sleep(self.every)
                self.pages += domain.mark_pages([self.stage_id])
                self.runs += 1
        except Exception as error:  # noqa: BLE001  (reported, not raised, from a thread)
            self.error = error
        finally:
            connection.close()


def sessions_for(users):
    """A session cookie per user, made in process (as after signing in)."""
    from django.conf import settings
    from django.test import Client

    cookies = []
    for user in users:
        client = Client()
        client.force_login(user)
        cookies.append(
            f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
        )
    return cookies


# --- Where the CPU goes ------------------------------------------------------------------------

TICKS = os.sysconf("SC_CLK_TCK")


def _stat(pid):
    with open(f"/proc/{pid}/stat") as handle:
        fields = handle.read().rsplit(")", 1)[1].split()
    # After the name: state ppid ... utime (11th) stime (12th), counted from the state.
    return int(fields[1]), (int(fields[11]) + int(fields[12])) / TICKS


def cpu_by_role(database):
    """CPU seconds used so far by this process and by its descendants, by role (the name of
    the program), by the PostgreSQL backends serving `database`, and by the whole machine
    (busy time of every core)."""
    parents, used, names = {}, {}, {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            parents[int(entry)], used[int(entry)] = _stat(entry)
            with open(f"/proc/{entry}/cmdline", "rb") as handle:
                names[int(entry)] = handle.read().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
    me = os.getpid()
    roles = {"commenters (this process)": used.get(me, 0.0), "postgres (this database)": 0.0}
    for pid in used:
        if names.get(pid, "").startswith("postgres: ") and f" {database} " in names[pid]:
            roles["postgres (this database)"] += used[pid]
            continue
        ancestor = parents.get(pid)
        while ancestor not in (None, 0, 1, me):
            ancestor = parents.get(ancestor)
        if ancestor != me:
            continue
        role = next(
            (name for name in ("gunicorn", "celery", "redis-server") if name in names[pid]),
            "other children",
        )
        roles[role] = roles.get(role, 0.0) + used[pid]
    with open("/proc/stat") as handle:
        ticks = [int(value) for value in handle.readline().split()[1:]]
    roles["machine"] = (sum(ticks) - ticks[3] - ticks[4]) / TICKS  # all but idle and iowait
    return roles


def cpu_report(before, after, seconds, accepted):
    """Each role's CPU during the run, in cores and per accepted comment (the figure that
    other load on the machine changes least)."""
    used = {role: after.get(role, 0.0) - before.get(role, 0.0) for role in after}
    machine = used.pop("machine")
    lines = [
        f"CPU during the run ({os.cpu_count()} cores × {seconds:.1f} s), per accepted comment:"
    ]
    rest = machine - sum(used.values())
    rows = [*sorted(used.items()), ("the rest (others' work)", rest), ("machine", machine)]
    for role, value in rows:
        lines.append(
            f"  {role:<30} {value:6.1f} s  {value / seconds:4.2f} cores  "
            f"{value / max(accepted, 1) * 1000:5.1f} ms"
        )
    return "\n".join(lines)


# --- The production topology -------------------------------------------------------------------


@contextmanager
def redis_server(directory):
    """A Redis of its own on a free port, nothing saved; yields its URL."""
    binary = shutil.which("redis-server")
    if binary is None:
        raise SystemExit("The production topology needs redis-server (apt install redis-server).")
    port = free_port()
    log = open(directory / "redis.log", "w")  # noqa: SIM115
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
                    sock.sendall(b"PING\r\n")
                    if sock.recv(16).startswith(b"+PONG"):
                        break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit("redis-server did not start")
            time.sleep(0.1)
        yield f"redis://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()


@contextmanager
def celery_worker(site):
    """One Celery worker on the default and the search queues (the README's two, in one
    process: a solo pool, one task at a time, so one Whoosh writer)."""
    log = open(site.dir / "celery.log", "w")  # noqa: SIM115
    process = subprocess.Popen(
        [
            str(VENV_BIN / "celery"),
            "--app",
            "consult",
            "worker",
            "--queues",
            "celery,search",
            "--pool",
            "solo",
            "--loglevel",
            "WARNING",
            "--without-gossip",
            "--without-mingle",
        ],
        cwd=ROOT,
        env=site.env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        time.sleep(3)
        if process.poll() is not None:
            log.flush()
            output = (site.dir / "celery.log").read_text()
            raise SystemExit(f"the Celery worker did not start:\n{output}")
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--commenters", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn sync workers in all")
    parser.add_argument("--servers", type=int, default=1, help="gunicorn processes")
    parser.add_argument("--topology", choices=["embedded", "production"], default="embedded")
    parser.add_argument("--database", default="bench_comments")
    parser.add_argument("--keep", action="store_true", help="keep the database and files")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument(
        "--floor",
        action="store_true",
        help="post to the floor view instead (/bench/floor/: signed in, CSRF-checked, one row "
        "stored in a transaction): what any posting path costs at least on this machine",
    )
    parser.add_argument(
        "--pages-every",
        type=float,
        default=1.0,
        help="embedded topology: write where the stage's pages of threads start every this "
        "many seconds, as the worker's run would (0: never; the redirect then counts every "
        "thread)",
    )
    args = parser.parse_args()
    if args.workers % args.servers:
        raise SystemExit("--workers must be a multiple of --servers")

    os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    with ExitStack() as stack:
        # Connections kept for the whole run: a backend closed and made again (after
        # DATABASE_CONN_MAX_AGE) takes its CPU time with it, out of the database's share.
        extra = {"COMMENT_RATE_PER_MINUTE": "1000000", "DATABASE_CONN_MAX_AGE": "3600"}
        if args.topology == "production":
            scratch = Path(stack.enter_context(_scratch()))
            redis = stack.enter_context(redis_server(scratch))
            outbox = scratch / "outbox"
            outbox.mkdir()
            extra.update(
                {
                    "CACHE_URL": f"{redis}/0",
                    "CELERY_BROKER_URL": f"{redis}/1",
                    "SEARCH_INDEX_UPDATES": "celery",
                    # The worker emails each reply (not the "manual" of BenchSite's defaults).
                    "NOTIFICATION_EMAILS": "celery",
                    "EMAIL_URL": f"file://{outbox}",
                }
            )
            args.outbox = outbox
        site = BenchSite(database_name=args.database, keep=args.keep, extra_env=extra)
        if not site.postgres:
            raise SystemExit("This load test runs on PostgreSQL: set DATABASE_URL=postgres://…")
        site.create_database()
        site.setup_django()
        try:
            run(site, args)
        finally:
            site.cleanup()


@contextmanager
def _scratch():
    import tempfile

    directory = tempfile.mkdtemp(prefix="consult-load-")
    try:
        yield directory
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def run(site, args):  # noqa: PLR0915  (one report, read top to bottom)
    from django.core.management import call_command
    from django.db import connection
    from django_comments.models import Comment
    from django_comments_xtd.models import XtdComment

    from consultations.models import StageComment
    from core.models import ActivityLog, PendingNotification
    from search.models import IndexQueue

    rng = random.Random(args.seed)
    call_command("migrate", verbosity=0)
    with no_emails():  # the setup is nobody's news: only the replies' emails are counted
        stage = make_stage(rng, slug=SLUG, blocks=10)
        users = make_people(args.commenters, prefix="commenter")
    cookies = sessions_for(users)
    keys = [""] + [block["key"] for block in stage.revision.blocks]
    page = f"/proposals/{SLUG}/consultation/stages/{stage.position}/"
    post = "/bench/floor/" if args.floor else page + "comment/"
    before = StageComment.objects.count()
    IndexQueue.objects.all().delete()  # the setup's own rows: only the comments' are awaited
    connection.close()  # the servers get every connection the database allows

    load = os.getloadavg()[0]
    with ExitStack() as stack:
        worker = None
        if args.topology == "production":
            worker = stack.enter_context(celery_worker(site))
        ports = [
            stack.enter_context(gunicorn(site, workers=args.workers // args.servers))
            for _server in range(args.servers)
        ]
        pool = Pool()
        deadline = time.monotonic() + args.seconds
        commenters = [
            Commenter(
                number,
                port=ports[number % len(ports)],
                page=page,
                post=post,
                cookie=cookie,
                keys=keys,
                pool=pool,
                deadline=deadline,
                rng=random.Random(args.seed + number),
                resend=0 if args.floor else RESEND_SHARE,
            )
            for number, cookie in enumerate(cookies)
        ]
        pages = None
        if worker is None and not args.floor and args.pages_every > 0:
            pages = PageWriter(stage.pk, deadline, args.pages_every)
        cpu_before = cpu_by_role(args.database)
        started = time.monotonic()
        for commenter in commenters:
            commenter.start()
        if pages is not None:
            pages.start()
        for commenter in commenters:
            commenter.join()
        if pages is not None:
            pages.join()
        elapsed = time.monotonic() - started
        cpu_after = cpu_by_role(args.database)
        load_after = os.getloadavg()[0]

        accepted = {}
        for commenter in commenters:
            accepted.update(commenter.accepted)
        worker_report = None
        if worker is not None:
            # The worker catches up: the search queue empties, the waiting comments are
            # counted and grouped, the emails go. What it spends after the run is counted apart.
            waited = time.monotonic()
            while (
                IndexQueue.objects.exists()
                or StageComment.objects.filter(grouping_pending=True).exists()
                or StageComment.objects.filter(count_pending=True).exists()
            ) and time.monotonic() - waited < 600:
                time.sleep(1)
            worker_report = check_worker(stage, accepted, args, time.monotonic() - waited)
            cpu_caught_up = cpu_by_role(args.database)
    connection.close()

    statuses, samples, latencies = {}, {}, []
    resends = resends_elsewhere = 0
    for commenter in commenters:
        latencies.extend(commenter.latencies)
        resends += commenter.resends
        resends_elsewhere += commenter.resends_elsewhere
        for status, count in commenter.statuses.items():
            statuses[status] = statuses.get(status, 0) + count
        for status, sample in commenter.samples.items():
            samples.setdefault(status, sample)

    if args.floor:
        floor_report(args, accepted, statuses, samples, latencies, elapsed, load, load_after)
        print(cpu_report(cpu_before, cpu_after, elapsed, len(accepted)))
        return
    stored = dict(
        StageComment.objects.filter(stage=stage, user__in=users).values_list("pk", "comment")
    )
    lost = [pk for pk in accepted if pk not in stored]
    altered = [pk for pk, text in accepted.items() if pk in stored and stored[pk] != text]
    unacknowledged = [pk for pk in stored if pk not in accepted]
    texts = list(stored.values())
    duplicates = len(texts) - len(set(texts)) + resends_elsewhere
    tables = (Comment.objects.count(), XtdComment.objects.count(), StageComment.objects.count())
    orphans = XtdComment.objects.filter(thread_id=0).count()
    logged = ActivityLog.objects.filter(verb="comment.posted").count()
    replies = StageComment.objects.filter(stage=stage, level__gt=0).count()

    errors = {status: count for status, count in statuses.items() if status != "302 accepted"}
    servers = f"{args.servers} gunicorn × {args.workers // args.servers} sync workers"
    print(
        f"PostgreSQL; {args.topology} topology; {servers}; {args.commenters} commenters for "
        f"{elapsed:.1f} s; {os.cpu_count()} CPUs (load average {load:.1f} at start, "
        f"{load_after:.1f} at the end)"
    )
    print(f"comments accepted:        {len(accepted)} ({len(accepted) / elapsed:.1f} per second)")
    print(f"  of which replies:       {replies}")
    print(
        "latency of a post:        "
        f"p50 {percentile(latencies, 0.5) * 1000:.0f} ms, "
        f"p95 {percentile(latencies, 0.95) * 1000:.0f} ms, "
        f"p99 {percentile(latencies, 0.99) * 1000:.0f} ms"
    )
    print(
        f"errors by status:         {errors or 0}"
        + "".join(f"\n  {status}: {samples.get(status, '')!r}" for status in errors)
    )
    print(f"comments lost:            {len(lost)} (accepted but not stored)")
    print(f"comments altered:         {len(altered)}")
    print(f"stored, never confirmed:  {len(unacknowledged)}")
    print(f"duplicates:               {duplicates} ({resends} posts sent twice with their token)")
    print(
        f"rows per comments table:  django_comments {tables[0] - before}, xtdcomment "
        f"{tables[1] - before}, stagecomment {tables[2] - before}; orphans {orphans}; "
        f"log rows {logged}"
    )
    print(cpu_report(cpu_before, cpu_after, elapsed, len(accepted)))
    missing_or_uncounted = emails_missing = 0
    if worker_report is not None:
        text, missing_or_uncounted, emails_missing = worker_report
        print(text)
        database = "postgres (this database)"
        after_run = cpu_caught_up.get("celery", 0.0) - cpu_after.get("celery", 0.0)
        during = cpu_after.get("celery", 0.0) - cpu_before.get("celery", 0.0)
        database_after = cpu_caught_up.get(database, 0.0) - cpu_after.get(database, 0.0)
        print(
            f"worker after the run:     {after_run:.1f} s of CPU to catch up (the database "
            f"{database_after:.1f} s more); the worker in all "
            f"{(during + after_run) / max(len(accepted), 1) * 1000:.1f} ms per accepted comment"
        )
    else:
        waiting = StageComment.objects.filter(grouping_pending=True).count()
        uncounted = StageComment.objects.filter(count_pending=True).count()
        print(
            f"left for a worker:        {IndexQueue.objects.count()} search-queue rows, "
            f"{waiting} comments waiting for the grouper, {uncounted} to be counted, "
            f"{PendingNotification.objects.count()} notification events (replies' emails) "
            "(embedded: none runs in this test)"
        )
        if pages is not None:
            print(
                f"pages of threads written: {pages.pages} in {pages.runs} runs, one every "
                f"{pages.every:g} s by this process (the worker's part the redirect reads)"
                + (f"; FAILED: {pages.error!r}" if pages.error else "")
            )
    if (
        errors
        or (pages is not None and pages.error)
        or lost
        or altered
        or orphans
        or duplicates
        or missing_or_uncounted
        or emails_missing
        or len(set(tables)) != 1
    ):
        raise SystemExit(1)


def floor_report(args, accepted, statuses, samples, latencies, elapsed, load, load_after):
    """The floor's figures: accepted posts per second, latencies, errors and rows lost."""
    from core.models import ActivityLog

    stored = dict(ActivityLog.objects.filter(verb="bench.floor").values_list("pk", "new_value"))
    lost = [pk for pk, text in accepted.items() if stored.get(pk) != text]
    errors = {status: count for status, count in statuses.items() if status != "302 accepted"}
    print(
        f"PostgreSQL; the floor view (/bench/floor/); {args.topology} topology; "
        f"{args.servers} gunicorn × {args.workers // args.servers} sync workers; "
        f"{args.commenters} posters for {elapsed:.1f} s; {os.cpu_count()} CPUs (load average "
        f"{load:.1f} at start, {load_after:.1f} at the end)"
    )
    print(f"posts accepted:           {len(accepted)} ({len(accepted) / elapsed:.1f} per second)")
    print(
        "latency of a post:        "
        f"p50 {percentile(latencies, 0.5) * 1000:.0f} ms, "
        f"p95 {percentile(latencies, 0.95) * 1000:.0f} ms"
    )
    print(f"errors by status:         {errors or 0}")
    print(f"rows lost or altered:     {len(lost)}; rows stored {len(stored)}")
    if errors or lost or len(stored) != len(accepted):
        raise SystemExit(1)


def emails_sent(outbox):
    """Emails in the worker's outbox (Django's file backend: a file per connection)."""
    return sum(
        line.startswith("To: ")
        for path in outbox.iterdir()
        for line in path.read_text(errors="replace").splitlines()
    )


def check_worker(stage, accepted, args, drained_after):
    """What the worker did after the requests: every accepted comment in the search index and
    in the stored counts, every reply to another person's comment emailed. Returns (the
    report's lines, comments missing from the index or the counts, emails missing)."""
    from django.db.models import Sum

    from consultations.models import CommentCount, CommentState, StageComment
    from search import indexing
    from search.models import IndexQueue

    left = IndexQueue.objects.count()
    indexed = indexing.indexed_identifiers(StageComment)
    missing = [pk for pk in accepted if f"consultations.stagecomment.{pk}" not in indexed]
    authors = dict(StageComment.objects.filter(stage=stage).values_list("pk", "user_id"))
    expected = sum(
        1
        for pk, user_id, parent_id in StageComment.objects.filter(
            stage=stage, level__gt=0
        ).values_list("pk", "user_id", "parent_id")
        if authors.get(parent_id) != user_id
    )
    # The worker sends them one task each, after the search queue's rounds: wait while the
    # count grows (a minute without progress ends the wait).
    sent, progress = emails_sent(args.outbox), time.monotonic()
    while sent < expected and time.monotonic() - progress < 60:
        time.sleep(1)
        now_sent = emails_sent(args.outbox)
        if now_sent > sent:
            sent, progress = now_sent, time.monotonic()
    stored = CommentCount.objects.filter(stage=stage).aggregate(
        threads=Sum("threads", default=0), shown=Sum("shown", default=0)
    )
    comments = StageComment.objects.filter(stage=stage)
    counted = (
        comments.filter(starts_thread=True).count(),
        comments.filter(state=CommentState.VISIBLE).count(),
    )
    uncounted = comments.filter(count_pending=True).count()
    text = (
        f"search index:             queue empty {drained_after:.0f} s after the run "
        f"({left} rows left); {len(accepted) - len(missing)} of {len(accepted)} accepted "
        f"comments found\nstored counts:            {stored['threads']} threads and "
        f"{stored['shown']} shown comments stored, {counted[0]} and {counted[1]} in the rows; "
        f"{uncounted} waiting\nreply emails:             {sent} sent of {expected} expected"
    )
    # Comments the worker left uncounted, or counted wrongly (each is in the rows' counts).
    wrong = max(uncounted, abs(stored["threads"] - counted[0]), abs(stored["shown"] - counted[1]))
    return text, len(missing) + left + wrong, max(0, expected - sent)


if __name__ == "__main__":
    sys.exit(main())
