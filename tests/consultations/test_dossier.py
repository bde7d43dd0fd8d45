"""The consultation's section of a submission's dossier: stages, participation, syntheses.

Everything is built through the domain functions; the dossier is fetched through its page and
built directly, and read back from the PDF with pypdf.
"""

import base64
import io
import re
import time
from datetime import timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from django.utils.translation import gettext, pgettext
from pypdf import PdfReader

from accounts.models import Organization
from consultations import domain, synthesis_files
from consultations import figures as counting
from consultations.dossier import consultation_section, participation
from consultations.models import FileStatus, Stage, SynthesisFile
from core import ratelimit
from core.dates import format_date, format_datetime
from proposals import domain as proposals_domain
from registrations import domain as registration
from registrations import dossier
from registrations.models import Submission
from tests.consultations.conftest import BUCHAREST, T0, text_blocks
from tests.factories import (
    MembershipFactory,
    OrganizationFactory,
    ProposalFactory,
    UserFactory,
)

SOFIA = ZoneInfo("Europe/Sofia")
LEGAL_TITLE_RO = "Tabel cu propunerile/recomandările primite și modul de soluționare"
LEGAL_TITLE_BG = "Справка за отразяване на постъпилите предложения"


def write(editor, proposal, *texts, message="Textul propus"):
    """Save a revision with these paragraphs (the first one, if the proposal has none yet)."""
    proposal.refresh_from_db()
    current = proposal.current_revision
    proposals_domain.save_revision(
        editor,
        proposal,
        base_number=current.number if current else 0,
        title=proposal.title,
        summary=proposal.summary,
        blocks=text_blocks(*texts),
        message=message,
    )
    proposal.refresh_from_db()
    return proposal


@pytest.fixture
def debated_proposal(editor, ngo):
    """As in tests/consultations/conftest.py: published, its current revision has three
    paragraphs; written whether or not the proposal was created with a first revision."""
    proposal = ProposalFactory(
        editor=editor, organization=ngo, title="Modificarea Legii nr. 350/2005", slug="legea-350"
    )
    write(
        editor,
        proposal,
        "Finanțările nerambursabile se acordă prin selecție publică de proiecte.",
        "Autoritatea publică informează solicitanții în termen de 30 de zile.",
        "Contractul de finanțare se publică pe pagina de internet a autorității.",
    )
    return proposals_domain.publish_proposal(editor, proposal)


def words(text):
    return " ".join(text.split())


def pdf_text(data):
    return words(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages))


def tr(language, message, context=None):
    """`message` as the dossier writes it in `language` (translated or, until it is, as is)."""
    with translation.override(language):
        return pgettext(context, message) if context else gettext(message)


def post(stage, user, text, *, hours, **kwargs):
    kwargs.setdefault("stance", "neutral")
    return domain.post_comment(
        user, stage, text=text, now=stage.opens_at + timedelta(hours=hours), **kwargs
    )


def close(stage):
    """Record the stage's opening and closing: the proposal is "consultation closed" again."""
    domain.process_stage_events(now=stage.closes_at)


def submit(editor, proposal, *, now=None):
    proposal.refresh_from_db()
    return registration.submit_proposal(
        editor, proposal, proposal.current_revision, "Vă rugăm să înregistrați propunerea.", now=now
    )


def dossier_text(client, submission, source):
    """The dossier's text, from its page or from the builder."""
    if source == "view":
        response = client.get(f"/register/s/{submission.tracking_code}/dossier.pdf")
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        return pdf_text(response.content)
    return pdf_text(dossier.dossier_pdf(Submission.objects.get(pk=submission.pk)))


@pytest.fixture
def answered(editor, stage, citizen, citizen2, moderator):
    """Stage 1 closed: three comments answered, a reply, one comment hidden and one withdrawn
    before the synthesis; the synthesis published two days after closing."""
    k1, k2, _k3 = (block["key"] for block in stage.revision.blocks)
    on_block2 = post(
        stage,
        citizen,
        "Termenul de 30 de zile e prea lung.",
        block_key=k2,
        quote="în termen de 30 de zile",
        stance="oppose",
        hours=1,
    )
    on_block1 = post(
        stage, citizen2, "De acord cu selecția publică.", block_key=k1, stance="support", hours=2
    )
    general = post(stage, citizen2, "Legea are nevoie de norme de aplicare.", hours=3)
    post(stage, citizen, "Și eu cred la fel.", parent_id=on_block1.pk, hours=4, stance="")
    hidden = post(stage, citizen, "Mesaj jignitor ascuns", stance="oppose", hours=5)
    domain.hide_comment(moderator, hidden, "Limbaj jignitor.")
    withdrawn = post(stage, citizen2, "Comentariu retras de autoare.", hours=6)
    domain.withdraw_comment(citizen2, withdrawn, now=stage.opens_at + timedelta(hours=7))
    close(stage)
    domain.set_disposition(editor, on_block2, outcome="accepted", reason="Termenul devine 15 zile.")
    domain.set_disposition(
        editor, on_block1, outcome="rejected", reason="Selecția publică rămâne regula."
    )
    domain.set_disposition(
        editor, general, outcome="partially", reason="Normele vor fi propuse separat."
    )
    synthesis = domain.publish_synthesis(
        editor, stage, intro="Am primit trei comentarii.", now=stage.closes_at + timedelta(days=2)
    )
    return {"block2": on_block2, "block1": on_block1, "general": general, "synthesis": synthesis}


# Rows in the order of the synthesis: the whole text first, then the paragraphs in text order.
ROWS = [
    "1 Maria Enache Întregul text Legea are nevoie de norme de aplicare. Acceptată parțial "
    "Normele vor fi propuse separat.",
    "2 Maria Enache §1 De acord cu selecția publică. Respinsă Selecția publică rămâne regula.",
    "3 Ion Vasile §2 „în termen de 30 de zile” Termenul de 30 de zile e prea lung. Acceptată "
    "Termenul devine 15 zile.",
]


# --- A consultation with a published synthesis -------------------------------------------------


@pytest.mark.parametrize("source", ["view", "builder"])
def test_dossier_has_the_stages_figures_and_synthesis_rows(client, editor, stage, answered, source):
    submission = submit(editor, stage.consultation.proposal)
    text = dossier_text(client, submission, source)
    assert "No consultation summary" not in text
    assert tr("ro", "No consultation summary is attached to this proposal.") not in text
    assert "Consultare publică Legea 350" in text
    assert "/proposals/legea-350/consultation/" in text.replace(" ", "")
    # The stage: kind, title, revision under debate, dates as core.dates writes them, status.
    assert f"1. {tr('ro', 'Written comments')} — Recomandări scrise" in text
    assert f"Versiunea supusă dezbaterii Versiunea {stage.revision.number}" in text
    assert format_datetime(stage.opens_at, "ro", BUCHAREST) == "2 martie 2026, ora 09:00"
    assert "Data deschiderii 2 martie 2026, ora 09:00" in text
    assert "Data încheierii 12 martie 2026, ora 09:00" in text
    assert f"{tr('ro', 'Status')} {tr('ro', 'Closed')}" in text
    # Participation: four comments shown (three top-level, one reply), two people.
    assert f"{tr('ro', 'Comments shown')} 4" in text
    assert (
        f"{tr('ro', 'Comments not shown')} {tr('ro', 'Hidden by moderation')}: 1 · "
        f"{tr('ro', 'Withdrawn by its author')}: 1"
    ) in text
    assert "Număr de participanți 2" in text
    assert f"{tr('ro', 'Top-level comments')} 3" in text
    assert f"{tr('ro', 'Replies')} 1" in text
    assert "Poziționare Pentru: 1 · Împotrivă: 1 · Neutru: 1 · Fără poziționare: 1" in text
    published = format_date(stage.closes_at + timedelta(days=2), "ro")
    assert published == "14 martie 2026"
    assert f"Sinteză Publicată la {published}" in text
    # The synthesis, in the Romanian legal layout, row by row.
    assert LEGAL_TITLE_RO in text
    assert "Nr. crt. Autor Paragraf Propunere/recomandare Soluție Motivare" in text
    assert "Am primit trei comentarii." in text
    assert "Acceptată: 1 · Acceptată parțial: 1 · Respinsă: 1 · Nu se aplică: 0 · Total: 3" in text
    for row in ROWS:
        assert row in text
    assert text.index(ROWS[0]) < text.index(ROWS[1]) < text.index(ROWS[2])
    # Never shown: the comment hidden and the one withdrawn before publication.
    assert "Mesaj jignitor ascuns" not in text
    assert "Comentariu retras de autoare." not in text
    assert tr("ro", "No synthesis of this consultation was published.") not in text


def _chart_numbers(svg):
    """{series: {label: number}} from a chart's `<desc>` (core.charts writes its numbers there)."""
    desc = re.search(r"<desc>(.*?)</desc>", svg, re.S).group(1)
    numbers = {}
    for line in desc.splitlines():
        name, _sep, rest = line.partition(": ")
        numbers[name] = {
            label: int(value)
            for label, value in (part.rsplit(": ", 1) for part in rest.split("; "))
        }
    return numbers


def test_dossier_draws_the_participation_next_to_its_table(editor, stage, answered):
    submission = Submission.objects.get(pk=submit(editor, stage.consultation.proposal).pk)
    html = consultation_section(submission)["html"]
    images = re.findall(r'<img src="data:image/svg\+xml;base64,([^"]+)" alt="([^"]+)"', html)
    assert len(images) == 2
    categories, stances = (_chart_numbers(base64.b64decode(data).decode()) for data, _alt in images)
    comments, participants = tr("ro", "Comments"), tr("ro", "Participants")
    shown = stage.comments.filter(state="visible")
    assert sum(categories[participants].values()) == shown.values("user").distinct().count() == 2
    assert sum(categories[comments].values()) == shown.count() == 4
    assert stances == {
        comments: {
            tr("ro", "Support"): shown.filter(stance="support").count(),
            tr("ro", "Oppose"): shown.filter(stance="oppose").count(),
            tr("ro", "Neutral"): shown.filter(stance="neutral").count(),
            "Fără poziționare": shown.filter(stance="").count(),
        }
    }
    assert list(stances[comments].values()) == [1, 1, 1, 1]
    # Drawn in the PDF: the bars' colours (Okabe–Ito blue and vermillion).
    pdf = PdfReader(io.BytesIO(dossier.dossier_pdf(submission)))
    drawing = b"".join(page.get_contents().get_data() for page in pdf.pages)
    assert b"0 0.447059 0.698039 rg" in drawing
    assert b"0.835294 0.368627 0 rg" in drawing


def test_dossier_hides_the_text_of_a_comment_hidden_after_publication(
    client, editor, moderator, stage, answered
):
    submission = submit(editor, stage.consultation.proposal)
    domain.hide_comment(moderator, answered["block2"], "Date personale.")
    for source in ("view", "builder"):
        text = dossier_text(client, submission, source)
        assert "Termenul de 30 de zile e prea lung." not in text
        assert "„în termen de 30 de zile”" not in text  # the quote (the text has the words)
        # The row keeps its place, answer and reason; its words and author go, as in the thread
        # and the API (`consultations.public`).
        assert "3 §2 (comentariu ascuns de moderare) Acceptată Termenul devine 15 zile." in text
        assert (
            "Ion Vasile" not in text.split("(comentariu ascuns de moderare)")[0].split("\n3 ")[-1]
        )
        assert ROWS[0] in text and ROWS[1] in text
        assert f"{tr('ro', 'Comments shown')} 3" in text
        assert f"{tr('ro', 'Hidden by moderation')}: 2 ·" in text


def test_dossier_without_synthesis_says_so_and_still_lists_stages_and_figures(
    client, editor, stage, citizen, citizen2
):
    post(stage, citizen, "Un comentariu fără sinteză.", stance="support", hours=2)
    post(stage, citizen2, "Încă un comentariu.", stance="oppose", hours=3)
    close(stage)
    submission = submit(editor, stage.consultation.proposal)
    for source in ("view", "builder"):
        text = dossier_text(client, submission, source)
        assert tr("ro", "No synthesis of this consultation was published.") in text
        assert tr("ro", "No consultation summary is attached to this proposal.") not in text
        assert "Data deschiderii 2 martie 2026, ora 09:00" in text
        assert "Data încheierii 12 martie 2026, ora 09:00" in text
        assert f"{tr('ro', 'Comments shown')} 2" in text
        assert "Număr de participanți 2" in text
        assert f"{tr('ro', 'Top-level comments')} 2" in text
        assert f"{tr('ro', 'Replies')} 0" in text
        assert "Poziționare Pentru: 1 · Împotrivă: 1 · Neutru: 0 · Fără poziționare: 0" in text
        assert f"Sinteză {tr('ro', 'Not published', 'synthesis')}" in text
        assert LEGAL_TITLE_RO not in text
        assert "Un comentariu fără sinteză." not in text


def test_dossier_without_consultation_keeps_the_no_summary_text(client, editor, debated_proposal):
    submission = submit(editor, debated_proposal)
    assert consultation_section(submission) is None
    for source in ("view", "builder"):
        text = dossier_text(client, submission, source)
        assert tr("ro", "No consultation summary is attached to this proposal.") in text
        assert tr("ro", "No synthesis of this consultation was published.") not in text
        assert LEGAL_TITLE_RO not in text


def test_dossier_lists_a_meeting_and_a_cancelled_stage(client, editor, stage, answered):
    consultation = stage.consultation
    revision = consultation.proposal.current_revision
    meeting_at = T0 + timedelta(days=14, hours=8)  # 16 March, 17:00
    meeting = domain.add_stage(
        editor,
        consultation,
        kind="meeting",
        title="Dezbatere publică la Focșani",
        opens_at=meeting_at,
        closes_at=meeting_at + timedelta(hours=3),
        revision=revision,
        meeting_at=meeting_at,
        meeting_place="Biblioteca Județeană, sala de conferințe",
        now=T0 + timedelta(days=12),
    )
    later = add_later_stage(editor, consultation, opens_at=T0 + timedelta(days=20))
    domain.process_stage_events(now=meeting.closes_at)
    domain.publish_minutes(
        editor,
        meeting,
        minutes="Au participat reprezentanți ai asociațiilor.",
        participants=34,
        now=meeting.closes_at + timedelta(days=1),
    )
    cancelled_at = T0 + timedelta(days=18, hours=3)
    domain.cancel_stage(editor, later, "Textul se revizuiește.", now=cancelled_at)
    submission = submit(editor, consultation.proposal)
    text = dossier_text(client, submission, "builder")
    assert f"2. {tr('ro', 'Public meeting')} — Dezbatere publică la Focșani" in text
    assert "Data și ora dezbaterii 16 martie 2026, ora 17:00" in text
    assert "Loc Biblioteca Județeană, sala de conferințe" in text
    assert "Număr de participanți 34" in text
    assert "Proces-verbal Publicat la 17 martie 2026" in text
    assert f"3. {tr('ro', 'Written comments')} — Comentarii pe textul revizuit" in text
    assert "Data deschiderii 22 martie 2026, ora 09:00" in text
    assert "Statut Anulată la 20 martie 2026, ora 12:00. Motiv: Textul se revizuiește." in text
    assert f"Sinteză {tr('ro', 'Not published', 'synthesis')}" in text
    # The earlier synthesis is still there, once.
    assert text.count(LEGAL_TITLE_RO) == 1
    assert ROWS[2] in text


def add_later_stage(editor, consultation, *, opens_at):
    return domain.add_stage(
        editor,
        consultation,
        kind="written",
        title="Comentarii pe textul revizuit",
        opens_at=opens_at,
        closes_at=opens_at + timedelta(days=10),
        revision=consultation.proposal.current_revision,
        now=opens_at - timedelta(days=5),
    )


# --- A Bulgarian proposal ----------------------------------------------------------------------


def test_bulgarian_dossier_has_the_spravka(client, db):
    bg_ngo = OrganizationFactory(
        name="Сдружение „Граждани за прозрачност“", slug="grazhdani", country="BG"
    )
    editor = MembershipFactory(
        organization=bg_ngo, role="editor", user__display_name="Иван Петров"
    ).user
    citizen = UserFactory(display_name="Петя Николова")
    proposal = ProposalFactory(
        editor=editor,
        organization=bg_ngo,
        title="Прозрачност при приемането на общински наредби",
        slug="prozrachnost",
        language="bg",
        target_authority=Organization.objects.get(slug="stolichna-obshtina"),
    )
    write(
        editor,
        proposal,
        "Проектите на наредби се публикуват поне 30 дни преди приемането.",
        message="Текст",
    )
    proposals_domain.publish_proposal(editor, proposal)
    consultation = domain.create_consultation(editor, proposal, title="Обществена консултация")
    opens = T0.astimezone(SOFIA)
    stage = domain.add_stage(
        editor,
        consultation,
        kind="written",
        title="Писмени предложения",
        opens_at=opens,
        closes_at=opens + timedelta(days=30),
        revision=proposal.current_revision,
        now=opens - timedelta(days=1),
    )
    comment = post(stage, citizen, "Срокът трябва да е 60 дни.", stance="oppose", hours=2)
    close(stage)
    domain.set_disposition(editor, comment, outcome="rejected", reason="Законът предвижда 30 дни.")
    domain.publish_synthesis(editor, stage, now=stage.closes_at + timedelta(days=1))
    submission = submit(editor, proposal)
    text = dossier_text(client, submission, "view")
    assert LEGAL_TITLE_RO not in text
    assert LEGAL_TITLE_BG in text
    assert "№ Автор Текст Предложение Приема/не приема Мотиви" in text
    assert "1 Петя Николова Целият текст Срокът трябва да е 60 дни. Не приема" in text
    assert "Законът предвижда 30 дни." in text
    assert "Приема: 0 · Приема частично: 0 · Не приема: 1 · Неприложимо: 0" in text
    assert format_datetime(stage.opens_at, "bg", SOFIA) == "2 март 2026 г., 09:00 ч."
    assert "2 март 2026 г., 09:00 ч." in text
    assert "1 април 2026 г., 09:00 ч." in text
    assert f"Публикувана на {format_date(stage.closes_at + timedelta(days=1), 'bg')}" in text


# --- Queries -----------------------------------------------------------------------------------


def consulted_submission(editor, ngo, slug, people, count):
    """A proposal of `ngo` with a closed stage of `count` comments (and as many replies), every
    one answered, the synthesis published, submitted."""
    proposal = ProposalFactory(editor=editor, organization=ngo, slug=slug, title=slug)
    write(editor, proposal, "Primul alineat.", "Al doilea alineat.", message="Text")
    proposals_domain.publish_proposal(editor, proposal)
    consultation = domain.create_consultation(editor, proposal, title=f"Consultare {slug}")
    stage = domain.add_stage(
        editor,
        consultation,
        kind="written",
        title="Recomandări scrise",
        opens_at=T0,
        closes_at=T0 + timedelta(days=10),
        revision=proposal.current_revision,
        now=T0 - timedelta(days=1),
    )
    keys = [block["key"] for block in stage.revision.blocks]
    comments = []
    for index in range(count):
        author = people[index % len(people)]
        comment = post(
            stage,
            author,
            f"Comentariul {index}.",
            block_key=keys[index % 2],
            stance=("support", "oppose", "neutral")[index % 3],
            hours=1 + index,
        )
        post(
            stage,
            people[(index + 1) % len(people)],
            "De acord.",
            parent_id=comment.pk,
            hours=1.5 + index,
            stance="",
        )
        comments.append(comment)
    domain.process_stage_events(now=stage.closes_at)
    for comment in comments:
        domain.set_disposition(editor, comment, outcome="accepted", reason="Preluată.")
    domain.publish_synthesis(editor, stage, now=stage.closes_at + timedelta(days=1))
    return submit(editor, proposal)


def queries_of(function, *args):
    with CaptureQueriesContext(connection) as queries:
        function(*args)
    return len(queries)


def test_dossier_queries_do_not_grow_with_the_comments(editor, ngo, django_assert_num_queries):
    people = [UserFactory(display_name=f"Participant {n}") for n in range(5)]
    few = consulted_submission(editor, ngo, "trei", people, 3)
    many = consulted_submission(editor, ngo, "treizeci", people, 30)
    for submission, last in ((few, 2), (many, 29)):
        fresh = Submission.objects.select_related("proposal").get(pk=submission.pk)
        # The organisation, the consultation, its stages, the figures (two), the synthesis rows
        # and the comments no longer shown among them.
        with django_assert_num_queries(7):
            section = consultation_section(fresh)
        assert f"Comentariul {last}." in section["html"]
    # The whole dossier, too, costs the same with 3 or 30 comments.
    assert queries_of(dossier.dossier_pdf, Submission.objects.get(pk=few.pk)) == queries_of(
        dossier.dossier_pdf, Submission.objects.get(pk=many.pk)
    )


def test_stage_figures_count_each_stage_apart(editor, stage, citizen, citizen2):
    post(stage, citizen, "În prima etapă.", stance="support", hours=1)
    close(stage)
    later = add_later_stage(editor, stage.consultation, opens_at=T0 + timedelta(days=20))
    post(later, citizen, "În a doua etapă.", stance="oppose", hours=1)
    other = post(later, citizen2, "Tot în a doua.", stance="neutral", hours=2)
    post(later, citizen, "Răspuns.", parent_id=other.pk, hours=3, stance="")
    close(later)
    stages = list(Stage.objects.filter(consultation=stage.consultation).order_by("position"))
    with translation.override("en"):
        counted = participation(stages)
        figures = {
            stage.position: {
                **{name: counted[stage.pk][name] for name in FIGURES},
                "stances": [(str(label), n) for label, n in counted[stage.pk]["stances"]],
            }
            for stage in stages
        }
    assert figures == {
        1: {
            "shown": 1,
            "hidden": 0,
            "withdrawn": 0,
            "held": 0,
            "participants": 1,
            "top_level": 1,
            "replies": 0,
            "stances": [("Support", 1), ("Oppose", 0), ("Neutral", 0), ("No stance", 0)],
        },
        2: {
            "shown": 3,
            "hidden": 0,
            "withdrawn": 0,
            "held": 0,
            "participants": 2,
            "top_level": 2,
            "replies": 1,
            "stances": [("Support", 0), ("Oppose", 1), ("Neutral", 1), ("No stance", 1)],
        },
    }
    # By respondent category, the same counts as the figures page's (both people are citizens).
    others = [("ngo", 0, 0), ("business", 0, 0), ("academia", 0, 0)]
    others += [("public_authority", 0, 0), ("other", 0, 0)]
    for stage, expected in ((stages[0], ("citizen", 1, 1)), (stages[1], ("citizen", 2, 3))):
        rows = [(code, people, n) for code, _label, people, n in counted[stage.pk]["categories"]]
        assert rows == [expected, *others]
        page = figures_page_counts(stage)
        assert [(code, people, n) for code, _label, people, n in page.categories] == rows


def figures_page_counts(stage):
    stage = Stage.objects.select_related("revision", "consultation__proposal__organization").get(
        pk=stage.pk
    )
    return counting.stage_figures(stage)


FIGURES = ["shown", "hidden", "withdrawn", "held", "participants", "top_level", "replies"]


def test_dossier_shows_the_consultation_as_it_stood_when_the_proposal_was_sent(
    client, editor, stage, answered
):
    # Sent one day after the stage closed; the synthesis was published a day later.
    sent = stage.closes_at + timedelta(days=1)
    submission = submit(editor, stage.consultation.proposal, now=sent)
    text = dossier_text(client, submission, "builder")
    as_of = format_datetime(sent, "ro", BUCHAREST)
    assert (
        tr("ro", "The consultation as it stood when the proposal was sent, on %(date)s.")
        % {"date": as_of}
    ) in text
    assert tr("ro", "No synthesis of this consultation was published.") in text
    assert LEGAL_TITLE_RO not in text
    assert "Normele vor fi propuse separat." not in text
    # (Sent after the synthesis, the dossier has it: test_dossier_has_the_stages_figures_…)


# --- A synthesis longer than one part of its PDF -------------------------------------------------


@pytest.fixture
def long_tables(settings, tmp_path):
    """A synthesis of more than two rows counts as long (its PDF made in the background);
    stored files in `tmp_path`."""
    settings.SYNTHESIS_PDF_PART_ROWS = 2
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings


PDF_PAGE = "/proposals/legea-350/consultation/stages/1/synthesis.pdf"
NOT_READY = (
    "The table is too long to be laid out within this dossier. Its PDF is prepared once, "
    "separately, and was not ready when this copy of the dossier was made: download it from the "
    "address below, where it can be prepared, or download the dossier again once it is ready; "
    "the table will then be joined at its end."
)
JOINED = (
    "The table is too long to be laid out within this dossier: it is joined at the end of the "
    "dossier as annex %(number)s, the PDF of the synthesis as the platform publishes it."
)


def test_a_long_table_not_yet_prepared_is_pointed_to_and_nothing_is_written(
    client, editor, stage, answered, long_tables, django_assert_num_queries
):
    submission = Submission.objects.select_related("proposal").get(
        pk=submit(editor, stage.consultation.proposal).pk
    )
    # The organisation, the consultation, its stages, the figures (two), the stored file: the
    # rows are never read.
    with django_assert_num_queries(6):
        section = consultation_section(submission)
    assert section["annexes"] == []
    text = dossier_text(client, submission, "view")
    assert words(tr("ro", NOT_READY)) in text
    # Where to get it: the table's own download page, where a POST prepares it.
    assert f"{settings.SITE_URL}{PDF_PAGE}" in text.replace(" ", "")
    assert LEGAL_TITLE_RO in text
    assert "Acceptată: 1 · Acceptată parțial: 1 · Respinsă: 1 · Nu se aplică: 0 · Total: 3" in text
    assert f"{tr('ro', 'Stance')}: Pentru: 1 · Împotrivă: 1 · Neutru: 1" in text
    # No row, no table header: the table is not in this dossier.
    assert "Nr. crt. Autor Paragraf" not in text
    for row in ROWS:
        assert row not in text
    assert "Termenul devine 15 zile." not in text
    assert SynthesisFile.objects.count() == 0  # downloading the dossier wrote nothing


def test_a_long_table_once_prepared_is_joined_at_the_end_page_by_page(
    client, editor, stage, answered, long_tables
):
    submission = submit(editor, stage.consultation.proposal)
    synthesis_file, to_build = synthesis_files.request_pdf(editor, answered["synthesis"])
    assert to_build
    synthesis_files.build_pdf(synthesis_file)
    synthesis_file.refresh_from_db()
    assert synthesis_file.status == FileStatus.READY
    with synthesis_file.file.open("rb") as handle:
        stored = [words(page.extract_text()) for page in PdfReader(handle).pages]
    assert len(stored) == synthesis_file.pages > 0
    response = client.get(f"/register/s/{submission.tracking_code}/dossier.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        f'attachment; filename="dosar-{submission.tracking_code}.pdf"'
    )
    data = b"".join(response.streaming_content)
    pages = [words(page.extract_text()) for page in PdfReader(io.BytesIO(data)).pages]
    # The dossier's own pages, then every page of the stored table, in order.
    assert pages[-len(stored) :] == stored
    own = " ".join(pages[: -len(stored)])
    assert words(tr("ro", JOINED) % {"number": 1}) in own
    assert "Acceptată: 1 · Acceptată parțial: 1 · Respinsă: 1 · Nu se aplică: 0 · Total: 3" in own
    assert "Termenul devine 15 zile." not in own
    annex = " ".join(stored)
    assert LEGAL_TITLE_RO in annex
    reasons = ["Normele vor fi propuse separat.", "Selecția publică rămâne regula."]
    reasons.append("Termenul devine 15 zile.")
    assert [annex.index(reason) for reason in reasons] == sorted(
        annex.index(reason) for reason in reasons
    )
    assert "Mesaj jignitor ascuns" not in annex
    # Built directly, the same document.
    built = dossier.dossier_pdf(Submission.objects.get(pk=submission.pk))
    assert [words(p.extract_text()) for p in PdfReader(io.BytesIO(built)).pages] == pages
    assert PdfReader(io.BytesIO(data), strict=True).metadata.title == submission.title


def test_a_stored_table_made_before_a_comment_was_hidden_is_not_joined(
    client, editor, moderator, stage, answered, long_tables
):
    submission = submit(editor, stage.consultation.proposal)
    synthesis_file, _to_build = synthesis_files.request_pdf(editor, answered["synthesis"])
    synthesis_files.build_pdf(synthesis_file)
    domain.hide_comment(moderator, answered["block2"], "Date personale.")
    text = dossier_text(client, submission, "view")
    # That file still shows the hidden comment's words: the dossier points to a new one instead.
    assert words(tr("ro", NOT_READY)) in text
    assert words(tr("ro", JOINED) % {"number": 1}) not in text
    assert "Termenul de 30 de zile e prea lung." not in text
    assert list(SynthesisFile.objects.values_list("pk", "status")) == [
        (synthesis_file.pk, FileStatus.READY)
    ]


PAGE_NOTICE = (
    "The justification table of the stage “%(title)s” is too long to be laid out within the "
    "dossier, and its PDF is not prepared yet: the dossier says where to find it instead of "
    "including it."
)


def test_the_submission_page_says_which_long_table_the_dossier_will_not_hold(
    client, editor, stage, answered, long_tables
):
    submission = submit(editor, stage.consultation.proposal)
    page = f"/register/s/{submission.tracking_code}/"
    notice = PAGE_NOTICE % {"title": stage.title}
    response = client.get(page, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    html = response.content.decode()
    assert notice in html
    assert f'<a href="{PDF_PAGE}">Prepare or download the table\N{APOSTROPHE}s PDF</a>' in html
    assert SynthesisFile.objects.count() == 0  # reading the page wrote nothing
    # Once the table is prepared, the dossier holds it: no notice.
    synthesis_file, _to_build = synthesis_files.request_pdf(editor, answered["synthesis"])
    synthesis_files.build_pdf(synthesis_file)
    html = client.get(page, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert notice not in html
    assert PDF_PAGE not in html


def test_the_submission_page_has_no_notice_for_a_table_laid_out_within_the_dossier(
    client, editor, stage, answered
):
    submission = submit(editor, stage.consultation.proposal)
    html = client.get(
        f"/register/s/{submission.tracking_code}/", HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert "is too long to be laid out within the dossier" not in html
    assert "Download the dossier (PDF)" in html


def test_dossier_downloads_are_limited_per_person_or_address(
    client, editor, stage, answered, settings, monkeypatch
):
    settings.DOSSIER_RATE_PER_MINUTE = 1
    # The limiter's clock held in the middle of one window: requests that straddled the turn of
    # a minute would be counted in two windows (a PDF takes a while to lay out).
    moment = (time.time() // 60) * 60 + 30
    monkeypatch.setattr(ratelimit, "time", SimpleNamespace(time=lambda: moment))
    submission = submit(editor, stage.consultation.proposal)
    address = f"/register/s/{submission.tracking_code}/dossier.pdf"
    assert client.get(address).status_code == 200
    refused = client.get(address, HTTP_ACCEPT_LANGUAGE="en")
    assert refused.status_code == 429
    assert refused["Retry-After"] == "60"
    assert "Too many attempts" in refused.content.decode()
    # Someone signed in is counted apart from the address they share.
    client.force_login(editor)
    assert client.get(address).status_code == 200
    assert client.get(address).status_code == 429
