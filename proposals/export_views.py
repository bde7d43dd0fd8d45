"""Downloads of a revision and of its comparative table, as PDF and DOCX."""

from django.http import Http404, HttpResponse

from proposals import exports
from proposals.models import ProposalKind
from proposals.views import _proposal_for, _revision_for

FORMATS = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


def _download(data, filename, fmt):
    response = HttpResponse(data, content_type=FORMATS[fmt])
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def revision_export(request, slug, number, fmt):
    proposal = _proposal_for(request, slug)
    revision = _revision_for(proposal, int(number))
    data = exports.revision_pdf(revision) if fmt == "pdf" else exports.revision_docx(revision)
    return _download(data, f"{proposal.slug}-v{revision.number}.{fmt}", fmt)


def table_export(request, slug, number, fmt):
    proposal = _proposal_for(request, slug)
    if proposal.kind != ProposalKind.AMENDMENT:
        raise Http404
    revision = _revision_for(proposal, int(number))
    data = exports.table_pdf(revision) if fmt == "pdf" else exports.table_docx(revision)
    return _download(data, f"{proposal.slug}-v{revision.number}-tabel.{fmt}", fmt)
