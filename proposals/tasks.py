"""Background tasks of the proposals app. Thin: they delegate to the domain and are idempotent."""

from celery import shared_task


@shared_task(soft_time_limit=300)
def process_import(import_id):
    """Read a document being imported (large ones are read here, not in the request)."""
    from proposals.importing import process_import as process
    from proposals.models import DocumentImport

    document_import = DocumentImport.objects.filter(pk=import_id).first()
    if document_import is not None:
        process(document_import)


@shared_task
def purge_imports():
    """Hourly: delete imports never confirmed, with their files."""
    from proposals.importing import purge_imports as purge

    return purge()
