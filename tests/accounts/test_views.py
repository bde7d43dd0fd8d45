"""Organisation pages: creating, editing, managing members, who may do what, query counts."""

from types import SimpleNamespace

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import Invitation, Membership, Organization
from core import activity
from core.models import ActivityLog
from tests.accounts.helpers import log_rows, messages_of
from tests.factories import (
    AuthorityFactory,
    InvitationFactory,
    MembershipFactory,
    OrganizationFactory,
)

CREATE_URL = "/organisations/new/"


def organization_data(organization=None, **changes):
    """The organisation form as a browser posts it: every field, changed where asked."""
    data = {
        "kind": "ngo",
        "name": "",
        "slug": "",
        "country": "RO",
        "county": "",
        "locality": "",
        "fiscal_code": "",
        "website": "",
        "description": "",
    }
    if organization is not None:
        data = {name: getattr(organization, name) for name in data}
        del data["kind"]  # fixed once created: the edit form does not offer it
    return {**data, **changes}


def login_redirect(path):
    return f"/accounts/login/?next={path}"


# --- Creating ----------------------------------------------------------------------------------


def test_organization_create_makes_the_creator_admin(en_client, user):
    en_client.force_login(user)
    response = en_client.post(
        CREATE_URL, organization_data(name="Funky Citizens", slug="funky", fiscal_code="ro 123")
    )

    organization = Organization.objects.get(slug="funky")
    assert response.status_code == 302
    assert response["Location"] == "/organisations/funky/"
    assert messages_of(response) == ["Funky Citizens was created and you are its administrator."]
    assert (organization.name, organization.kind, organization.country) == (
        "Funky Citizens",
        "ngo",
        "RO",
    )
    assert organization.fiscal_code == "RO123"
    assert organization.created_by == user
    assert organization.verified_at is None
    assert list(organization.memberships.values_list("user_id", "role")) == [(user.pk, "admin")]
    assert log_rows(scope_id=str(organization.pk)) == [
        ("organization.created", user.pk, "", "Funky Citizens"),
        ("membership.added", user.pk, "", "admin"),
    ]


def test_organization_create_with_a_taken_slug_shows_a_form_error(en_client, user, ngo):
    en_client.force_login(user)
    count = Organization.objects.count()
    response = en_client.post(
        CREATE_URL, organization_data(name="Another Vrancea", slug="vrancea-civica")
    )
    assert response.status_code == 200
    assert response.context["form"].errors == {
        "slug": ["The address name “vrancea-civica” is taken; choose another."]
    }
    assert "The address name “vrancea-civica” is taken; choose another." in (
        response.content.decode()
    )
    assert Organization.objects.count() == count
    assert not Membership.objects.filter(user=user).exists()
    assert not ActivityLog.objects.exists()


def test_organization_create_with_a_name_whose_slug_is_taken_shows_a_form_error(
    en_client, user, ngo
):
    en_client.force_login(user)
    response = en_client.post(CREATE_URL, organization_data(name="Vrancea Civică"))
    assert response.status_code == 200
    assert response.context["form"].errors == {
        "slug": ["The address name “vrancea-civica” is taken; choose another."]
    }
    assert not Organization.objects.filter(name="Vrancea Civică").exists()


def test_organization_create_refuses_the_address_of_the_creation_page(en_client, user):
    # /organisations/new/ is the creation form: an organisation there could never be opened.
    en_client.force_login(user)
    response = en_client.post(CREATE_URL, organization_data(name="New"))
    assert response.status_code == 200
    assert response.context["form"].errors == {
        "slug": ["The address name “new” is taken; choose another."]
    }
    assert not Organization.objects.filter(slug="new").exists()


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("Asociația Științifică „Țara Bârsei”", "asociatia-stiintifica-tara-barsei"),
        ("Fundaţia Şcoala Învăţării", "fundatia-scoala-invatarii"),  # cedilla spellings
        ("Сдружение „Гражданска инициатива“ Щит", "sdruzhenie-grazhdanska-initsiativa-shtit"),
        (
            "Българско дружество за защита на птиците",
            "balgarsko-druzhestvo-za-zashtita-na-ptitsite",
        ),
    ],
)
def test_organization_create_makes_an_ascii_slug_from_the_name(en_client, user, name, slug):
    en_client.force_login(user)
    response = en_client.post(CREATE_URL, organization_data(name=name))
    assert response.status_code == 302
    assert response["Location"] == f"/organisations/{slug}/"
    assert Organization.objects.get(slug=slug).name == name
    assert en_client.get(f"/organisations/{slug}/").status_code == 200


def test_organization_create_asks_for_a_slug_when_the_name_gives_none(en_client, user):
    en_client.force_login(user)
    response = en_client.post(CREATE_URL, organization_data(name="„…”"))
    assert response.status_code == 200
    assert response.context["form"].errors == {
        "slug": ["Could not make an address name from this name; please type one."]
    }
    assert not Organization.objects.filter(name="„…”").exists()


@pytest.mark.parametrize(
    ("name", "error"),
    [
        ("Vrancea\x00Civică", "Null characters are not allowed."),
        (
            "Vrancea\x07Civică",
            "This text contains control characters (such as NUL bytes); remove them.",
        ),
        (
            "Vrancea\x1bCivică",
            "This text contains control characters (such as NUL bytes); remove them.",
        ),
    ],
)
def test_organization_create_refuses_control_characters_in_the_name(en_client, user, name, error):
    en_client.force_login(user)
    count = Organization.objects.count()
    response = en_client.post(CREATE_URL, organization_data(name=name))
    assert response.status_code == 200
    assert response.context["form"].errors == {"name": [error]}
    assert error in response.content.decode()
    assert Organization.objects.count() == count
    assert not ActivityLog.objects.exists()


def test_organization_create_sends_visitors_to_sign_in(client, db):
    count = Organization.objects.count()
    response = client.post(CREATE_URL, organization_data(name="Funky Citizens"))
    assert response.status_code == 302
    assert response["Location"] == login_redirect(CREATE_URL)
    assert Organization.objects.count() == count


# --- Editing -----------------------------------------------------------------------------------


def test_organization_edit_by_admin_logs_each_changed_field(en_client, ngo, ngo_admin):
    en_client.force_login(ngo_admin)
    response = en_client.post(
        f"/organisations/{ngo.slug}/edit/",
        organization_data(ngo, name="Vrancea Civică", website="https://vrancea.example.org/"),
    )
    assert response.status_code == 302
    assert response["Location"] == "/organisations/vrancea-civica/"
    assert messages_of(response) == ["The organisation's details were saved."]
    ngo.refresh_from_db()
    assert (ngo.name, ngo.website, ngo.locality) == (
        "Vrancea Civică",
        "https://vrancea.example.org/",
        "Focșani",
    )
    rows = ActivityLog.objects.filter(verb="organization.changed").order_by("id")
    assert [(r.actor_id, r.data, r.old_value, r.new_value) for r in rows] == [
        (ngo_admin.pk, {"field": "name"}, "Asociația Vrancea Civică", "Vrancea Civică"),
        (ngo_admin.pk, {"field": "website"}, "", "https://vrancea.example.org/"),
    ]


def test_organization_edit_of_the_slug_moves_the_page(en_client, ngo, ngo_admin):
    en_client.force_login(ngo_admin)
    response = en_client.post(
        f"/organisations/{ngo.slug}/edit/", organization_data(ngo, slug="vrancea")
    )
    assert response["Location"] == "/organisations/vrancea/"
    assert log_rows(verb="organization.changed") == [
        ("organization.changed", ngo_admin.pk, "vrancea-civica", "vrancea")
    ]
    assert en_client.get("/organisations/vrancea-civica/").status_code == 404


def test_organization_edit_without_changes_logs_nothing(en_client, ngo, ngo_admin):
    en_client.force_login(ngo_admin)
    response = en_client.post(f"/organisations/{ngo.slug}/edit/", organization_data(ngo))
    assert response.status_code == 302
    assert messages_of(response) == ["Nothing was changed."]
    assert not ActivityLog.objects.exists()


def test_organization_edit_to_a_taken_slug_shows_a_form_error(en_client, ngo, ngo_admin):
    OrganizationFactory(slug="taken")
    en_client.force_login(ngo_admin)
    response = en_client.post(
        f"/organisations/{ngo.slug}/edit/", organization_data(ngo, slug="taken", name="Renamed")
    )
    assert response.status_code == 200
    assert response.context["form"].errors == {
        "slug": ["The address name “taken” is taken; choose another."]
    }
    ngo.refresh_from_db()
    assert (ngo.slug, ngo.name) == ("vrancea-civica", "Asociația Vrancea Civică")
    assert not ActivityLog.objects.exists()


def test_organization_edit_cannot_change_the_kind(en_client, ngo, ngo_admin):
    en_client.force_login(ngo_admin)
    response = en_client.post(
        f"/organisations/{ngo.slug}/edit/", organization_data(ngo, kind="authority")
    )
    assert response.status_code == 302
    ngo.refresh_from_db()
    assert ngo.kind == "ngo"
    assert not ActivityLog.objects.exists()


@pytest.mark.parametrize("who", ["ngo_editor", "outsider", "staff"])
def test_organization_edit_is_forbidden_to_non_admins(en_client, ngo, who, request):
    en_client.force_login(request.getfixturevalue(who))
    url = f"/organisations/{ngo.slug}/edit/"
    assert en_client.get(url).status_code == 403
    response = en_client.post(url, organization_data(ngo, name="Hijacked"))
    assert response.status_code == 403
    ngo.refresh_from_db()
    assert ngo.name == "Asociația Vrancea Civică"
    assert not ActivityLog.objects.exists()


def test_organization_edit_sends_visitors_to_sign_in(client, ngo):
    url = f"/organisations/{ngo.slug}/edit/"
    response = client.post(url, organization_data(ngo, name="Hijacked"))
    assert response.status_code == 302
    assert response["Location"] == login_redirect(url)
    ngo.refresh_from_db()
    assert ngo.name == "Asociația Vrancea Civică"


def test_organization_pages_of_an_unknown_slug_are_404(en_client, ngo_admin):
    en_client.force_login(ngo_admin)
    for path in ["", "edit/", "members/", "history/", "leave/"]:
        assert en_client.get(f"/organisations/no-such-org/{path}").status_code == 404, path


# --- Who may manage members --------------------------------------------------------------------


@pytest.fixture
def scene(ngo, ngo_admin, ngo_editor, outsider, staff):
    return SimpleNamespace(
        ngo=ngo,
        actors={
            "anonymous": None,
            "outsider": outsider,
            "editor": ngo_editor,
            "admin": ngo_admin,
            "staff": staff,
        },
        editor_membership=Membership.objects.get(organization=ngo, user=ngo_editor),
        invitation=InvitationFactory(organization=ngo, email="pending@example.org"),
    )


def _members_url(s, suffix=""):
    return f"/organisations/{s.ngo.slug}/members/{suffix}"


# action: (method, path, data, effect seen in the database when it is allowed)
ACTIONS = {
    "members_page": ("get", lambda s: _members_url(s), None, None),
    "invite": (
        "post",
        lambda s: _members_url(s),
        {"email": "new@example.org", "role": "editor"},
        lambda s: Invitation.objects.filter(email="new@example.org", role="editor").exists(),
    ),
    "change_role": (
        "post",
        lambda s: _members_url(s, f"{s.editor_membership.pk}/role/"),
        {"role": "admin"},
        lambda s: Membership.objects.get(pk=s.editor_membership.pk).role == "admin",
    ),
    "remove_page": (
        "get",
        lambda s: _members_url(s, f"{s.editor_membership.pk}/remove/"),
        None,
        None,
    ),
    "remove": (
        "post",
        lambda s: _members_url(s, f"{s.editor_membership.pk}/remove/"),
        {},
        lambda s: not Membership.objects.filter(pk=s.editor_membership.pk).exists(),
    ),
    "revoke": (
        "post",
        lambda s: f"/organisations/{s.ngo.slug}/invitations/{s.invitation.pk}/revoke/",
        {},
        lambda s: Invitation.objects.get(pk=s.invitation.pk).revoked_at is not None,
    ),
    "history": ("get", lambda s: f"/organisations/{s.ngo.slug}/history/", None, None),
    "edit_page": ("get", lambda s: f"/organisations/{s.ngo.slug}/edit/", None, None),
}

# Status code per actor: anonymous, outsider, editor, admin, staff.
EXPECTED = {
    "members_page": (302, 403, 403, 200, 403),
    "invite": (302, 403, 403, 302, 403),
    "change_role": (302, 403, 403, 302, 403),
    "remove_page": (302, 403, 403, 200, 403),
    "remove": (302, 403, 403, 302, 403),
    "revoke": (302, 403, 403, 302, 403),
    "history": (302, 403, 200, 200, 200),
    "edit_page": (302, 403, 403, 200, 403),
}
ACTORS = ["anonymous", "outsider", "editor", "admin", "staff"]


def _state(organization):
    return (
        sorted(Membership.objects.filter(organization=organization).values_list("pk", "role")),
        sorted(
            Invitation.objects.filter(organization=organization).values_list(
                "email", "role", "revoked_at"
            )
        ),
        ActivityLog.objects.count(),
    )


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize("action", list(ACTIONS))
def test_member_management_permission_matrix(en_client, scene, action, actor):
    method, path, data, effect = ACTIONS[action]
    expected = EXPECTED[action][ACTORS.index(actor)]
    if scene.actors[actor] is not None:
        en_client.force_login(scene.actors[actor])
    before = _state(scene.ngo)

    url = path(scene)
    response = getattr(en_client, method)(url, data) if data is not None else en_client.get(url)

    assert response.status_code == expected
    if actor == "anonymous":
        assert response["Location"] == login_redirect(url)
    allowed_write = expected == 302 and actor != "anonymous"
    if allowed_write:
        assert effect(scene) is True
        assert ActivityLog.objects.count() == before[2] + 1
    else:
        assert _state(scene.ngo) == before


def test_member_management_is_forbidden_to_the_admin_of_another_organisation(en_client, scene):
    other_admin = MembershipFactory(role="admin").user
    en_client.force_login(other_admin)
    before = _state(scene.ngo)
    for action in ["members_page", "invite", "change_role", "remove_page", "remove", "revoke"]:
        method, path, data, _effect = ACTIONS[action]
        response = getattr(en_client, method)(path(scene), data or {})
        assert response.status_code == 403, action
    assert _state(scene.ngo) == before


def test_member_management_with_ids_of_another_organisation_is_404(en_client, scene, ngo_admin):
    other = OrganizationFactory()
    other_admin = MembershipFactory(organization=other, role="admin")
    other_member = MembershipFactory(organization=other, role="editor")
    other_invitation = InvitationFactory(organization=other)
    en_client.force_login(ngo_admin)
    before = (_state(scene.ngo), _state(other))

    base = f"/organisations/{scene.ngo.slug}"
    for membership in [other_admin, other_member]:
        role_url = f"{base}/members/{membership.pk}/role/"
        remove_url = f"{base}/members/{membership.pk}/remove/"
        assert en_client.post(role_url, {"role": "editor"}).status_code == 404
        assert en_client.post(role_url, {"role": "admin"}).status_code == 404
        assert en_client.get(remove_url).status_code == 404
        assert en_client.post(remove_url).status_code == 404
    revoke_url = f"{base}/invitations/{other_invitation.pk}/revoke/"
    assert en_client.post(revoke_url).status_code == 404
    assert en_client.post(f"{base}/members/999999/role/", {"role": "admin"}).status_code == 404
    assert en_client.post(f"{base}/invitations/999999/revoke/").status_code == 404

    assert (_state(scene.ngo), _state(other)) == before
    other_invitation.refresh_from_db()
    assert other_invitation.revoked_at is None


def test_member_management_role_change_and_revoke_refuse_get(en_client, scene, ngo_admin):
    en_client.force_login(ngo_admin)
    before = _state(scene.ngo)
    assert en_client.get(
        _members_url(scene, f"{scene.editor_membership.pk}/role/")
    ).status_code == (405)
    revoke_url = f"/organisations/{scene.ngo.slug}/invitations/{scene.invitation.pk}/revoke/"
    assert en_client.get(revoke_url).status_code == 405
    assert _state(scene.ngo) == before


def test_members_page_lists_members_and_pending_invitations(en_client, scene, ngo_admin):
    InvitationFactory(organization=scene.ngo, email="old@example.org", revoked_at=timezone.now())
    en_client.force_login(ngo_admin)
    html = en_client.get(_members_url(scene)).content.decode()
    assert "Admin ONG (you)" in html
    assert "Editor ONG" in html
    assert "pending@example.org" in html
    assert "old@example.org" not in html
    assert 'name="role" id="role-' in html


def test_role_change_by_admin_reports_the_new_role(en_client, scene, ngo_admin, ngo_editor):
    en_client.force_login(ngo_admin)
    response = en_client.post(
        _members_url(scene, f"{scene.editor_membership.pk}/role/"), {"role": "admin"}
    )
    assert response["Location"] == _members_url(scene)
    assert messages_of(response) == ["Editor ONG is now Administrator."]
    assert log_rows(verb="membership.role_changed") == [
        ("membership.role_changed", ngo_admin.pk, "editor", "admin")
    ]


def test_remove_page_asks_for_confirmation(en_client, scene, ngo_admin):
    en_client.force_login(ngo_admin)
    response = en_client.get(_members_url(scene, f"{scene.editor_membership.pk}/remove/"))
    assert "Remove Editor ONG (Editor) from Asociația Vrancea Civică?" in response.content.decode()
    assert Membership.objects.filter(pk=scene.editor_membership.pk).exists()


def test_remove_by_admin_reports_and_logs(en_client, scene, ngo_admin, ngo_editor):
    en_client.force_login(ngo_admin)
    response = en_client.post(_members_url(scene, f"{scene.editor_membership.pk}/remove/"))
    assert response["Location"] == _members_url(scene)
    assert messages_of(response) == ["Editor ONG was removed from Asociația Vrancea Civică."]
    assert log_rows(verb="membership.removed") == [
        ("membership.removed", ngo_admin.pk, "editor", "")
    ]


def test_revoke_by_admin_reports_and_logs(en_client, scene, ngo_admin):
    en_client.force_login(ngo_admin)
    url = f"/organisations/{scene.ngo.slug}/invitations/{scene.invitation.pk}/revoke/"
    response = en_client.post(url)
    assert messages_of(response) == ["The invitation to pending@example.org was withdrawn."]
    assert log_rows(verb="invitation.revoked") == [("invitation.revoked", ngo_admin.pk, "", "")]
    revoked_at = Invitation.objects.get(pk=scene.invitation.pk).revoked_at
    assert revoked_at is not None
    page = en_client.get(response["Location"]).content.decode()
    assert "The invitation to pending@example.org was withdrawn." in page
    assert "pending@example.org</td>" not in page  # no longer listed as pending

    response = en_client.post(url)  # a second time
    assert messages_of(response) == ["This invitation is no longer pending."]
    assert Invitation.objects.get(pk=scene.invitation.pk).revoked_at == revoked_at
    assert ActivityLog.objects.filter(verb="invitation.revoked").count() == 1


@pytest.mark.parametrize("who", ["outsider", "staff"])
def test_leave_is_forbidden_to_non_members(en_client, ngo, ngo_admin, who, request):
    en_client.force_login(request.getfixturevalue(who))
    url = f"/organisations/{ngo.slug}/leave/"
    assert en_client.get(url).status_code == 403
    assert en_client.post(url).status_code == 403
    assert list(ngo.memberships.values_list("user_id", flat=True)) == [ngo_admin.pk]


def test_leave_by_an_editor(en_client, ngo, ngo_admin, ngo_editor):
    en_client.force_login(ngo_editor)
    url = f"/organisations/{ngo.slug}/leave/"
    assert "Leave Asociația Vrancea Civică?" in en_client.get(url).content.decode()
    response = en_client.post(url)
    assert response["Location"] == "/accounts/dashboard/"
    assert messages_of(response) == ["You left Asociația Vrancea Civică."]
    assert list(ngo.memberships.values_list("user_id", flat=True)) == [ngo_admin.pk]
    assert log_rows(verb="membership.left") == [("membership.left", ngo_editor.pk, "editor", "")]


# --- The last administrator --------------------------------------------------------------------

LAST_ADMIN = "Admin ONG is the last administrator; make someone else administrator first."
LAST_ADMIN_LEAVING = (
    "Admin ONG is the last administrator and cannot leave; make someone else administrator first."
)


def test_last_admin_cannot_be_demoted(en_client, ngo, ngo_admin, ngo_editor):
    membership = Membership.objects.get(user=ngo_admin)
    en_client.force_login(ngo_admin)
    response = en_client.post(
        f"/organisations/{ngo.slug}/members/{membership.pk}/role/", {"role": "editor"}
    )
    assert response.status_code == 302
    assert messages_of(response) == [LAST_ADMIN]
    membership.refresh_from_db()
    assert membership.role == "admin"
    assert not ActivityLog.objects.exists()
    page = en_client.get(response["Location"]).content.decode()
    assert LAST_ADMIN in page


def test_last_admin_cannot_be_removed(en_client, ngo, ngo_admin, ngo_editor):
    membership = Membership.objects.get(user=ngo_admin)
    en_client.force_login(ngo_admin)
    response = en_client.post(f"/organisations/{ngo.slug}/members/{membership.pk}/remove/")
    assert response["Location"] == f"/organisations/{ngo.slug}/members/"
    assert messages_of(response) == [LAST_ADMIN_LEAVING]
    assert Membership.objects.filter(pk=membership.pk, role="admin").exists()
    assert not ActivityLog.objects.exists()


def test_last_admin_cannot_leave(en_client, ngo, ngo_admin):
    en_client.force_login(ngo_admin)
    response = en_client.post(f"/organisations/{ngo.slug}/leave/")
    assert response["Location"] == "/organisations/vrancea-civica/"
    assert messages_of(response) == [LAST_ADMIN_LEAVING]
    assert list(ngo.memberships.values_list("user_id", "role")) == [(ngo_admin.pk, "admin")]
    assert not ActivityLog.objects.exists()


def test_one_of_two_admins_can_be_demoted_then_the_other_cannot(
    en_client, ngo, ngo_admin, second_admin
):
    first = Membership.objects.get(user=ngo_admin)
    second = Membership.objects.get(user=second_admin)
    en_client.force_login(ngo_admin)
    response = en_client.post(
        f"/organisations/{ngo.slug}/members/{second.pk}/role/", {"role": "editor"}
    )
    assert messages_of(response) == ["Second Admin is now Editor."]
    en_client.get(response["Location"])  # shows (and so consumes) the message
    response = en_client.post(
        f"/organisations/{ngo.slug}/members/{first.pk}/role/", {"role": "editor"}
    )
    assert messages_of(response) == [LAST_ADMIN]
    assert sorted(ngo.memberships.values_list("user_id", "role")) == sorted(
        [(ngo_admin.pk, "admin"), (second_admin.pk, "editor")]
    )
    assert log_rows(verb="membership.role_changed") == [
        ("membership.role_changed", ngo_admin.pk, "admin", "editor")
    ]


def test_admin_with_a_second_admin_can_remove_themselves(en_client, ngo, ngo_admin, second_admin):
    membership = Membership.objects.get(user=ngo_admin)
    en_client.force_login(ngo_admin)
    response = en_client.post(f"/organisations/{ngo.slug}/members/{membership.pk}/remove/")
    assert response["Location"] == "/organisations/vrancea-civica/"
    assert list(ngo.memberships.values_list("user_id", "role")) == [(second_admin.pk, "admin")]
    assert log_rows(verb="membership.removed") == [
        ("membership.removed", ngo_admin.pk, "admin", "")
    ]


@pytest.mark.parametrize(
    ("factory", "role"),
    [(OrganizationFactory, "registrar"), (AuthorityFactory, "editor"), (OrganizationFactory, "")],
)
def test_role_change_to_a_role_not_offered_for_the_kind_is_refused(en_client, db, factory, role):
    organization = factory()
    admin = MembershipFactory(organization=organization, role="admin").user
    member_role = organization.allowed_roles()[-1]
    membership = MembershipFactory(organization=organization, role=member_role)
    en_client.force_login(admin)
    response = en_client.post(
        f"/organisations/{organization.slug}/members/{membership.pk}/role/", {"role": role}
    )
    assert response.status_code == 302
    assert messages_of(response) == ["Choose one of the roles offered."]
    membership.refresh_from_db()
    assert membership.role == member_role
    assert not ActivityLog.objects.exists()


def test_members_page_offers_only_the_roles_of_the_kind(en_client, db):
    authority = AuthorityFactory()
    admin = MembershipFactory(organization=authority, role="admin").user
    en_client.force_login(admin)
    form = en_client.get(f"/organisations/{authority.slug}/members/").context["invite_form"]
    assert form.fields["role"].choices == [("admin", "Administrator"), ("registrar", "Registrar")]
    assert form.fields["role"].initial == "registrar"


# --- Public pages ------------------------------------------------------------------------------


def test_organization_list_filters_by_name_kind_and_country(en_client, ngo):
    OrganizationFactory(name="Bulgarian Civic Forum", slug="bcf", country="BG")
    response = en_client.get("/organisations/", {"kind": "ngo", "country": "BG"})
    assert [o.slug for o in response.context["page"].object_list] == ["bcf"]
    response = en_client.get("/organisations/", {"q": "vrancea", "kind": "ngo"})
    assert [o.slug for o in response.context["page"].object_list] == ["vrancea-civica"]


def test_organization_list_ignores_malformed_filters(en_client, ngo):
    response = en_client.get("/organisations/", {"kind": "bogus", "q": "", "page": "²"})
    assert response.status_code == 200
    assert response.context["page"].paginator.count == Organization.objects.count()


def test_organization_page_shows_members_by_public_name_only(en_client, ngo, ngo_admin):
    html = en_client.get("/organisations/vrancea-civica/").content.decode()
    assert "Admin ONG — Administrator" in html
    assert ngo_admin.email not in html


# --- Query counts ------------------------------------------------------------------------------


def _queries(client, path, data=None):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path, data)
    assert response.status_code == 200
    return len(captured.captured_queries)


def test_organization_list_queries_do_not_grow_with_organisations(en_client, db):
    for n in range(3):
        MembershipFactory(organization=OrganizationFactory(name=f"Few {n}"))
    few = _queries(en_client, "/organisations/", {"kind": "ngo"})
    for n in range(27):
        MembershipFactory(
            organization=OrganizationFactory(name=f"Many {n}", verified_at=timezone.now())
        )
    many = _queries(en_client, "/organisations/", {"kind": "ngo"})
    assert Organization.objects.filter(kind="ngo").count() == 30
    assert few == many
    # The directory authorities (over a hundred) are listed in the same number of queries.
    assert _queries(en_client, "/organisations/") == few


def test_organization_page_queries_do_not_grow_with_members(en_client, ngo, ngo_admin):
    en_client.force_login(ngo_admin)
    few = _queries(en_client, "/organisations/vrancea-civica/")
    for n in range(20):
        MembershipFactory(organization=ngo, user__display_name=f"Member {n}")
    many = _queries(en_client, "/organisations/vrancea-civica/")
    assert few == many


def _log_changes(organization, admin, count):
    for n in range(count):
        member = MembershipFactory(organization=organization, user__display_name=f"Member {n}")
        activity.record(
            member.user,
            "membership.added",
            member,
            scope=organization,
            new="editor",
            data={"member": member.user_id},
        )
        activity.record(
            admin,
            "organization.changed",
            organization,
            old=f"Old {n}",
            new=f"New {n}",
            data={"field": "locality"},
        )


def test_organization_history_queries_do_not_grow_with_log_rows(en_client, ngo, ngo_admin):
    en_client.force_login(ngo_admin)
    _log_changes(ngo, ngo_admin, 2)
    response = en_client.get(f"/organisations/{ngo.slug}/history/")
    assert len(response.context["entries"]) == 4
    few = _queries(en_client, f"/organisations/{ngo.slug}/history/")
    _log_changes(ngo, ngo_admin, 40)
    response = en_client.get(f"/organisations/{ngo.slug}/history/")
    assert len(response.context["entries"]) == 50  # one page
    many = _queries(en_client, f"/organisations/{ngo.slug}/history/")
    assert few == many


def test_organization_history_shows_who_did_what(en_client, ngo, ngo_admin, ngo_editor):
    membership = Membership.objects.get(user=ngo_editor)
    en_client.force_login(ngo_admin)
    en_client.post(f"/organisations/{ngo.slug}/members/{membership.pk}/role/", {"role": "admin"})
    en_client.post(f"/organisations/{ngo.slug}/edit/", organization_data(ngo, locality="Adjud"))
    html = en_client.get(f"/organisations/{ngo.slug}/history/").content.decode()
    assert "Role changed: Editor ONG" in html
    assert "Editor → Administrator" in html
    assert "Details changed (locality)" in html
    assert "Focșani → Adjud" in html
    assert html.count("<td>Admin ONG</td>") == 2


def test_unknown_user_in_history_member_column_is_skipped(en_client, ngo, ngo_admin):
    # A log row whose member id matches nobody (e.g. data from an older version) still renders.
    activity.record(ngo_admin, "system.note", ngo, data={"member": 987654})
    en_client.force_login(ngo_admin)
    response = en_client.get(f"/organisations/{ngo.slug}/history/")
    assert response.status_code == 200
    assert response.context["entries"][0][1] is None
