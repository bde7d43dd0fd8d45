"""Whoosh with whole-value facet fields, one searcher kept open per thread, and the site's
queries evaluated by `search.engine`.

Haystack's Whoosh backend indexes facet fields as analysed text, so "Primăria Municipiului
Focșani" would facet as three words. Here every `*_exact` facet field is stored whole. Text fields
get the folding analyzer from the index definitions (`search.fields`).

Speed (bench/search_bench.py, 100,000 documents): haystack opens two new searchers for every
search (each copied the whole index into memory: see `search.whoosh_files`), lists every
document's facet values again on every search, and Whoosh walks the posting lists one document
at a time. Here a thread keeps its searcher until another process or thread commits a new
generation of the index (checked on every search: one directory listing and one stat), and
`search.engine` answers from postings decoded once per segment.
"""

import os
import threading

from django.conf import settings
from django.utils.encoding import force_str
from haystack.backends import log_query
from haystack.backends.whoosh_backend import WhooshEngine, WhooshSearchBackend
from haystack.constants import DJANGO_CT
from haystack.utils import get_model_ct
from whoosh.fields import ID, TEXT
from whoosh.index import TOC
from whoosh.searching import Results, ResultsPage
from whoosh.sorting import Count, FieldFacet

from search import engine, whoosh_files

whoosh_files.install()

_cache = None
_cache_lock = threading.Lock()


def cache():
    """The process's cache of decoded postings (`SEARCH_CACHE_MB`, shared by all threads)."""
    global _cache
    with _cache_lock:
        if _cache is None:
            _cache = engine.Cache(budget=getattr(settings, "SEARCH_CACHE_MB", 256) * 2**20)
        return _cache


class _Open:
    """A thread's searcher on one generation of the index, and what it needs to search it."""

    def __init__(self, searcher, stamp, path):
        self.searcher = searcher
        self.stamp = stamp
        self.engine = engine.Engine(searcher, path, cache())


class ConsultWhooshBackend(WhooshSearchBackend):
    def __init__(self, connection_alias, **connection_options):
        super().__init__(connection_alias, **connection_options)
        self._threads = threading.local()

    def build_schema(self, fields):
        content_field_name, schema = super().build_schema(fields)
        for name in list(schema.names()):
            if name.endswith("_exact") and isinstance(schema[name], TEXT):
                schema.remove(name)
                schema.add(name, ID(stored=True))
        return content_field_name, schema

    # --- This thread's searcher -------------------------------------------------------------------

    def _stamp(self):
        """What identifies the newest generation of the index on disk: its number and its table
        of contents file (a rebuilt index starts counting generations again)."""
        for _ in range(10):
            name = self.index.indexname
            generation = TOC._latest_generation(self.storage, name)
            folder = getattr(self.storage, "folder", None)
            if generation < 0 or folder is None:
                return (generation,)
            try:
                info = os.stat(os.path.join(folder, TOC._filename(name, generation)))
            except FileNotFoundError:  # a writer has just committed a newer one
                continue
            return (generation, info.st_ino, info.st_mtime_ns, info.st_size)
        return (generation,)

    def current(self):
        """This thread's searcher, reopened when the index has changed since it was opened.
        Searchers are not thread-safe: each thread has its own (haystack also keeps one backend
        per thread, but this does not depend on it)."""
        if not self.setup_complete:
            self.setup()
        threads = self._threads
        opened = getattr(threads, "opened", None)
        stamp = self._stamp()
        if opened is not None and opened.stamp == stamp:
            return opened
        index = self.storage.open_index(indexname=self.index.indexname, schema=self.schema)
        searcher = index.searcher()
        try:
            fresh = _Open(searcher, stamp, os.path.abspath(self.path or ""))
        except Exception:
            searcher.close()
            raise
        if opened is not None:
            opened.searcher.close()
        threads.opened = fresh
        cache().forget_segments(fresh.engine.path, {s.id for s in fresh.engine.segments})
        return fresh

    def close_searcher(self):
        """Close this thread's searcher (it is reopened on the next search)."""
        opened = getattr(self._threads, "opened", None)
        if opened is not None:
            opened.searcher.close()
            self._threads.opened = None

    # --- Searching ----------------------------------------------------------------------------

    def search(
        self,
        query_string,
        sort_by=None,
        start_offset=0,
        end_offset=None,
        fields="",
        highlight=False,
        facets=None,
        date_facets=None,
        query_facets=None,
        narrow_queries=None,
        spelling_query=None,
        within=None,
        dwithin=None,
        distance_point=None,
        models=None,
        limit_to_registered_models=None,
        result_class=None,
        **kwargs,
    ):
        if not self.setup_complete:
            self.setup()
        if (
            sort_by
            or fields
            or highlight
            or date_facets
            or query_facets
            or spelling_query
            or within
            or dwithin
            or distance_point
            or self.include_spelling
            or kwargs
        ):
            # Options the site never uses: haystack's own search, on new searchers.
            return super().search(
                query_string,
                sort_by=sort_by,
                start_offset=start_offset,
                end_offset=end_offset,
                fields=fields,
                highlight=highlight,
                facets=facets,
                date_facets=date_facets,
                query_facets=query_facets,
                narrow_queries=narrow_queries,
                spelling_query=spelling_query,
                within=within,
                dwithin=dwithin,
                distance_point=distance_point,
                models=models,
                limit_to_registered_models=limit_to_registered_models,
                result_class=result_class,
                **kwargs,
            )
        return self._search(
            query_string,
            start_offset=start_offset,
            end_offset=end_offset,
            facets=facets,
            narrow_queries=narrow_queries,
            models=models,
            limit_to_registered_models=limit_to_registered_models,
            result_class=result_class,
        )

    @log_query
    def _search(
        self,
        query_string,
        start_offset,
        end_offset,
        facets,
        narrow_queries,
        models,
        limit_to_registered_models,
        result_class,
    ):
        """WhooshSearchBackend.search for the options the site uses, with the same results, on
        this thread's searcher."""
        no_results = {"results": [], "hits": 0}
        if len(query_string) == 0:
            return no_results
        query_string = force_str(query_string)
        # A one-character query (non-wildcard) yields no results, as in haystack.
        if len(query_string) <= 1 and query_string != "*":
            return no_results

        facet_fields = list(facets or ())
        facet_types = dict.fromkeys(facet_fields, "fields")

        if limit_to_registered_models is None:
            limit_to_registered_models = getattr(
                settings, "HAYSTACK_LIMIT_TO_REGISTERED_MODELS", True
            )
        if models and len(models):
            model_choices = sorted(get_model_ct(model) for model in models)
        elif limit_to_registered_models:
            model_choices = self.build_models_list()
        else:
            model_choices = []
        narrow = list(narrow_queries or ())
        if model_choices:
            narrow.append(" OR ".join(f"{DJANGO_CT}:{model}" for model in model_choices))

        opened = self.current()
        searcher, fast = opened.searcher, opened.engine
        filters = [self.parser.parse(force_str(text)) for text in narrow]
        parsed = self.parser.parse(query_string)
        try:
            for q in filters:
                fast.check(q, scored=False)
            if parsed is not None:
                fast.check(parsed)
        except engine.Unsupported:
            return self._whoosh_search(
                searcher, query_string, parsed, filters, start_offset, end_offset, facet_fields,
                facet_types, result_class,
            )  # fmt: skip

        masks = fast.allowed(filters)
        if masks is None:
            return no_results
        if not searcher.doc_count():
            return {"results": [], "hits": 0, "spelling_suggestion": None}
        # In the event of an invalid/stopworded query, recover gracefully.
        if parsed is None:
            return no_results
        page_num, page_length = self.calculate_page(start_offset, end_offset)
        total, best, counts = fast.search(parsed, page_num * page_length, masks, facet_fields)
        results = Results(searcher, parsed, best)
        results._total = total
        for field in facet_fields:
            group = Count()
            group.dict.update(counts[field])
            results._facetmaps[field] = group
        raw_page = ResultsPage(results, page_num, page_length)
        # Past the last page Whoosh returns the last one: haystack reports no results.
        if raw_page.pagenum < page_num:
            return {"results": [], "hits": 0, "spelling_suggestion": None}
        return self._process_results(
            raw_page, query_string=query_string, result_class=result_class, facet_types=facet_types
        )

    def _whoosh_search(
        self,
        searcher,
        query_string,
        parsed,
        filters,
        start_offset,
        end_offset,
        facet_fields,
        facet_types,
        result_class,
    ):
        """Queries search.engine does not evaluate: Whoosh's matchers, as haystack runs them,
        on this thread's searcher."""
        narrowed = None
        for q in filters:
            found = searcher.search(q, limit=None)
            if len(found) <= 0:
                return {"results": [], "hits": 0}
            if narrowed is not None:
                narrowed.filter(found)
            else:
                narrowed = found
        if not searcher.doc_count():
            return {"results": [], "hits": 0, "spelling_suggestion": None}
        if parsed is None:
            return {"results": [], "hits": 0}
        page_num, page_length = self.calculate_page(start_offset, end_offset)
        options = {
            "pagelen": page_length,
            "groupedby": [
                FieldFacet(field, allow_overlap=True, maptype=Count) for field in facet_fields
            ],
        }
        if narrowed is not None:
            options["filter"] = narrowed
        try:
            raw_page = searcher.search_page(parsed, page_num, **options)
        except ValueError:
            if not self.silently_fail:
                raise
            return {"results": [], "hits": 0, "spelling_suggestion": None}
        if raw_page.pagenum < page_num:
            return {"results": [], "hits": 0, "spelling_suggestion": None}
        return self._process_results(
            raw_page, query_string=query_string, result_class=result_class, facet_types=facet_types
        )


class ConsultWhooshEngine(WhooshEngine):
    backend = ConsultWhooshBackend
