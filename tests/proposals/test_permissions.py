"""Who sees and changes what: every proposal page as a matrix of role × proposal status."""

import pytest

from proposals import domain
from proposals.models import Proposal
from tests.factories import MembershipFactory, ProposalFactory, UserFactory
from tests.helpers import save

SLUG = "legea-350-finantare"
READ_PAGES = {
    "detail": f"/proposals/{SLUG}/",
    "revision": f"/proposals/{SLUG}/v/2/",
    "history": f"/proposals/{SLUG}/history/",
    "activity": f"/proposals/{SLUG}/activity/",
    "compare": f"/proposals/{SLUG}/compare/1/2/",
    "table": f"/proposals/{SLUG}/v/2/table/",
}
WRITE_PAGES = {
    "edit": f"/proposals/{SLUG}/edit/",
    "publish": f"/proposals/{SLUG}/publish/",
    "withdraw": f"/proposals/{SLUG}/withdraw/",
    "restore": f"/proposals/{SLUG}/v/1/restore/",
}
ROLES = ["anonymous", "outsider", "other member", "registrar", "staff", "editor", "admin"]
OUTSIDE = {"outsider", "other member", "registrar", "staff"}
MEMBERS = {"editor", "admin"}


def _expected(role, state):
    """The status code of every page for `role` when the proposal is in `state`."""
    if state == "draft":
        read = 200 if role in MEMBERS else 404
        write = 302 if role == "anonymous" else read
        pages = {**dict.fromkeys(READ_PAGES, read), **dict.fromkeys(WRITE_PAGES, write)}
        if role in MEMBERS:
            pages["withdraw"] = 302  # only a public proposal can be withdrawn: sent back
        return pages
    read = dict.fromkeys(READ_PAGES, 200)
    if role == "anonymous":
        return {**read, **dict.fromkeys(WRITE_PAGES, 302)}
    if role in OUTSIDE:
        return {**read, **dict.fromkeys(WRITE_PAGES, 403)}
    # Editors and admins: a withdrawn text can no longer be changed or restored.
    # Publishing a public proposal, or withdrawing a withdrawn one, sends them back with a note.
    text_change = 200 if state == "published" else 403
    withdraw = 200 if state == "published" else 302
    return {
        **read,
        "edit": text_change,
        "restore": text_change,
        "publish": 302,
        "withdraw": withdraw,
    }


@pytest.fixture
def proposal_world(ngo, ngo_editor, ngo_admin, authority, other_member):
    proposal = ProposalFactory(
        editor=ngo_editor, organization=ngo, kind="amendment", slug=SLUG, title="Legea 350"
    )
    block = dict(proposal.current_revision.blocks[0], article="Art. 5", proposed="60 de zile")
    save(ngo_editor, proposal, [block])
    return {
        "proposal": proposal,
        "outsider": UserFactory(),
        "other member": other_member,
        "registrar": MembershipFactory(organization=authority, role="registrar").user,
        "staff": UserFactory(is_staff=True),
        "editor": ngo_editor,
        "admin": ngo_admin,
    }


def _set_state(proposal_world, state):
    proposal = proposal_world["proposal"]
    if state in ("published", "withdrawn"):
        domain.publish_proposal(proposal_world["editor"], proposal)
    if state == "withdrawn":
        domain.withdraw_proposal(
            proposal_world["editor"], proposal, "Legea a fost deja modificată."
        )
    assert Proposal.objects.get(pk=proposal.pk).status == state


@pytest.mark.django_db
@pytest.mark.parametrize("state", ["draft", "published", "withdrawn"])
@pytest.mark.parametrize("role", ROLES)
def test_proposal_pages_status_codes_by_role_and_state(client, proposal_world, role, state):
    _set_state(proposal_world, state)
    if role != "anonymous":
        client.force_login(proposal_world[role])
    got = {name: client.get(url).status_code for name, url in {**READ_PAGES, **WRITE_PAGES}.items()}
    assert got == _expected(role, state)


@pytest.mark.django_db
@pytest.mark.parametrize("path", list(WRITE_PAGES.values()))
def test_write_pages_anonymous_redirected_to_login(client, proposal_world, path):
    _set_state(proposal_world, "published")
    response = client.get(path)
    assert response["Location"] == f"/accounts/login/?next={path}"


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["outsider", "other member", "registrar", "staff"])
def test_write_posts_by_outsiders_change_nothing(client, proposal_world, role):
    _set_state(proposal_world, "published")
    proposal = proposal_world["proposal"]
    client.force_login(proposal_world[role])
    block = proposal.current_revision.blocks[0]
    data = {
        "base": "2",
        "block_count": "1",
        "title": "Furat",
        "blocks-0-key": block["key"],
        "blocks-0-type": "amendment",
        "blocks-0-article": "Art. 1",
        "blocks-0-action": "repeal",
    }
    assert client.post(WRITE_PAGES["edit"], data).status_code == 403
    assert client.post(WRITE_PAGES["restore"]).status_code == 403
    assert client.post(WRITE_PAGES["withdraw"], {"reason": "Așa vreau"}).status_code == 403
    stored = Proposal.objects.get(pk=proposal.pk)
    assert (stored.status, stored.title, stored.current_revision.number) == (
        "published",
        "Legea 350",
        2,
    )


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["outsider", "other member", "registrar", "staff"])
def test_publish_post_on_draft_by_outsider_404_and_stays_draft(client, proposal_world, role):
    client.force_login(proposal_world[role])
    assert client.post(WRITE_PAGES["publish"]).status_code == 404
    assert Proposal.objects.get(pk=proposal_world["proposal"].pk).status == "draft"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "visible"),
    [
        ("anonymous", False),
        ("outsider", False),
        ("other member", False),
        ("registrar", False),
        ("staff", False),
        ("editor", True),
        ("admin", True),
    ],
)
def test_proposal_list_shows_draft_only_to_members(client, proposal_world, role, visible):
    ngo = proposal_world["proposal"].organization
    public = ProposalFactory(
        editor=proposal_world["editor"], organization=ngo, title="Propunere publică"
    )
    domain.publish_proposal(proposal_world["editor"], public)
    if role != "anonymous":
        client.force_login(proposal_world[role])
    html = client.get("/proposals/").content.decode()
    assert "Propunere publică" in html
    assert ("Legea 350" in html) is visible
    html = client.get("/proposals/?status=draft").content.decode()
    assert ("Legea 350" in html) is visible


@pytest.mark.django_db
def test_proposal_list_member_sees_each_proposal_once(client, proposal_world, other_member):
    # The organisation has three members: the join on memberships must not repeat proposals.
    ngo = proposal_world["proposal"].organization
    MembershipFactory(organization=ngo, user=other_member)
    public = ProposalFactory(editor=proposal_world["editor"], organization=ngo, slug="publica")
    domain.publish_proposal(proposal_world["editor"], public)
    for user in (other_member, proposal_world["outsider"]):
        client.force_login(user)
        response = client.get("/proposals/")
        slugs = [p.slug for p in response.context["page"].object_list]
        assert slugs == (["publica", SLUG] if user == other_member else ["publica"])
        assert response.context["page"].paginator.count == len(slugs)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path",
    [
        f"/proposals/{SLUG}/compare/1/999/",
        f"/proposals/{SLUG}/compare/999/1/",
        f"/proposals/{SLUG}/v/0/",
        f"/proposals/{SLUG}/v/3/",
        f"/proposals/{SLUG}/v/0/table/",
        f"/proposals/{SLUG}/v/3/restore/",
        "/proposals/nu-exista/",
        "/proposals/nu-exista/v/1/",
        "/proposals/nu-exista/history/",
    ],
)
def test_forged_urls_404_even_for_editor(client, proposal_world, path):
    client.force_login(proposal_world["editor"])
    assert client.get(path).status_code == 404


@pytest.mark.django_db
def test_revision_number_of_another_proposal_404(client, proposal_world):
    # The first proposal has revision 2; the other has only revision 1.
    other = ProposalFactory(
        editor=proposal_world["editor"],
        organization=proposal_world["proposal"].organization,
        slug="alta",
    )
    domain.publish_proposal(proposal_world["editor"], other)
    _set_state(proposal_world, "published")
    assert client.get(f"/proposals/{SLUG}/v/2/").status_code == 200
    assert client.get("/proposals/alta/v/2/").status_code == 404
    assert client.get("/proposals/alta/compare/1/2/").status_code == 404


@pytest.mark.django_db
def test_table_of_proposal_that_is_not_an_amendment_404(client, proposal_world):
    other = ProposalFactory(
        editor=proposal_world["editor"],
        organization=proposal_world["proposal"].organization,
        slug="politica",
        kind="policy",
    )
    domain.publish_proposal(proposal_world["editor"], other)
    assert client.get("/proposals/politica/v/1/table/").status_code == 404
    assert client.get("/proposals/politica/v/1/").status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("state", ["draft", "published", "withdrawn"])
def test_edit_tab_and_actions_shown_only_to_editors(en_client, proposal_world, state):
    _set_state(proposal_world, state)
    en_client.force_login(proposal_world["editor"])
    html = en_client.get(READ_PAGES["detail"]).content.decode()
    assert (f'href="/proposals/{SLUG}/edit/"' in html) is (state != "withdrawn")
    assert (f'href="/proposals/{SLUG}/publish/"' in html) is (state == "draft")
    assert (f'href="/proposals/{SLUG}/withdraw/"' in html) is (state == "published")

    en_client.force_login(proposal_world["outsider"])
    if state != "draft":
        html = en_client.get(READ_PAGES["detail"]).content.decode()
        assert f'href="/proposals/{SLUG}/edit/"' not in html
        assert f'href="/proposals/{SLUG}/publish/"' not in html
        assert f'href="/proposals/{SLUG}/withdraw/"' not in html
