"""Schemathesis fuzzes every operation of the schema against the WSGI application.

The schema is loaded from the running app (/api/v1/schema/) over the world of `conftest.py` with
a published export, so requests reach real objects: path parameters are drawn from the world's
slugs and numbers as well as generated ones. Valid and invalid inputs (both generation modes)
must never give a server error, and every response must match the schema: its status code is
documented, its content type and its body conform.

The number of examples per operation and mode is bounded (API_FUZZ_EXAMPLES, default 25) and
the run is deterministic (derandomized), so CI stays fast and a failure reproduces. Schemathesis'
own pytest plugin is not used (its lazy fixture loader does not run on pytest 9): each operation
is a test of ours driving `APIOperation.as_strategy` with Hypothesis.
"""

import os

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from api import exports
from tests.api.test_schema import PATHS

EXAMPLES = int(os.environ.get("API_FUZZ_EXAMPLES", "25"))
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]

PROPOSALS = ["legea-350", "politica-locala", "ciorna-secreta"]
ORGANIZATIONS = ["vrancea-civica", "primaria-municipiului-focsani"]
NUMBERS = [1, 2, 3]
# A submission of the world, sent to its (verified) authority: set by the `registrar` fixture.
TRACKING_CODES = ["CNS-0000-0000", "cns00000000"]
EXPORT_FILES = [
    "manifest.json",
    "all/proposals.jsonl",
    "all/comments.csv",
    "consultations/legea-350/syntheses.jsonl",
]


def real_values(path, name):
    """The world's values for a path parameter: what real requests would use."""
    if name == "tracking_code":
        return TRACKING_CODES
    if name == "slug":
        return ORGANIZATIONS if path.startswith("/api/v1/organizations/") else PROPOSALS
    if name == "name":
        return EXPORT_FILES
    return NUMBERS


@pytest.fixture
def keep_connection():
    """Django's WSGI handler closes the database connection after each request; inside a test's
    transaction that would drop it (PostgreSQL). Django's test client does the same as this."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def registrar_headers(world, settings):
    """A registrar token of the world's authority, which received `politica-locala`: the
    registrar operations are fuzzed with it as well as without a token."""
    from api import tokens
    from registrations import domain as registration
    from tests.factories import MembershipFactory

    settings.API_TOKEN_RATE = "1000000/min"
    world.authority.verified_at = world.now
    world.authority.save(update_fields=["verified_at"])
    registrar = MembershipFactory(organization=world.authority, role="registrar").user
    _token, secret = tokens.create_token(registrar, world.authority, "Fuzz")
    world.policy.refresh_from_db()
    submission = registration.submit_proposal(
        world.editor, world.policy, world.policy.current_revision, ""
    )
    TRACKING_CODES[:] = [submission.tracking_code, "CNS-0000-0000", "cns00000000"]
    yield {"Authorization": f"Token {secret}"}
    TRACKING_CODES[:] = ["CNS-0000-0000", "cns00000000"]


@pytest.fixture
def api_schema(world, registrar_headers, settings, keep_connection):
    settings.API_ANON_RATE = "1000000/min"  # rate limits have their own tests
    exports.publish_dump()
    schema = schemathesis.openapi.from_wsgi("/api/v1/schema/", get_wsgi_application())

    @schema.hook
    def flatmap_path_parameters(context, path_parameters):
        # The generated parameters, or the world's (about half the time), so that operations on
        # real proposals, revisions, stages and files are exercised as much as unknown ones.
        if not path_parameters:
            return st.just(path_parameters)
        path = context.operation.path
        real = st.fixed_dictionaries(
            {name: st.sampled_from(real_values(path, name)) for name in path_parameters}
        )
        return st.one_of(st.just(path_parameters), real)

    return schema


def _modes(operation):
    """Negative cases need something that can be invalid: a query parameter or a typed path
    parameter (any string is a valid file name of exports/{name})."""
    typed = any(
        parameter.definition.get("schema", {}).get("type") != "string"
        for parameter in operation.path_parameters
    )
    if operation.query or typed:
        return [GenerationMode.POSITIVE, GenerationMode.NEGATIVE]
    return [GenerationMode.POSITIVE]


def _fuzz(operation, mode, headers=None):
    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def fuzz(case):
        case.call_and_validate(checks=CHECKS, headers=headers)

    fuzz()


def test_every_operation_never_fails_and_matches_the_schema(api_schema, registrar_headers):
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert {operation.path for operation in operations} == PATHS
    assert {operation.method for operation in operations} == {"get", "post"}
    # One world for all operations (building it is most of the cost); every failure reported.
    failures = []
    for operation in operations:
        for mode in _modes(operation):
            try:
                _fuzz(operation, mode)
            except Exception as error:  # noqa: BLE001 - collected and reported below
                failures.append(f"{operation.path} ({mode.value}): {error}")
            if not operation.path.startswith("/api/v1/authority/"):
                continue
            try:
                _fuzz(operation, mode, headers=registrar_headers)
            except Exception as error:  # noqa: BLE001 - collected and reported below
                failures.append(f"{operation.path} ({mode.value}, with a token): {error}")
    assert not failures, "\n\n".join(failures)
