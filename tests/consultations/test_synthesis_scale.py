"""The synthesis at scale: its table frozen one row a row (append-only, migrated from the JSON
value it was), published and exported a chunk at a time with the same rows as before, its page
read a page of rows at a time with a fixed number of queries, its PDF laid out in parts."""

import csv
import io
import os
from collections import Counter
from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import ProgrammingError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.test.utils import CaptureQueriesContext
from django_comments.models import Comment
from django_comments_xtd.models import XtdComment
from pypdf import PdfReader

from consultations import domain, exports
from consultations.models import (
    CommentState,
    Disposition,
    FileStatus,
    Stage,
    StageComment,
    Synthesis,
    SynthesisFile,
    SynthesisRow,
)
from core.models import AppendOnlyError
from core.pdfjoin import join_pdfs
from tests.consultations.conftest import during

STAGE = "/proposals/legea-350/consultation/stages/1"


def post(stage, user, text, *, hours=1.0, **kwargs):
    kwargs.setdefault("stance", "neutral")
    return domain.post_comment(user, stage, text=text, now=during(stage, hours), **kwargs)


def body(response):
    assert response.streaming is True
    return b"".join(response.streaming_content)


def rows_as_before(stage):
    """The table as it was built before it was read in chunks: every shown comment of the stage
    loaded at once, the top-level ones sorted in Python by the text's order, then by time."""
    comments = list(
        StageComment.objects.filter(stage=stage, state=CommentState.VISIBLE)
        .select_related("user__profile", "disposition__applied_in")
        .order_by("thread_id", "order")
    )
    labels = domain.block_labels(stage.revision)
    order = {key: index for index, key in enumerate(labels)}
    sizes = Counter(comment.thread_id for comment in comments)
    top = [comment for comment in comments if comment.level == 0]
    top.sort(key=lambda c: (order.get(c.block_key, -1) if c.block_key else -1, c.submit_date))
    rows = []
    for number, comment in enumerate(top, start=1):
        answer = getattr(comment, "disposition", None)
        rows.append(
            {
                "number": number,
                "comment_id": comment.pk,
                "author": comment.author_name,
                "block_key": comment.block_key,
                "block": labels.get(comment.block_key, "") if comment.block_key else "",
                "quote": comment.quote,
                "text": comment.comment,
                "suggestion": comment.suggestion,
                "suggested_from": comment.suggested_from,
                "suggested_text": comment.suggested_text,
                "stance": comment.stance,
                "submitted_at": comment.submit_date.isoformat(),
                "outcome": answer.outcome if answer else "",
                "reason": answer.reason if answer else "",
                "applied_in": answer.applied_in.number if answer and answer.applied_in else None,
                "replies": sizes[comment.thread_id] - 1,
                "group": comment.group_id,
                "group_size": 0,
                # Received on the site (recommendations logged from paper or email say so).
                "channel": comment.channel,
                "received_on": comment.received_on.isoformat() if comment.received_on else None,
            }
        )
    groups = Counter(row["group"] for row in rows if row["group"])
    for row in rows:
        row["group_size"] = groups[row["group"]] if row["group"] else 0
    return rows


def insert_comments(stage, people, count, *, keys):
    """`count` top-level comments written straight into the comment tables, on the paragraphs
    `keys` in turn ("" is the whole text), a minute apart in reverse (so time, not id, orders
    them), each answered. (Through the domain they take minutes; its checks are not tested
    here.)"""
    start = stage.opens_at + timedelta(hours=1)
    base = Comment.objects.bulk_create(
        [
            Comment(
                content_type=ContentType.objects.get_for_model(Stage),
                object_pk=str(stage.pk),
                site_id=settings.SITE_ID,
                user=people[number % len(people)],
                comment=f"Comentariul numărul {number}",
                submit_date=start + timedelta(minutes=count - number),
                is_public=True,
            )
            for number in range(count)
        ],
        batch_size=100,
    )
    if base[0].pk is None:  # SQLite before 3.35 returns no ids
        base = list(Comment.objects.order_by("-pk")[:count])[::-1]
    for model, extra in (
        (XtdComment, lambda c, n: {"comment_ptr_id": c.pk, "thread_id": c.pk, "parent_id": c.pk}),
        (
            StageComment,
            lambda c, n: {
                "xtdcomment_ptr_id": c.pk,
                "stage_id": stage.pk,
                "revision_id": stage.revision_id,
                "block_key": keys[n % len(keys)],
                "stance": ("support", "oppose", "")[n % 3],
            },
        ),
    ):
        rows = [model(**extra(comment, n)) for n, comment in enumerate(base)]
        fields = model._meta.local_concrete_fields
        for first in range(0, len(rows), 50):
            model._base_manager._insert(rows[first : first + 50], fields=fields)
    answerer = stage.consultation.created_by
    Disposition.objects.bulk_create(
        [
            Disposition(
                comment_id=comment.pk,
                outcome=("accepted", "rejected", "partially")[n % 3],
                reason=f"Motivul {n}",
                decided_by=answerer,
            )
            for n, comment in enumerate(base)
        ],
        batch_size=200,
    )


@pytest.fixture
def mixed(stage, editor, citizen, citizen2, moderator):
    """Comments on every kind of place (whole text, paragraphs out of order, a paragraph key the
    revision does not have), replies, a hidden one, all answered; the stage then closed."""
    k1, k2, k3 = (block["key"] for block in stage.revision.blocks)
    made = {
        "on3": post(stage, citizen, "Despre al treilea.", block_key=k3, hours=1),
        "on1": post(stage, citizen2, "Despre primul.", block_key=k1, stance="support", hours=2),
        "whole": post(stage, citizen, "Despre tot textul.", hours=3),
        "on1b": post(stage, citizen, "Tot despre primul.", block_key=k1, hours=4),
        "hidden": post(stage, citizen2, "Ascuns", block_key=k2, stance="oppose", hours=5),
    }
    post(stage, citizen2, "Un răspuns.", parent_id=made["on1"].pk, hours=6)
    post(stage, citizen, "Alt răspuns.", parent_id=made["on1"].pk, hours=7)
    domain.hide_comment(moderator, made["hidden"], "Limbaj jignitor.")
    StageComment.objects.filter(pk=made["on1b"].pk).update(block_key="k-removed")
    for name, comment in made.items():
        if name != "hidden":
            domain.set_disposition(editor, comment, outcome="rejected", reason=f"Răspuns {name}.")
    return made


# --- Publishing ----------------------------------------------------------------------------------


def test_publish_freezes_the_same_rows_and_numbers_as_before(stage, editor, mixed):
    expected = rows_as_before(stage)
    synthesis = domain.publish_synthesis(editor, stage)
    assert [row["comment_id"] for row in expected] == [
        mixed[name].pk for name in ("whole", "on1b", "on1", "on3")
    ]
    stored = list(SynthesisRow.objects.filter(synthesis=synthesis).values_list("number", "data"))
    assert stored == [(row["number"], row) for row in expected]
    assert expected[2]["replies"] == 2
    k1, _k2, k3 = (block["key"] for block in stage.revision.blocks)
    assert synthesis.paragraphs == [
        {"block_key": "", "block": "", "first": 1, "rows": 1},
        {"block_key": "k-removed", "block": "", "first": 2, "rows": 1},
        {"block_key": k1, "block": "§1", "first": 3, "rows": 1},
        {"block_key": k3, "block": "§3", "first": 4, "rows": 1},
    ]
    assert synthesis.counts == {
        "total": 4,
        "stance": {"neutral": 3, "support": 1},
        "outcome": {"rejected": 4},
    }


def test_publish_of_2500_comments_reads_them_in_chunks_with_the_same_rows(
    stage, editor, citizen, citizen2
):
    k1, k2, _k3 = (block["key"] for block in stage.revision.blocks)
    insert_comments(stage, [citizen, citizen2], 2500, keys=[k2, "", k1])
    replied = StageComment.objects.filter(stage=stage, block_key=k1).order_by("pk").first()
    post(stage, citizen, "Un răspuns.", parent_id=replied.pk, hours=2)
    expected = rows_as_before(stage)
    synthesis = domain.publish_synthesis(editor, stage)
    assert synthesis.rows == expected
    assert [row["number"] for row in expected] == list(range(1, 2501))
    assert synthesis.counts["total"] == 2500
    assert [(p["block_key"], p["first"], p["rows"]) for p in synthesis.paragraphs] == [
        ("", 1, 833),
        (k1, 834, 833),
        (k2, 1667, 834),
    ]
    assert sum(row["replies"] for row in synthesis.rows) == 1


# --- The record: append-only, migrated --------------------------------------------------------


def test_synthesis_rows_refuse_to_change_or_go(stage, editor, mixed):
    synthesis = domain.publish_synthesis(editor, stage)
    row = SynthesisRow.objects.get(synthesis=synthesis, number=1)
    row.data = {"text": "altceva"}
    with pytest.raises(AppendOnlyError):
        row.save()
    with pytest.raises(AppendOnlyError):
        row.delete()
    with pytest.raises(AppendOnlyError):
        SynthesisRow.objects.filter(synthesis=synthesis).update(data={})
    with pytest.raises(AppendOnlyError):
        SynthesisRow.objects.filter(synthesis=synthesis).delete()
    assert SynthesisRow.objects.get(pk=row.pk).data["text"] == "Despre tot textul."


@pytest.mark.skipif(connection.vendor != "postgresql", reason="a PostgreSQL trigger")
def test_the_database_refuses_to_change_or_remove_a_synthesis_row(stage, editor, mixed):
    synthesis = domain.publish_synthesis(editor, stage)
    row = SynthesisRow.objects.get(synthesis=synthesis, number=1)
    for statement in (
        "UPDATE consultations_synthesisrow SET data = '{}' WHERE id = %s",
        "DELETE FROM consultations_synthesisrow WHERE id = %s",
    ):
        with (
            pytest.raises(ProgrammingError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(statement, [row.pk])
    assert SynthesisRow.objects.get(pk=row.pk).data["text"] == "Despre tot textul."


@pytest.fixture
def _after_a_flush(transactional_db):
    """What a transactional test that ran before may have flushed: the site row the comments
    point to, and this process's cached content type ids (recreated with new ids)."""
    from django.contrib.contenttypes.models import ContentType
    from django.contrib.sites.models import Site

    ContentType.objects.clear_cache()
    Site.objects.get_or_create(
        pk=settings.SITE_ID, defaults={"domain": "testserver", "name": "Consult"}
    )


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_migrating_back_and_forth_keeps_every_row(_after_a_flush, stage, editor, mixed):
    published = domain.publish_synthesis(editor, stage)
    frozen, paragraphs = published.rows, published.paragraphs
    executor = MigrationExecutor(connection)
    executor.migrate([("consultations", "0005_thread_versions_and_counts")])
    executor.loader.build_graph()
    old = executor.loader.project_state([("consultations", "0005_thread_versions_and_counts")]).apps
    assert old.get_model("consultations", "Synthesis").objects.get().rows == frozen
    executor.migrate(executor.loader.graph.leaf_nodes("consultations"))
    synthesis = Synthesis.objects.get()
    assert synthesis.rows == frozen
    assert synthesis.paragraphs == paragraphs


# --- The page -----------------------------------------------------------------------------------


def test_synthesis_page_shows_a_page_of_rows_with_a_fixed_number_of_queries(
    en_client, stage, editor, citizen, citizen2
):
    k1, _k2, _k3 = (block["key"] for block in stage.revision.blocks)
    insert_comments(stage, [citizen, citizen2], 250, keys=["", k1])
    synthesis = domain.publish_synthesis(editor, stage)

    def page(number):
        with CaptureQueriesContext(connection) as captured:
            response = en_client.get(f"{STAGE}/synthesis/?page={number}")
        assert response.status_code == 200
        return response, len(captured)

    first, queries = page(1)
    groups = first.context["groups"]
    assert [(g["block_key"], g["rows"][0]["number"], len(g["rows"])) for g in groups] == [
        ("", 1, 100)
    ]
    third, third_queries = page(3)
    groups = third.context["groups"]
    assert [(g["block_key"], g["rows"][0]["number"], len(g["rows"])) for g in groups] == [
        (k1, 201, 50)
    ]
    # The first page adds the participation figures (six queries, whatever the size).
    assert third_queries == queries - 6
    assert first.context["figures"].comments == 250
    assert third.context["figures"] is None
    html = third.content.decode()
    assert "§1 (continued)" in html
    # The list of paragraphs: the whole text starts on page 1, §1 at row 126, on page 2.
    assert '<a href="?page=1#row-1">The whole text</a> (125 comments)' in html
    assert '<a href="?page=2#row-126">§1</a> (125 comments)' in html
    assert "Page 3 of 3" in html
    assert '<li id="row-250" value="250">' in html
    assert synthesis.counts["total"] == 250
    assert page(99)[0].context["page"].number == 3


def test_synthesis_page_queries_do_not_grow_with_the_table(
    en_client, stage, editor, citizen, citizen2, mixed
):
    domain.publish_synthesis(editor, stage)
    with CaptureQueriesContext(connection) as small:
        assert en_client.get(f"{STAGE}/synthesis/").status_code == 200
    second = _second_stage(stage, editor)
    insert_comments(second, [citizen, citizen2], 300, keys=[""])
    domain.publish_synthesis(editor, second)
    with CaptureQueriesContext(connection) as large:
        response = en_client.get("/proposals/legea-350/consultation/stages/2/synthesis/")
    assert response.context["page"].number == 1
    assert len(large) == len(small)
    # A later page: the same, but for the participation figures (first page only: six queries).
    with CaptureQueriesContext(connection) as later:
        response = en_client.get("/proposals/legea-350/consultation/stages/2/synthesis/?page=2")
    assert response.context["page"].number == 2
    assert len(later) == len(small) - 6


def _second_stage(stage, editor):
    return domain.add_stage(
        editor,
        stage.consultation,
        kind="written",
        title="A doua etapă",
        opens_at=stage.closes_at + timedelta(days=1),
        closes_at=stage.closes_at + timedelta(days=11),
        revision=stage.revision,
        now=stage.opens_at,
    )


def test_synthesis_preview_is_paginated_for_editors(en_client, stage, editor, citizen, citizen2):
    insert_comments(stage, [citizen, citizen2], 120, keys=[""])
    en_client.force_login(editor)
    response = en_client.get(f"{STAGE}/synthesis/?page=2")
    assert response.context["preview"] is True
    rows = [row for group in response.context["groups"] for row in group["rows"]]
    assert [row["number"] for row in rows] == list(range(101, 121))
    expected = rows_as_before(stage)[100:]
    assert [row["comment_id"] for row in rows] == [row["comment_id"] for row in expected]
    assert [row["reason"] for row in rows] == [row["reason"] for row in expected]
    assert response.context["total"] == 120


# --- Exports ------------------------------------------------------------------------------------


def test_synthesis_csv_of_2500_rows_streams_every_row(client, stage, editor, citizen, citizen2):
    insert_comments(stage, [citizen, citizen2], 2500, keys=[""])
    domain.publish_synthesis(editor, stage)
    response = client.get(f"{STAGE}/synthesis.csv")
    assert response["Content-Disposition"] == (
        'attachment; filename="legea-350-1-tabel-propuneri.csv"'
    )
    pieces = list(response.streaming_content)
    assert len(pieces) > 1
    rows = list(csv.reader(io.StringIO(b"".join(pieces).decode()[1:])))
    assert len(rows) == 2501
    assert [row[0] for row in rows[1:]] == [str(n) for n in range(1, 2501)]
    assert rows[2500][3] == "Comentariul numărul 0"  # the earliest comes last: by time


def test_synthesis_pdf_in_parts_has_every_row(stage, editor, mixed):
    synthesis = domain.publish_synthesis(editor, stage)
    parts = list(exports.synthesis_pdf_parts(synthesis, part_rows=1))
    assert len(parts) == 4
    output = io.BytesIO()
    pages = exports.synthesis_pdf(synthesis, output, part_rows=1)
    reader = PdfReader(io.BytesIO(output.getvalue()))
    assert len(reader.pages) == pages == sum(len(PdfReader(io.BytesIO(p)).pages) for p in parts)
    text = " ".join(" ".join(page.extract_text() for page in reader.pages).split())
    order = ["Despre tot textul.", "Tot despre primul.", "Despre primul.", "Despre al treilea."]
    positions = [text.index(words) for words in order]
    assert positions == sorted(positions)
    assert text.count("Tabel cu propunerile/recomandările primite") == 1
    assert text.count("Nr. crt.") == 4  # every part repeats the table's header
    assert "Ascuns" not in text
    title = "Tabel cu propunerile/recomandările primite și modul de soluționare"
    assert reader.metadata.title == title


def test_joined_pdf_keeps_each_documents_pages_in_order(stage, editor, mixed):
    synthesis = domain.publish_synthesis(editor, stage)
    one = exports.synthesis_pdf(synthesis)
    output = io.BytesIO()
    assert join_pdfs([one, one, one], output) == 3 * len(PdfReader(io.BytesIO(one)).pages)
    reader = PdfReader(io.BytesIO(output.getvalue()), strict=True)
    texts = [page.extract_text() for page in reader.pages]
    assert texts == 3 * [page.extract_text() for page in PdfReader(io.BytesIO(one)).pages]


@pytest.fixture
def in_parts(settings, tmp_path):
    """PDFs of more than two rows laid out in parts, in the background; files in `tmp_path`."""
    settings.SYNTHESIS_PDF_PART_ROWS = 2
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings


def test_large_synthesis_pdf_is_prepared_once_then_served_from_storage(
    en_client, in_parts, stage, editor, mixed
):
    domain.publish_synthesis(editor, stage)
    page = en_client.get(f"{STAGE}/synthesis.pdf")
    assert page.status_code == 200
    assert page["Content-Type"].startswith("text/html")
    assert "Prepare the PDF" in page.content.decode()
    assert SynthesisFile.objects.count() == 0  # reading the page writes nothing
    response = en_client.post(f"{STAGE}/synthesis.pdf")
    assert response.status_code == 302 and response["Location"] == f"{STAGE}/synthesis.pdf"
    stored = SynthesisFile.objects.get()
    assert (stored.status, stored.rows_done) == (FileStatus.READY, 4)
    download = en_client.get(f"{STAGE}/synthesis.pdf")
    assert download["Content-Type"] == "application/pdf"
    assert download["Content-Disposition"] == (
        'attachment; filename="legea-350-1-tabel-propuneri.pdf"'
    )
    reader = PdfReader(io.BytesIO(b"".join(download.streaming_content)))
    assert len(reader.pages) == stored.pages
    text = " ".join(page.extract_text() for page in reader.pages)
    assert "Despre primul." in text and "Despre al treilea." in text
    # Asking again changes nothing.
    en_client.post(f"{STAGE}/synthesis.pdf")
    assert list(SynthesisFile.objects.values_list("pk", "status")) == [(stored.pk, "ready")]


def test_large_synthesis_pdf_not_started_when_the_broker_cannot_be_reached_may_be_asked_again(
    en_client, in_parts, stage, editor, mixed, broker_down
):
    domain.publish_synthesis(editor, stage)
    response = en_client.post(f"{STAGE}/synthesis.pdf")
    assert response.status_code == 302 and response["Location"] == f"{STAGE}/synthesis.pdf"
    stored = SynthesisFile.objects.get()
    assert (stored.status, stored.rows_done) == (FileStatus.FAILED, 0)
    page = en_client.get(f"{STAGE}/synthesis.pdf").content.decode()
    assert "The PDF could not be prepared. You can try again." in page
    assert "Prepare the PDF" in page
    # The broker is back (Celery runs the task in process here): asked again, built.
    broker_down.conf.task_always_eager = True
    en_client.post(f"{STAGE}/synthesis.pdf")
    stored = SynthesisFile.objects.get()
    assert (stored.status, stored.rows_done) == (FileStatus.READY, 4)


def test_large_synthesis_pdf_is_made_again_once_a_comment_is_hidden(
    en_client, in_parts, stage, editor, moderator, mixed
):
    domain.publish_synthesis(editor, stage)
    en_client.post(f"{STAGE}/synthesis.pdf")
    first = SynthesisFile.objects.get()
    first_path = first.file.path
    domain.hide_comment(moderator, mixed["on3"], "Date personale.")
    page = en_client.get(f"{STAGE}/synthesis.pdf")
    assert "Prepare the PDF" in page.content.decode()  # the earlier file is not served
    en_client.post(f"{STAGE}/synthesis.pdf")
    second = SynthesisFile.objects.get()
    assert second.version > first.version
    assert not os.path.exists(first_path)
    with second.file.open("rb") as handle:
        text = " ".join(page.extract_text() for page in PdfReader(handle).pages)
    assert "Despre al treilea." not in text
    assert "Despre primul." in text


def test_pdf_being_prepared_shows_its_progress_and_refreshes(
    client, in_parts, stage, editor, mixed
):
    synthesis = domain.publish_synthesis(editor, stage)
    SynthesisFile.objects.create(
        synthesis=synthesis,
        version=Stage.objects.get(pk=stage.pk).comments_version,
        rows_done=2,
        requested_at=synthesis.published_at + timedelta(days=365 * 10),
    )
    html = client.get(f"{STAGE}/synthesis.pdf").content.decode()
    assert '<meta http-equiv="refresh" content="5">' in html
    assert '<progress id="pdf-progress" max="100" value="50">' in html
    assert "Prepare the PDF" not in html
