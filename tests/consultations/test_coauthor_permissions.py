"""Running and answering a consultation of a co-authored proposal: every action of the
consultations' permission matrix (tests/consultations/test_permissions.py), tried by the
co-author's editor and admin (allowed, as the owner's), by an organisation invited but not yet
accepting and by one removed (refused), with the exact status code and the database unchanged
on refusal."""

import pytest
from django.db import transaction
from django.test import Client

from proposals import coauthors
from proposals.models import Proposal
from tests.consultations.test_permissions import (
    ACTIONS,
    consultation_world,  # noqa: F401  (the fixture this module builds on)
    snapshot,
    stage_post,
    with_revision,
)
from tests.factories import MembershipFactory, OrganizationFactory

ROLES = [
    "anonymous",
    "citizen",
    "invited editor",
    "removed editor",
    "coauthor editor",
    "coauthor admin",
    "editor",
    "admin",
]
EDITORS = {"coauthor editor", "coauthor admin", "editor", "admin"}


@pytest.fixture
def coauthor_world(consultation_world, editor, ngo_admin):  # noqa: F811
    """`consultation_world` whose two proposals are co-authored by a municipal association;
    another NGO invited (not answering) and a third removed after accepting."""
    world = dict(consultation_world)
    proposals = list(Proposal.objects.filter(slug__in=["legea-350", "fara-consultare"]))
    for key, slug in [("coauthor", "amr"), ("invited", "apd"), ("removed", "funky")]:
        organization = OrganizationFactory(slug=slug)
        admin = MembershipFactory(organization=organization, role="admin").user
        world[f"{key} admin"] = admin
        world[f"{key} editor"] = MembershipFactory(organization=organization, role="editor").user
        for proposal in proposals:
            coauthorship = coauthors.invite_coauthor(editor, proposal, organization)
            if key in ("coauthor", "removed"):
                coauthors.accept_coauthorship(admin, coauthorship)
            if key == "removed":
                coauthors.remove_coauthor(ngo_admin, coauthorship)
    return world


def expected_status(role, method, who):
    if who == "everyone":
        return 200
    if who == "nobody":
        return 404
    if who == "editors-read":
        return 200 if role in EDITORS else 404
    allowed = role in EDITORS if who == "editors" else False  # nobody here is staff
    if role == "anonymous":
        return 302
    if not allowed:
        return 403
    return 302 if method == "post" else 200


def attempt(world, role, method, url, data):
    with transaction.atomic():
        before = snapshot()
        client = Client()
        client.cookies["consult_language"] = "en"
        if world[role] is not None:
            client.force_login(world[role])
        response = getattr(client, method)(url, data or {})
        after = snapshot()
        changed = after != before
        if changed:
            assert after["log"] > before["log"]
        transaction.set_rollback(True)
    return response.status_code, changed


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "method", "url", "data", "who"), ACTIONS, ids=[action[0] for action in ACTIONS]
)
def test_coauthor_consultation_matrix(coauthor_world, name, method, url, data, who):
    url = url.replace("COMMENT", str(coauthor_world["comment"].pk))
    if data == "STAGE":
        data = with_revision(stage_post(), coauthor_world)
    elif data == "STAGE_EDIT":
        data = with_revision(stage_post(), coauthor_world)
        data["title"] = "A doua etapă, mutată"
    results = {role: attempt(coauthor_world, role, method, url, data) for role in ROLES}
    expected = {}
    for role in ROLES:
        status = expected_status(role, method, who)
        expected[role] = (status, method == "post" and status == 302 and role != "anonymous")
    assert results == expected
