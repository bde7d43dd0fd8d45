"""Benchmark of grouping waiting comments: one at a time (`grouping.group_comment`, what each
comment's task did) against in batches (`grouping.group_pending`, the grouper a commit starts).

    .venv/bin/python bench/grouping_bench.py [--letters 1000] [--distinct 1000] [--runs 2]
        (SQLite in a temporary directory; DATABASE_URL=postgres://user@host/any to use a fresh
         PostgreSQL database named bench_grouping, dropped at the end)

Posts, through `domain.post_comment`, `--letters` letters of one form-letter campaign (each with
its author's name and town, a fifth with a sentence added) shuffled with `--distinct` comments
of their own (15 to 80 random words) into an open written stage: all are stored waiting for the
grouper. Then, `--runs` times each, from the same waiting state (bands, groups and marks reset
between runs): every waiting comment grouped one at a time, oldest first, then all of them
grouped in batches; prints per comment the CPU time of this process (with SQLite the database's
work is in it; with PostgreSQL the server's is not), the elapsed time and the queries, the ratio
of the two ways, and checks that both give the same groups and bands.
"""

import argparse
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from answers_bench import LETTERS, letter  # noqa: E402
from consultations_bench import (  # noqa: E402
    WORDS,
    add_site_arguments,
    begin_run,
    make_people,
    make_stage,
    no_emails,
    run_on_site,
)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--letters", type=int, default=1000)
    parser.add_argument("--distinct", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=2)
    add_site_arguments(parser)
    args = parser.parse_args()
    run_on_site(run, args, database_name="bench_grouping")


def run(site, rng, args):
    from django.db import connection

    from consultations import domain
    from consultations.domain import grouping
    from consultations.models import CommentBand, CommentGroup, StageComment

    begin_run(site)
    stage = make_stage(rng)
    people = make_people(300)
    texts = [letter(rng, LETTERS[0]) for _ in range(args.letters)] + [
        " ".join(rng.choice(WORDS) for _ in range(rng.randint(15, 80))).capitalize() + "."
        for _ in range(args.distinct)
    ]
    rng.shuffle(texts)
    now = stage.opens_at + timedelta(days=1)
    start = time.perf_counter()
    with no_emails():
        for number, text in enumerate(texts):
            domain.post_comment(
                people[number % len(people)], stage, text=text, stance="oppose", now=now
            )
    waiting = list(
        StageComment.objects.filter(grouping_pending=True)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    print(
        f"posted {len(texts)} comments ({args.letters} campaign letters, {args.distinct} of "
        f"their own) in {time.perf_counter() - start:.1f} s; {len(waiting)} waiting"
    )
    if site.postgres:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")

    def reset():
        StageComment.objects.filter(stage=stage).update(group=None)
        CommentGroup.objects.filter(stage=stage).delete()
        CommentBand.objects.filter(stage=stage).delete()
        StageComment.objects.filter(pk__in=waiting).update(grouping_pending=True)

    def outcome():
        seeds = dict(CommentGroup.objects.values_list("pk", "seed_id"))
        groups = sorted(
            sorted(StageComment.objects.filter(group_id=group_id).values_list("pk", flat=True))
            for group_id in seeds
        )
        bands = sorted(CommentBand.objects.filter(stage=stage).values_list("comment_id", "key"))
        return sorted(seeds.values()), groups, bands

    queries = 0

    def count(execute, sql, params, many, context):
        nonlocal queries
        queries += 1
        return execute(sql, params, many, context)

    def measure(work):
        nonlocal queries
        reset()
        queries = 0
        with connection.execute_wrapper(count):
            cpu, wall = time.process_time(), time.perf_counter()
            work()
            cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        return cpu, wall, queries, outcome()

    def one_by_one():
        for pk in waiting:
            grouping.group_comment(pk)

    def batched():
        assert grouping.group_pending() == len(waiting)

    results = {"one at a time (group_comment)": [], "in batches (group_pending)": []}
    outcomes = []
    for _run in range(args.runs):
        for label, work in zip(results, (one_by_one, batched), strict=True):
            cpu, wall, made, found = measure(work)
            results[label].append((cpu, wall, made))
            outcomes.append(found)
    same = all(found == outcomes[0] for found in outcomes)
    seeds, groups, _bands = outcomes[0]
    largest = max((len(members) for members in groups), default=0)
    print(
        f"{len(groups)} groups (largest {largest} comments); both ways give the same groups "
        f"and bands: {'yes' if same else 'NO'}"
    )
    best = {}
    n = len(waiting)
    for label, runs in results.items():
        cpu, wall, made = min(runs)
        best[label] = (cpu, wall)
        print(
            f"  {label:<32} CPU {cpu / n * 1000:6.2f} ms/comment, elapsed "
            f"{wall / n * 1000:6.2f} ms/comment, {made / n:5.2f} queries/comment "
            f"(best of {len(runs)}; total CPU {cpu:.2f} s)"
        )
    (cpu_one, wall_one), (cpu_batch, wall_batch) = best.values()
    print(
        f"  one at a time / in batches: CPU ×{cpu_one / cpu_batch:.1f}, "
        f"elapsed ×{wall_one / wall_batch:.1f}"
    )
    if not same:
        raise SystemExit("The two ways gave different groups or bands.")


if __name__ == "__main__":
    main()
