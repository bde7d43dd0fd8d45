"""The API's JSON parser: DRF's, with what a hostile body can do bounded.

A document nested deeper than API_MAX_JSON_DEPTH, or deeper than Python's decoder can follow
(which would otherwise end in a RecursionError and an HTML 500), a document that is not JSON,
and one that escapes a lone surrogate, are a 400 with a JSON `detail` in the client's language.
The body's size is bounded before this runs (MAX_REQUEST_BYTES for every request,
API_MAX_BODY_BYTES for registrar writes).
"""

import json

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework import parsers
from rest_framework.exceptions import ParseError


def _refuse_constant(name):
    # NaN and Infinity are not JSON (RFC 8259), though Python's decoder reads them.
    raise ValueError(f"{name} is not a JSON value")


def depth(value, limit):
    """The nesting depth of a parsed JSON value, counting no further than `limit` + 1."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict | list):
            deepest = max(deepest, level)
            if deepest > limit:
                return deepest
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, level + 1) for child in children)
    return deepest


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        parser_context = parser_context or {}
        encoding = parser_context.get("encoding", settings.DEFAULT_CHARSET)
        limit = settings.API_MAX_JSON_DEPTH
        try:
            data = json.loads(stream.read().decode(encoding), parse_constant=_refuse_constant)
        except RecursionError:
            raise ParseError(_("The JSON document is nested too deeply.")) from None
        except (UnicodeDecodeError, ValueError) as error:
            raise ParseError(
                _("The request body is not valid JSON: %(error)s") % {"error": error}
            ) from None
        if depth(data, limit) > limit:
            raise ParseError(_("The JSON document is nested too deeply."))
        try:
            # "\ud800" is valid JSON syntax but not a character: a string holding it can be
            # neither stored nor written back in an answer.
            json.dumps(data, ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError:
            raise ParseError(
                _("The JSON document contains an escaped lone surrogate, which is not a character.")
            ) from None
        return data
