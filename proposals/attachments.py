"""Attachments: files are accepted by what they contain, not by what they are called.

Accepted: PDF, ODT, ODS, DOCX and XLSX, at most MAX_ATTACHMENT_BYTES each. The extension of the
uploaded name must agree with the detected type, so a file renamed to .pdf that is not a PDF is
refused; an archive that would unpack far beyond its size, or a PDF of too many pages, is refused
before it is kept (`core.documents`, the checks of every upload). A submission's documents are
checked the same way (`registrations.domain.store_submission_document`).
"""

import hashlib
from pathlib import PurePath

from django.conf import settings
from django.utils.translation import gettext as _

from core import documents
from core.errors import DomainError
from core.permissions import require
from core.text import has_control_characters
from proposals.models import Attachment

TYPES = {
    "pdf": "application/pdf",
    "odt": "application/vnd.oasis.opendocument.text",
    "ods": "application/vnd.oasis.opendocument.spreadsheet",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def detect_type(upload, name=None):
    """The extension matching the file's content, or None if it is none of the accepted types.

    The shared checks of every upload (`core.documents.check_document`): a DOCX or XLSX needs
    [Content_Types].xml and its main part, an ODT or ODS its mimetype, manifest and content;
    archives are checked for size, entry count and compression ratio, PDFs for their page count.
    Raises UnsafeDocument (a DomainError naming the file) when a file is over those limits."""
    return documents.check_document(
        upload, name or clean_name(upload.name), documents.upload_limits()
    )


def clean_name(name):
    name = PurePath(str(name).replace("\\", "/")).name.strip()
    name = "".join(char for char in name if char.isprintable())
    return name[-150:] or "file"


def check_upload(upload):
    """Check an uploaded file by its content. Returns (clean name, extension, SHA-256).

    Raises DomainError naming the file when it is too big, not an accepted type, or would
    unpack beyond the limits of uploads (`core.documents`).
    """
    name = clean_name(upload.name)
    if has_control_characters(name):
        raise DomainError(_("The file name “%(name)s” is not valid.") % {"name": name})
    if upload.size > settings.MAX_ATTACHMENT_BYTES:
        raise DomainError(
            _("“%(name)s” is larger than %(max)s MB.")
            % {"name": name, "max": settings.MAX_ATTACHMENT_BYTES // (1024 * 1024)}
        )
    detected = detect_type(upload, name)
    extension = PurePath(name).suffix.lower().lstrip(".")
    if detected is None:
        raise DomainError(
            _("“%(name)s” is not a PDF, ODT, ODS, DOCX or XLSX file.") % {"name": name}
        )
    if extension != detected:
        raise DomainError(
            _("“%(name)s” is named .%(extension)s but its content is %(detected)s.")
            % {"name": name, "extension": extension or "?", "detected": detected.upper()}
        )
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return name, detected, digest.hexdigest()


def store_upload(user, proposal, upload):
    """Check an uploaded file and keep it as an Attachment of `proposal` (not yet of a revision).

    Raises DomainError naming the file when it is too big or not an accepted type.
    """
    require(
        user,
        "proposals.change_proposal",
        proposal,
        message=_("Only the organisation's editors and admins can add files to this proposal."),
    )
    name, detected, sha256 = check_upload(upload)
    return Attachment.store(
        upload,
        name=name,
        extension=detected,
        content_type=TYPES[detected],
        sha256=sha256,
        uploaded_by=user,
        proposal=proposal,
    )
