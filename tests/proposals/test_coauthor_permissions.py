"""Who may do what on a co-authored proposal: every proposal action through its real page, as a
matrix of role × action with the exact status code and whether the database changed (and
every change is logged). Co-authors' editors and admins write as the owner's do; withdrawing
and choosing co-authors stay with the owner; an invited organisation that has not accepted, and
one that was removed, have no rights."""

import pytest
from django.db import transaction
from django.test import Client

from core.models import ActivityLog
from proposals import coauthors, domain
from proposals.models import Coauthorship, Proposal, Revision
from registrations.models import Submission
from tests.factories import MembershipFactory, OrganizationFactory, ProposalFactory, UserFactory
from tests.helpers import editor_data, save

pytestmark = pytest.mark.django_db

SLUG = "legea-350-coautori"
BASE = f"/proposals/{SLUG}"
ROLES = [
    "anonymous",
    "outsider",
    "invited editor",
    "removed editor",
    "coauthor editor",
    "coauthor admin",
    "owner editor",
    "owner admin",
]
AUTHORS = {"coauthor editor", "coauthor admin", "owner editor", "owner admin"}
OWNER = {"owner editor", "owner admin"}


@pytest.fixture
def coauthored(ngo, ngo_editor, ngo_admin, verified_authority):
    """A published amendment of `ngo`, co-authored by a municipal association (accepted); a
    second NGO invited and not yet answering; a third removed after accepting."""
    proposal = ProposalFactory(
        editor=ngo_editor,
        organization=ngo,
        kind="amendment",
        slug=SLUG,
        title="Legea 350",
        target_authority=verified_authority,
    )
    block = dict(proposal.current_revision.blocks[0], article="Art. 5", proposed="60 de zile")
    save(ngo_editor, proposal, [block])
    domain.publish_proposal(ngo_editor, proposal)
    world = {"proposal": proposal, "owner editor": ngo_editor, "owner admin": ngo_admin}
    world["outsider"] = UserFactory(display_name="Cineva")
    for key, name, slug in [
        ("coauthor", "Asociația Municipiilor din România", "amr"),
        ("invited", "Asociația Pro Democrația", "apd"),
        ("removed", "Funky Citizens", "funky"),
    ]:
        organization = OrganizationFactory(name=name, slug=slug)
        admin = MembershipFactory(organization=organization, role="admin").user
        world[f"{key} admin"] = admin
        world[f"{key} editor"] = MembershipFactory(organization=organization, role="editor").user
        world[f"{key} organization"] = organization
        coauthorship = coauthors.invite_coauthor(ngo_editor, proposal, organization)
        world[f"{key} coauthorship"] = coauthorship
        if key in ("coauthor", "removed"):
            coauthors.accept_coauthorship(admin, coauthorship)
        if key == "removed":
            coauthors.remove_coauthor(ngo_admin, coauthorship)
    world["fresh"] = OrganizationFactory(name="Expert Forum", slug="expert-forum")
    proposal.refresh_from_db()
    return world


def _edit_data(world):
    proposal = Proposal.objects.get(pk=world["proposal"].pk)
    current = proposal.current_revision
    block = dict(current.blocks[0], proposed="30 de zile")
    return editor_data([block], base=current.number, title=current.title)


# (name, method, url, data, who may: "authors" | "owner")
ACTIONS = [
    ("edit form", "get", f"{BASE}/edit/", None, "authors"),
    ("edit", "post", f"{BASE}/edit/", "EDIT", "authors"),
    ("restore form", "get", f"{BASE}/v/1/restore/", None, "authors"),
    ("restore", "post", f"{BASE}/v/1/restore/", {}, "authors"),
    ("import form", "get", f"{BASE}/import/", None, "authors"),
    ("submit form", "get", f"{BASE}/submit/", None, "authors"),
    ("withdraw form", "get", f"{BASE}/withdraw/", None, "owner"),
    ("withdraw", "post", f"{BASE}/withdraw/", {"reason": "Legea s-a schimbat."}, "owner"),
    ("invite", "post", f"{BASE}/authors/", "INVITE", "owner"),
    ("remove form", "get", f"{BASE}/authors/COAUTHOR/remove/", None, "owner"),
    ("remove", "post", f"{BASE}/authors/COAUTHOR/remove/", {}, "owner"),
]


def expected(role, method, who):
    allowed = role in (AUTHORS if who == "authors" else OWNER)
    if role == "anonymous":
        return 302, False  # to the sign-in page
    if not allowed:
        return 403, False
    return (302, True) if method == "post" else (200, False)


def snapshot():
    return {
        "proposals": list(
            Proposal.objects.order_by("pk").values_list("pk", "status", "withdrawal_reason")
        ),
        "revisions": list(Revision.objects.order_by("pk").values_list("pk", "organization_id")),
        "coauthorships": list(
            Coauthorship.objects.order_by("pk").values_list("pk", "status", "organization_id")
        ),
        "submissions": Submission.objects.count(),
        "log": ActivityLog.objects.count(),
    }


def attempt(world, role, method, url, data):
    """(status, database changed?) of one request, undone afterwards."""
    with transaction.atomic():
        before = snapshot()
        client = Client()
        client.cookies["consult_language"] = "en"
        if role != "anonymous":
            client.force_login(world[role])
        response = getattr(client, method)(url, data or {})
        if role == "anonymous":
            assert response["Location"].startswith("/accounts/login/?next=")
        after = snapshot()
        changed = after != before
        if changed:
            assert after["log"] > before["log"]  # every change is logged
        transaction.set_rollback(True)
    return response.status_code, changed


@pytest.mark.parametrize(
    ("name", "method", "url", "data", "who"), ACTIONS, ids=[action[0] for action in ACTIONS]
)
def test_coauthor_permission_matrix(coauthored, name, method, url, data, who):
    url = url.replace("COAUTHOR", str(coauthored["coauthor coauthorship"].pk))
    results = {}
    for role in ROLES:
        payload = data
        if data == "EDIT":
            payload = _edit_data(coauthored)
        elif data == "INVITE":
            payload = {"organization": coauthored["fresh"].pk}
        results[role] = attempt(coauthored, role, method, url, payload)
    assert results == {role: expected(role, method, who) for role in ROLES}


def test_a_coauthor_editor_saves_a_revision_for_their_organisation(coauthored):
    revision = save(
        coauthored["coauthor editor"],
        coauthored["proposal"],
        [dict(coauthored["proposal"].current_revision.blocks[0], proposed="45 de zile")],
    )
    assert revision.organization == coauthored["coauthor organization"]
    assert revision.author == coauthored["coauthor editor"]
    owner_revision = Revision.objects.get(proposal=coauthored["proposal"], number=2)
    assert owner_revision.organization == coauthored["proposal"].organization


def test_a_revision_without_an_organisation_reads_as_the_owners(coauthored):
    """Rows saved before co-authors were recorded have none: they name the owner."""
    revision = Revision(proposal=coauthored["proposal"], organization=None)
    assert revision.acting_organization == coauthored["proposal"].organization


def test_revision_page_and_history_name_the_organisation_acted_for(coauthored, en_client):
    revision = save(
        coauthored["coauthor editor"],
        coauthored["proposal"],
        [dict(coauthored["proposal"].current_revision.blocks[0], proposed="45 de zile")],
    )
    page = en_client.get(revision.get_absolute_url()).content.decode()
    name = coauthored["coauthor editor"].public_name
    assert f"saved by {name} for Asociația Municipiilor din România on" in page
    history = en_client.get(f"{BASE}/history/").content.decode()
    assert "(Asociația Municipiilor din România)" in history
    assert "(Asociația Vrancea Civică)" in history


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("anonymous", 404),
        ("outsider", 404),
        ("invited editor", 404),
        ("removed editor", 404),
        ("coauthor editor", 200),
        ("coauthor admin", 200),
        ("owner editor", 200),
    ],
)
def test_a_draft_is_visible_to_its_coauthors_only(ngo, ngo_editor, coauthored, role, status):
    draft = ProposalFactory(editor=ngo_editor, organization=ngo, slug="ciorna-comuna")
    coauthorship = coauthors.invite_coauthor(ngo_editor, draft, coauthored["coauthor organization"])
    coauthors.accept_coauthorship(coauthored["coauthor admin"], coauthorship)
    client = Client()
    if role != "anonymous":
        client.force_login(coauthored[role])
    assert client.get("/proposals/ciorna-comuna/").status_code == status
    listed = client.get("/proposals/").content.decode()
    assert ("/proposals/ciorna-comuna/" in listed) == (status == 200)


def test_a_coauthor_editor_can_publish_a_shared_draft(ngo, ngo_editor, coauthored):
    draft = ProposalFactory(editor=ngo_editor, organization=ngo, slug="ciorna-comuna")
    coauthorship = coauthors.invite_coauthor(ngo_editor, draft, coauthored["coauthor organization"])
    coauthors.accept_coauthorship(coauthored["coauthor admin"], coauthorship)
    domain.publish_proposal(coauthored["coauthor editor"], draft)
    assert Proposal.objects.get(pk=draft.pk).status == "published"
