"""Hostile files on the public verification page: each is refused with a message in the
visitor's language, before it is parsed or in a bounded process; the typed text stays in the form;
nothing is saved; the page is rate-limited per client; and the worker's memory stays flat."""

import html
import json
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from core.models import ActivityLog
from registrations.models import Submission
from tests import hostile_documents as hostile
from tests.proposals import documents as samples

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
TYPED = "Textul pe care l-am scris eu, păstrat."


def post(client, submission, name, data, **extra):
    return client.post(
        "/register/verify/",
        {"code": submission.tracking_code, "text": TYPED, "file": SimpleUploadedFile(name, data)},
        **extra,
    )


def rows():
    return Submission.objects.count(), ActivityLog.objects.count()


@pytest.mark.parametrize(
    ("name", "make", "message"),
    [
        (
            "bomba.docx",
            lambda: samples.docx_bomb(megabytes=150),
            "“bomba.docx” unpacks to far more than its size (over 100 MB, or compressed more "
            "than 100 times); it is not accepted.",
        ),
        (
            "multe.docx",
            lambda: hostile.many_entries_docx(entries=6_000),
            "“multe.docx” holds more than 5000 parts; it is not accepted.",
        ),
        (
            "lung.pdf",
            hostile.pdf_declaring_pages,
            "“lung.pdf” has more than 3000 pages; it is not accepted.",
        ),
        ("adanc.pdf", hostile.pdf_nested_arrays, "The PDF file could not be read."),
        ("arbore.pdf", hostile.pdf_deep_page_tree, "The PDF file could not be read."),
        ("tipul.docx", hostile.mimetype_only_zip, "The .docx file could not be read."),
        ("pagina.docx", hostile.text_pdf, "Upload a .txt, .md, .docx or .pdf file."),
        # Extensions the page does not read, whatever they hold: were a 500 (KeyError).
        ("vechi.doc", lambda: b"Text vechi", "Upload a .txt, .md, .docx or .pdf file."),
        ("tabel.odt", hostile.mimetype_only_zip, "Upload a .txt, .md, .docx or .pdf file."),
        ("\u202efdp.exe", lambda: b"MZ\x90\x00", "Upload a .txt, .md, .docx or .pdf file."),
    ],
    ids=[
        "zip-bomb",
        "many-entries",
        "billion-pages",
        "nested",
        "deep-tree",
        "not-docx",
        "pdf",
        "doc",
        "odt",
        "bidi-exe",
    ],
)
def test_hostile_file_refused_with_its_message_and_the_typed_text_kept(
    en_client, submission, name, make, message
):
    before = rows()
    response = post(en_client, submission, name, make())
    assert response.status_code == 400
    assert response.context["form"].errors["file"] == [message]
    assert response.context["result"] is None
    html = response.content.decode()
    assert TYPED in html  # the textarea keeps what was typed
    assert f'value="{submission.tracking_code}"' in html
    assert rows() == before


def test_parser_bomb_stopped_by_the_readers_memory_limit(en_client, submission, settings):
    settings.DOCUMENT_READER_MEMORY_MB = 256
    response = post(en_client, submission, "paragrafe.docx", hostile.parser_bomb_docx(60))
    assert response.status_code == 400
    assert response.context["form"].errors["file"] == [
        "Reading “paragrafe.docx” needed more memory than allowed and was stopped."
    ]
    assert TYPED in response.content.decode()


def test_refusal_in_the_visitors_language(client, submission):
    client.cookies["consult_language"] = "ro"
    response = post(client, submission, "lung.pdf", hostile.pdf_declaring_pages())
    assert response.status_code == 400
    assert response.context["form"].errors["file"] == [
        "„lung.pdf” are mai multe pagini decât limita permisă (3000); nu este acceptat."
    ]


def test_exported_documents_still_verify(client, submission):
    revision = submission.revision
    slug = submission.proposal.slug
    for fmt in ("pdf", "docx"):
        export = client.get(f"/proposals/{slug}/v/{revision.number}/export.{fmt}").content
        response = post(client, submission, f"copie.{fmt}", export)
        assert response.status_code == 200, fmt
        assert response.context["result"].matches is True, fmt


# --- Rate limit --------------------------------------------------------------------------------


def check_text(client, submission, **extra):
    return client.post(
        "/register/verify/", {"code": submission.tracking_code, "text": TYPED}, **extra
    )


def test_checks_are_limited_per_client_address(en_client, submission, settings):
    settings.VERIFY_RATE_PER_MINUTE = 2
    assert check_text(en_client, submission).status_code == 200
    assert check_text(en_client, submission).status_code == 200
    refused = check_text(en_client, submission)
    assert refused.status_code == 429
    assert refused.context["form"].non_field_errors() == [
        "You have reached the limit of 2 checks a minute from one connection. Wait a minute "
        "and try again; your text is kept below."
    ]
    assert refused.context["result"] is None
    assert TYPED in refused.content.decode()
    # A file is refused too, before it is read.
    assert post(en_client, submission, "bomba.docx", b"PK\x03\x04").status_code == 429
    # Another address has its own allowance; a forged X-Forwarded-For is not another address.
    assert check_text(en_client, submission, REMOTE_ADDR="10.0.0.2").status_code == 200
    forged = check_text(en_client, submission, HTTP_X_FORWARDED_FOR="10.9.9.9")
    assert forged.status_code == 429


def test_behind_a_proxy_the_address_it_saw_is_limited(en_client, submission, settings):
    settings.VERIFY_RATE_PER_MINUTE = 1
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    first = {"REMOTE_ADDR": "10.0.0.1", "HTTP_X_FORWARDED_FOR": "1.1.1.1, 203.0.113.5"}
    assert check_text(en_client, submission, **first).status_code == 200
    # The same client behind the proxy, claiming another address in front of it.
    again = {"REMOTE_ADDR": "10.0.0.1", "HTTP_X_FORWARDED_FOR": "9.9.9.9, 203.0.113.5"}
    assert check_text(en_client, submission, **again).status_code == 429
    other = {"REMOTE_ADDR": "10.0.0.1", "HTTP_X_FORWARDED_FOR": "203.0.113.6"}
    assert check_text(en_client, submission, **other).status_code == 200


def test_looking_at_the_page_is_not_counted(submission, settings):
    settings.VERIFY_RATE_PER_MINUTE = 1
    browser = Client()
    for _ in range(3):
        assert browser.get("/register/verify/").status_code == 200
    assert check_text(browser, submission).status_code == 200


# --- Memory of the worker ----------------------------------------------------------------------

WORKER_LIMIT = 300 * 1024 * 1024


def test_worker_memory_stays_under_300_mb_while_bombs_arrive(tmp_path, settings):
    """The page in a fresh process (tests/registrations/memory_probe.py) receives every kind of
    bomb; its peak resident size, a high-water mark of the whole process, stays under 300 MB.
    The parser bomb does reach a reader process, which stops at its own memory limit."""
    files = {
        "1-bomba.docx": (
            samples.docx_bomb(megabytes=300),
            "“1-bomba.docx” unpacks to far more than its size",
        ),
        "2-paragrafe.docx": (
            hostile.parser_bomb_docx(megabytes=90),
            "Reading “2-paragrafe.docx” needed more memory than allowed and was stopped.",
        ),
        "3-multe.docx": (
            hostile.many_entries_docx(entries=60_000),
            "“3-multe.docx” holds more than 5000 parts",
        ),
        "4-lung.pdf": (hostile.pdf_declaring_pages(), "“4-lung.pdf” has more than 3000 pages"),
        "5-pagini.pdf": (hostile.pdf_with_pages(3_001), "“5-pagini.pdf” has more than 3000 pages"),
        "6-adanc.pdf": (hostile.pdf_nested_arrays(), "The PDF file could not be read."),
        "7-umflat.pdf": (hostile.pdf_flate_bomb(megabytes=200), "The PDF file could not be read."),
    }
    for name, (data, _message) in files.items():
        assert len(data) <= settings.MAX_ATTACHMENT_BYTES, name
        (tmp_path / name).write_bytes(data)
    result = subprocess.run(
        [sys.executable, "-m", "tests.registrations.memory_probe", str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr.decode()[-3000:]
    report = json.loads(result.stdout.decode().strip().splitlines()[-1])
    answers = report["answers"]
    assert {name: answer["status"] for name, answer in answers.items()} == dict.fromkeys(files, 400)
    for name, (_data, message) in files.items():
        assert message in html.unescape(answers[name]["page"]), name
    assert report["peak"] < WORKER_LIMIT, report["peak"] // 2**20
