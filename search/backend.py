"""Whoosh with whole-value facet fields.

Haystack's Whoosh backend indexes facet fields as analysed text, so "Primăria Municipiului
Focșani" would facet as three words. Here every `*_exact` facet field is stored whole. Text fields
get the folding analyzer from the index definitions (`search.fields`).
"""

from haystack.backends.whoosh_backend import WhooshEngine, WhooshSearchBackend
from whoosh.fields import ID, TEXT


class ConsultWhooshBackend(WhooshSearchBackend):
    def build_schema(self, fields):
        content_field_name, schema = super().build_schema(fields)
        for name in list(schema.names()):
            if name.endswith("_exact") and isinstance(schema[name], TEXT):
                schema.remove(name)
                schema.add(name, ID(stored=True))
        return content_field_name, schema


class ConsultWhooshEngine(WhooshEngine):
    backend = ConsultWhooshBackend
