"""Index fields with the folding analyzer (Whoosh) — the same analysis for documents and queries."""

from haystack import indexes

from search.analysis import folding_analyzer


class TextField(indexes.CharField):
    def __init__(self, **kwargs):
        kwargs.setdefault("analyzer", folding_analyzer())
        super().__init__(**kwargs)
