"""Page-number pagination with a strict reading of `page` and `page_size`.

Responses have `count`, `next`, `previous` (absolute URLs or null) and `results`. A malformed or
out-of-range `page` or `page_size` is a 400 that says what is allowed, never a silent fallback:
a client reading page after page must learn that it went past the end.
"""

from django.conf import settings
from django.core.paginator import Paginator
from django.utils.translation import gettext as _
from rest_framework import pagination
from rest_framework.exceptions import ValidationError

from core.params import PAGE_MAX, int_param


def _number(request, name):
    raw = request.query_params.get(name)
    if raw is None:
        return None
    number = int_param(raw, min_value=1, max_value=PAGE_MAX)
    if number is None:
        raise ValidationError({name: [_("Give a whole number, 1 or more.")]})
    return number


class Pagination(pagination.PageNumberPagination):
    page_query_param = "page"
    page_size_query_param = "page_size"

    @property
    def max_page_size(self):
        return settings.API_MAX_PAGE_SIZE

    def get_page_size(self, request):
        size = _number(request, self.page_size_query_param)
        if size is None:
            return self.page_size
        if size > self.max_page_size:
            raise ValidationError(
                {
                    self.page_size_query_param: [
                        _("Give a page size from 1 to %(max)s.") % {"max": self.max_page_size}
                    ]
                }
            )
        return size

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        page_size = self.get_page_size(request)
        number = _number(request, self.page_query_param) or 1
        paginator = Paginator(queryset, page_size)
        if number > paginator.num_pages:
            raise ValidationError(
                {
                    self.page_query_param: [
                        _("Page %(page)s is past the last page (%(pages)s).")
                        % {"page": number, "pages": paginator.num_pages}
                    ]
                }
            )
        self.page = paginator.page(number)
        return list(self.page)

    def get_schema_operation_parameters(self, view):
        return [
            {
                "name": self.page_query_param,
                "required": False,
                "in": "query",
                "description": _("Page number, from 1 to the last page (400 past it)."),
                "schema": {"type": "integer", "minimum": 1},
            },
            {
                "name": self.page_size_query_param,
                "required": False,
                "in": "query",
                "description": _("Results per page (default %(size)s).") % {"size": self.page_size},
                "schema": {"type": "integer", "minimum": 1, "maximum": self.max_page_size},
            },
        ]
