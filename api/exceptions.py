"""Every error of the API is JSON with a `detail` message, in the language the client asked for.

Malformed query parameters give 400 with `detail` and `errors` (parameter name → messages);
unknown objects 404; methods a view does not offer 405; too many requests 429 with Retry-After.
"""

from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, status
from rest_framework.views import exception_handler as drf_exception_handler


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = _("The request body is too large.")
    default_code = "too_large"


class Refused(exceptions.APIException):
    """The action was refused for its input (a bad date, a number already used)."""

    status_code = status.HTTP_400_BAD_REQUEST
    default_detail = _("The request was refused.")
    default_code = "refused"


class Conflict(exceptions.APIException):
    """The object's state does not allow the action (already registered, not yet registered)."""

    status_code = status.HTTP_409_CONFLICT
    default_detail = _("The object's state does not allow this action.")
    default_code = "conflict"


def exception_handler(exc, context):
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        errors = response.data if isinstance(response.data, dict) else {"": response.data}
        request = context.get("request")
        if request is not None and request.method not in ("GET", "HEAD", "OPTIONS"):
            message = _("Some fields of the request body are not valid.")
        else:
            message = _("Some query parameters are not valid.")
        response.data = {"detail": str(message), "errors": errors}
    elif not isinstance(response.data, dict) or "detail" not in response.data:
        response.data = {"detail": response.data}
    return response
