"""Benchmark of a synthesis at scale: publishing it, its page and its exports, time and memory.

    .venv/bin/python bench/synthesis_bench.py [--comments 200000] [--pdf-rows 6000]
        [--skip-pdf] (SQLite in a temporary directory; DATABASE_URL=postgres://user@host/any to
        use a fresh PostgreSQL database named bench_synthesis, dropped at the end)

Generates a proposal of 100 paragraphs and a closed written-comments stage holding N top-level
comments (on the paragraphs and the whole text, from 500 participants, a reply every 50th,
every top-level comment answered), written in bulk straight into the tables, not through the
request path. Then, in this process, one run each:

- publishing the synthesis (`consultations.domain.publish_synthesis`: N frozen rows);
- the synthesis page, first and last page (the queries of each);
- the synthesis CSV, the stage's comments CSV and JSON, through their views, read to the end
  as a client would (the bytes counted, not kept);
- the API's bulk export of the syntheses (`api.exports.write_table`: syntheses.jsonl and
  .csv, the rows written a chunk at a time);
- the submission's dossier (`registrations.dossier`, through its view, as the registrar
  downloads it): first while the table's PDF is not prepared (the section gives the counts and
  where to get it; no row is read), then with a stored table joined after the dossier a page
  at a time. The stored table is a stand-in, unless --skip-annex: the first part of this
  synthesis's PDF laid out once, joined N / SYNTHESIS_PDF_PART_ROWS times (the pages of N rows;
  laying out every row would take N/15 s), stored as the synthesis's ready file;
- the PDF of a synthesis of --pdf-rows rows (a second stage), laid out in parts of
  SYNTHESIS_PDF_PART_ROWS and joined into a temporary file, as the background task does.
  WeasyPrint lays out about 100 rows a second here: the PDF of N rows takes N/100 s and is
  measured at a size that fits; its memory is that of one part whatever the number of parts.

For each it prints the time and how much the process's resident size grew over its size at the
start of the step, at its highest (sampled every 20 ms); with --tracemalloc also the peak of
Python's allocations (what the code holds, not the database's cache; it slows the code several
times, WeasyPrint most, so the PDF is never traced). Run it at 20,000 and at 200,000: flat
memory is the point.
"""

import argparse
import os
import sys
import tempfile
import threading
import time
import tracemalloc
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
WORK = Path(tempfile.mkdtemp(prefix="consult-synthesis-bench-"))
if not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
    os.environ["DATABASE_URL"] = f"sqlite:///{WORK / 'bench.sqlite3'}"
    POSTGRES = None
else:
    from urllib.parse import urlsplit

    parts = urlsplit(os.environ["DATABASE_URL"])
    POSTGRES = parts._replace(path="/postgres").geturl()
    os.environ["DATABASE_URL"] = parts._replace(path="/bench_synthesis").geturl()
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "consult.settings_test")
os.environ["CONSULT_VAR_DIR"] = str(WORK / "var")


def create_database():
    if POSTGRES is None:
        return
    import psycopg

    with psycopg.connect(POSTGRES, autocommit=True) as connection:
        connection.execute('DROP DATABASE IF EXISTS "bench_synthesis" WITH (FORCE)')
        connection.execute('CREATE DATABASE "bench_synthesis"')


def drop_database():
    if POSTGRES is None:
        return
    import psycopg
    from django.db import connections

    connections.close_all()
    with psycopg.connect(POSTGRES, autocommit=True) as connection:
        connection.execute('DROP DATABASE IF EXISTS "bench_synthesis" WITH (FORCE)')


create_database()

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.contenttypes.models import ContentType  # noqa: E402
from django.core.files import File  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402
from django.utils import timezone  # noqa: E402
from django_comments.models import Comment  # noqa: E402
from django_comments_xtd.models import XtdComment  # noqa: E402

from accounts.models import Profile, User  # noqa: E402
from api import exports as api_exports  # noqa: E402
from api.visibility import syntheses as api_syntheses  # noqa: E402
from consultations import domain, exports  # noqa: E402
from consultations.models import (  # noqa: E402
    Disposition,
    FileStatus,
    Stage,
    StageComment,
    SynthesisFile,
)
from core.pdfjoin import join_pdfs  # noqa: E402
from proposals import content  # noqa: E402
from proposals import domain as proposals_domain  # noqa: E402
from registrations import domain as registration  # noqa: E402
from tests.factories import MembershipFactory, ProposalFactory  # noqa: E402

BATCH = 2000


def resident():
    """The process's resident size now (VmRSS), in bytes."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


class Measure:
    """Time of the block; the growth of the process's resident size over its size at the start,
    at its highest (sampled every 20 ms by a thread); with `trace`, the peak of Python's
    allocations (tracemalloc, which slows the code down several times)."""

    def __init__(self, label, *, trace=False):
        self.label, self.trace = label, trace

    def _sample(self):
        while not self.done.wait(0.02):
            self.highest = max(self.highest, resident())

    def __enter__(self):
        self.base = self.highest = resident()
        self.done = threading.Event()
        self.sampler = threading.Thread(target=self._sample, daemon=True)
        self.sampler.start()
        if self.trace:
            tracemalloc.start()
        self.start = time.perf_counter()
        return self

    def __exit__(self, *exc):
        self.seconds = time.perf_counter() - self.start
        traced = ""
        if self.trace:
            _current, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            traced = f"   traced peak {peak / 2**20:6.1f} MiB"
        self.done.set()
        self.sampler.join()
        self.highest = max(self.highest, resident())
        print(
            f"  {self.label:<40} {self.seconds:8.2f} s   resident +"
            f"{(self.highest - self.base) / 2**20:6.1f} MiB (of {self.highest / 2**20:.0f})"
            + traced,
            flush=True,
        )


def make_stage(editor, consultation, position, revision):
    opens = timezone.now() - timedelta(days=40)
    return domain.add_stage(
        editor,
        consultation,
        kind="written",
        title=f"Etapa {position}",
        opens_at=opens + timedelta(days=position * 12),
        closes_at=opens + timedelta(days=position * 12 + 10),
        revision=revision,
        now=opens - timedelta(days=1),
    )


def setting_up(blocks=100):
    membership = MembershipFactory(role="editor", user__display_name="Editor")
    editor, ngo = membership.user, membership.organization
    proposal = ProposalFactory(editor=editor, organization=ngo, slug="sinteza", title="Sinteza")
    revision = proposal.current_revision
    proposals_domain.save_revision(
        editor,
        proposal,
        base_number=revision.number,
        title=revision.title,
        summary=revision.summary,
        blocks=[
            {"key": content.new_block_key(), "type": "text", "text": f"Articolul {n}. Textul."}
            for n in range(1, blocks + 1)
        ],
        message="Textul",
    )
    proposal.refresh_from_db()
    proposals_domain.publish_proposal(editor, proposal)
    consultation = domain.create_consultation(editor, proposal, title="Consultare")
    return editor, consultation, proposal.current_revision


def people(count):
    users = User.objects.bulk_create(
        [User(email=f"bench{n}@example.org", password="!") for n in range(count)]
    )
    if users[0].pk is None:
        users = list(User.objects.filter(email__startswith="bench").order_by("pk"))
    Profile.objects.bulk_create(
        [Profile(user=user, display_name=f"Participant {n}") for n, user in enumerate(users)]
    )
    return users


def insert_comments(stage, users, count, editor):
    """`count` top-level comments (a reply to every 50th), each answered, in batches."""
    keys = [""] + [block["key"] for block in stage.revision.blocks]
    stage_type = ContentType.objects.get_for_model(Stage)
    start = stage.opens_at + timedelta(minutes=1)
    for first in range(0, count, BATCH):
        numbers = range(first, min(first + BATCH, count))
        base = Comment.objects.bulk_create(
            [
                Comment(
                    content_type=stage_type,
                    object_pk=str(stage.pk),
                    site_id=settings.SITE_ID,
                    user=users[n % len(users)],
                    comment=f"Comentariul numărul {n}: " + "propunem o formulare mai clară. " * 6,
                    submit_date=start + timedelta(seconds=n),
                    is_public=True,
                )
                for n in numbers
            ]
        )
        if base[0].pk is None:
            base = list(Comment.objects.order_by("-pk")[: len(numbers)])[::-1]
        _insert(
            XtdComment,
            [XtdComment(comment_ptr_id=c.pk, thread_id=c.pk, parent_id=c.pk) for c in base],
        )
        _insert(
            StageComment,
            [
                StageComment(
                    xtdcomment_ptr_id=c.pk,
                    stage_id=stage.pk,
                    revision_id=stage.revision_id,
                    block_key=keys[n % len(keys)],
                    stance=("support", "oppose", "neutral", "")[n % 4],
                )
                for n, c in zip(numbers, base, strict=True)
            ],
        )
        Disposition.objects.bulk_create(
            [
                Disposition(
                    comment_id=c.pk,
                    outcome=("accepted", "rejected", "partially", "not_applicable")[n % 4],
                    reason=f"Motivul răspunsului {n}.",
                    decided_by=editor,
                )
                for n, c in zip(numbers, base, strict=True)
            ]
        )
        replies = Comment.objects.bulk_create(
            [
                Comment(
                    content_type=stage_type,
                    object_pk=str(stage.pk),
                    site_id=settings.SITE_ID,
                    user=users[(n + 1) % len(users)],
                    comment="Un răspuns.",
                    submit_date=start + timedelta(seconds=n + 1),
                    is_public=True,
                )
                for n in numbers
                if n % 50 == 0
            ]
        )
        if replies and replies[0].pk is None:
            replies = list(Comment.objects.order_by("-pk")[: len(replies)])[::-1]
        parents = [c for n, c in zip(numbers, base, strict=True) if n % 50 == 0]
        _insert(
            XtdComment,
            [
                XtdComment(comment_ptr_id=r.pk, thread_id=p.pk, parent_id=p.pk, level=1, order=2)
                for r, p in zip(replies, parents, strict=True)
            ],
        )
        _insert(
            StageComment,
            [
                StageComment(
                    xtdcomment_ptr_id=r.pk, stage_id=stage.pk, revision_id=stage.revision_id
                )
                for r in replies
            ],
        )


def _insert(model, rows):
    fields = model._meta.local_concrete_fields
    size = max(1, 900 // len(fields)) if connection.vendor == "sqlite" else 1000
    for first in range(0, len(rows), size):
        model._base_manager._insert(rows[first : first + size], fields=fields)


def read_to_the_end(response):
    assert response.status_code == 200, response.status_code
    size = 0
    for piece in response.streaming_content:
        size += len(piece)
    return size


def read_response(response):
    """The number of bytes of a response, streamed or not, read to the end."""
    assert response.status_code == 200, response.status_code
    if response.streaming:
        return read_to_the_end(response)
    return len(response.content)


def dossier_steps(options, editor, stage, synthesis):
    proposal = stage.consultation.proposal
    domain.process_stage_events(now=timezone.now())
    submission = registration.submit_proposal(
        editor, proposal, proposal.current_revision, "Vă rugăm să înregistrați propunerea."
    )
    url = f"/register/s/{submission.tracking_code}/dossier.pdf"
    client = Client()
    client.force_login(editor)
    # The first dossier also loads what its charts need (matplotlib's fonts): once per process.
    for label in ("first", "again"):
        with Measure(f"dossier, table not prepared ({label})", trace=options.tracemalloc):
            size = read_response(client.get(url))
        print(f"    {size / 2**10:.0f} KiB, {SynthesisFile.objects.count()} stored tables")
    if options.skip_annex:
        return
    synthesis.stage = Stage.objects.select_related("consultation__proposal__organization").get(
        pk=stage.pk
    )
    part_rows = settings.SYNTHESIS_PDF_PART_ROWS
    mark = time.perf_counter()
    parts = exports.synthesis_pdf_parts(synthesis)
    first = next(parts)
    parts.close()
    repeats = -(-synthesis.counts["total"] // part_rows)
    with tempfile.TemporaryFile() as joined:
        pages = join_pdfs((first for _ in range(repeats)), joined)
        joined.seek(0)
        stored = SynthesisFile(
            synthesis=synthesis,
            version=Stage.objects.get(pk=stage.pk).comments_version,
            status=FileStatus.READY,
            pages=pages,
            rows_done=synthesis.counts["total"],
            requested_at=timezone.now(),
            finished_at=timezone.now(),
        )
        stored.file.save("bench-table.pdf", File(joined), save=False)
        stored.save()
    print(
        f"  (stand-in table: the first part, {len(first) / 2**10:.0f} KiB, joined {repeats:,}"
        f" times: {pages:,} pages, {stored.file.size / 2**20:.1f} MiB,"
        f" in {time.perf_counter() - mark:.0f} s)",
        flush=True,
    )
    with Measure(f"dossier, stored table joined ({pages:,} p.)", trace=options.tracemalloc):
        size = read_response(client.get(url))
    print(f"    {size / 2**20:.1f} MiB")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--comments", type=int, default=200_000)
    parser.add_argument("--pdf-rows", type=int, default=6000)
    parser.add_argument("--skip-pdf", action="store_true")
    parser.add_argument(
        "--skip-annex", action="store_true", help="no dossier with a stored table joined"
    )
    parser.add_argument(
        "--tracemalloc", action="store_true", help="also the peak of Python's allocations"
    )
    options = parser.parse_args()

    setup_test_environment()
    # The test settings run with DEBUG on, which keeps the SQL of the last 9,000 queries (here
    # the bulk inserts' rows): off, so that the figures are the code's.
    settings.DEBUG = False
    call_command("migrate", verbosity=0)
    try:
        run(options)
    finally:
        drop_database()


def run(options):
    print(f"{connection.vendor}, {options.comments:,} comments, Python {sys.version.split()[0]}")
    editor, consultation, revision = setting_up()
    users = people(500)
    stage = make_stage(editor, consultation, 1, revision)
    mark = time.perf_counter()
    insert_comments(stage, users, options.comments, editor)
    print(
        f"  generated {StageComment.objects.filter(stage=stage).count():,} comments"
        f" in {time.perf_counter() - mark:.0f} s",
        flush=True,
    )
    base = f"/proposals/sinteza/consultation/stages/{stage.position}"
    client = Client()

    trace = options.tracemalloc
    # (The followers' email is sent in process, without a broker: part of the figure.)
    with Measure("publish the synthesis", trace=trace):
        synthesis = domain.publish_synthesis(editor, stage)
    assert synthesis.counts["total"] == options.comments
    pages = (options.comments + 99) // 100
    for label, number in (("first", 1), ("last", pages)):
        with (
            Measure(f"synthesis page ({label})", trace=trace),
            CaptureQueriesContext(connection) as queries,
        ):
            response = client.get(f"{base}/synthesis/?page={number}")
        assert response.status_code == 200 and response.context["page"].number == number
        print(f"    {len(queries)} queries, {len(response.content) / 1024:.0f} KiB")
    for label, url in (
        ("synthesis CSV (streamed)", f"{base}/synthesis.csv"),
        ("comments CSV (streamed)", f"{base}/comments.csv"),
        ("comments JSON (streamed)", f"{base}/comments.json"),
    ):
        with Measure(label, trace=trace):
            size = read_to_the_end(client.get(url))
        print(f"    {size / 2**20:.1f} MiB")
    with Measure("API bulk export: syntheses.jsonl + .csv", trace=trace):
        files = api_exports.write_table(
            WORK / "dump", "all", "syntheses", api_exports.synthesis_records(api_syntheses())
        )
    print("    " + ", ".join(f"{entry['bytes'] / 2**20:.1f} MiB" for entry in files))
    dossier_steps(options, editor, stage, synthesis)
    if options.skip_pdf:
        return
    second = make_stage(editor, consultation, 2, revision)
    insert_comments(second, users, options.pdf_rows, editor)
    small = domain.publish_synthesis(editor, second)
    small.stage = Stage.objects.select_related("consultation__proposal__organization").get(
        pk=second.pk
    )
    part_rows = settings.SYNTHESIS_PDF_PART_ROWS
    with (
        tempfile.TemporaryFile() as output,
        Measure(f"PDF of {options.pdf_rows:,} rows, parts of {part_rows:,}") as measure,
    ):
        page_count = exports.synthesis_pdf(small, output)
        size = output.tell()
    print(
        f"    {page_count:,} pages, {size / 2**20:.1f} MiB,"
        f" {options.pdf_rows / measure.seconds:.0f} rows/s"
        f" → {options.comments:,} rows ≈ {options.comments / options.pdf_rows * measure.seconds / 60:.0f} min"  # noqa: E501
    )


if __name__ == "__main__":
    main()
