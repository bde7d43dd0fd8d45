"""The API's documentation page, rendered on the server from the OpenAPI schema.

Descriptions are Markdown, rendered through the site's sanitising renderer. The page and the
schema speak the reader's language (the site's language, or `?lang=ro|bg|en` for the schema):
summaries, descriptions and help texts are translated; field names, paths and the values of
enums stay the API's codes, and each enum's description lists its codes with their labels.
No JavaScript and no third-party assets, so it holds under the site's Content-Security-Policy
and works in any browser; the schema itself is at /api/v1/schema/ for tools (Swagger UI,
Redoc, code generators) that run elsewhere.
"""

import functools

from django.conf import settings
from django.shortcuts import render
from django.utils import translation
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import (
    OpenApiJsonRenderer,
    OpenApiJsonRenderer2,
    OpenApiYamlRenderer,
    OpenApiYamlRenderer2,
)
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularAPIView

from core.markdown import render_markdown

METHODS = ("get", "post", "put", "patch", "delete")


# The schema's components whose description would be their serializer's docstring (which
# cannot be translated): their description, by component name (`describe_components`).
COMPONENT_DESCRIPTIONS = {
    "Error": _("Every error: a message, and for 400 the message(s) of each invalid parameter."),
    "Comment": _(
        "A comment in its thread. Held, hidden and withdrawn comments are placeholders: their "
        "`text`, `quote`, `author`, `disposition`, `suggested_from` and `suggested_text` are "
        "null."
    ),
    "PublicSubmission": _("A row of the public register."),
    "AuthoritySubmission": _("A submission as the addressed authority's registrars see it."),
}


def describe_components(result, generator, request, public):
    """drf-spectacular post-processing hook: the translated descriptions of
    COMPONENT_DESCRIPTIONS, in the language the schema is generated in."""
    schemas = result.get("components", {}).get("schemas", {})
    for name, description in COMPONENT_DESCRIPTIONS.items():
        if name in schemas:
            schemas[name]["description"] = str(description)
    return result


def schema_language(request):
    """The language a schema is written in: `?lang=` when it names one of the site's
    languages, else the reader's (the site's language for this request)."""
    wanted = request.GET.get("lang", "")
    return wanted if wanted in dict(settings.LANGUAGES) else get_language()


class SchemaView(SpectacularAPIView):
    """The OpenAPI 3 schema: JSON unless YAML is asked for (`Accept: application/vnd.oai.openapi`
    or `?format=yaml`). In the reader's language, or the one `?lang=` names: summaries,
    descriptions and help texts translated, field names and enum values the API's codes."""

    renderer_classes = [
        OpenApiJsonRenderer,
        OpenApiJsonRenderer2,
        OpenApiYamlRenderer,
        OpenApiYamlRenderer2,
    ]

    @extend_schema(exclude=True)
    def get(self, request, *args, **kwargs):
        with translation.override(schema_language(request)):
            return self._get_schema_response(request)


@functools.cache
def schema(language="en"):
    """The schema as generated once per process and language (it depends only on the code)."""
    with translation.override(language):
        return SchemaGenerator().get_schema(request=None, public=True)


def _ref_name(ref):
    return ref.rsplit("/", 1)[-1]


def type_label(node):
    """A short human description of a schema node: "string (date-time), nullable", "array of
    Revision", "one of: a, b"."""
    if not node:
        return ""
    if "$ref" in node:
        label = _ref_name(node["$ref"])
    elif node.get("allOf") and len(node["allOf"]) == 1:
        label = type_label(node["allOf"][0])
    elif node.get("oneOf"):
        label = " | ".join(type_label(option) for option in node["oneOf"])
    elif node.get("type") == "array":
        label = gettext("array of %(type)s") % {"type": type_label(node.get("items", {}))}
    elif "enum" in node:
        label = gettext("one of: %(values)s") % {
            "values": ", ".join(str(value) for value in node["enum"] if value is not None)
        }
    else:
        label = node.get("type", "object")
        if node.get("format"):
            label += f" ({node['format']})"
        if node.get("additionalProperties") not in (None, True, False):
            label = gettext("object of %(type)s") % {
                "type": type_label(node["additionalProperties"])
            }
    if node.get("nullable"):
        label = gettext("%(type)s, nullable") % {"type": label}
    return label


def _ref_of(node):
    """The component a node points to (directly, in an array, or through allOf), if any."""
    if not node:
        return None
    if "$ref" in node:
        return _ref_name(node["$ref"])
    if node.get("type") == "array":
        return _ref_of(node.get("items"))
    if node.get("allOf") and len(node["allOf"]) == 1:
        return _ref_of(node["allOf"][0])
    return None


def _operations(spec):
    operations = []
    for path, item in spec.get("paths", {}).items():
        for method in METHODS:
            operation = item.get(method)
            if operation is None:
                continue
            parameters = [
                {
                    "name": parameter["name"],
                    "in": parameter["in"],
                    "required": parameter.get("required", False),
                    "type": type_label(parameter.get("schema", {})),
                    "description": render_markdown(parameter.get("description", "")),
                }
                for parameter in operation.get("parameters", [])
            ]
            responses = []
            for code, response in operation.get("responses", {}).items():
                media = response.get("content", {})
                node = next(iter(media.values()), {}).get("schema") if media else None
                responses.append(
                    {
                        "code": code,
                        "media_types": list(media),
                        "type": type_label(node) if node else "",
                        "ref": _ref_of(node),
                    }
                )
            operations.append(
                {
                    "id": operation.get("operationId", ""),
                    "method": method.upper(),
                    "path": path,
                    "summary": operation.get("summary", ""),
                    "description": render_markdown(operation.get("description", "")),
                    "parameters": parameters,
                    "responses": responses,
                }
            )
    return operations


def _components(spec):
    components = []
    for name, node in sorted(spec.get("components", {}).get("schemas", {}).items()):
        required = set(node.get("required", []))
        components.append(
            {
                "name": name,
                "description": render_markdown(node.get("description", "")),
                "type": type_label(node) if "properties" not in node else "object",
                "properties": [
                    {
                        "name": prop_name,
                        "type": type_label(prop),
                        "ref": _ref_of(prop),
                        "required": prop_name in required,
                        "description": render_markdown(prop.get("description", "")),
                    }
                    for prop_name, prop in node.get("properties", {}).items()
                ],
            }
        )
    return components


@functools.cache
def _context(language):
    spec = schema(language)
    return {
        "info": spec.get("info", {}),
        "description": render_markdown(spec.get("info", {}).get("description", "")),
        "operations": _operations(spec),
        "components": _components(spec),
    }


def docs(request):
    return render(request, "api/docs.html", _context(get_language()))
