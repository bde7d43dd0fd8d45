from django.core.paginator import Paginator


def paginate(request, queryset, per_page=25, param="page"):
    """A page of `queryset`; a page number out of range or malformed gives the nearest page."""
    paginator = Paginator(queryset, per_page)
    return paginator.get_page(request.GET.get(param))
