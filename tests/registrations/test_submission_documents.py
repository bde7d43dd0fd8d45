"""A submission's documents (logged from outside the platform, an authority's answer) go through
the checks of every upload (core.documents): an archive bomb or a zip that only claims to be an
OpenDocument file is refused with its message, and nothing of the action is saved."""

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from core.errors import DomainError
from registrations import domain as registration
from registrations.models import Submission, SubmissionDocument
from tests import hostile_documents as hostile
from tests.proposals import documents as samples

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def log(registrar, authority, document):
    return registration.log_external_submission(
        registrar,
        authority,
        sender_name="Ion Vasile",
        title="Iluminat public pe strada Mare",
        channel="post",
        received_on=date(2026, 1, 30),
        registration_number="88",
        documents=[document],
        today=date(2026, 2, 2),
    )


@pytest.mark.parametrize(
    ("name", "make", "message"),
    [
        (
            "scrisoare.docx",
            lambda: samples.docx_bomb(megabytes=150),
            "“scrisoare.docx” unpacks to far more than its size (over 100 MB, or compressed "
            "more than 100 times); it is not accepted.",
        ),
        (
            "scrisoare.odt",
            hostile.mimetype_only_zip,
            "“scrisoare.odt” is not a PDF, ODT, ODS, DOCX or XLSX file.",
        ),
        (
            "scrisoare.pdf",
            hostile.pdf_declaring_pages,
            "“scrisoare.pdf” has more than 3000 pages; it is not accepted.",
        ),
    ],
    ids=["zip-bomb", "mimetype-only", "billion-pages"],
)
def test_logged_submission_with_a_hostile_document_is_not_saved(
    registrar, verified_authority, name, make, message
):
    with translation.override("en"), pytest.raises(DomainError) as caught:
        log(registrar, verified_authority, SimpleUploadedFile(name, make()))
    assert str(caught.value.message) == message
    assert not Submission.objects.exists()
    assert not SubmissionDocument.objects.exists()


def test_logged_submission_keeps_a_real_opendocument_file(registrar, verified_authority):
    submission = log(
        registrar, verified_authority, SimpleUploadedFile("scrisoare.odt", samples.policy_odt())
    )
    assert list(submission.documents.values_list("name", "extension")) == [("scrisoare.odt", "odt")]
