"""Without a broker (the embedded default), emails are sent in the request's process: a mail
server that refuses them or cannot be reached never fails the page that sent them. The page
says so, the error is logged, and what the person did is kept."""

import logging

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend

from accounts import domain
from accounts.models import Invitation
from core import mail as mail_module
from tests.accounts.helpers import messages_of, sign_up_data

tried = []


class DownBackend(EmailBackend):
    """A mail server that cannot be reached."""

    def send_messages(self, messages):
        tried.extend(message.to[0] for message in messages)
        raise ConnectionRefusedError("the mail server is down")


@pytest.fixture
def server_down(settings):
    assert settings.CELERY_TASK_ALWAYS_EAGER  # no broker: tasks run in process
    settings.EMAIL_BACKEND = f"{__name__}.DownBackend"
    tried.clear()
    yield tried
    tried.clear()


def test_a_password_reset_with_the_mail_server_down_says_so(en_client, user, server_down, caplog):
    with caplog.at_level(logging.ERROR, logger="core.mail"):
        response = en_client.post("/accounts/password/reset/", {"email": user.email})
    assert response.status_code == 302
    assert response["Location"] == "/accounts/password/reset/done/"
    assert messages_of(response) == [
        "The email could not be sent just now. Please try again in a few minutes."
    ]
    assert server_down == [user.email]  # tried once, not retried in the request
    assert mail.outbox == []
    # No address and no answer of the server in the log (it may quote the email's link).
    assert [r.getMessage() for r in caplog.records] == [
        "An email (1 recipient(s)) could not be sent: ConnectionRefusedError, SMTP code None."
    ]


def test_a_sign_up_with_the_mail_server_down_keeps_the_account_and_says_so(
    en_client, db, server_down
):
    response = en_client.post(
        "/accounts/signup/", sign_up_data("new@example.org", "a-long-secret-99")
    )
    assert response.status_code == 302
    assert response["Location"] == "/accounts/confirm-email/"
    # Not allauth's "Confirmation email sent": it was not.
    assert messages_of(response) == [
        "The email could not be sent just now. Please try again in a few minutes."
    ]
    assert list(EmailAddress.objects.values_list("email", "verified")) == [
        ("new@example.org", False)
    ]
    assert server_down == ["new@example.org"]


def test_an_invitation_with_the_mail_server_down_is_kept_and_its_address_collected(
    ngo, ngo_admin, server_down, django_capture_on_commit_callbacks
):
    """The members page wraps the command in `mail.undelivered()` and, when the address comes
    back, says the invitation was saved but its email not sent (the commit, and so the email,
    happen inside the command outside tests)."""
    with mail_module.undelivered() as refused, django_capture_on_commit_callbacks(execute=True):
        invitation = domain.invite_member(
            ngo_admin, ngo, "colleague@example.org", "editor", base_url="http://testserver/"
        )
    assert refused == ["colleague@example.org"]
    assert server_down == ["colleague@example.org"]
    assert Invitation.objects.get() == invitation and invitation.is_pending
    assert mail.outbox == []
    # Outside the block nothing is collected.
    with django_capture_on_commit_callbacks(execute=True):
        domain.invite_member(
            ngo_admin, ngo, "other@example.org", "editor", base_url="http://testserver/"
        )
    assert refused == ["colleague@example.org"]
