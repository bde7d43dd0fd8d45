# ruff: noqa: F811  (the fixtures of tests/consultations/authority_drafts.py are imported by name)
"""The publication pack of an authority's draft for e-consultare.gov.ro: the ZIP's files in
order, the manifest's SHA-256 of each recomputed, a few files read back, and who may download
it."""

import csv
import hashlib
import io
import json
import zipfile
from datetime import date, timedelta

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from consultations import domain, exports, publication_pack, synthesis_files
from consultations.models import Channel, FileStatus, Stage, Synthesis, SynthesisFile
from core.errors import DomainError
from tests.consultations.authority_drafts import (  # noqa: F401  (fixtures)
    ADOPTION,
    ANNOUNCED,
    announce,
    authority_admin,
    citizen,
    draft_consultation,
    draft_decision,
    ngo_member_editor,
    verified_ngo,
)
from tests.factories import PDF
from tests.helpers import en_client_for

ORDER = [
    "01-anunt.pdf",
    "02-proiect.pdf",
    "03-proiect.docx",
    "04-referat-de-aprobare.pdf",
    "05-recomandari-etapa-1.csv",
    "06-minuta-etapa-2.pdf",
    "07-tabel-justificare-etapa-1.pdf",
    "07-tabel-justificare-etapa-1.csv",
    "00-manifest.json",
    "00-manifest.txt",
]


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def announcement(authority_admin, draft_consultation, draft_decision):
    _, note = draft_decision
    return announce(
        authority_admin, draft_consultation, note, opens_at=ANNOUNCED, days=20, adoption=ADOPTION
    )


@pytest.fixture
def debated(authority_admin, registrar, draft_consultation, announcement):
    """The announcement with a recommendation received on paper, answered and published in the
    synthesis, and a public meeting whose minutes are published."""
    meeting = domain.add_stage(
        authority_admin,
        draft_consultation,
        kind="meeting",
        title="Dezbaterea publică",
        opens_at=ANNOUNCED + timedelta(days=9),
        closes_at=ANNOUNCED + timedelta(days=9, hours=3),
        meeting_at=ANNOUNCED + timedelta(days=9, hours=1),
        meeting_place="Sala de ședințe a Consiliului Local",
        now=ANNOUNCED + timedelta(days=1),
    )
    domain.publish_minutes(
        authority_admin,
        meeting,
        minutes="Au participat 12 persoane. S-a discutat numărul locurilor de parcare.",
        participants=12,
        now=ANNOUNCED + timedelta(days=10),
    )
    comment = domain.log_recommendation(
        registrar,
        announcement,
        author="Asociația Proprietarilor Bloc 7",
        received_on=date(2026, 3, 5),
        text="Propunem 50 de locuri de parcare pentru rezidenți.",
        channel=Channel.PAPER,
        now=ANNOUNCED + timedelta(days=4),
    )
    domain.set_disposition(
        authority_admin,
        comment,
        outcome="partially",
        reason="Se vor amenaja 30 de locuri, cât permite spațiul.",
    )
    by_email = domain.log_recommendation(
        authority_admin,
        announcement,
        author="Ion Ionescu",
        received_on=date(2026, 3, 6),
        text="Parcarea să fie gratuită noaptea.",
        channel=Channel.EMAIL,
        now=ANNOUNCED + timedelta(days=5),
    )
    domain.set_disposition(
        authority_admin, by_email, outcome="rejected", reason="Taxa acoperă întreținerea."
    )
    domain.publish_synthesis(authority_admin, announcement, now=ANNOUNCED + timedelta(days=21))
    return draft_consultation


def download(user, consultation):
    response = en_client_for(user).get(
        reverse("consultations:publication_pack", args=[consultation.proposal.slug])
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"] == 'attachment; filename="hcl-parcari-e-consultare.zip"'
    return zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))


def pdf_words(data):
    return " ".join(
        " ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages).split()
    )


def test_the_pack_lists_its_files_in_order_with_their_hashes(registrar, debated):
    archive = download(registrar, debated)
    assert archive.namelist() == ORDER
    manifest = json.loads(archive.read("00-manifest.json"))
    assert [entry["name"] for entry in manifest["files"]] == ORDER[:-2]
    for entry in manifest["files"]:
        data = archive.read(entry["name"])
        assert entry["sha256"] == hashlib.sha256(data).hexdigest(), entry["name"]
        assert entry["size"] == len(data)
    assert [entry["description"] for entry in manifest["files"]] == [
        "Anunțul proiectului",
        "Proiectul, versiunea 2 (PDF)",
        "Proiectul, versiunea 2 (DOCX, editabil)",
        "Nota de fundamentare (referatul de aprobare): Referat de aprobare.pdf",
        "Recomandările primite în etapa „Anunțul proiectului de hotărâre” (CSV)",
        "Minuta dezbaterii publice „Dezbaterea publică”",
        "Tabelul de justificare al etapei „Anunțul proiectului de hotărâre” (PDF)",
        "Tabelul de justificare al etapei „Anunțul proiectului de hotărâre” (CSV)",
    ]
    assert (manifest["title"], manifest["authority"], manifest["consultation"]) == (
        "Pachet de publicare pentru e-consultare.gov.ro",
        debated.proposal.organization.name,
        "Consultarea publică a proiectului de hotărâre",
    )
    text = archive.read("00-manifest.txt").decode("utf-8")
    first = manifest["files"][0]
    assert f"01-anunt.pdf\n  Anunțul proiectului\n  SHA-256: {first['sha256']}\n" in text
    assert f"  {first['size']} octeți\n" in text


def test_the_pack_holds_the_note_the_table_and_the_minutes(registrar, debated):
    archive = download(registrar, debated)
    assert archive.read("04-referat-de-aprobare.pdf") == PDF
    table = archive.read("07-tabel-justificare-etapa-1.csv").decode("utf-8-sig")
    assert list(csv.reader(io.StringIO(table))) == [
        ["Nr. crt.", "Autor", "Paragraf", "Propunere/recomandare", "Soluție", "Motivare"],
        [
            "1",
            "Asociația Proprietarilor Bloc 7 (primită pe hârtie la 5 martie 2026)",
            "Întregul text",
            "Propunem 50 de locuri de parcare pentru rezidenți.",
            "Acceptată parțial",
            "Se vor amenaja 30 de locuri, cât permite spațiul.",
        ],
        [
            "2",
            "Ion Ionescu (primită prin e-mail la 6 martie 2026)",
            "Întregul text",
            "Parcarea să fie gratuită noaptea.",
            "Respinsă",
            "Taxa acoperă întreținerea.",
        ],
    ]
    received = list(
        csv.reader(io.StringIO(archive.read("05-recomandari-etapa-1.csv").decode("utf-8-sig")))
    )
    assert len(received) == 3
    # In the draft's language, although the person downloading reads the site in English.
    assert received[0][:2] == ["Nr. comentariului", "Răspuns la comentariul nr."]
    assert received[1][6] == "Propunem 50 de locuri de parcare pentru rezidenți."
    assert received[1][10] == "Asociația Proprietarilor Bloc 7"
    minutes = pdf_words(archive.read("06-minuta-etapa-2.pdf"))
    assert "Proces-verbal: Dezbaterea publică" in minutes
    assert "Desfășurată la 11 martie 2026, ora 10:00" in minutes
    assert "Au participat 12 persoane." in minutes
    announcement = pdf_words(archive.read("01-anunt.pdf"))
    assert (
        "Recomandările se primesc între 2 martie 2026, ora 09:00 și 22 martie 2026, ora 09:00"
        in announcement
    )
    assert "Data planificată a adoptării: 16 aprilie 2026." in announcement
    assert archive.read("03-proiect.docx")[:2] == b"PK"


@pytest.mark.parametrize(
    ("who", "status"),
    [("authority_admin", 200), ("registrar", 200), ("ngo_member_editor", 403), ("citizen", 403)],
)
def test_who_downloads_the_pack(who, status, request, debated):
    url = reverse("consultations:publication_pack", args=[debated.proposal.slug])
    response = en_client_for(request.getfixturevalue(who)).get(url)
    assert response.status_code == status
    page = en_client_for(request.getfixturevalue(who)).get(debated.get_absolute_url())
    assert (url in page.content.decode()) is (status == 200)


def test_no_pack_before_the_announcement(authority_admin, draft_consultation, draft_decision):
    url = reverse("consultations:publication_pack", args=[draft_consultation.proposal.slug])
    response = en_client_for(authority_admin).get(url, follow=True)
    assert response.redirect_chain == [(draft_consultation.get_absolute_url(), 302)]
    assert (
        "The publication pack is ready once the draft has been announced."
        in response.content.decode()
    )


def test_a_table_laid_out_in_parts_is_joined_into_the_pack(
    settings, authority_admin, registrar, debated, announcement, tmp_path
):
    """A large table is laid out a part at a time and joined in a temporary file (here one row
    a part): the pack holds the joined PDF, and its hash is the file's."""
    settings.SYNTHESIS_PDF_PART_ROWS = 1
    synthesis = Synthesis.objects.get(stage=announcement)
    with pytest.raises(DomainError) as refused:
        publication_pack.write_pack(debated, io.BytesIO())
    assert refused.value.code == "table_pending"
    synthesis_file, to_build = synthesis_files.request_pdf(registrar, synthesis)
    assert to_build
    synthesis_files.build_pdf(synthesis_file)
    path = tmp_path / "pack.zip"
    with path.open("wb") as output:
        manifest = publication_pack.write_pack(debated, output)
    with zipfile.ZipFile(path) as archive:
        data = archive.read("07-tabel-justificare-etapa-1.pdf")
    entry = next(e for e in manifest["files"] if e["name"] == "07-tabel-justificare-etapa-1.pdf")
    assert entry["sha256"] == hashlib.sha256(data).hexdigest()
    synthesis_file.refresh_from_db()
    assert data == synthesis_file.file.open("rb").read()
    words = pdf_words(data)
    with io.BytesIO() as direct:
        exports.synthesis_pdf(synthesis, direct, part_rows=1)
        pages = len(PdfReader(direct).pages)
    assert len(PdfReader(io.BytesIO(data)).pages) == pages > 2  # one part a row, joined
    assert "Tabel cu propunerile/recomandările primite și modul de soluționare" in words
    assert "Ion Ionescu (primită prin e-mail la 6 martie 2026)" in words


def test_a_large_table_is_taken_from_its_stored_file(settings, registrar, debated, announcement):
    """A table longer than SYNTHESIS_PDF_PART_ROWS is never laid out in the request: the pack
    sends the registrar to the table's own download page (nothing written by the GET), where a
    POST asks for its file (built at once here, tasks running eagerly without a broker); the
    pack then copies the stored file, and later downloads copy it again without a new one."""
    settings.SYNTHESIS_PDF_PART_ROWS = 1
    synthesis = Synthesis.objects.get(stage=announcement)
    client = en_client_for(registrar)
    url = reverse("consultations:publication_pack", args=[debated.proposal.slug])
    table = reverse(
        "consultations:synthesis_export",
        args=[debated.proposal.slug, announcement.position, "pdf"],
    )
    response = client.get(url, follow=True)
    assert response.redirect_chain == [(table, 302)]
    assert "The justification table of this stage is long" in response.content.decode()
    assert not SynthesisFile.objects.exists()
    assert client.post(table).status_code == 302
    archive = download(registrar, debated)
    synthesis_file = SynthesisFile.objects.get(synthesis=synthesis)
    assert (synthesis_file.status, synthesis_file.rows_done) == (FileStatus.READY, 2)
    assert archive.read("07-tabel-justificare-etapa-1.pdf") == synthesis_file.file.read()
    # What is stored is what is sent (not a new layout): change the stored bytes, download again.
    synthesis_file.file.save("stored.pdf", ContentFile(PDF), save=True)
    archive = download(registrar, debated)
    assert archive.read("07-tabel-justificare-etapa-1.pdf") == PDF
    assert SynthesisFile.objects.filter(synthesis=synthesis).count() == 1


def test_the_pack_waits_for_a_large_table_being_prepared(
    settings, registrar, debated, announcement
):
    """Its file asked for a moment ago and not ready yet (a worker on it): no pack, the table's
    page (its progress) with a message to come back, nothing asked for again."""
    settings.SYNTHESIS_PDF_PART_ROWS = 1
    synthesis = Synthesis.objects.get(stage=announcement)
    synthesis_file = SynthesisFile.objects.create(
        synthesis=synthesis,
        version=Stage.objects.get(pk=announcement.pk).comments_version,
        requested_at=timezone.now(),
    )
    url = reverse("consultations:publication_pack", args=[debated.proposal.slug])
    response = en_client_for(registrar).get(url, follow=True)
    table = reverse(
        "consultations:synthesis_export",
        args=[debated.proposal.slug, announcement.position, "pdf"],
    )
    assert response.redirect_chain == [(table, 302)]
    assert "The justification table of this stage is long" in response.content.decode()
    assert list(SynthesisFile.objects.values_list("pk", "status", "rows_done")) == [
        (synthesis_file.pk, FileStatus.PENDING, 0)
    ]
