"""The signed-in person's own data: profile, data export and account deletion."""

import json

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import authenticate
from django.test import Client
from django.utils import timezone, translation

from accounts import domain
from accounts.models import Invitation, Membership, Profile, User
from core.models import ActivityLog
from tests.accounts.helpers import messages_of
from tests.factories import (
    PASSWORD,
    InvitationFactory,
    MembershipFactory,
    OrganizationFactory,
    UserFactory,
)

# --- Profile -----------------------------------------------------------------------------------


def test_profile_edit_saves_every_field(en_client, user):
    en_client.force_login(user)
    response = en_client.post(
        "/accounts/profile/",
        {
            "display_name": "Ana P.",
            "locality": "Focșani",
            "region": "RO-VN",
            "respondent_category": "academia",
            "language": "bg",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == "/accounts/profile/"
    assert messages_of(response) == ["Your profile was saved."]
    profile = Profile.objects.get(user=user)
    assert (
        profile.display_name,
        profile.locality,
        profile.region,
        profile.respondent_category,
        profile.language,
    ) == ("Ana P.", "Focșani", "RO-VN", "academia", "bg")
    # A code that is not a county, a province or "another country" is refused.
    response = en_client.post(
        "/accounts/profile/",
        {"display_name": "Ana P.", "region": "RO-ZZ", "respondent_category": "academia",
         "language": "bg"},
    )  # fmt: skip
    assert response.status_code == 200
    assert response.context["form"].errors["region"] == [
        "Select a valid choice. RO-ZZ is not one of the available choices."
    ]
    assert Profile.objects.get(user=user).region == "RO-VN"


@pytest.mark.parametrize(
    ("data", "errors"),
    [
        (
            {"display_name": "Ana\x08P."},
            {
                "display_name": [
                    "This text contains control characters (such as NUL bytes); remove them."
                ]
            },
        ),
        ({"display_name": "Ana\x00"}, {"display_name": ["Null characters are not allowed."]}),
        (
            {"display_name": "A" * 81},
            {"display_name": ["Ensure this value has at most 80 characters (it has 81)."]},
        ),
        (
            {"language": "xx"},
            {"language": ["Select a valid choice. xx is not one of the available choices."]},
        ),
        (
            {"respondent_category": "lobbyist"},
            {
                "respondent_category": [
                    "Select a valid choice. lobbyist is not one of the available choices."
                ]
            },
        ),
    ],
)
def test_profile_edit_refuses_bad_input(en_client, user, data, errors):
    en_client.force_login(user)
    valid = {"display_name": "Ana", "locality": "", "respondent_category": "citizen"}
    response = en_client.post("/accounts/profile/", {**valid, "language": "ro", **data})
    assert response.status_code == 200
    assert response.context["form"].errors == errors
    profile = Profile.objects.get(user=user)
    assert (profile.display_name, profile.respondent_category) == ("Ana Popescu", "citizen")


def test_html_in_a_display_name_is_shown_as_text(en_client, ngo):
    MembershipFactory(organization=ngo, user__display_name="<script>alert(1)</script>")
    html = en_client.get("/organisations/vrancea-civica/").content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script>alert(1)" not in html


def test_public_name_never_shows_the_email(db):
    nameless = UserFactory(email="secret@example.org")
    with translation.override("en"):
        assert nameless.public_name == f"Participant #{nameless.pk}"
        assert str(nameless) == f"Participant #{nameless.pk}"
    with translation.override("ro"):
        assert nameless.public_name == f"Participant nr. {nameless.pk}"


# --- Data export -------------------------------------------------------------------------------


@pytest.fixture
def member_with_history(ngo, ngo_admin, django_capture_on_commit_callbacks):
    """Ana, who accepted an invitation to the NGO and has one more waiting elsewhere."""
    ana = UserFactory(email="ana@example.org", display_name="Ana", language="en")
    Profile.objects.filter(user=ana).update(locality="Focșani")
    with django_capture_on_commit_callbacks(execute=True):
        domain.invite_member(ngo_admin, ngo, "ana@example.org", "editor")
    invitation = Invitation.objects.get()
    domain.accept_invitation_by_id(ana, invitation.pk)
    InvitationFactory(
        organization=OrganizationFactory(name="Alt ONG"), email="ana@example.org", role="admin"
    )
    return ana


def test_data_export_downloads_everything_about_the_account(en_client, member_with_history):
    ana = member_with_history
    en_client.force_login(ana)
    response = en_client.get("/accounts/my-data/", {"download": "1"})

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response["Content-Disposition"] == (
        f'attachment; filename="consult-data-{timezone.localdate():%Y-%m-%d}.json"'
    )
    data = json.loads(response.content)
    assert list(data) == [
        "exported_at",
        "profile",
        "consents",
        "memberships",
        "invitations",
        "activity",
        "imports",
        "endorsements",
        "consultations",
        "meetings",
        "questionnaires",
        "sent_forms",
        "waiting_emails",
        "account",
    ]
    assert data["imports"] == []  # documents being imported (tests/proposals/test_import.py)
    assert data["endorsements"] == []  # tests/proposals/test_endorsements.py
    assert data["meetings"] == []  # meeting registrations (tests/consultations/test_meetings.py)
    assert data["questionnaires"] == []  # tests/consultations/test_questionnaires.py
    assert data["sent_forms"] == []  # tokens of forms sent (core.idempotency)
    assert data["waiting_emails"] == []  # tests/consultations/test_notification_queue.py
    ana.refresh_from_db()
    membership = Membership.objects.get(user=ana)
    accepted, waiting = Invitation.objects.order_by("pk")
    assert data["account"] == {
        "email": "ana@example.org",
        "date_joined": ana.date_joined.isoformat(),
        "last_login": ana.last_login.isoformat(),
        "email_addresses": [{"email": "ana@example.org", "verified": True, "primary": True}],
        "two_factor_methods": [],
    }
    assert data["profile"] == {
        "display_name": "Ana",
        "locality": "Focșani",
        "region": "",
        "respondent_category": "citizen",
        "language": "en",
    }
    assert data["memberships"] == [
        {
            "organization": "Asociația Vrancea Civică",
            "organization_slug": "vrancea-civica",
            "role": "editor",
            "since": membership.created_at.isoformat(),
        }
    ]
    assert sorted(data["invitations"], key=lambda i: i["organization"]) == [
        {
            "organization": "Alt ONG",
            "email": "ana@example.org",
            "role": "admin",
            "sent": waiting.created_at.isoformat(),
            "accepted": None,
        },
        {
            "organization": "Asociația Vrancea Civică",
            "email": "ana@example.org",
            "role": "editor",
            "sent": accepted.created_at.isoformat(),
            "accepted": accepted.accepted_at.isoformat(),
        },
    ]
    logged = ActivityLog.objects.filter(actor=ana).order_by("created_at", "id")
    assert data["activity"] == [
        {"time": entry.created_at.isoformat(), "action": entry.verb, "object": entry.target_repr}
        for entry in logged
    ]
    assert [entry["action"] for entry in data["activity"]] == [
        "invitation.accepted",
        "membership.added",
    ]


def test_data_export_contains_nothing_of_other_people(en_client, member_with_history, ngo_admin):
    en_client.force_login(ngo_admin)
    data = json.loads(en_client.get("/accounts/my-data/?download=1").content)
    assert "ana@example.org" not in json.dumps(data)
    assert data["account"]["email"] == ngo_admin.email
    assert data["invitations"] == []
    assert [entry["action"] for entry in data["activity"]] == ["invitation.sent"]


def test_data_export_page_offers_the_download(en_client, user):
    en_client.force_login(user)
    response = en_client.get("/accounts/my-data/")
    assert response["Content-Type"] == "text/html; charset=utf-8"
    assert 'href="?download=1"' in response.content.decode()


def test_data_export_sends_visitors_to_sign_in(client, db):
    response = client.get("/accounts/my-data/?download=1")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/accounts/my-data/%3Fdownload%3D1"


# --- Account deletion --------------------------------------------------------------------------


def test_account_delete_with_a_wrong_password_deletes_nothing(en_client, user):
    email = user.email
    en_client.force_login(user)
    response = en_client.post("/accounts/delete/", {"password": "not-my-password", "confirm": "on"})
    assert response.status_code == 200
    assert response.context["form"].errors == {"password": ["The password is not correct."]}
    user.refresh_from_db()
    assert (user.email, user.deleted_at, user.is_active) == (email, None, True)
    assert user.check_password(PASSWORD)
    assert EmailAddress.objects.filter(user=user).count() == 1
    assert Profile.objects.get(user=user).display_name == "Ana Popescu"
    assert not ActivityLog.objects.exists()
    assert int(en_client.session["_auth_user_id"]) == user.pk


def test_account_delete_needs_the_confirmation_box(en_client, user):
    en_client.force_login(user)
    response = en_client.post("/accounts/delete/", {"password": PASSWORD})
    assert response.context["form"].errors == {"confirm": ["This field is required."]}
    user.refresh_from_db()
    assert user.deleted_at is None


def test_account_delete_refuses_the_last_admin(en_client, ngo, ngo_admin):
    en_client.force_login(ngo_admin)
    warning = (
        "You are the only administrator of Asociația Vrancea Civică. Make another member "
        "administrator before deleting your account."
    )
    page = en_client.get("/accounts/delete/")
    assert warning in page.content.decode()
    assert "Delete my account" not in page.content.decode()

    response = en_client.post("/accounts/delete/", {"password": PASSWORD, "confirm": "on"})

    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [warning]
    ngo_admin.refresh_from_db()
    assert ngo_admin.deleted_at is None
    assert ngo_admin.is_active
    assert ngo_admin.check_password(PASSWORD)
    assert list(ngo.memberships.values_list("user_id", "role")) == [(ngo_admin.pk, "admin")]
    assert not ActivityLog.objects.exists()


@pytest.fixture
def leaving(ngo, ngo_admin):
    """Ana: editor of the NGO, one of two admins elsewhere, invited to a third organisation."""
    ana = UserFactory(email="ana@example.org", display_name="Ana Popescu")
    Profile.objects.filter(user=ana).update(
        locality="Focșani", region="RO-VN", respondent_category="academia"
    )
    EmailAddress.objects.create(user=ana, email="ana@work.example.org", verified=True)
    MembershipFactory(organization=ngo, user=ana, role="editor")
    shared = OrganizationFactory(name="Shared")
    MembershipFactory(organization=shared, user=ana, role="admin")
    MembershipFactory(organization=shared, role="admin")
    domain.update_organization(ana, shared, locality="Adjud")  # an earlier public action
    InvitationFactory(email="ana@example.org")
    InvitationFactory(email="ana@work.example.org")
    InvitationFactory(email="someone.else@example.org")
    return ana


def test_account_delete_clears_personal_data_and_keeps_the_record(en_client, ngo, leaving):
    ana = leaving
    earlier = ActivityLog.objects.get(verb="organization.changed")
    en_client.force_login(ana)
    other_browser = Client()
    other_browser.force_login(ana)

    response = en_client.post("/accounts/delete/", {"password": PASSWORD, "confirm": "on"})

    assert response.status_code == 302
    assert response["Location"] == "/"
    assert messages_of(response) == ["Your account was deleted and your personal data cleared."]
    ana = User.objects.get(pk=ana.pk)
    assert ana.email is None
    assert ana.deleted_at is not None
    assert ana.is_active is False
    assert ana.has_usable_password() is False
    assert ana.last_login is None
    assert not EmailAddress.objects.filter(user=ana).exists()
    profile = Profile.objects.get(user=ana)
    assert (profile.display_name, profile.locality, profile.region) == ("", "", "")
    assert not Membership.objects.filter(user=ana).exists()
    assert sorted(Invitation.objects.values_list("email", flat=True)) == [
        "",
        "",
        "someone.else@example.org",
    ]
    assert sorted(
        ActivityLog.objects.filter(verb="membership.left").values_list(
            "actor_id", "old_value", "data"
        )
    ) == [(ana.pk, "admin", {"member": ana.pk}), (ana.pk, "editor", {"member": ana.pk})]
    deleted = ActivityLog.objects.get(verb="account.deleted")
    assert (deleted.actor, deleted.target, deleted.target_repr) == (None, ana, "Deleted account")
    with translation.override("en"):
        assert ana.public_name == "Deleted account"
    # The public record stays: earlier log rows still point at the (now anonymous) account.
    assert ActivityLog.objects.get(pk=earlier.pk).actor_id == ana.pk

    # Signed out here and in every other browser; the address and password no longer work.
    assert "_auth_user_id" not in en_client.session
    assert en_client.get("/accounts/dashboard/").status_code == 302
    assert other_browser.get("/accounts/dashboard/").status_code == 302
    assert authenticate(email="ana@example.org", password=PASSWORD) is None
    response = en_client.post(
        "/accounts/login/", {"login": "ana@example.org", "password": PASSWORD}
    )
    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [
        "The email address and/or password you specified are not correct."
    ]
    assert "_auth_user_id" not in en_client.session


def test_deleted_account_shows_as_deleted_in_history(en_client, ngo, ngo_admin, leaving):
    en_client.force_login(leaving)
    en_client.post("/accounts/delete/", {"password": PASSWORD, "confirm": "on"})
    en_client.force_login(ngo_admin)
    html = en_client.get("/organisations/vrancea-civica/history/").content.decode()
    assert "Member left: Deleted account" in html
    assert "Ana Popescu" not in html
    assert "ana@example.org" not in html


def test_account_delete_sends_visitors_to_sign_in(client, db):
    response = client.post("/accounts/delete/", {"password": PASSWORD, "confirm": "on"})
    assert response["Location"] == "/accounts/login/?next=/accounts/delete/"
    assert not ActivityLog.objects.exists()


def test_data_export_and_deletion_ignore_unverified_addresses(en_client, ngo, outsider):
    # Anyone can add any address to their account; it is theirs only once they confirm it.
    InvitationFactory(organization=ngo, email="invitee@example.org", role="admin")
    en_client.force_login(outsider)
    response = en_client.post(
        "/accounts/email/", {"email": "invitee@example.org", "action_add": ""}
    )
    assert response.status_code == 302
    assert EmailAddress.objects.get(email="invitee@example.org").verified is False

    data = json.loads(en_client.get("/accounts/my-data/?download=1").content)
    assert data["invitations"] == []
    assert "invitee@example.org" in [a["email"] for a in data["account"]["email_addresses"]]

    en_client.post("/accounts/delete/", {"password": PASSWORD, "confirm": "on"})
    assert User.objects.get(pk=outsider.pk).is_deleted
    assert list(Invitation.objects.values_list("email", flat=True)) == ["invitee@example.org"]
