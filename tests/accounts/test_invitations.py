"""Inviting people into an organisation by email, and accepting with the link or the dashboard."""

import hashlib
import re
from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.formats import date_format

from accounts.adapter import PENDING_INVITATION_KEY
from accounts.models import Invitation, Membership
from core.models import ActivityLog
from tests.accounts.helpers import link_in, log_rows, messages_of, only_email, sign_up_data
from tests.factories import InvitationFactory, MembershipFactory, OrganizationFactory, UserFactory

TOKEN = "a-test-token-of-an-invitation"
LINK = f"/invitations/{TOKEN}/"


@pytest.fixture
def invitee(db):
    return UserFactory(email="invitee@example.org", display_name="Invitee")


@pytest.fixture
def invitation(ngo, ngo_admin):
    return InvitationFactory(
        organization=ngo,
        email="invitee@example.org",
        role="editor",
        token=TOKEN,
        invited_by=ngo_admin,
    )


def invite(client, organization, email, role, capture):
    with capture(execute=True):
        return client.post(
            f"/organisations/{organization.slug}/members/", {"email": email, "role": role}
        )


def expected_email(invitation, url, language, has_account):
    """The invitation email as its templates render in `language`."""
    with translation.override(language):
        context = {
            "organization": invitation.organization,
            "inviter": invitation.invited_by.public_name,
            "role": str(invitation.get_role_display()),
            "url": url,
            "expires_at": invitation.expires_at,
            "has_account": has_account,
        }
        subject = render_to_string("accounts/email/invitation_subject.txt", context)
        body = render_to_string("accounts/email/invitation_body.txt", context)
    return " ".join(subject.split()), body


def expiry_in(language, invitation):
    with translation.override(language):
        return date_format(timezone.localtime(invitation.expires_at), "DATETIME_FORMAT")


# --- Sending -----------------------------------------------------------------------------------


def test_invite_sends_one_email_with_a_single_use_link(
    en_client, ngo, ngo_admin, django_capture_on_commit_callbacks
):
    en_client.force_login(ngo_admin)
    response = invite(
        en_client, ngo, " Colleague@Example.org ", "editor", django_capture_on_commit_callbacks
    )

    invitation = Invitation.objects.get()
    assert response.status_code == 302
    assert response["Location"] == "/organisations/vrancea-civica/members/"
    expiry = timezone.localtime(invitation.expires_at).strftime("%d.%m.%Y")
    assert messages_of(response) == [
        f"An invitation was sent to colleague@example.org. It expires on {expiry}."
    ]
    assert (invitation.email, invitation.role, invitation.invited_by) == (
        "colleague@example.org",
        "editor",
        ngo_admin,
    )
    assert (invitation.accepted_at, invitation.revoked_at) == (None, None)
    assert abs(invitation.expires_at - (timezone.now() + timedelta(days=7))) < timedelta(minutes=1)

    message = only_email()
    assert message.to == ["colleague@example.org"]
    path = link_in(message, "/invitations/")
    assert re.fullmatch(r"/invitations/[A-Za-z0-9_-]{43}/", path)
    assert f"http://testserver{path}" in message.body
    token = path.split("/")[2]
    # Only the SHA-256 of the token is stored; the token itself lives only in the email.
    assert invitation.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in str(list(Invitation.objects.values_list()))
    assert token not in str(list(ActivityLog.objects.values_list()))

    assert log_rows(verb="invitation.sent") == [("invitation.sent", ngo_admin.pk, "", "editor")]
    assert ActivityLog.objects.get().data == {"invitation": invitation.pk}
    assert ActivityLog.objects.get().target == invitation


@pytest.mark.parametrize(
    ("country", "account_language", "language"),
    [
        ("RO", None, "ro"),
        ("BG", None, "bg"),
        ("RO", "en", "en"),
        ("RO", "bg", "bg"),
        ("BG", "ro", "ro"),
    ],
)
def test_invite_email_is_in_the_invitees_language(
    en_client, db, country, account_language, language, django_capture_on_commit_callbacks
):
    organization = OrganizationFactory(country=country, name="Civic Sofia-Focșani")
    admin = MembershipFactory(organization=organization, role="admin", user__display_name="Boss")
    if account_language:
        UserFactory(email="colleague@example.org", language=account_language)
    en_client.force_login(admin.user)

    invite(
        en_client,
        organization,
        "colleague@example.org",
        "admin",
        django_capture_on_commit_callbacks,
    )

    invitation = Invitation.objects.get()
    message = only_email()
    url = f"http://testserver{link_in(message, '/invitations/')}"
    subject, body = expected_email(invitation, url, language, has_account=bool(account_language))
    assert message.subject == subject
    assert message.body == body
    assert "Boss" in body
    # The expiry date is written the way the chosen language writes dates, in no other way.
    for other in {"ro", "bg", "en"} - {language}:
        assert expiry_in(other, invitation) != expiry_in(language, invitation)
        assert expiry_in(other, invitation) not in message.body
    assert expiry_in(language, invitation) in message.body


def test_invite_tells_people_with_an_account_to_sign_in(
    en_client, ngo, ngo_admin, invitee, django_capture_on_commit_callbacks
):
    en_client.force_login(ngo_admin)
    invite(en_client, ngo, "invitee@example.org", "editor", django_capture_on_commit_callbacks)
    body = only_email().body
    with translation.override(invitee.profile.language):
        assert str(translation.gettext("Sign in with this email address to accept.")) in body


def test_invite_of_a_pending_address_is_a_form_error(
    en_client, ngo, ngo_admin, django_capture_on_commit_callbacks
):
    en_client.force_login(ngo_admin)
    invite(en_client, ngo, "colleague@example.org", "editor", django_capture_on_commit_callbacks)
    response = invite(
        en_client, ngo, "COLLEAGUE@example.org", "admin", django_capture_on_commit_callbacks
    )
    assert response.status_code == 200
    assert response.context["invite_form"].non_field_errors() == [
        "colleague@example.org already has a pending invitation; revoke it to send a new one."
    ]
    assert list(Invitation.objects.values_list("email", "role")) == [
        ("colleague@example.org", "editor")
    ]
    assert len(mail.outbox) == 1
    assert ActivityLog.objects.filter(verb="invitation.sent").count() == 1


def test_invite_of_a_member_is_a_form_error(
    en_client, ngo, ngo_admin, ngo_editor, django_capture_on_commit_callbacks
):
    en_client.force_login(ngo_admin)
    response = invite(en_client, ngo, ngo_editor.email, "admin", django_capture_on_commit_callbacks)
    assert response.context["invite_form"].non_field_errors() == [
        f"{ngo_editor.email} is already a member."
    ]
    assert not Invitation.objects.exists()
    assert mail.outbox == []


@pytest.mark.parametrize(
    ("email", "role", "errors"),
    [
        ("not-an-address", "editor", {"email": ["Enter a valid email address."]}),
        (
            "someone@example.org",
            "registrar",
            {"role": ["Select a valid choice. registrar is not one of the available choices."]},
        ),
        (
            "a" * 64 + "@" + ".".join(["b" * 60] * 4) + ".org",
            "editor",
            {"email": ["Ensure this value has at most 254 characters (it has 312)."]},
        ),
        (
            "a\x00b@example.org",
            "editor",
            {"email": ["Enter a valid email address.", "Null characters are not allowed."]},
        ),
    ],
)
def test_invite_form_refuses_bad_input(
    en_client, ngo, ngo_admin, email, role, errors, django_capture_on_commit_callbacks
):
    en_client.force_login(ngo_admin)
    response = invite(en_client, ngo, email, role, django_capture_on_commit_callbacks)
    assert response.status_code == 200
    assert response.context["invite_form"].errors == errors
    assert not Invitation.objects.exists()
    assert mail.outbox == []


# --- Accepting with the link -------------------------------------------------------------------


def test_invitation_accepted_with_the_link(en_client, ngo, invitation, invitee):
    en_client.force_login(invitee)
    page = en_client.get(LINK)
    html = page.content.decode()
    assert page.status_code == 200
    assert "You are invited to join Asociația Vrancea Civică as Editor." in html
    assert "Accept the invitation" in html

    response = en_client.post(LINK)

    assert response.status_code == 302
    assert response["Location"] == "/organisations/vrancea-civica/"
    assert messages_of(response) == ["Welcome to Asociația Vrancea Civică! You joined as Editor."]
    assert list(Membership.objects.filter(user=invitee).values_list("organization", "role")) == [
        (ngo.pk, "editor")
    ]
    invitation.refresh_from_db()
    assert invitation.accepted_at is not None
    assert invitation.accepted_by == invitee
    assert log_rows(scope_id=str(ngo.pk)) == [
        ("invitation.accepted", invitee.pk, "", ""),
        ("membership.added", invitee.pk, "", "editor"),
    ]
    assert PENDING_INVITATION_KEY not in en_client.session


def test_invitation_link_used_twice_is_refused(en_client, ngo, invitation, invitee):
    en_client.force_login(invitee)
    en_client.post(LINK)
    en_client.get("/organisations/vrancea-civica/")  # shows the welcome message
    accepted_at = Invitation.objects.get().accepted_at

    response = en_client.post(LINK)

    assert response.status_code == 200
    assert messages_of(response) == ["This invitation has already been used."]
    assert "This invitation has already been used." in response.content.decode()
    assert Membership.objects.filter(user=invitee).count() == 1
    assert Invitation.objects.get().accepted_at == accepted_at
    assert ActivityLog.objects.filter(verb="invitation.accepted").count() == 1


@pytest.mark.parametrize(
    ("values", "problem"),
    [
        (
            {"expires_at": timezone.now() - timedelta(minutes=1)},
            "This invitation has expired. Ask the organisation to send a new one.",
        ),
        ({"revoked_at": timezone.now()}, "This invitation was withdrawn by the organisation."),
        ({"accepted_at": timezone.now()}, "This invitation has already been used."),
    ],
)
def test_invitation_no_longer_pending_is_refused(en_client, ngo, invitee, values, problem):
    InvitationFactory(organization=ngo, email=invitee.email, token=TOKEN, **values)
    en_client.force_login(invitee)

    page = en_client.get(LINK)
    assert page.status_code == 200
    assert problem in page.content.decode()
    assert "Accept the invitation" not in page.content.decode()

    response = en_client.post(LINK)
    assert messages_of(response) == [problem]
    assert not Membership.objects.filter(user=invitee).exists()
    assert not ActivityLog.objects.exists()


# (An address holding "%00" is the site's own 404 page, before any view: tests/core/test_params.py.)
@pytest.mark.parametrize("token", ["not-a-real-token", "x" * 200, "%E2%80%AE%E2%80%8B"])
def test_invitation_with_a_garbage_token_is_404(en_client, invitee, invitation, token):
    problem = "This invitation link is not valid. Check that you copied the whole link."
    page = en_client.get(f"/invitations/{token}/")
    assert page.status_code == 404
    assert problem in page.content.decode()

    en_client.force_login(invitee)
    response = en_client.post(f"/invitations/{token}/")
    assert response.status_code == 404
    assert messages_of(response) == [problem]
    assert not Membership.objects.filter(user=invitee).exists()
    assert Invitation.objects.get().accepted_at is None


def test_invitation_for_another_address_is_refused_naming_it(en_client, invitation, outsider):
    problem = (
        "This invitation was sent to invitee@example.org. Sign in with that address (or add and "
        "verify it in your account) to accept it."
    )
    en_client.force_login(outsider)
    page = en_client.get(LINK)
    assert problem in page.content.decode()
    assert "Accept the invitation" not in page.content.decode()

    response = en_client.post(LINK)
    assert messages_of(response) == [problem]
    assert not Membership.objects.filter(user=outsider).exists()
    assert Invitation.objects.get().accepted_at is None


def test_invitation_needs_the_address_verified(en_client, ngo, invitation, outsider):
    address = EmailAddress.objects.create(
        user=outsider, email="invitee@example.org", verified=False, primary=False
    )
    en_client.force_login(outsider)
    response = en_client.post(LINK)
    assert messages_of(response)[0].startswith("This invitation was sent to invitee@example.org.")
    assert not Membership.objects.filter(user=outsider).exists()

    address.verified = True
    address.save()
    response = en_client.post(LINK)
    assert response["Location"] == "/organisations/vrancea-civica/"
    assert Membership.objects.get(user=outsider).role == "editor"


def test_invitation_for_a_member_is_refused(en_client, ngo, ngo_editor):
    InvitationFactory(organization=ngo, email=ngo_editor.email, role="admin", token=TOKEN)
    en_client.force_login(ngo_editor)
    response = en_client.post(LINK)
    assert messages_of(response) == ["You are already a member of Asociația Vrancea Civică."]
    assert Membership.objects.get(user=ngo_editor).role == "editor"
    assert Invitation.objects.get().accepted_at is None
    assert not ActivityLog.objects.exists()


def test_invitation_posted_by_a_visitor_asks_to_sign_in(client, invitation):
    response = client.post(LINK)
    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={LINK}"
    assert client.session["pending_invitation"] == TOKEN
    assert Invitation.objects.get().accepted_at is None


# --- Arriving signed out -----------------------------------------------------------------------


def test_invitation_opened_signed_out_is_remembered(en_client, invitation):
    page = en_client.get(LINK)
    assert page.status_code == 200
    assert (
        "Create an account with invitee@example.org to accept. After you confirm your address "
        "you will come back here." in page.content.decode()
    )
    assert en_client.session[PENDING_INVITATION_KEY] == TOKEN


@pytest.mark.parametrize("token", [TOKEN, "not-a-real-token"])
def test_invitation_not_pending_is_not_remembered(en_client, ngo, token):
    InvitationFactory(organization=ngo, token=TOKEN, revoked_at=timezone.now())
    en_client.get(f"/invitations/{token}/")
    assert PENDING_INVITATION_KEY not in en_client.session


def test_invitation_opened_signed_out_returns_there_after_sign_in(
    en_client, ngo, invitation, invitee
):
    from tests.factories import PASSWORD

    page = en_client.get(LINK)
    assert "Sign in with invitee@example.org to accept." in page.content.decode()

    response = en_client.post(
        "/accounts/login/", {"login": "invitee@example.org", "password": PASSWORD}
    )
    assert response.status_code == 302
    assert response["Location"] == LINK
    assert PENDING_INVITATION_KEY not in en_client.session

    response = en_client.post(LINK)
    assert response["Location"] == "/organisations/vrancea-civica/"
    assert Membership.objects.get(user=invitee).role == "editor"


def _sign_up_and_confirm(client, email):
    """Sign up as a new person and confirm the address with the emailed link."""
    response = client.post(
        "/accounts/signup/",
        sign_up_data(email),
    )
    assert response.status_code == 302
    assert response["Location"] == "/accounts/confirm-email/"
    confirm = [m for m in mail.outbox if m.to == [email]]
    assert len(confirm) == 1
    path = link_in(confirm[0], "/accounts/confirm-email/")
    page = client.get(path)
    assert page.status_code == 200
    # The form posts to a confirmation address of its own (allauth signs a fresh timestamp
    # into it, so it differs from the emailed one when a second ticks over).
    assert 'action="/accounts/confirm-email/' in page.content.decode()
    assert not EmailAddress.objects.get(email=email).verified
    response = client.post(path)
    assert EmailAddress.objects.get(email=email).verified
    return response


def test_invitation_signup_then_confirm_then_accept(en_client, ngo, ngo_admin):
    InvitationFactory(organization=ngo, email="newcomer@example.org", token=TOKEN)
    en_client.get(LINK)
    assert en_client.session[PENDING_INVITATION_KEY] == TOKEN

    response = _sign_up_and_confirm(en_client, "newcomer@example.org")

    assert response.status_code == 302
    newcomer = EmailAddress.objects.get(email="newcomer@example.org").user
    assert int(en_client.session["_auth_user_id"]) == newcomer.pk
    page = en_client.get(LINK)
    assert "Accept the invitation" in page.content.decode()
    response = en_client.post(LINK)
    assert response["Location"] == "/organisations/vrancea-civica/"
    assert Membership.objects.get(user=newcomer).role == "editor"
    assert Invitation.objects.get().accepted_by == newcomer
    assert PENDING_INVITATION_KEY not in en_client.session


def test_invitation_signup_then_confirm_returns_to_the_invitation(en_client, ngo):
    InvitationFactory(organization=ngo, email="newcomer@example.org", token=TOKEN)
    en_client.get(LINK)
    response = _sign_up_and_confirm(en_client, "newcomer@example.org")
    assert response["Location"] == LINK


# --- Accepting from the dashboard --------------------------------------------------------------


def test_dashboard_lists_invitations_for_the_addressee_only(
    en_client, invitation, invitee, outsider
):
    expected = "Asociația Vrancea Civică invites you as Editor."
    en_client.force_login(invitee)
    assert expected in en_client.get("/accounts/dashboard/").content.decode()
    en_client.force_login(outsider)
    assert expected not in en_client.get("/accounts/dashboard/").content.decode()


def test_dashboard_accept_by_the_addressee(en_client, ngo, invitation, invitee):
    en_client.force_login(invitee)
    response = en_client.post(f"/accounts/invitations/{invitation.pk}/accept/")
    assert response["Location"] == "/organisations/vrancea-civica/"
    assert messages_of(response) == ["Welcome to Asociația Vrancea Civică! You joined as Editor."]
    assert Membership.objects.get(user=invitee).role == "editor"
    invitation.refresh_from_db()
    assert invitation.accepted_by == invitee
    assert log_rows(scope_id=str(ngo.pk)) == [
        ("invitation.accepted", invitee.pk, "", ""),
        ("membership.added", invitee.pk, "", "editor"),
    ]
    assert "invites you as" not in en_client.get("/accounts/dashboard/").content.decode()


def test_dashboard_accept_by_someone_else_is_404_and_names_nobody(
    en_client, invitation, outsider, ngo_admin
):
    for person in [outsider, ngo_admin]:
        en_client.force_login(person)
        response = en_client.post(f"/accounts/invitations/{invitation.pk}/accept/")
        assert response.status_code == 404
        assert "invitee@example.org" not in response.content.decode()
        assert messages_of(response) == []
    assert Membership.objects.filter(user=outsider).count() == 0
    invitation.refresh_from_db()
    assert (invitation.accepted_at, invitation.accepted_by) == (None, None)
    assert not ActivityLog.objects.exists()


def test_dashboard_accept_of_an_expired_invitation_is_refused(en_client, ngo, invitee):
    expired = InvitationFactory(
        organization=ngo, email=invitee.email, expires_at=timezone.now() - timedelta(days=1)
    )
    en_client.force_login(invitee)
    response = en_client.post(f"/accounts/invitations/{expired.pk}/accept/")
    assert response["Location"] == "/accounts/dashboard/"
    assert messages_of(response) == [
        "This invitation has expired. Ask the organisation to send a new one."
    ]
    assert not Membership.objects.filter(user=invitee).exists()


def test_dashboard_accept_needs_post_and_a_signed_in_user(client, invitation, invitee):
    url = f"/accounts/invitations/{invitation.pk}/accept/"
    response = client.post(url)
    assert response["Location"] == f"/accounts/login/?next={url}"
    client.force_login(invitee)
    assert client.get(url).status_code == 405
    assert client.post("/accounts/invitations/999999/accept/").status_code == 404
    assert not Membership.objects.filter(user=invitee).exists()
