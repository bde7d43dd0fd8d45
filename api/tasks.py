from celery import shared_task


@shared_task
def export_public_data():
    """Regenerate the public data dump served at /api/v1/exports/ (Celery beat, nightly)."""
    from api.exports import publish_dump

    manifest = publish_dump()
    return {"generated_at": manifest["generated_at"], "files": len(manifest["files"])}
