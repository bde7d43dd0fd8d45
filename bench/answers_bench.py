"""Benchmark of answering at scale: the answers page of a stage with 50,000 comments, bulk
answers of a form-letter campaign, and the cost of grouping a new comment.

    .venv/bin/python bench/answers_bench.py [--comments 50000] [--runs 5] [--explain]
        (SQLite in a temporary directory; DATABASE_URL=postgres://user@host/any to use a fresh
         PostgreSQL database named bench_answers, dropped at the end)

Generates a proposal with 30 paragraphs and a written stage holding N top-level comments and
N/10 replies, written straight into the tables in bulk (not through `post_comment`, which
would take hours): three form-letter campaigns (20 %, 4 % and 1 % of the comments, each letter
with its author's name and town, some with a sentence changed), 300 small groups of short
identical comments, the rest comments of their own; random paragraphs and stances; 40 % of
the comments answered. Every top-level comment gets its lookup bands
(`consultations.similarity.band_keys`) and its group, as `grouping.group_comment` would give
them; the campaigns' groups are checked against `group_comment` on a sample.

Then prints, in process (Django test client, the organisation's editor signed in, production
settings with DEBUG off): the median time and the queries of the answers page with several
filters and of the bulk confirmation page; the time of answering the largest campaign at once
(`domain.answer_comments`) and its log rows; the time of posting a comment and of grouping it
(`grouping.group_pending`, the grouper its commit starts, with that one comment waiting) for
campaign letters and for comments of their own (`bench/grouping_bench.py` compares grouping one
comment at a time with grouping in batches). `--explain` prints the database's plan of the
page's queries.
"""

import argparse
import os
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from consultations_bench import (  # noqa: E402
    WORDS,
    add_site_arguments,
    begin_run,
    make_people,
    make_stage,
    no_emails,
    run_on_site,
)

LETTERS = [
    (
        "Subsemnatul {name}, domiciliat în {town}, vă rog să nu aprobați modificarea articolului "
        "5 din Legea nr. 350/2005. Finanțarea nerambursabilă trebuie acordată numai prin "
        "selecție publică de proiecte, cu criterii clare și publicate din timp. Asociațiile mici "
        "din comunitatea noastră depind de aceste fonduri, iar orice excepție de la competiție "
        "deschide calea favoritismului. Vă solicit să păstrați termenul de 30 de zile pentru "
        "informarea solicitanților și publicarea contractelor pe pagina de internet a "
        "autorității."
    ),
    (
        "Către inițiatorii propunerii. Numele meu este {name} și locuiesc în {town}. Susțin "
        "publicarea integrală a contractelor de finanțare și a rapoartelor finale, pentru că "
        "banii publici trebuie urmăriți de cetățeni. Cer ca raportul de evaluare să fie "
        "publicat în cel mult zece zile de la semnare, împreună cu lista beneficiarilor."
    ),
    (
        "Sunt {name} din {town} și mă opun reducerii termenului de consultare. Un termen scurt "
        "exclude asociațiile de voluntari, care se întâlnesc o dată pe lună și nu pot formula "
        "observații în câteva zile."
    ),
]
SHARES = [0.20, 0.04, 0.01]
NAMES = ["Ion", "Maria", "Andrei", "Elena", "Mihai", "Ioana", "Vasile", "Ana", "Gheorghe", "Ilinca"]
SURNAMES = ["Popescu", "Ionescu", "Marin", "Stan", "Dumitru", "Enache", "Vlad", "Pop", "Radu"]
TOWNS = ["Focșani", "Iași", "Cluj-Napoca", "Brașov", "Timișoara", "Constanța", "Galați", "Bacău"]
SHORT = ["Sunt de acord cu propunerea {n}.", "Mă opun acestui articol, varianta {n}."]


def insert_rows(model, objects):
    """Write `objects` into `model`'s own table (its local columns) in one statement per
    thousand rows: `bulk_create` refuses the comment model, which inherits from two tables."""
    from django.db import connection

    fields = model._meta.local_concrete_fields
    columns = ", ".join(connection.ops.quote_name(field.column) for field in fields)
    marks = ", ".join(["%s"] * len(fields))
    table = connection.ops.quote_name(model._meta.db_table)
    sql = f"INSERT INTO {table} ({columns}) VALUES ({marks})"
    rows = [
        [field.get_db_prep_save(getattr(obj, field.attname), connection) for field in fields]
        for obj in objects
    ]
    with connection.cursor() as cursor:
        for start in range(0, len(rows), 1000):
            cursor.executemany(sql, rows[start : start + 1000])


def letter(rng, template):
    name = f"{rng.choice(NAMES)} {rng.choice(SURNAMES)}"
    text = template.format(name=name, town=rng.choice(TOWNS))
    if rng.random() < 0.2:
        text += " Vă mulțumesc pentru atenție."
    return text


def plan_texts(rng, total):
    """(text, campaign index or None, short-group key or None) for each top-level comment."""
    plan = []
    for index, share in enumerate(SHARES):
        plan += [(letter(rng, LETTERS[index]), index, None) for _ in range(int(total * share))]
    for n in range(300):
        text = rng.choice(SHORT).format(n=n)
        plan += [(text, None, n) for _ in range(rng.randint(2, 5))]
    while len(plan) < total:
        words = " ".join(rng.choice(WORDS) for _ in range(rng.randint(15, 80)))
        plan.append((words.capitalize() + ".", None, None))
    plan = plan[:total]
    rng.shuffle(plan)
    return plan


def make_comments(rng, stage, people, total):
    """`total` top-level comments and total/10 replies, their bands, groups and answers, in bulk.
    Returns {campaign index: group}."""
    from django.conf import settings
    from django.contrib.contenttypes.models import ContentType
    from django_comments.models import Comment
    from django_comments_xtd.models import XtdComment

    from consultations import similarity
    from consultations.models import CommentBand, CommentGroup, Disposition, StageComment

    editor = stage.created_by
    keys = [block["key"] for block in stage.revision.blocks]
    kind = ContentType.objects.get_for_model(stage)
    plan = plan_texts(rng, total)
    moment = stage.opens_at + timedelta(minutes=1)
    replies = total // 10
    texts = [text for text, _c, _s in plan] + [
        " ".join(rng.choice(WORDS) for _ in range(rng.randint(8, 40))) for _ in range(replies)
    ]
    made = Comment.objects.bulk_create(
        [
            Comment(
                content_type=kind,
                object_pk=str(stage.pk),
                site_id=settings.SITE_ID,
                user=rng.choice(people),
                comment=text,
                submit_date=moment + timedelta(seconds=number),
                is_public=True,
                is_removed=False,
            )
            for number, text in enumerate(texts)
        ],
        batch_size=1000,
    )
    ids = [comment.pk for comment in made]
    top, reply_ids = ids[:total], ids[total:]
    parents = {pk: rng.choice(top) for pk in reply_ids}
    insert_rows(
        XtdComment,
        [XtdComment(comment_ptr_id=pk, thread_id=pk, parent_id=pk, level=0, order=1) for pk in top]
        + [
            XtdComment(
                comment_ptr_id=pk, thread_id=parents[pk], parent_id=parents[pk], level=1, order=2
            )
            for pk in reply_ids
        ],
    )
    # Groups: one per campaign and per set of short identical comments, keyed by its first.
    members = {}
    for pk, (_text, campaign, short) in zip(top, plan, strict=True):
        key = ("campaign", campaign) if campaign is not None else ("short", short)
        if campaign is not None or short is not None:
            members.setdefault(key, []).append(pk)
    stage_rows = []
    for pk, (_text, _campaign, _short) in zip(top, plan, strict=True):
        stage_rows.append(
            StageComment(
                xtdcomment_ptr_id=pk,
                stage=stage,
                revision=stage.revision,
                block_key=rng.choice(keys) if rng.random() < 0.8 else "",
                stance=rng.choice(["support", "oppose", "neutral"]),
                starts_thread=True,
            )
        )
    stage_rows += [StageComment(xtdcomment_ptr_id=pk, stage=stage) for pk in reply_ids]
    insert_rows(StageComment, stage_rows)
    groups = {}
    for key, pks in members.items():
        if len(pks) < 2:
            continue
        group = CommentGroup.objects.create(stage=stage, seed_id=min(pks))
        groups[key] = group
        for start in range(0, len(pks), 500):
            StageComment.objects.filter(pk__in=pks[start : start + 500]).update(group=group)
    CommentBand.objects.bulk_create(
        (
            CommentBand(stage=stage, comment_id=pk, key=key)
            for pk, (text, _c, _s) in zip(top, plan, strict=True)
            for key in similarity.band_keys(similarity.shingles(text))
        ),
        batch_size=2000,
    )
    Disposition.objects.bulk_create(
        (
            Disposition(
                comment_id=pk, outcome="rejected", reason="Răspuns de test.", decided_by=editor
            )
            for pk in rng.sample(top, int(total * 0.4))
        ),
        batch_size=1000,
    )
    return {key[1]: group for key, group in groups.items() if key[0] == "campaign"}


def timed(client, path, runs):
    """(status, queries, median ms) of `runs` requests after one that warms up."""
    from django.db import connection

    queries = 0

    def count(execute, sql, params, many, context):
        nonlocal queries
        queries += 1
        return execute(sql, params, many, context)

    client.get(path, HTTP_HOST="127.0.0.1")
    times = []
    for _ in range(runs):
        queries = 0
        with connection.execute_wrapper(count):
            start = time.perf_counter()
            response = client.get(path, HTTP_HOST="127.0.0.1")
            times.append(time.perf_counter() - start)
    return response.status_code, queries, statistics.median(times) * 1000


def explain(stage, group):
    from consultations import domain
    from consultations.domain import queries

    for label, queryset in (
        ("page, no filter", domain.answer_selection(stage)[:50]),
        ("page, group and unanswered", domain.answer_selection(stage, group=group.pk)[:50]),
        ("count, unanswered", domain.answer_selection(stage, answered="unanswered")),
        ("groups with their counts", queries.group_counts(stage)[:21]),
    ):
        print(f"\n-- plan: {label}\n{queryset.explain()}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--comments", type=int, default=50000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--explain", action="store_true")
    add_site_arguments(parser)
    args = parser.parse_args()
    run_on_site(run, args, database_name="bench_answers")


def run(site, rng, args):
    from django.db import connection, transaction
    from django.test import Client

    from consultations import domain
    from consultations.domain import grouping
    from consultations.models import CommentBand, CommentGroup, Disposition, StageComment
    from core.models import ActivityLog

    begin_run(site)
    start = time.perf_counter()
    with transaction.atomic(), no_emails():
        stage = make_stage(rng)
        people = make_people(300)
        campaigns = make_comments(rng, stage, people, args.comments)
    if site.postgres:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    elapsed = time.perf_counter() - start
    total = StageComment.objects.filter(stage=stage).count()
    print(
        f"generated {total} comments ({args.comments} top-level), "
        f"{CommentGroup.objects.count()} groups, {CommentBand.objects.count()} bands, "
        f"{Disposition.objects.count()} answers, in bulk in {elapsed:.1f} s"
    )

    # The generator's groups are those grouping finds: a sample of each campaign, re-grouped.
    for index, group in campaigns.items():
        sample = list(
            StageComment.objects.filter(group=group).order_by("?").values_list("pk", flat=True)[:20]
        )
        StageComment.objects.filter(pk__in=sample).update(group=None)
        CommentBand.objects.filter(comment_id__in=sample).delete()
        found = {grouping.group_comment(pk) for pk in sample}
        print(
            f"campaign {index + 1}: 20 letters grouped again → {sorted(g.pk for g in found)} "
            f"(generated as group {group.pk})"
        )

    biggest = campaigns[0]
    base = f"/proposals/{stage.consultation.proposal.slug}/consultation/stages/{stage.position}"
    client = Client()
    client.force_login(stage.created_by)
    key = stage.revision.blocks[3]["key"]
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    print(
        f"\nin process, median of {args.runs} (Django test client, editor signed in; "
        f"load average {load}):"
    )
    for label, path in (
        ("answers page 1", "/answers/"),
        ("answers page 400", "/answers/?page=400"),
        ("unanswered", "/answers/?answered=unanswered"),
        ("one paragraph, opposed", f"/answers/?block={key}&stance=oppose"),
        ("largest group", f"/answers/?group={biggest.pk}"),
        ("largest group, unanswered", f"/answers/?group={biggest.pk}&answered=unanswered"),
        ("bulk confirmation, group", f"/answers/bulk/?group={biggest.pk}"),
    ):
        status, queries, ms = timed(client, base + path, args.runs)
        print(f"  {label:<30} {status}  {queries:>3} queries  {ms:>8.1f} ms")
        if status != 200:
            raise SystemExit(f"{path} answered {status}, not 200.")

    selection = domain.answer_selection(stage, group=biggest.pk)
    expected = domain.selection_size(selection)
    logged = ActivityLog.objects.filter(verb="disposition.set").count()
    start = time.perf_counter()
    with no_emails():
        changed = domain.answer_comments(
            stage.created_by,
            stage,
            {"group": biggest.pk},
            outcome="partially",
            reason="Preluăm termenul de 30 de zile.",
            expected=expected,
        )
    elapsed = time.perf_counter() - start
    rows = ActivityLog.objects.filter(verb="disposition.set").count() - logged
    print(
        f"\nanswering the largest group at once: {expected[0]} comments, {changed} answers saved "
        f"or changed, {rows} log rows, {elapsed:.2f} s"
    )

    people = make_people(40, prefix="late")
    now = stage.opens_at + timedelta(days=1)
    for label, texts in (
        ("campaign letters", [letter(rng, LETTERS[0]) for _ in range(20)]),
        (
            "comments of their own",
            [" ".join(rng.choice(WORDS) for _ in range(50)).capitalize() for _ in range(20)],
        ),
    ):
        posting, grouping_times, grouped = [], [], 0
        for number, text in enumerate(texts):
            with no_emails():
                start = time.perf_counter()
                comment = domain.post_comment(
                    people[number], stage, text=text, stance="oppose", now=now
                )
                posting.append(time.perf_counter() - start)
            # The grouper its commit starts (a thread in the embedded default), with this one
            # comment waiting.
            start = time.perf_counter()
            grouping.group_pending()
            grouping_times.append(time.perf_counter() - start)
            comment.refresh_from_db()
            grouped += comment.group_id is not None
        print(
            f"posting 20 {label}: post_comment (grouping off the request) median "
            f"{statistics.median(posting) * 1000:.1f} ms; the grouper after it median "
            f"{statistics.median(grouping_times) * 1000:.1f} ms "
            f"(max {max(grouping_times) * 1000:.1f}); {grouped} of 20 grouped"
        )
    if args.explain:
        explain(stage, biggest)


if __name__ == "__main__":
    main()
