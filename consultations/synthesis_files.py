"""The PDF of a large published synthesis: laid out once, in the background, served from storage.

WeasyPrint lays a document out whole in memory and takes about a second per hundred rows, so
the PDF of a table of more than `SYNTHESIS_PDF_PART_ROWS` rows is not made in the request. The
first visitor who asks for it (a POST: a page never writes) gets a `SynthesisFile` row and a
background task (`consultations.tasks.build_synthesis_pdf`) that lays the table out a part at a
time and joins the parts into one file (`consultations.exports.synthesis_pdf`), noting its
progress; the download page shows that progress until the file is there, then serves it.

The frozen rows never change, but what may be shown of them does (a comment hidden since, an
account deleted since): the file is made for the stage's `comments_version` at the time, and a
later version asks for a new one. Files are renderings, not the record, so a newer file
replaces the earlier ones (their words may no longer be shown).
"""

import tempfile
from datetime import timedelta

from django.conf import settings
from django.core.files import File
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from consultations import exports
from consultations.models import FileStatus, Stage, SynthesisFile
from core.permissions import require

# A file still "being prepared" after this long was lost (a worker stopped): it may be asked
# for again.
STALE_AFTER = timedelta(minutes=30)


def prepared_in_background(synthesis):
    """Whether the PDF of `synthesis` is too large to lay out in a request. Side effects: none."""
    return synthesis.counts.get("total", 0) > settings.SYNTHESIS_PDF_PART_ROWS


def current_file(synthesis):
    """The `SynthesisFile` of `synthesis` for what may be shown now (its stage's current
    `comments_version`), or None. One query. Side effects: none."""
    version = Stage.objects.filter(pk=synthesis.stage_id).values_list("comments_version")
    return SynthesisFile.objects.filter(synthesis=synthesis, version=version[:1]).first()


def can_request(synthesis_file, now=None):
    """Whether a new preparation may be asked for, given the current file (None: none yet)."""
    if synthesis_file is None or synthesis_file.status == FileStatus.FAILED:
        return True
    now = now or timezone.now()
    return synthesis_file.status == FileStatus.PENDING and (
        synthesis_file.requested_at < now - STALE_AFTER
    )


def not_started(synthesis_file):
    """Mark `synthesis_file`, still pending, failed: its task could not be queued (the broker
    cannot be reached), and anyone may ask again. Side effects: its status."""
    SynthesisFile.objects.filter(pk=synthesis_file.pk, status=FileStatus.PENDING).update(
        status=FileStatus.FAILED
    )


@transaction.atomic
def request_pdf(user, synthesis, *, now=None):
    """Ask for the PDF of `synthesis` as it may be shown now; anyone who may see the proposal
    may ask. Returns (the `SynthesisFile`, whether it is to be built): the caller then queues
    `consultations.tasks.build_synthesis_pdf` with its id. Asking again while it is being
    prepared or once it is ready changes nothing.

    Side effects: locks the stage's row (its `comments_version` stays put until the file's row
    is written); a `SynthesisFile` row (or a failed or stale one reset to pending)."""
    now = now or timezone.now()
    stage = Stage.objects.select_for_update().select_related("consultation__proposal")
    stage = stage.get(pk=synthesis.stage_id)
    require(
        user,
        "consultations.view",
        stage.consultation.proposal,
        message=_("This synthesis is not public."),
        code="not_found",
    )
    synthesis_file, created = SynthesisFile.objects.select_for_update().get_or_create(
        synthesis=synthesis, version=stage.comments_version, defaults={"requested_at": now}
    )
    if not created and not can_request(synthesis_file, now):
        return synthesis_file, False
    if not created:
        synthesis_file.status, synthesis_file.rows_done = FileStatus.PENDING, 0
        synthesis_file.requested_at = now
        synthesis_file.save(update_fields=["status", "rows_done", "requested_at"])
    return synthesis_file, True


def build_pdf(synthesis_file, *, now=None):
    """Lay the PDF of `synthesis_file`'s synthesis out a part at a time, join the parts into a
    temporary file, then keep it in storage. Does nothing to a file that is not pending.

    Side effects: `rows_done` updated after each part (the progress page reads it); the file
    written to storage, the row marked ready with its page count (or failed, and the error
    raised again); the files of earlier versions of the synthesis removed from storage with
    their rows."""
    if synthesis_file.status != FileStatus.PENDING:
        return synthesis_file
    synthesis = synthesis_file.synthesis
    part_rows = settings.SYNTHESIS_PDF_PART_ROWS

    def progress(rows_done):
        SynthesisFile.objects.filter(pk=synthesis_file.pk).update(rows_done=rows_done)

    try:
        with tempfile.TemporaryFile() as output:
            pages = exports.synthesis_pdf(synthesis, output, part_rows=part_rows, progress=progress)
            output.seek(0)
            name = exports.synthesis_filename(synthesis, "pdf")
            synthesis_file.file.save(name, File(output), save=False)
    except Exception:
        SynthesisFile.objects.filter(pk=synthesis_file.pk).update(status=FileStatus.FAILED)
        raise
    synthesis_file.status, synthesis_file.pages = FileStatus.READY, pages
    synthesis_file.rows_done = synthesis.counts.get("total", 0)
    synthesis_file.finished_at = now or timezone.now()
    synthesis_file.save(update_fields=["file", "status", "pages", "rows_done", "finished_at"])
    for earlier in SynthesisFile.objects.filter(
        synthesis=synthesis, version__lt=synthesis_file.version
    ):
        if earlier.file:
            earlier.file.delete(save=False)
        earlier.delete()
    return synthesis_file
