"""Every error of the API is JSON with a `detail` message, in the language the client asked for.

Malformed query parameters give 400 with `detail` and `errors` (parameter name → messages);
unknown objects 404; methods a view does not offer 405; too many requests 429 with Retry-After.
"""

from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.views import exception_handler as drf_exception_handler


def exception_handler(exc, context):
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        errors = response.data if isinstance(response.data, dict) else {"": response.data}
        response.data = {"detail": str(_("Some query parameters are not valid.")), "errors": errors}
    elif not isinstance(response.data, dict) or "detail" not in response.data:
        response.data = {"detail": response.data}
    return response
