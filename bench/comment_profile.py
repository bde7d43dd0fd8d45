"""Where the time of one posted comment goes, in process: the real view through Django's test
client (every middleware, CSRF checked, the form's token sent), production settings, PostgreSQL.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \
        .venv/bin/python bench/comment_profile.py [--posts 400] [--cache redis://127.0.0.1:6379/0]
        [--database bench_comment_profile] [--top 25]

Signs in 20 verified users, lets them post `--posts` comments on one open stage (about a fifth
replies to earlier comments, half of those to another person's comment, which emails its
author) and prints:

- CPU ms per post (process time of this process: the database server's work is not in it, the
  wall time is printed next to it), after a warm-up of 40 posts;
- the queries of one new comment and of one reply, one line each, and the average per post;
- cProfile's cumulative share of each part of the path (middleware, form, domain command and
  its parts, the redirect's location, the session and messages), as a percentage of the total.

Without `--cache`, the cache (sessions, rate limits) is process memory (locmem), as in the
embedded default; with a Redis URL it is Redis, as in production. Celery has no broker here;
the email of a reply is stored with it for a sender (`NOTIFICATION_EMAILS` "manual", BenchSite's
default), which does not run here.
"""

import argparse
import cProfile
import os
import pstats
import random
import secrets
import sys
import time

from consultations_bench import BenchSite, make_people, make_stage

SLUG = "bench-profil"
TEXT = "Termenul propus este prea scurt pentru asociațiile mici din mediul rural [{}]."

# What to report from the profile: a label and the (file ending, function name) it sums.
PARTS = [
    ("whole request (test client)", "django/test/client.py", "request"),
    ("middleware before the view: sessions", "sessions/middleware.py", "process_request"),
    ("  authentication (user row)", "contrib/auth/middleware.py", "process_request"),
    ("  signed-in user and profile (one statement)", "accounts/backends.py", "get_user"),
    ("  CSRF check", "django/middleware/csrf.py", "process_view"),
    ("the view", "consultations/views/comments.py", "comment_post"),
    ("  stage_for (stage row, permission)", "consultations/views/stages.py", "stage_for"),
    ("  stage_for_posting (lean)", "consultations/views/comments.py", "stage_for_posting"),
    ("  the form (validation)", "django/forms/forms.py", "is_valid"),
    ("  rate limit", "core/ratelimit.py", "allow"),
    ("  idempotency.run_once", "core/idempotency.py", "run_once"),
    ("    post_comment", "consultations/domain/comments.py", "post_comment"),
    ("      permission gate (require)", "core/permissions.py", "require"),
    ("      clean_text", "core/text.py", "clean_text"),
    ("      block_keys / block_text", "consultations/domain/queries.py", "block_keys"),
    ("      comment rows (the package's save)", "django_comments_xtd/models.py", "save"),
    ("        its reply position", "django_comments_xtd/models.py", "_calculate_thread_data"),
    ("      comment rows (StageComment.save)", "consultations/models.py", "save"),
    ("      thread position of a reply", "consultations/models.py", "place_reply"),
    ("      search queue row", "search/indexing.py", "enqueue"),
    ("      activity.record", "core/activity.py", "record"),
    ("      Follow get_or_create", "django/db/models/query.py", "get_or_create"),
    ("      threads version bump", "consultations/domain/common.py", "bump_comments_version"),
    ("  transaction commit", "django/db/backends/base/base.py", "commit"),
    ("  after commit: emails (eager)", "core/mail.py", "send_notifications"),
    ("  messages.success", "contrib/messages/api.py", "success"),
    ("  threads.location (redirect)", "consultations/threads.py", "location"),
    ("middleware after the view: session save", "sessions/middleware.py", "process_response"),
    ("  messages store", "contrib/messages/middleware.py", "process_response"),
    ("SQL executed (all)", "django/db/backends/utils.py", "_execute"),
]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--posts", type=int, default=400)
    parser.add_argument("--cache", default="locmem://")
    parser.add_argument("--database", default="bench_comment_profile")
    parser.add_argument("--top", type=int, default=0, help="also print cProfile's top N")
    parser.add_argument("--sort", default="cumulative", help="--top by cumulative or tottime")
    parser.add_argument("--callees", default="", help="print what this function calls")
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()

    os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    site = BenchSite(
        database_name=args.database,
        cache=args.cache,
        extra_env={"COMMENT_RATE_PER_MINUTE": "1000000", "SEARCH_INDEX_UPDATES": "manual"},
    )
    if not site.postgres:
        raise SystemExit("This profile runs on PostgreSQL: set DATABASE_URL=postgres://…")
    site.create_database()
    site.setup_django()
    try:
        run(args)
    finally:
        site.cleanup()


class Poster:
    """Signed-in users posting through the real form; returns the queries of each post."""

    def __init__(self, users, stage, rng):
        from django.test import Client

        from consultations.domain import MAX_LEVEL

        self.max_level = MAX_LEVEL

        self.rng = rng
        self.page = f"/proposals/{SLUG}/consultation/stages/{stage.position}/"
        self.keys = [""] + [block["key"] for block in stage.revision.blocks]
        self.clients = []
        for user in users:
            client = Client(enforce_csrf_checks=True, HTTP_HOST="127.0.0.1")
            client.force_login(user)
            answer = client.get(self.page)
            assert answer.status_code == 200, answer.status_code
            client.csrf = client.cookies["csrftoken"].value
            self.clients.append((user, client))
        self.posted = []  # (comment id, level) of comments that can take a reply
        self.sequence = 0

    def post(self):
        self.sequence += 1
        number = self.rng.randrange(len(self.clients))
        user, client = self.clients[number]
        fields = {
            "csrfmiddlewaretoken": client.csrf,
            "form_token": secrets.token_hex(16),
            "text": TEXT.format(self.sequence),
            "quote": "",
        }
        parent = None
        if self.posted and self.rng.random() < 0.2:
            parent = self.rng.choice(self.posted)
            fields["parent_id"] = str(parent[0])
        else:
            fields["block"] = self.rng.choice(self.keys)
            fields["stance"] = self.rng.choice(["support", "oppose", "neutral"])
        answer = client.post(self.page + "comment/", fields)
        location = answer.headers.get("Location", "")
        if answer.status_code != 302 or "#comment-" not in location:
            raise SystemExit(f"post refused: {answer.status_code} {answer.content[:300]!r}")
        level = 0 if parent is None else parent[1] + 1
        if level < self.max_level:
            self.posted.append((int(location.rsplit("-", 1)[1]), level))
        return parent is not None


def run(args):
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    call_command("migrate", verbosity=0)
    rng = random.Random(args.seed)
    stage = make_stage(rng, slug=SLUG, blocks=10)
    users = make_people(20, prefix="profil")
    poster = Poster(users, stage, rng)
    for _ in range(40):  # warm-up: imports, caches, the first comments to reply to
        poster.post()

    # Queries of one new comment and one reply.
    examples = {}
    while len(examples) < 2:
        with CaptureQueriesContext(connection) as captured:
            reply = poster.post()
        examples.setdefault("reply" if reply else "new comment", list(captured.captured_queries))
    for kind, queries in examples.items():
        print(f"queries of one {kind}: {len(queries)}")
        for query in queries:
            print("   ", " ".join(query["sql"].split())[:150])

    # Timing, without the profiler; queries counted as they run.
    executed = []
    waited = {}  # the statement's first words → total seconds waiting for the database

    def count(execute, sql, params, many, context):
        executed.append(1)
        start = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            words = " ".join(sql.split()[:4])[:70]
            waited[words] = waited.get(words, 0.0) + time.perf_counter() - start

    # In batches of 20: on a shared machine the quietest batch is the best estimate of the
    # work itself; the median is printed next to it.
    batches = []
    with connection.execute_wrapper(count):
        for _batch in range(max(1, args.posts // 20)):
            cpu, wall = time.process_time(), time.perf_counter()
            for _ in range(20):
                poster.post()
            batches.append(((time.process_time() - cpu) / 20, (time.perf_counter() - wall) / 20))
    posts = len(batches) * 20
    cpus, walls = sorted(b[0] for b in batches), sorted(b[1] for b in batches)
    print(
        f"\n{posts} posts (cache {args.cache}), CPU of this process per post: quietest batch "
        f"{cpus[0] * 1000:.1f} ms, median {cpus[len(cpus) // 2] * 1000:.1f} ms; wall "
        f"{walls[0] * 1000:.1f} / {walls[len(walls) // 2] * 1000:.1f} ms; "
        f"{len(executed) / posts:.1f} queries per post; waiting for each kind of "
        "statement, ms per post:"
    )
    for words, seconds in sorted(waited.items(), key=lambda item: -item[1])[:14]:
        print(f"  {seconds / posts * 1000:6.2f}  {words}")

    # CPU time of this process, not the wall clock: waiting for the database is not counted.
    profile = cProfile.Profile(time.process_time)
    profile.enable()
    for _ in range(args.posts):
        poster.post()
    profile.disable()
    stats = pstats.Stats(profile)
    total = sum(tt for (_cc, _nc, tt, _ct, _callers) in stats.stats.values())
    print(
        f"\nprofiled: {stats.total_calls / args.posts:.0f} Python function calls per post (a "
        f"measure of the work that load does not change); {total / args.posts * 1000:.1f} ms "
        "per post under cProfile, shares by part:"
    )
    for label, file_end, name in PARTS:
        cumulative = sum(
            ct
            for (filename, _line, function), (_cc, _nc, _tt, ct, _callers) in stats.stats.items()
            if function == name and filename.endswith(file_end)
        )
        print(f"  {label:<45} {cumulative / args.posts * 1000:6.2f} ms  {cumulative / total:6.1%}")
    if args.top:
        stats.sort_stats(args.sort).print_stats(args.top)
    if args.callees:
        stats.sort_stats("cumulative").print_callees(args.callees)


if __name__ == "__main__":
    sys.exit(main())
