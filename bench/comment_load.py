"""Load test of commenting: concurrent commenters posting through the real form to gunicorn on
PostgreSQL.

    .venv/bin/python bench/comment_load.py [--commenters 50] [--seconds 60] [--workers 4]
        (DATABASE_URL=postgres://user@host:port/any picks the server; default
         postgres://postgres@127.0.0.1:5432; a fresh database named bench_comments is created
         and dropped at the end)

Creates an open written-comments stage and one verified user per commenter, signs each in
directly (a session made in process, not through the rate-limited login page), starts gunicorn
with the production settings (DEBUG off, COMMENT_RATE_PER_MINUTE raised for the test), and runs
one thread per commenter: it opens the stage page once (the CSRF cookie and the form's token),
then posts comments to /proposals/<slug>/consultation/stages/<n>/comment/ with the form's fields
(text, block, quote, stance, parent_id) as fast as the server answers, about a fifth of them
replies to comments accepted earlier. Each accepted comment answers 302 to its place in the
threads (`#comment-<id>`).

Prints accepted comments per second and latencies, errors by status (target 0), and comments
lost: accepted answers whose comment is not in the database, or whose text differs (target 0);
also comments stored without an accepted answer, and rows left in the comments package's tables
without their other parts.
"""

import argparse
import http.client
import os
import random
import re
import sys
import threading
import time
from urllib.parse import urlencode

from consultations_bench import BenchSite, gunicorn, make_people, make_stage, percentile

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


class Commenter(threading.Thread):
    def __init__(self, number, *, port, page, post, cookie, keys, pool, deadline, rng):
        super().__init__(daemon=True)
        self.number, self.port, self.page, self.post = number, port, page, post
        self.cookie, self.keys, self.pool = cookie, keys, pool
        self.deadline, self.rng = deadline, rng
        self.accepted = {}  # comment id → the text sent
        self.statuses = {}
        self.latencies = []
        self.samples = {}  # status → start of one answer, for the report

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
            fields = {"csrfmiddlewaretoken": self.token, "text": text, "quote": ""}
            if parent is None:
                fields["block"] = self.rng.choice(self.keys)
                fields["stance"] = self.rng.choice(["support", "oppose", "neutral"])
            else:
                fields["parent_id"] = str(parent[0])
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
                comment_id = int(match.group(1))
                self.accepted[comment_id] = text
                level = 0 if parent is None else parent[1] + 1
                if level < 3:
                    with self.pool.lock:
                        self.pool.items.append((comment_id, level))
                status = "302 accepted"
            self.statuses[status] = self.statuses.get(status, 0) + 1
            if not str(status).startswith("302 accepted"):
                self.samples.setdefault(status, (location or body[:400].decode("utf-8", "replace")))


class Pool:
    def __init__(self):
        self.lock = threading.Lock()
        self.items = []


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


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--commenters", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn sync workers")
    parser.add_argument("--keep", action="store_true", help="keep the database and files")
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()

    os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    site = BenchSite(
        database_name="bench_comments",
        keep=args.keep,
        extra_env={"COMMENT_RATE_PER_MINUTE": "1000000"},
    )
    if not site.postgres:
        raise SystemExit("This load test runs on PostgreSQL: set DATABASE_URL=postgres://…")
    site.create_database()
    site.setup_django()
    try:
        run(site, args)
    finally:
        site.cleanup()


def run(site, args):
    from django.core.management import call_command
    from django.db import connection
    from django_comments.models import Comment
    from django_comments_xtd.models import XtdComment

    from consultations.models import StageComment
    from core.models import ActivityLog

    rng = random.Random(args.seed)
    call_command("migrate", verbosity=0)
    stage = make_stage(rng, slug=SLUG, blocks=10)
    users = make_people(args.commenters, prefix="commenter")
    cookies = sessions_for(users)
    keys = [""] + [block["key"] for block in stage.revision.blocks]
    page = f"/proposals/{SLUG}/consultation/stages/{stage.position}/"
    post = page + "comment/"
    before = StageComment.objects.count()
    connection.close()  # the servers get every connection the database allows

    load = os.getloadavg()[0]
    with gunicorn(site, workers=args.workers) as port:
        pool = Pool()
        deadline = time.monotonic() + args.seconds
        commenters = [
            Commenter(
                number,
                port=port,
                page=page,
                post=post,
                cookie=cookie,
                keys=keys,
                pool=pool,
                deadline=deadline,
                rng=random.Random(args.seed + number),
            )
            for number, cookie in enumerate(cookies)
        ]
        started = time.monotonic()
        for commenter in commenters:
            commenter.start()
        for commenter in commenters:
            commenter.join()
        elapsed = time.monotonic() - started

    accepted = {}
    statuses, samples, latencies = {}, {}, []
    for commenter in commenters:
        accepted.update(commenter.accepted)
        latencies.extend(commenter.latencies)
        for status, count in commenter.statuses.items():
            statuses[status] = statuses.get(status, 0) + count
        for status, sample in commenter.samples.items():
            samples.setdefault(status, sample)

    stored = dict(
        StageComment.objects.filter(stage=stage, user__in=users).values_list("pk", "comment")
    )
    lost = [pk for pk in accepted if pk not in stored]
    altered = [pk for pk, text in accepted.items() if pk in stored and stored[pk] != text]
    unacknowledged = [pk for pk in stored if pk not in accepted]
    tables = (Comment.objects.count(), XtdComment.objects.count(), StageComment.objects.count())
    orphans = XtdComment.objects.filter(thread_id=0).count()
    logged = ActivityLog.objects.filter(verb="comment.posted").count()
    replies = StageComment.objects.filter(stage=stage, level__gt=0).count()

    errors = {status: count for status, count in statuses.items() if status != "302 accepted"}
    print(
        f"PostgreSQL; gunicorn {args.workers} sync workers; {args.commenters} commenters for "
        f"{elapsed:.1f} s; {os.cpu_count()} CPUs (load average {load:.1f} at start)"
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
    print(
        f"rows per comments table:  django_comments {tables[0] - before}, xtdcomment "
        f"{tables[1] - before}, stagecomment {tables[2] - before}; orphans {orphans}; "
        f"log rows {logged}"
    )
    if errors or lost or altered or orphans or len(set(tables)) != 1:
        raise SystemExit(1)


if __name__ == "__main__":
    sys.exit(main())
