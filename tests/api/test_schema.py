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
    "/api/v1/proposals/{slug}/consultation/stages/{position}/synthesis/rows/",
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


REVISIONS = "/api/v1/proposals/{slug}/revisions/"
REVISIONS_EN = "Every revision of the proposal's text, oldest first."
REVISIONS_RO = "Toate versiunile textului propunerii, de la cea mai veche."
REVISIONS_BG = "Всички версии на текста на предложението, от най-старата."


def test_schema_is_in_the_readers_language_with_the_codes_as_they_are(db):
    romanian = Client(HTTP_ACCEPT_LANGUAGE="ro")
    schema = json.loads(romanian.get(f"{API}schema/").content)
    revisions = schema["paths"][REVISIONS]["get"]
    assert revisions["description"] == REVISIONS_RO
    assert revisions["summary"] == "Versiunile unei propuneri"
    assert REVISIONS_EN not in json.dumps(schema, ensure_ascii=False)
    assert schema["info"]["description"].startswith("Datele publice ale platformei Consult")
    # A serializer's help text and a component described apart.
    proposal = schema["components"]["schemas"]["ProposalDetail"]["properties"]
    assert proposal["consultation_url"]["description"] == (
        "Null când propunerea nu are o consultare."
    )
    assert schema["components"]["schemas"]["PublicSubmission"]["description"] == (
        "Un rând al registrului public."
    )
    # The suggestions of wording: help texts and the placeholders' null fields.
    comment = schema["components"]["schemas"]["Comment"]
    assert comment["description"] == (
        "Un comentariu în discuția sa. Comentariile reținute, ascunse și retrase sunt doar "
        "locuri păstrate: `text`, `quote`, `author`, `disposition`, `suggested_from` și "
        "`suggested_text` sunt null."
    )
    assert [
        comment["properties"][name]["description"]
        for name in ("suggestion", "suggested_from", "suggested_text")
    ] == [
        "O propunere de formulare pentru paragraful său: o formulare nouă sau eliminarea lui."
        "\n\n* `replace` - Formulare nouă\n* `remove` - Eliminare",
        "Textul paragrafului pe care propunerea îl înlocuiește.",
        "Formularea propusă (goală pentru o eliminare).",
    ]
    revision = schema["components"]["schemas"]["Revision"]["properties"]
    assert revision["applied_suggestions"]["description"] == (
        "Propunerile de formulare (comentariile) preluate în această versiune."
    )
    page = next(p for p in revisions["parameters"] if p["name"] == "page_size")
    assert page["description"] == "Rezultate pe pagină (implicit 20)."
    # Enum values stay the API's codes; their description lists them with translated labels.
    kind = schema["components"]["schemas"]["ProposalKindEnum"]
    assert kind["enum"] == [
        "policy",
        "amendment",
        "other",
        "draft_decision",
        "draft_order",
        "draft_law",
    ]
    assert "* `policy` - Politică publică" in kind["description"]
    validate_schema(schema)


def test_schema_language_by_lang_parameter(db):
    romanian = Client(HTTP_ACCEPT_LANGUAGE="ro")
    bulgarian = json.loads(romanian.get(f"{API}schema/", {"lang": "bg"}).content)
    assert bulgarian["paths"][REVISIONS]["get"]["description"] == REVISIONS_BG
    english = json.loads(romanian.get(f"{API}schema/", {"lang": "en"}).content)
    assert english["paths"][REVISIONS]["get"]["description"] == REVISIONS_EN
    # A language the site does not have: the reader's.
    unknown = json.loads(romanian.get(f"{API}schema/", {"lang": "xx"}).content)
    assert unknown["paths"][REVISIONS]["get"]["description"] == REVISIONS_RO
    as_yaml = yaml.safe_load(
        romanian.get(f"{API}schema/", {"format": "yaml", "lang": "bg"}).content
    )
    assert as_yaml == bulgarian


def test_docs_page_in_bulgarian(db):
    response = Client(HTTP_ACCEPT_LANGUAGE="bg").get(f"{API}docs/")
    assert response.status_code == 200
    page = response.content.decode()
    assert f"<p>{REVISIONS_BG}</p>" in page
    assert "Версии на предложение" in page
    assert REVISIONS_EN not in page
    assert "масив от" in page  # "array of", in the types column
    assert "Публични данни на платформата Consult" in page
    english = Client(HTTP_ACCEPT_LANGUAGE="en").get(f"{API}docs/").content.decode()
    assert "text, oldest first.</p>" in english
    assert REVISIONS_BG not in english


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
