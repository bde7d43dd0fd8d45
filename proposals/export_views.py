"""Downloads of a revision and of its comparative table: PDF, DOCX, ODT, and Akoma Ntoso XML."""

from django.http import Http404, HttpResponse

from proposals import akoma_ntoso, exports
from proposals.models import ProposalKind
from proposals.views import proposal_for, revision_for

FORMATS = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "odt": "application/vnd.oasis.opendocument.text",
    "akn": akoma_ntoso.CONTENT_TYPE,
}
REVISION_EXPORTS = {
    "pdf": exports.revision_pdf,
    "docx": exports.revision_docx,
    "odt": exports.revision_odt,
}
TABLE_EXPORTS = {
    "pdf": exports.table_pdf,
    "docx": exports.table_docx,
    "odt": exports.table_odt,
}


def _download(data, filename, fmt):
    response = HttpResponse(data, content_type=FORMATS[fmt])
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def revision_export(request, slug, number, fmt):
    proposal = proposal_for(request, slug)
    revision = revision_for(proposal, int(number))
    data = REVISION_EXPORTS[fmt](revision)
    return _download(data, f"{proposal.slug}-v{revision.number}.{fmt}", fmt)


def table_export(request, slug, number, fmt):
    proposal = proposal_for(request, slug)
    if proposal.kind != ProposalKind.AMENDMENT:
        raise Http404
    revision = revision_for(proposal, int(number))
    data = TABLE_EXPORTS[fmt](revision)
    return _download(data, f"{proposal.slug}-v{revision.number}-tabel.{fmt}", fmt)


def revision_akn(request, slug, number):
    proposal = proposal_for(request, slug)
    revision = revision_for(proposal, int(number))
    data = akoma_ntoso.revision_akn(revision)
    return _download(data, f"{proposal.slug}-v{revision.number}.akn.xml", "akn")
