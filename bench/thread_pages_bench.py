"""Benchmark of finding a page of a stage's threads, and a comment's page, as the stage grows.

    .venv/bin/python bench/thread_pages_bench.py [--threads 5000 160000] [--runs 300]
        (SQLite in a temporary directory; DATABASE_URL=postgres://user@host/any to use a fresh
         PostgreSQL database named bench_thread_pages, dropped at the end)

For each size, an open written stage holding that many threads, each a single first comment,
written in bulk (`consultations_bench.make_comments_in_bulk`), then where its pages start
(`domain.mark_pages`, as the worker writes it after posting). Then, in process, the median time
of the reads that depend on the number of threads before the one wanted:

- the page of a comment (`threads.page_of`: the redirect after posting, a comment's address)
  for the newest thread, one in the middle and the first;
- a page of threads (`threads.listed_threads`: each stage page view, and the refill's check of
  a kept copy) for page 1, the middle page and the last page;

with every page written, and with none written (the rows removed: what a stage not marked yet,
and this code before `ThreadPage`, reads: every thread before the one wanted counted or
skipped). Sizes are measured in turns, one call each, so that the machine's noise falls on all
alike; the figures to read are the ratios of the largest size to the smallest in one run.
"""

import argparse
import functools
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from consultations_bench import (  # noqa: E402
    add_site_arguments,
    begin_run,
    make_comments_in_bulk,
    make_people,
    make_stage,
    run_on_site,
)


def single(rng, budget):
    """A thread of one comment (`make_comments_in_bulk`'s `shape`)."""
    return [{"level": 0, "children": []}]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--threads", type=int, nargs="+", default=[5000, 160000])
    parser.add_argument("--runs", type=int, default=300)
    add_site_arguments(parser)
    args = parser.parse_args()
    run_on_site(run, args, database_name="bench_thread_pages")


def run(site, rng, args):
    from django.db import connection, transaction

    from consultations import domain
    from consultations.models import StageComment, ThreadPage
    from consultations.threads import PER_PAGE, Filters, listed_threads, page_of

    begin_run(site)
    people = make_people(50)
    stages = {}
    for size in args.threads:
        start = time.perf_counter()
        with transaction.atomic():
            stage = make_stage(rng, slug=f"pagini-{size}")
            made = make_comments_in_bulk(rng, stage, people, size, shape=single)
        ids = list(
            StageComment.objects.filter(stage=stage, starts_thread=True)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        assert made == len(ids) == size
        pages = ThreadPage.objects.filter(stage=stage).count()
        print(
            f"{size} threads written in bulk in {time.perf_counter() - start:.1f} s; "
            f"{pages} pages marked"
        )
        stages[size] = (stage, ids)
    if site.postgres:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")

    def reads(stage, ids):
        last_page = (len(ids) - 1) // PER_PAGE + 1
        middle = ids[len(ids) // 2]
        comments = {
            label: StageComment.objects.get(pk=pk)
            for label, pk in (("newest", ids[-1]), ("middle", middle), ("first", ids[0]))
        }
        expected_pages = {
            "newest": last_page,
            "middle": (len(ids) // 2) // PER_PAGE + 1,
            "first": 1,
        }
        checks = []
        for label, comment in comments.items():
            checks.append(
                (
                    f"page of the {label} thread",
                    functools.partial(page_of, comment),
                    expected_pages[label],
                )
            )
        for label, number in (
            ("page 1", 1),
            ("middle page", last_page // 2),
            ("last page", last_page),
        ):
            expected = ids[(number - 1) * PER_PAGE : number * PER_PAGE]
            checks.append(
                (
                    f"{label} of threads",
                    functools.partial(listed_threads, stage.pk, Filters(), number),
                    expected,
                )
            )
        return checks

    def measure():
        plans = {size: reads(*stages[size]) for size in args.threads}
        times = {size: [[] for _ in plans[size]] for size in args.threads}
        for size, plan in plans.items():  # each answer checked once, untimed
            for label, call, expected in plan:
                found = call()
                if label.endswith("of threads"):
                    found = [pk for pk, _version in found]
                if found != expected:
                    raise SystemExit(f"{size} threads, {label}: {found!r} is not {expected!r}")
        for _ in range(args.runs):
            for size in args.threads:
                for index, (_label, call, _expected) in enumerate(plans[size]):
                    begin = time.perf_counter()
                    call()
                    times[size][index].append(time.perf_counter() - begin)
        return plans, times

    smallest, largest = min(args.threads), max(args.threads)
    results = {}
    for written in (True, False):
        if not written:
            for stage, _ids in stages.values():
                ThreadPage.objects.filter(stage=stage).delete()
        results[written] = measure()
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    print(f"\nmedian of {args.runs} calls in process, in ms (load average {load}):")
    header = f"  {'read':<28}" + "".join(f"{size:>10}" for size in args.threads)
    for written in (True, False):
        plans, times = results[written]
        print(f"\n  pages {'written' if written else 'not written (every thread counted)'}:")
        print(header + f"{'ratio':>10}")
        for index, (label, _call, _expected) in enumerate(plans[smallest]):
            medians = {size: statistics.median(times[size][index]) * 1000 for size in args.threads}
            ratio = medians[largest] / medians[smallest]
            row = "".join(f"{medians[size]:>10.3f}" for size in args.threads)
            print(f"  {label:<28}{row}{ratio:>9.2f}x")
    # The rows are written again by the worker's next run after a comment in each stage.
    domain.mark_pages([stage.pk for stage, _ids in stages.values()])


if __name__ == "__main__":
    main()
