from celery import shared_task


@shared_task(ignore_result=True)
def drain_index_queue():
    """Apply queued search-index changes. Route to a single worker (one Whoosh writer)."""
    from search.indexing import drain

    return drain()
