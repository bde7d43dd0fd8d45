"""The OpenAPI schema validates, documents every endpoint, and its docs page holds under CSP."""

import json
import re

import yaml
from django.test import Client
from drf_spectacular.validation import validate_schema

from tests.api.conftest import API

PATHS = {
    "/api/v1/",
    "/api/v1/organizations/",
    "/api/v1/organizations/{slug}/",
    "/api/v1/proposals/",
    "/api/v1/proposals/{slug}/",
    "/api/v1/proposals/{slug}/revisions/",
    "/api/v1/proposals/{slug}/revisions/{number}/",
    "/api/v1/proposals/{slug}/compare/{a}/{b}/",
    "/api/v1/proposals/{slug}/consultation/",
    "/api/v1/proposals/{slug}/consultation/stages/{position}/",
    "/api/v1/proposals/{slug}/consultation/stages/{position}/comments/",
    "/api/v1/proposals/{slug}/consultation/stages/{position}/synthesis/",
    "/api/v1/consultations/",
    "/api/v1/register/",
    "/api/v1/authority/submissions/",
    "/api/v1/authority/submissions/{tracking_code}/",
    "/api/v1/authority/submissions/{tracking_code}/register/",
    "/api/v1/authority/submissions/{tracking_code}/answer/",
    "/api/v1/exports/",
    "/api/v1/exports/{name}",
}
# The registrar's writes; every other operation is a GET.
POST_PATHS = {
    "/api/v1/authority/submissions/{tracking_code}/register/",
    "/api/v1/authority/submissions/{tracking_code}/answer/",
}


def test_schema_is_valid_openapi_3_json_by_default(db, api):
    response = api.get(f"{API}schema/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.oai.openapi+json")
    schema = json.loads(response.content)
    validate_schema(schema)  # raises on an invalid document
    assert schema["openapi"] == "3.0.3"
    assert set(schema["paths"]) == PATHS
    for path, item in schema["paths"].items():
        assert set(item) == ({"post"} if path in POST_PATHS else {"get"}), path


def test_schema_as_yaml_by_format_or_accept(db, api):
    as_json = json.loads(api.get(f"{API}schema/").content)
    by_format = api.get(f"{API}schema/", {"format": "yaml"})
    assert by_format["Content-Type"].startswith("application/vnd.oai.openapi")
    assert yaml.safe_load(by_format.content) == as_json
    by_accept = api.get(f"{API}schema/", HTTP_ACCEPT="application/vnd.oai.openapi")
    assert yaml.safe_load(by_accept.content) == as_json


def test_schema_is_english_whatever_the_site_language(db):
    romanian = Client(HTTP_ACCEPT_LANGUAGE="ro")
    schema = json.loads(romanian.get(f"{API}schema/").content)
    kind = schema["components"]["schemas"]["ProposalKindEnum"]
    # With an authority's own drafts (issue 17).
    assert kind["enum"] == [
        "policy",
        "amendment",
        "other",
        "draft_decision",
        "draft_order",
        "draft_law",
    ]
    assert "`policy` - Public policy" in kind["description"]


def test_errors_and_pagination_are_documented(db, api):
    schema = json.loads(api.get(f"{API}schema/").content)
    proposals = schema["paths"]["/api/v1/proposals/"]["get"]
    assert set(proposals["responses"]) == {"200", "400", "429"}
    names = {parameter["name"] for parameter in proposals["parameters"]}
    assert names == {
        "status",
        "kind",
        "organization",
        "authority",
        "topic",
        "year",
        "language",
        "q",
        "page",
        "page_size",
    }
    status = next(p for p in proposals["parameters"] if p["name"] == "status")
    assert "draft" not in status["schema"]["enum"]
    page = schema["components"]["schemas"]["PaginatedProposalList"]
    assert set(page["properties"]) == {"count", "next", "previous", "results"}
    revision = schema["paths"]["/api/v1/proposals/{slug}/revisions/{number}/"]["get"]
    assert set(revision["responses"]) == {"200", "404", "429"}


def test_docs_page_is_rendered_from_the_schema_without_scripts(db, api):
    response = api.get(f"{API}docs/")
    assert response.status_code == 200
    page = response.content.decode()
    for path in PATHS:
        method = "POST" if path in POST_PATHS else "GET"
        assert f"{method} {path}</code>" in page
    assert "ProposalDetail" in page
    assert "<script" not in page
    assert " style=" not in page
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "style-src 'self'" in policy
    # Nothing loaded from elsewhere: every src and stylesheet is on this site.
    assert not re.search(r'(src|href)="https?://(?!testserver)[^"]+\.(js|css)"', page)


def test_registrar_operations_need_the_token_and_document_401(db, api):
    schema = json.loads(api.get(f"{API}schema/").content)
    scheme = schema["components"]["securitySchemes"]["registrarToken"]
    assert (scheme["type"], scheme["scheme"]) == ("http", "bearer")
    for path, item in schema["paths"].items():
        for operation in item.values():
            if path.startswith("/api/v1/authority/"):
                assert operation["security"] == [{"registrarToken": []}], path
                assert {"401", "403", "429"} <= set(operation["responses"]), path
            else:
                assert "registrarToken" not in json.dumps(operation.get("security", [])), path
    register = schema["paths"]["/api/v1/authority/submissions/{tracking_code}/register/"]["post"]
    assert set(register["responses"]) == {"200", "400", "401", "403", "404", "409", "413", "429"}
    body = register["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    assert body.endswith("/RegisterRequest")
