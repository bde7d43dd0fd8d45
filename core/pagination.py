from django.core.paginator import Paginator

from core.params import page_param


def paginate(request, queryset, per_page=25, param="page"):
    """A page of `queryset`; a malformed page number gives the first page, one past the end the
    last (`core.params.page_param`)."""
    paginator = Paginator(queryset, per_page)
    return paginator.get_page(page_param(request.GET.get(param)))
