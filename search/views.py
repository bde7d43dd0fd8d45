import logging

from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils.translation import gettext as _

from core.params import page_param, year_param
from search import facets
from search import query as search_query

log = logging.getLogger(__name__)


def _labels():
    """Readable labels for facet values that are codes: the content types, and what the apps
    registered (`search.facets`: a proposal's status, topics)."""
    return {
        "type": {
            "proposal": _("Proposal"),
            "consultation": _("Consultation"),
            "comment": _("Comment"),
        },
        **facets.labels(),
    }


PER_PAGE = 20


def _page(sqs, requested):
    """One page of hits from ONE backend search: the page's slice brings the hit count and the
    facet counts with it (Django's Paginator would count first, in a search of its own)."""
    number = page_param(requested)
    hits = list(sqs[(number - 1) * PER_PAGE : number * PER_PAGE])
    # Past the end the backend reports no hits at all: count again on a fresh query.
    if hits or number == 1:
        total = sqs.count()
    else:
        fresh = sqs.all()
        fresh.query.clear_limits()
        total = fresh.count()
    last = max(1, -(-total // PER_PAGE))
    if number > last:  # out of range: the last page, as Paginator.get_page does
        number = last
        hits = list(sqs[(number - 1) * PER_PAGE : number * PER_PAGE])
    page = Paginator(range(total), PER_PAGE).get_page(number)
    page.object_list = hits
    return page


def search(request):
    text = request.GET.get("q", "")
    truncated = len(text) > search_query.MAX_QUERY_LENGTH
    text = text[: search_query.MAX_QUERY_LENGTH].strip()
    filters = {
        name: request.GET[name][:200] for name in search_query.FACETS if request.GET.get(name)
    }
    if "year" in filters:
        year = year_param(filters["year"])
        if year is None:
            filters.pop("year")
        else:
            filters["year"] = str(year)
    context = {
        "q": text,
        "filters": filters,
        "truncated": truncated,
        "page": None,
        "facets": {},
        "error": None,
    }
    sqs = search_query.build(text, filters) if text.strip() else None
    if text.strip() and sqs is None:
        context["error"] = _("Type words or a phrase in quotes; symbols alone cannot be searched.")
    if sqs is not None:
        try:
            page = _page(sqs, request.GET.get("page"))
            facet_counts = sqs.facet_counts().get("fields", {})
        except Exception:  # the index is missing or broken: say so, never a 500
            log.exception("Search failed for %r", text)
            context["error"] = _("Search is unavailable at the moment. Please try again later.")
        else:
            labels = _labels()
            results = []
            for hit in page.object_list:
                body = getattr(hit, "text", "") or ""
                results.append(
                    {
                        "title": hit.title,
                        "url": hit.url,
                        "status": labels["status"].get(hit.status, hit.status),
                        # A proposal's result names all its authors; a consultation's or a
                        # comment's, the organisation that runs it.
                        "organization": getattr(hit, "authors", None) or hit.organization,
                        "authority": hit.authority,
                        "snippet": search_query.highlight(body, text),
                        "title_html": search_query.highlight(hit.title, text, length=300),
                    }
                )
            context["page"] = page
            context["results"] = results
            context["facets"] = {
                name: [
                    (str(value), labels.get(name, {}).get(str(value), value), count)
                    for value, count in facet_counts.get(field, [])
                    # Whoosh counts documents without a value (no topics) under None.
                    if count and value is not None
                ]
                for name, field in search_query.FACETS.items()
            }
    context["facet_titles"] = {
        "type": _("Content type"),
        "status": _("Status"),
        "organization": _("Organisation"),
        "authority": _("Target authority"),
        "topic": _("Topic"),
        "year": _("Year"),
    }
    return render(request, "search/search.html", context)
