"""Exports: every comment of a stage (CSV, JSON; public, thread order, no emails, hidden text
left out) and the published synthesis (CSV, PDF) in the layout of the Romanian justification
table or the Bulgarian "справка", in the proposal's language."""

import csv
import io
import json
from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_comments.models import Comment
from django_comments_xtd.models import XtdComment
from pypdf import PdfReader

from consultations import domain
from consultations.models import CommentState, Stage, StageComment
from proposals import domain as proposals_domain
from tests.consultations.conftest import add_written_stage, during, text_blocks
from tests.factories import MembershipFactory, OrganizationFactory, ProposalFactory, UserFactory

STAGE = "/proposals/legea-350/consultation/stages/1"
# The header in the reader's language (Romanian, the default); the values stay codes.
HEADER = [
    "Nr. comentariului",
    "Răspuns la comentariul nr.",
    "Nivel în discuție",
    "Cheia paragrafului",
    "Paragraf",
    "Pasaj citat",
    "Text",
    "Poziție (cod)",
    "Stare (cod)",
    "Data și ora trimiterii",
    "Autor",
    "Răspuns (cod)",
    "Motivarea răspunsului",
    "Preluat în versiunea",
    "Modificare propusă (cod)",
    "Textul înlocuit de propunere",
    "Formularea propusă",
]
HEADER_EN = [
    "Comment number",
    "Reply to comment",
    "Depth in the thread",
    "Paragraph key",
    "Paragraph",
    "Quoted passage",
    "Text",
    "Stance (code)",
    "State (code)",
    "Submitted at",
    "Author",
    "Answer (code)",
    "Reason of the answer",
    "Applied in revision",
    "Suggested change (code)",
    "Text the suggestion replaces",
    "Suggested wording",
]


def post(stage, user, text, *, hours=1.0, **kwargs):
    kwargs.setdefault("stance", "neutral")
    return domain.post_comment(user, stage, text=text, now=during(stage, hours), **kwargs)


def body(response):
    """The bytes of a streamed export (CSV, JSON): sent as they are produced."""
    assert response.streaming is True
    return b"".join(response.streaming_content)


def read_csv(response):
    content = body(response).decode("utf-8")
    assert content.startswith("\ufeff")
    # Byte for byte what the export wrote in one piece before it was streamed.
    assert content == rewritten_csv(content)
    return list(csv.reader(io.StringIO(content[1:])))


def rewritten_csv(content):
    """`content` parsed and written again as the exports wrote it in one piece before they
    were streamed (a BOM, then csv.writer with CRLF line ends)."""
    buffer = io.StringIO()
    buffer.write("\ufeff")
    csv.writer(buffer, lineterminator="\r\n").writerows(csv.reader(io.StringIO(content[1:])))
    return buffer.getvalue()


def pdf_text(response):
    reader = PdfReader(io.BytesIO(response.content))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


@pytest.fixture
def comments(stage, citizen, citizen2, moderator):
    k1, k2, _k3 = (block["key"] for block in stage.revision.blocks)
    first = post(
        stage,
        citizen,
        "Termenul de 30 de zile e prea lung.",
        block_key=k2,
        quote="în termen de 30 de zile",
        stance="oppose",
        hours=1,
    )
    second = post(
        stage, citizen2, "De acord.\nCu două rânduri.", block_key=k1, stance="support", hours=2
    )
    reply = post(stage, citizen, "Răspuns <b>îngroșat</b>.", parent_id=second.pk, hours=3)
    reply2 = post(stage, citizen2, "Răspuns la răspuns.", parent_id=reply.pk, hours=3.5)
    hidden = post(stage, citizen2, "Text ascuns de moderator", stance="oppose", hours=4)
    domain.hide_comment(moderator, hidden, "Limbaj jignitor.")
    withdrawn = post(stage, citizen, "Text retras de autor", parent_id=first.pk, hours=5)
    domain.withdraw_comment(citizen, withdrawn, now=during(stage, 6))
    formula = post(stage, citizen2, '=HYPERLINK("http://x")', hours=7)
    return {
        "first": first,
        "second": second,
        "reply": reply,
        "reply2": reply2,
        "hidden": hidden,
        "withdrawn": withdrawn,
        "formula": formula,
        "keys": (k1, k2),
    }


# --- All comments ------------------------------------------------------------------------------


def test_comments_csv_flattens_threads_in_order_for_anyone(client, editor, comments):
    domain.set_disposition(editor, comments["first"], outcome="rejected", reason="Termen legal.")
    response = client.get(f"{STAGE}/comments.csv")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="legea-350-1-comments.csv"'
    content = body(response).decode()
    assert content == rewritten_csv(content)
    rows = list(csv.reader(io.StringIO(content[1:])))
    assert rows[0] == HEADER
    english = body(client.get(f"{STAGE}/comments.csv", HTTP_ACCEPT_LANGUAGE="en")).decode()
    assert next(csv.reader(io.StringIO(english[1:]))) == HEADER_EN
    assert list(csv.reader(io.StringIO(english[1:])))[1:] == rows[1:]
    k1, k2 = comments["keys"]
    c = {name: str(comment.pk) for name, comment in comments.items() if name != "keys"}
    assert rows[1:] == [
        [c["first"], "", "0", k2, "§2", "în termen de 30 de zile",
         "Termenul de 30 de zile e prea lung.", "oppose", "visible",
         "2026-03-02T10:00:00+02:00", "Ion Vasile", "rejected", "Termen legal.", "", "", "", ""],
        [c["withdrawn"], c["first"], "1", k2, "§2", "", "", "", "withdrawn",
         "2026-03-02T14:00:00+02:00", "", "", "", "", "", "", ""],
        [c["second"], "", "0", k1, "§1", "", "De acord.\nCu două rânduri.", "support",
         "visible", "2026-03-02T11:00:00+02:00", "Maria Enache", "", "", "", "", "", ""],
        [c["reply"], c["second"], "1", k1, "§1", "", "Răspuns <b>îngroșat</b>.", "", "visible",
         "2026-03-02T12:00:00+02:00", "Ion Vasile", "", "", "", "", "", ""],
        [c["reply2"], c["reply"], "2", k1, "§1", "", "Răspuns la răspuns.", "", "visible",
         "2026-03-02T12:30:00+02:00", "Maria Enache", "", "", "", "", "", ""],
        [c["hidden"], "", "0", "", "", "", "", "oppose", "hidden",
         "2026-03-02T13:00:00+02:00", "", "", "", "", "", "", ""],
        [c["formula"], "", "0", "", "", "", "'=HYPERLINK(\"http://x\")", "neutral", "visible",
         "2026-03-02T16:00:00+02:00", "Maria Enache", "", "", "", "", "", ""],
    ]  # fmt: skip
    assert "Text ascuns de moderator" not in content
    assert "Text retras de autor" not in content
    assert "@example.org" not in content


def test_comments_json_has_the_same_records_with_types(client, editor, comments, stage):
    response = client.get(f"{STAGE}/comments.json")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="legea-350-1-comments.json"'
    content = body(response).decode()
    document = json.loads(content)
    # Byte for byte what json.dumps wrote in one piece before the export was streamed.
    assert content == json.dumps(document, ensure_ascii=False, indent=1)
    assert document["proposal"] == {"slug": "legea-350", "title": "Modificarea Legii nr. 350/2005"}
    assert document["stage"] == {
        "position": 1,
        "title": "Recomandări scrise",
        "kind": "written",
        "opens_at": "2026-03-02T09:00:00+02:00",
        "closes_at": "2026-03-12T09:00:00+02:00",
        "revision": 2,
    }
    records = document["comments"]
    assert [record["id"] for record in records] == [
        comments[name].pk
        for name in ("first", "withdrawn", "second", "reply", "reply2", "hidden", "formula")
    ]
    assert records[0]["parent_id"] is None and records[0]["depth"] == 0
    assert records[4] == {
        "id": comments["reply2"].pk,
        "parent_id": comments["reply"].pk,
        "depth": 2,
        "block_key": comments["keys"][0],
        "block": "§1",
        "quote": "",
        "text": "Răspuns la răspuns.",
        "stance": "",
        "state": "visible",
        "submitted_at": "2026-03-02T12:30:00+02:00",
        "author": "Maria Enache",
        "outcome": "",
        "reason": "",
        "applied_in": None,
        "suggestion": "",
        "suggested_from": "",
        "suggested_text": "",
    }
    hidden = records[5]
    assert (hidden["state"], hidden["text"], hidden["author"]) == ("hidden", "", "")
    assert records[6]["text"] == '=HYPERLINK("http://x")'  # JSON is data: no spreadsheet guard
    assert "Text ascuns" not in content
    assert "@example.org" not in content


def test_comments_export_of_an_unknown_stage_or_a_meeting_is_404(
    client, editor, consultation, stage
):
    assert client.get("/proposals/legea-350/consultation/stages/5/comments.csv").status_code == 404
    assert client.get("/proposals/nu-exista/consultation/stages/1/comments.json").status_code == 404
    domain.add_stage(
        editor,
        consultation,
        kind="meeting",
        title="Dezbatere",
        opens_at=stage.closes_at,
        closes_at=stage.closes_at + timedelta(hours=2),
        now=stage.opens_at,
    )
    assert client.get("/proposals/legea-350/consultation/stages/2/comments.csv").status_code == 404


def test_comments_export_uses_a_constant_number_of_queries(client, stage, citizen, citizen2):
    def queries(fmt):
        with CaptureQueriesContext(connection) as captured:
            response = client.get(f"{STAGE}/comments.{fmt}")
            body(response)  # streamed: the queries run while it is sent
        assert response.status_code == 200
        return len(captured)

    post(stage, citizen, "Primul")
    few = (queries("csv"), queries("json"))
    for number in range(40):
        parent = post(stage, citizen2, f"Comentariul {number}", hours=1 + number / 50)
        post(stage, citizen, f"Răspuns {number}", parent_id=parent.pk, hours=1 + number / 50)
    assert (queries("csv"), queries("json")) == few


def insert_comments(stage, people, count):
    """`count` top-level comments written straight into the three tables of the comment model
    (saving them one by one takes a minute; the domain's checks are not what is tested here)."""
    moment = timezone.now()
    base = [
        Comment(
            content_type=ContentType.objects.get_for_model(Stage),
            object_pk=str(stage.pk),
            site_id=settings.SITE_ID,
            user=people[number % len(people)],
            comment=f"Comentariul numărul {number}",
            submit_date=moment,
            is_public=True,
        )
        for number in range(count)
    ]
    Comment.objects.bulk_create(base, batch_size=100)
    for model, extra in (
        (XtdComment, lambda c: {"comment_ptr_id": c.pk, "thread_id": c.pk, "parent_id": c.pk}),
        (
            StageComment,
            lambda c: {
                "xtdcomment_ptr_id": c.pk,
                "stage_id": stage.pk,
                "revision_id": stage.revision_id,
                "stance": "neutral",
            },
        ),
    ):
        rows = [model(**extra(comment)) for comment in base]
        fields = model._meta.local_concrete_fields
        for start in range(0, len(rows), 50):
            model._base_manager._insert(rows[start : start + 50], fields=fields)


def test_comments_export_of_5000_comments(client, stage):
    people = [UserFactory(display_name=f"Participant {n}") for n in range(50)]
    insert_comments(stage, people, 1)
    with CaptureQueriesContext(connection) as captured:
        body(client.get(f"{STAGE}/comments.json"))
    few = len(captured)
    insert_comments(stage, people, 4999)
    with CaptureQueriesContext(connection) as captured:
        content = body(client.get(f"{STAGE}/comments.json"))
    assert len(captured) == few
    records = json.loads(content)["comments"]
    assert len(records) == 5000
    assert records[4999]["text"] == "Comentariul numărul 4998"
    assert records[4999]["author"] == "Participant 48"
    assert records[4999]["parent_id"] is None
    with CaptureQueriesContext(connection) as captured:
        csv_rows = read_csv(client.get(f"{STAGE}/comments.csv"))
    assert len(captured) == few
    assert len(csv_rows) == 5001


# --- The synthesis in the Romanian layout ------------------------------------------------------


@pytest.fixture
def published_synthesis(stage, editor, comments):
    proposal = stage.consultation.proposal
    proposal.refresh_from_db()
    current = proposal.current_revision
    blocks = [dict(block) for block in current.blocks]
    blocks[1]["text"] = "Autoritatea informează solicitanții în termen de 15 zile."
    revision3 = proposals_domain.save_revision(
        editor,
        proposal,
        base_number=current.number,
        title=current.title,
        summary=current.summary,
        blocks=blocks,
        message="Termen redus",
    )
    domain.set_disposition(
        editor,
        comments["first"],
        outcome="accepted",
        reason="Termenul devine 15 zile.",
        applied_in=revision3,
    )
    domain.set_disposition(editor, comments["second"], outcome="partially", reason="În parte.")
    domain.set_disposition(editor, comments["formula"], outcome="not_applicable", reason="—")
    return domain.publish_synthesis(editor, stage, intro="Sinteza consultării.")


def test_synthesis_csv_is_the_romanian_justification_table(
    en_client, published_synthesis, comments
):
    response = en_client.get(f"{STAGE}/synthesis.csv")  # in English, but the text is Romanian
    assert response.status_code == 200
    assert response["Content-Disposition"] == (
        'attachment; filename="legea-350-1-tabel-propuneri.csv"'
    )
    rows = read_csv(response)
    assert rows == [
        ["Nr. crt.", "Autor", "Paragraf", "Propunere/recomandare", "Soluție", "Motivare"],
        ["1", "Maria Enache", "Întregul text", "'=HYPERLINK(\"http://x\")", "Nu se aplică", "—"],
        ["2", "Maria Enache", "§1", "De acord.\nCu două rânduri.", "Acceptată parțial",
         "În parte."],
        ["3", "Ion Vasile", "§2", "„în termen de 30 de zile”\nTermenul de 30 de zile e prea lung.",
         "Acceptată (preluată în versiunea 3)", "Termenul devine 15 zile."],
    ]  # fmt: skip
    assert "Text ascuns" not in "".join(map(str, rows))


def test_synthesis_pdf_is_the_romanian_table_without_hidden_text(
    client, moderator, published_synthesis, comments
):
    response = client.get(f"{STAGE}/synthesis.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        'attachment; filename="legea-350-1-tabel-propuneri.pdf"'
    )
    text = pdf_text(response)
    assert "Tabel cu propunerile/recomandările primite și modul de soluționare" in text
    assert "Asociația Vrancea Civică" in text
    assert "Nr. crt." in text and "Motivare" in text
    assert "Termenul de 30 de zile e prea lung." in text
    assert "Acceptată parțial" in text
    assert "Sinteza consultării." in text
    assert "Text ascuns" not in text


def test_synthesis_exports_blank_a_comment_hidden_after_publication(
    client, moderator, published_synthesis, comments
):
    domain.hide_comment(moderator, comments["first"], "Date personale.")
    rows = read_csv(client.get(f"{STAGE}/synthesis.csv"))
    # Its words and author go, as in the thread and the API (`consultations.public`).
    assert rows[3] == [
        "3",
        "",
        "§2",
        "(comentariu ascuns de moderare)",
        "Acceptată (preluată în versiunea 3)",
        "Termenul devine 15 zile.",
    ]
    assert "prea lung" not in pdf_text(client.get(f"{STAGE}/synthesis.pdf"))
    comments_csv = body(client.get(f"{STAGE}/comments.csv")).decode()
    assert "prea lung" not in comments_csv


def test_synthesis_exports_before_publication_are_404(client, en_client, editor, comments):
    en_client.force_login(editor)
    for fmt in ("csv", "pdf"):
        assert client.get(f"{STAGE}/synthesis.{fmt}").status_code == 404
        assert en_client.get(f"{STAGE}/synthesis.{fmt}").status_code == 404


# --- The synthesis in the Bulgarian and English layouts ----------------------------------------


def published_stage_in(language, country, slug):
    organization = OrganizationFactory(country=country, slug=f"org-{slug}")
    editor = MembershipFactory(organization=organization, role="editor").user
    proposal = ProposalFactory(
        editor=editor, organization=organization, slug=slug, title="Наредба", language=language
    )
    proposals_domain.save_revision(
        editor,
        proposal,
        base_number=1,
        title="Наредба",
        summary="",
        blocks=text_blocks("Член 1. Срокът е 30 дни.", "Член 2. Решението се публикува."),
        message="Текст",
    )
    proposal.refresh_from_db()
    proposals_domain.publish_proposal(editor, proposal)
    consultation = domain.create_consultation(editor, proposal, title="Консултация")
    opens = timezone.now() - timedelta(days=40)
    stage = add_written_stage(editor, consultation, opens_at=opens, days=31)
    author = UserFactory(display_name="Георги Иванов")
    key = stage.revision.blocks[0]["key"]
    accepted = post(stage, author, "Срокът да бъде 14 дни.", block_key=key, stance="oppose")
    rejected = post(stage, author, "Общо мнение.", hours=2)
    domain.set_disposition(editor, accepted, outcome="accepted", reason="Приема се.")
    domain.set_disposition(editor, rejected, outcome="rejected", reason="Не е относимо.")
    domain.publish_synthesis(editor, stage)
    return stage


def test_synthesis_csv_is_the_bulgarian_spravka(client, db):
    published_stage_in("bg", "BG", "naredba")
    response = client.get("/proposals/naredba/consultation/stages/1/synthesis.csv")
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="naredba-1-spravka.csv"'
    assert read_csv(response) == [
        ["№", "Автор", "Текст", "Предложение", "Приема/не приема", "Мотиви"],
        ["1", "Георги Иванов", "Целият текст", "Общо мнение.", "Не приема", "Не е относимо."],
        ["2", "Георги Иванов", "§1", "Срокът да бъде 14 дни.", "Приема", "Приема се."],
    ]


def test_synthesis_pdf_is_the_bulgarian_spravka(client, db):
    published_stage_in("bg", "BG", "naredba")
    response = client.get("/proposals/naredba/consultation/stages/1/synthesis.pdf")
    assert response.status_code == 200
    text = pdf_text(response)
    assert "Справка за отразяване на постъпилите предложения" in text
    assert "Приема/не приема" in text
    assert "Срокът да бъде 14 дни." in text


def test_synthesis_csv_in_english_for_an_english_proposal(client, db):
    published_stage_in("en", "RO", "policy-en")
    response = client.get("/proposals/policy-en/consultation/stages/1/synthesis.csv")
    assert response["Content-Disposition"] == 'attachment; filename="policy-en-1-synthesis.csv"'
    rows = read_csv(response)
    assert rows[0] == ["No.", "Author", "Paragraph", "Proposal", "Resolution", "Reasons"]
    assert rows[1][2:5] == ["Whole text", "Общо мнение.", "Rejected"]


def test_synthesis_export_format_must_be_known(client, published_synthesis):
    assert client.get(f"{STAGE}/synthesis.docx").status_code == 404
    assert client.get(f"{STAGE}/comments.xml").status_code == 404


def test_exports_keep_their_state_words_for_the_record(published_synthesis, stage):
    assert set(StageComment.objects.filter(stage=stage).values_list("state", flat=True)) == {
        CommentState.VISIBLE,
        CommentState.HIDDEN,
        CommentState.WITHDRAWN,
    }
    assert Stage.objects.count() == 1
