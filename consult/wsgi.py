import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "consult.settings")
application = get_wsgi_application()


def _warm_up():
    """Import now, as the server process starts, what its first requests would otherwise
    import while a visitor waits: the URLconf with every view it names, and the search
    backend (measured under load: the first requests of each of four gunicorn workers spent
    12 % of the servers' CPU of a 20 s run importing them)."""
    from django.urls import get_resolver
    from haystack import connections

    get_resolver().url_patterns  # noqa: B018  (importing is the point)
    connections["default"].get_unified_index().get_indexed_models()


_warm_up()
