"""The dossier of a submission, as PDF, for the authority to file.

Cover letter, identification (tracking code, SHA-256, permanent link, verification link), the
sections registered here (the consultation's stages, participation and synthesis tables:
`consultations.dossier.consultation_section`, registered by this app's `ready()`), then the final
text and, for an amendment, its comparative table. Written in the language of the proposal's
text.

A section is a function registered with `register_dossier_section(function)`:
`function(submission)` returns None (nothing to add) or {"title": …, "html": safe HTML} and,
optionally, "annexes": PDF files open for reading (binary) that the dossier joins after its own
pages, in order, a page at a time (`core.pdfjoin`: a stored justification table of thousands of
pages is never held whole), and closes. A dossier with annexes is written into a file
(`write_dossier`); one without is the bytes WeasyPrint laid out.
"""

import io
import itertools

from django.urls import reverse
from django.utils import timezone, translation

from core.dates import format_date, format_datetime
from core.mail import absolute_url
from core.pdfjoin import join_pdfs
from proposals.coauthors import coauthors_at
from proposals.diff import comparative_table
from proposals.endorsements import endorsements_at
from proposals.exports import render_pdf
from proposals.models import ProposalKind

DOSSIER_SECTIONS = []


def register_dossier_section(function):
    if function not in DOSSIER_SECTIONS:
        DOSSIER_SECTIONS.append(function)
    return function


def dossier_sections(submission):
    """The registered sections' answers for `submission`, in order (see the module). When one
    fails, the annexes the sections before it opened are closed."""
    sections = []
    try:
        for function in DOSSIER_SECTIONS:
            section = function(submission)
            if section:
                sections.append(section)
    except BaseException:
        _close(annex for section in sections for annex in section.get("annexes", ()))
        raise
    return sections


def _close(annexes):
    for annex in annexes:
        annex.close()


def verify_url(submission):
    return absolute_url(reverse("registration:verify") + f"?code={submission.tracking_code}")


def dossier_pdf(submission):
    """The dossier's bytes, its annexes joined (for a small dossier, and the tests; the view
    writes one with annexes into a temporary file: `build_dossier`, `write_dossier`)."""
    document, annexes = build_dossier(submission)
    if not annexes:
        return document
    output = io.BytesIO()
    write_dossier(document, annexes, output)
    return output.getvalue()


def write_dossier(document, annexes, output):
    """Write `document` (the dossier's own PDF bytes) then the pages of each of `annexes` (PDF
    files open for reading) into `output`, a binary file open for writing; close the annexes.
    Returns the number of pages."""
    try:
        return join_pdfs(itertools.chain([document], annexes), output)
    finally:
        _close(annexes)


def build_dossier(submission):
    """(the dossier's own PDF, as bytes; the annexes its sections hand over, files open for
    reading, to be joined after it by `write_dossier`, which closes them)."""
    proposal = submission.proposal
    endorsements = list(endorsements_at(proposal, submission.submitted_at))
    counts = {
        "organizations": sum(1 for e in endorsements if e.organization_id),
        "people": sum(1 for e in endorsements if not e.organization_id),
        "total": len(endorsements),
    }
    sections = dossier_sections(submission)
    annexes = [annex for section in sections for annex in section.get("annexes", ())]
    try:
        return _render(submission, sections, endorsements, counts), annexes
    except BaseException:
        _close(annexes)
        raise


def _render(submission, sections, endorsements, counts):
    proposal = submission.proposal
    revision = submission.revision
    zone = proposal.organization.zone
    with translation.override(proposal.language):
        context = {
            "submission": submission,
            "proposal": proposal,
            "revision": revision,
            "revision_date": format_datetime(revision.created_at, proposal.language, zone),
            "submitted_on": format_date(
                timezone.localtime(submission.submitted_at, zone), proposal.language
            ),
            "revision_url": absolute_url(revision.get_absolute_url()),
            "verify_url": verify_url(submission),
            "sections": sections,
            # The co-signing organisations and the endorsements as they stood when it was sent.
            "coauthors": coauthors_at(proposal, submission.submitted_at),
            "endorsements": endorsements,
            "endorsement_counts": counts,
            "rows": comparative_table(revision)
            if proposal.kind == ProposalKind.AMENDMENT
            else None,
        }
        return render_pdf("registrations/dossier.html", context)
