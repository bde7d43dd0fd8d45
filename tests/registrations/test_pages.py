"""The pages of the register: forms keep the input on errors, CSV, figures, verification."""

import csv
import io
import re
from datetime import date, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from proposals import domain
from registrations import domain as registration
from registrations.models import Submission
from tests.factories import ProposalFactory
from tests.helpers import save, submit, text_block

pytestmark = pytest.mark.django_db

TEXT = "Finanțarea se acordă multianual, pentru cel mult 3 ani."


@pytest.fixture
def amendment_sent(ngo, ngo_editor, verified_authority):
    proposal = ProposalFactory(
        editor=ngo_editor, organization=ngo, kind="amendment", slug="legea-350", title="Legea 350"
    )
    block = dict(
        proposal.current_revision.blocks[0],
        article="Art. 20 alin. (1)",
        in_force="Procedura durează cel puțin 30 de zile.",
        proposed="Procedura durează cel puțin 60 de zile.",
        rationale="Organizațiile mici au nevoie de **timp**.",
    )
    save(ngo_editor, proposal, [block])
    domain.publish_proposal(ngo_editor, proposal)
    return submit(ngo_editor, proposal)


@pytest.fixture
def text_sent(ngo, ngo_editor, verified_authority):
    proposal = ProposalFactory(editor=ngo_editor, organization=ngo, slug="text", title="Finanțare")
    key = proposal.current_revision.blocks[0]["key"]
    save(ngo_editor, proposal, [text_block(key, TEXT)])
    domain.publish_proposal(ngo_editor, proposal)
    return submit(ngo_editor, proposal)


def _register(registrar, submission, number="1", day=None):
    return registration.register_submission(
        registrar, submission, number=number, registration_date=day or timezone.localdate()
    )


# --- Forms -------------------------------------------------------------------------------------


def test_duplicate_number_gets_field_error_and_keeps_input(
    en_client, registrar, text_sent, amendment_sent
):
    _register(registrar, text_sent, number="44/B")
    en_client.force_login(registrar)
    response = en_client.post(
        f"/register/s/{amendment_sent.tracking_code}/register/",
        {
            "registration_number": "44/B",
            "registration_date": timezone.localdate().isoformat(),
            "confirm": "on",
        },
    )
    assert response.status_code == 400
    form = response.context["form"]
    assert form.errors["registration_number"][0].startswith(
        "Registration number 44/B is already used in"
    )
    assert 'value="44/B"' in response.content.decode()
    assert Submission.objects.get(pk=amendment_sent.pk).status == "submitted"


def test_future_date_and_nul_bytes_refused_with_messages(en_client, registrar, text_sent):
    en_client.force_login(registrar)
    url = f"/register/s/{text_sent.tracking_code}/register/"
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    response = en_client.post(
        url, {"registration_number": "7", "registration_date": tomorrow, "confirm": "on"}
    )
    assert response.status_code == 400
    assert response.context["form"].errors["registration_date"] == [
        "The registration date cannot be in the future."
    ]
    response = en_client.post(
        url, {"registration_number": "7\x00", "registration_date": "31.02.2026", "confirm": "on"}
    )
    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"registration_number", "registration_date"}
    response = en_client.post(url, {"registration_number": "7", "registration_date": tomorrow})
    assert response.context["form"].errors["confirm"] == [
        "Tick the box to confirm: this cannot be undone."
    ]
    assert Submission.objects.get(pk=text_sent.pk).status == "submitted"


def test_answer_before_registration_is_a_clear_error(en_client, registrar, text_sent):
    en_client.force_login(registrar)
    response = en_client.post(
        f"/register/s/{text_sent.tracking_code}/answer/",
        {
            "answer_status": "accepted",
            "answered_on": timezone.localdate().isoformat(),
            "text": "Acceptăm <script>alert(1)</script>",
            "confirm": "on",
        },
    )
    assert response.status_code == 400
    assert response.context["form"].non_field_errors() == [
        "Register the proposal before recording the answer."
    ]
    # The text is kept, escaped.
    assert "Acceptăm &lt;script&gt;alert(1)&lt;/script&gt;" in response.content.decode()


def test_submit_page_refuses_a_draft_with_reason(en_client, proposal, ngo_editor):
    en_client.force_login(ngo_editor)
    response = en_client.get(f"/proposals/{proposal.slug}/submit/")
    assert response.status_code == 200
    assert response.context["refusal"] == (
        "A draft cannot be submitted: publish it first, so the text you send is public."
    )
    response = en_client.post(
        f"/proposals/{proposal.slug}/submit/", {"revision": "1", "confirm": "on"}
    )
    assert response.status_code == 400
    assert Submission.objects.count() == 0


def test_submission_page_shows_receipt_deadline_and_timeline(en_client, registrar, text_sent):
    _register(registrar, text_sent, number="12", day=timezone.localdate())
    response = en_client.get(text_sent.get_absolute_url())
    assert response.status_code == 200
    html = response.content.decode()
    assert text_sent.tracking_code in html
    assert text_sent.content_hash in html
    assert response.context["days_left"] == (
        text_sent.local_today()
        and (Submission.objects.get(pk=text_sent.pk).deadline - timezone.localdate()).days
    )
    assert [entry.verb for entry in response.context["timeline"]] == [
        "submission.submitted",
        "submission.registered",
    ]
    # A lowercase code typed by hand leads to the canonical address.
    response = en_client.get(f"/register/s/{text_sent.tracking_code.lower()}/")
    assert response.status_code == 302
    assert response["Location"] == text_sent.get_absolute_url()


@pytest.mark.parametrize("language", ["ro", "bg", "en"])
def test_the_timeline_does_not_repeat_a_label_as_its_value(client, registrar, text_sent, language):
    _register(registrar, text_sent, number="12", day=timezone.localdate())
    client.cookies["consult_language"] = language
    html = client.get(text_sent.get_absolute_url()).content.decode()
    timeline = html[
        html.index('<ol class="timeline">') : html.index(
            "</ol>", html.index('<ol class="timeline">')
        )
    ]
    items = [" ".join(re.sub(r"<[^>]+>", " ", item).split()) for item in timeline.split("<li>")[1:]]
    assert len(items) == 2
    for item in items:
        event = item.split(" — ", 1)[1].split(" (")[0]
        label, _, value = event.partition(": ")
        assert label.lower() != value.lower(), item


def test_dossier_pdf_has_letter_hash_code_and_comparative_table(client, amendment_sent):
    from pypdf import PdfReader

    response = client.get(f"/register/s/{amendment_sent.tracking_code}/dossier.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    text = " ".join(" ".join(page.extract_text() for page in reader.pages).split())
    compact = text.replace(" ", "")
    assert "Vă rugăm să înregistrați propunerea." in text
    assert amendment_sent.tracking_code in compact
    assert amendment_sent.content_hash in compact
    assert "/register/verify/?code=" + amendment_sent.tracking_code in compact
    assert "Tabel comparativ" in text or "Comparative table" in text


def test_dossier_includes_registered_sections(client, text_sent):
    from django.utils.safestring import mark_safe

    from registrations import dossier

    def section(submission):
        return {"title": "Sinteza consultării", "html": mark_safe("<p>12 comentarii.</p>")}

    dossier.register_dossier_section(section)
    try:
        from pypdf import PdfReader

        response = client.get(f"/register/s/{text_sent.tracking_code}/dossier.pdf")
        text = " ".join(
            page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages
        )
        assert "Sinteza consultării" in text
        assert "12 comentarii." in text
    finally:
        dossier.DOSSIER_SECTIONS.remove(section)


# --- CSV and figures ---------------------------------------------------------------------------


def test_register_csv_contents(client, registrar, verified_authority, text_sent):
    _register(registrar, text_sent, number="=1+1", day=timezone.localdate())
    today = timezone.localdate()
    logged = registration.log_external_submission(
        registrar,
        verified_authority,
        sender_name="Ion Vasile",
        title="Iluminat, strada Mare",
        channel="post",
        received_on=today - timedelta(days=40),
        registration_number="300",
        registration_date=today - timedelta(days=40),
    )
    client.force_login(registrar)
    response = client.get("/register/authority/primaria-municipiului-focsani/register.csv")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    sent = Submission.objects.get(pk=text_sent.pk)
    assert rows == [
        [
            "Cod de urmărire",
            "Număr de înregistrare",
            "Data înregistrării",
            "Înregistrată de (cod)",
            "Canal (cod)",
            "Expeditor",
            "Titlu",
            "Data depunerii",
            "Data primirii",
            "Stadiu (cod)",
            "Termen depășit (yes/no)",
            "Termen de răspuns",
            "Termen prelungit (yes/no)",
            "Răspuns (cod)",
            "Data răspunsului",
            "Zile până la răspuns",
        ],
        [
            logged.tracking_code,
            "300",
            (today - timedelta(days=40)).isoformat(),
            "authority",
            "post",
            "Ion Vasile",
            "Iluminat, strada Mare",
            today.isoformat(),
            (today - timedelta(days=40)).isoformat(),
            "registered",
            "yes" if logged.deadline < today else "no",
            logged.deadline.isoformat(),
            "no",
            "",
            "",
            "",
        ],
        [
            sent.tracking_code,
            "'=1+1",  # never a formula in a spreadsheet
            today.isoformat(),
            "authority",
            "platform",
            "Asociația Vrancea Civică",
            "Finanțare",
            today.isoformat(),
            "",
            "registered",
            "no",
            sent.deadline.isoformat(),
            "no",
            "",
            "",
            "",
        ],
    ]
    # Filters apply to the export too.
    response = client.get(
        "/register/authority/primaria-municipiului-focsani/register.csv?status=overdue"
    )
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [row[0] for row in rows[1:]] == [logged.tracking_code]


def test_yearly_figures(registrar, verified_authority):
    from registrations.views import yearly_figures

    def log(number, registered, answer=None, answered_after=None):
        submission = registration.log_external_submission(
            registrar,
            verified_authority,
            sender_name="Expeditor",
            title=f"Propunerea {number}",
            channel="email",
            received_on=registered,
            registration_number=number,
            today=date(2026, 12, 31),
        )
        if answer:
            registration.answer_submission(
                registrar,
                submission,
                answer_status=answer,
                text="Răspuns.",
                answered_on=registered + timedelta(days=answered_after),
                today=date(2026, 12, 31),
            )

    log("1", date(2026, 1, 5), "accepted", 10)
    log("2", date(2026, 2, 2), "partially_accepted", 20)
    log("3", date(2026, 3, 2), "rejected", 40)
    log("4", date(2026, 4, 1), "accepted", 31)
    log("5", date(2026, 5, 4))  # no answer: overdue by June
    log("6", date(2026, 12, 1))  # no answer yet, not overdue
    log("7", date(2025, 12, 1), "rejected", 5)  # another year
    assert yearly_figures(verified_authority, 2026, date(2026, 12, 10)) == {
        "year": 2026,
        "received": 6,
        "answered": 4,
        "accepted": 2,
        "partially_accepted": 1,
        "rejected": 1,
        "forwarded": 0,
        "overdue": 1,
        "answered_late": 1,  # 40 days after 2 March: after the 1 April deadline
        "median_days": 25.5,
    }


# --- Public register and verification ----------------------------------------------------------


def test_public_register_lists_platform_submissions_only(
    client, registrar, verified_authority, text_sent
):
    registration.log_external_submission(
        registrar,
        verified_authority,
        sender_name="Persoană privată",
        title="Scrisoare privată",
        channel="post",
        received_on=timezone.localdate(),
        registration_number="5",
    )
    response = client.get("/register/")
    assert [row.pk for row in response.context["page"].object_list] == [text_sent.pk]
    assert "Scrisoare privată" not in response.content.decode()


def test_public_register_query_count_independent_of_rows(
    client, ngo, ngo_editor, verified_authority
):
    def make(count, prefix):
        for index in range(count):
            proposal = ProposalFactory(
                editor=ngo_editor, organization=ngo, slug=f"{prefix}-{index}"
            )
            domain.publish_proposal(ngo_editor, proposal)
            submit(ngo_editor, proposal)

    def queries(url):
        client.get(url)
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    make(1, "una")
    few = queries("/register/")
    make(30, "multe")
    assert queries("/register/") == few
    assert queries("/register/?page=2") == few


def test_authority_register_query_count_independent_of_rows(
    client, registrar, verified_authority, ngo, ngo_editor
):
    client.force_login(registrar)

    def queries():
        url = "/register/authority/primaria-municipiului-focsani/"
        client.get(url)
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
        assert response.status_code == 200
        return len(captured), response

    def log(count, offset):
        for index in range(count):
            registration.log_external_submission(
                registrar,
                verified_authority,
                sender_name="Ion",
                title="T",
                channel="post",
                received_on=timezone.localdate(),
                registration_number=str(offset + index),
            )

    log(1, 0)
    few, _ = queries()
    log(30, 100)
    many, response = queries()
    assert many == few
    assert len(response.context["page"].object_list) == 25


def test_verify_pasted_text_matches(client, text_sent):
    response = client.post(
        "/register/verify/",
        {
            "code": text_sent.tracking_code.lower(),
            "text": f"Finanțare\nRezumatul propunerii.\n{TEXT}",
        },
    )
    assert response.status_code == 200
    assert response.context["result"].matches is True


def test_verify_refuses_a_text_far_longer_than_the_registered_one(en_client, text_sent):
    """A hostile text (one common word repeated) would make the word-by-word comparison cost
    registered × given words: far longer than the registered text, it cannot match anyway."""
    from registrations import verification

    registered = len(verification.raw_words(verification.revision_text(text_sent.revision)))
    frame = len(verification.frame_words(text_sent))
    too_many = 2 * registered + 2 * frame + verification.MORE_WORDS_ALLOWED + 1
    text = "de " * too_many
    response = en_client.post("/register/verify/", {"code": text_sent.tracking_code, "text": text})
    assert response.status_code == 400
    assert response.context["result"] is None
    assert (
        f"This text has {too_many} words, far more than the {registered} of the registered "
        "version: it does not match."
    ) in response.content.decode()
    fits = en_client.post(
        "/register/verify/", {"code": text_sent.tracking_code, "text": "de " * (too_many - 1)}
    )
    assert fits.status_code == 200
    assert fits.context["result"].matches is False


def test_verify_refuses_a_text_that_repeats_the_registered_words_over_and_over(
    en_client, text_sent, monkeypatch
):
    """Within the length bound, one registered word repeated would still make the comparison
    cost registered × given steps: its work is counted first and bounded."""
    from registrations import verification

    monkeypatch.setattr(verification, "MIN_COMPARISON_WORK", 100)
    response = en_client.post(
        "/register/verify/", {"code": text_sent.tracking_code, "text": "pentru " * 500}
    )
    assert response.status_code == 400
    assert (
        "This text repeats the words of the registered version far more often than it does"
    ) in response.content.decode()
    matching = en_client.post(
        "/register/verify/",
        {"code": text_sent.tracking_code, "text": f"Finanțare\nRezumatul propunerii.\n{TEXT}"},
    )
    assert matching.context["result"].matches is True


def test_verify_counts_a_changed_number_that_also_appears_in_the_frame(en_client, text_sent):
    # "3 ani" → "2 ani": 2 is the revision's number, a word our exports print around the text;
    # it replaces a word of the text, so it is a difference all the same.
    assert text_sent.revision.number == 2
    changed = "Finanțare\nRezumatul propunerii.\n" + TEXT.replace("3 ani", "2 ani")
    response = en_client.post(
        "/register/verify/", {"code": text_sent.tracking_code, "text": changed}
    )
    result = response.context["result"]
    assert (result.matches, result.words_missing, result.words_added) == (False, 1, 1)
    assert "<ins>2 </ins>" in str(result.diff_html)


def test_verify_reads_superscript_numbers_as_our_exports_print_them():
    from registrations.verification import words

    assert words("Art. 16¹ alin. (2¹)") == words("Art. 16^1 alin. (2^1)")
    assert words("Art. 16¹") == ["art", "16", "1"]


def test_verify_counts_spelling_only_differences_apart(en_client, text_sent):
    cedilla = TEXT.replace("ț", "ţ")
    assert cedilla != TEXT
    response = en_client.post(
        "/register/verify/",
        {"code": text_sent.tracking_code, "text": "Finanţare\nRezumatul propunerii.\n" + cedilla},
    )
    result = response.context["result"]
    assert result.matches is True
    assert result.spelling == [("Finanțare", "Finanţare"), ("Finanțarea", "Finanţarea")]
    html = response.content.decode()
    assert "2 words are written differently but are the same words" in html
    assert '<del class="spelling">Finanțarea</del> <ins class="spelling">Finanţarea</ins>' in html


def test_verify_mismatch_shows_differences(en_client, text_sent):
    changed = "Finanțare\nRezumatul propunerii.\n" + TEXT.replace("3 ani", "5 ani")
    response = en_client.post(
        "/register/verify/", {"code": text_sent.tracking_code, "text": changed}
    )
    result = response.context["result"]
    assert result.matches is False
    assert (result.words_missing, result.words_added) == (1, 1)
    assert str(result.diff_html).count("<del>3 </del>") == 1
    assert "<ins>5 </ins>" in str(result.diff_html)
    assert "does not match revision" in response.content.decode()


def test_verify_uploaded_pdf_and_docx_exports(client, amendment_sent):
    revision = amendment_sent.revision
    proposal = amendment_sent.proposal
    for fmt in ("pdf", "docx"):
        export = client.get(f"/proposals/{proposal.slug}/v/{revision.number}/export.{fmt}")
        upload = SimpleUploadedFile(f"copie.{fmt}", export.content)
        response = client.post(
            "/register/verify/", {"code": amendment_sent.tracking_code, "file": upload}
        )
        assert response.status_code == 200, fmt
        assert response.context["result"].matches is True, (fmt, response.context["result"].ops)
    dossier = client.get(f"/register/s/{amendment_sent.tracking_code}/dossier.pdf").content
    response = client.post(
        "/register/verify/",
        {"code": amendment_sent.tracking_code, "file": SimpleUploadedFile("dosar.pdf", dossier)},
    )
    assert response.context["result"].matches is True


def test_verify_bad_input_gets_messages(en_client, text_sent):
    response = en_client.post("/register/verify/", {"code": "CNS-ZZZZ-ZZZZ", "text": "x"})
    assert response.status_code == 400
    assert response.context["form"].errors["code"] == [
        "No proposal submitted through the platform has this code."
    ]
    response = en_client.post("/register/verify/", {"code": text_sent.tracking_code})
    assert response.context["form"].non_field_errors() == [
        "Paste the text or upload a file to check."
    ]
    fake = SimpleUploadedFile("copie.pdf", b"<html>not a pdf</html>")
    response = en_client.post("/register/verify/", {"code": text_sent.tracking_code, "file": fake})
    assert response.status_code == 400
    assert response.context["form"].errors["file"] == ["Upload a .txt, .md, .docx or .pdf file."]
    latin = SimpleUploadedFile("copie.txt", "Finanțare".encode("utf-16"))
    response = en_client.post("/register/verify/", {"code": text_sent.tracking_code, "file": latin})
    assert response.context["form"].errors["file"] == ["The text file is not UTF-8 text."]
