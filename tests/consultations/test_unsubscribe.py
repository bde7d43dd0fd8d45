"""Notification emails (in the recipient's language, with a working unsubscribe link) and the
unsubscribe page: confirmation on GET, applied on POST (also RFC 8058 one-click), signed out."""

import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.core import mail
from django.test import Client
from django.utils import timezone, translation
from django.utils.formats import date_format

from consultations import domain, notifications
from consultations.models import Follow, ReplyOptOut, StageComment
from core import mail as core_mail
from tests.consultations.conftest import add_written_stage
from tests.consultations.page_helpers import comment, page_text
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

REPLY_SUBJECT = "%(author)s replied to your comment on “%(title)s”"


def _link(body, path_prefix):
    """The path of the first link in `body` that starts with SITE_URL + `path_prefix`."""
    match = re.search(re.escape(settings.SITE_URL) + r"(" + re.escape(path_prefix) + r"\S*)", body)
    assert match, body
    return match.group(1)


def _reply_by_page(client, author, parent, text, capture):
    client.force_login(author)
    with capture(execute=True):
        response = client.post(f"/comments/{parent.pk}/reply/", {"text": text})
    assert response.status_code == 302
    return StageComment.objects.get(comment=text)


@pytest.mark.parametrize("language", ["ro", "bg", "en"])
def test_reply_email_goes_to_the_parent_author_in_their_language(
    open_stage, citizen2, language, django_capture_on_commit_callbacks
):
    recipient = UserFactory(display_name="Elena", language=language, email="elena@example.org")
    parent = comment(recipient, open_stage, text="Comentariul Elenei")
    mail.outbox.clear()
    reply = _reply_by_page(
        Client(), citizen2, parent, "Răspunsul Mariei", django_capture_on_commit_callbacks
    )
    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    assert email.to == ["elena@example.org"]
    with translation.override(language):
        expected_subject = translation.gettext(REPLY_SUBJECT) % {
            "author": "Maria Enache",
            "title": "Modificarea Legii nr. 350/2005",
        }
        # Django's own catalogues: month names and date layout are the recipient's.
        expected_date = date_format(
            timezone.localtime(reply.submit_date, open_stage.consultation.organization.zone),
            "DATETIME_FORMAT",
        )
    assert email.subject == expected_subject
    assert expected_date in email.body
    assert "Răspunsul Mariei" in email.body
    assert f"{settings.SITE_URL}/comments/{reply.pk}/" in email.body
    unsubscribe = _link(email.body, "/unsubscribe/")
    assert email.extra_headers["List-Unsubscribe"] == f"<{settings.SITE_URL}{unsubscribe}>"
    assert email.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_reply_email_unsubscribe_link_stops_reply_emails(
    open_stage, citizen, citizen2, django_capture_on_commit_callbacks
):
    parent = comment(citizen, open_stage, text="Părinte")
    mail.outbox.clear()
    _reply_by_page(Client(), citizen2, parent, "Primul răspuns", django_capture_on_commit_callbacks)
    unsubscribe = _link(mail.outbox[0].body, "/unsubscribe/")
    visitor = Client()  # signed out, as when the link is opened from a mail client
    visitor.cookies["consult_language"] = "en"
    response = visitor.get(unsubscribe)
    assert response.status_code == 200
    assert "Stop receiving emails when someone replies to your comments?" in page_text(response)
    assert not ReplyOptOut.objects.exists()
    response = visitor.post(unsubscribe)
    assert response.status_code == 200
    assert "You will no longer receive emails about replies to your comments." in page_text(
        response
    )
    assert ReplyOptOut.objects.get().user == citizen
    mail.outbox.clear()
    _reply_by_page(
        Client(), citizen2, parent, "Al doilea răspuns", django_capture_on_commit_callbacks
    )
    assert mail.outbox == []


def test_no_reply_email_for_replying_to_oneself(
    open_stage, citizen, django_capture_on_commit_callbacks
):
    parent = comment(citizen, open_stage)
    mail.outbox.clear()
    _reply_by_page(Client(), citizen, parent, "Îmi răspund", django_capture_on_commit_callbacks)
    assert mail.outbox == []


def test_follow_unsubscribe_confirms_then_stops_the_consultations_emails(
    en_client, consultation, citizen
):
    domain.follow(citizen, consultation)
    url = f"/unsubscribe/{notifications.unsubscribe_token(citizen.pk, 'follow', consultation.pk)}/"
    response = en_client.get(url)
    assert "Stop receiving emails about “Consultare publică Legea 350”" in page_text(response)
    assert Follow.objects.filter(user=citizen).exists()
    response = en_client.post(url)
    assert response.status_code == 200
    assert "You will no longer receive emails about “Consultare publică Legea 350”." in page_text(
        response
    )
    assert not Follow.objects.filter(user=citizen).exists()
    # The creator's own follow is untouched; doing it again is harmless.
    assert Follow.objects.filter(consultation=consultation).count() == 1
    assert en_client.post(url).status_code == 200


def test_one_click_unsubscribe_without_csrf_token_or_cookies(consultation, citizen):
    domain.follow(citizen, consultation)
    token = notifications.unsubscribe_token(citizen.pk, notifications.FOLLOW, consultation.pk)
    mail_client = Client(enforce_csrf_checks=True)
    response = mail_client.post(
        f"/unsubscribe/{token}/",
        "List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 200
    assert not Follow.objects.filter(user=citizen).exists()


@pytest.mark.parametrize("token", ["nonsense", "eyJ1IjoxfQ:1abc:xyz"])
def test_invalid_unsubscribe_token_gives_400_with_a_message(en_client, token):
    response = en_client.get(f"/unsubscribe/{token}/")
    assert response.status_code == 400
    assert "This unsubscribe link is not valid" in page_text(response)
    assert en_client.post(f"/unsubscribe/{token}/").status_code == 400
    assert not ReplyOptOut.objects.exists()


def test_tampered_token_is_refused(en_client, citizen, citizen2):
    token = notifications.unsubscribe_token(citizen.pk, notifications.REPLIES)
    forged = token.replace(
        token.split(":")[0], notifications.unsubscribe_token(citizen2.pk, "replies").split(":")[0]
    )
    assert en_client.post(f"/unsubscribe/{forged}/").status_code == 400
    assert not ReplyOptOut.objects.exists()


def test_unsubscribe_for_a_deleted_account_is_harmless(en_client):
    token = notifications.unsubscribe_token(987654, notifications.REPLIES)
    response = en_client.post(f"/unsubscribe/{token}/")
    assert response.status_code == 200
    assert not ReplyOptOut.objects.exists()


# --- The followers' emails render with the page and unsubscribe links --------------------------


def _emails_for(kind, pk):
    return {
        recipient: (subject, body)
        for recipient, subject, body, _headers in core_mail.build(
            f"consultations.{kind}", {"pk": pk}
        )
    }


def test_stage_emails_render_for_followers(editor, consultation, citizen):
    citizen.profile.language = "en"
    citizen.profile.save()
    domain.follow(citizen, consultation)
    now = timezone.now()
    stage = add_written_stage(editor, consultation, opens_at=now - timedelta(minutes=1), now=now)
    emails = _emails_for("stage_opened", stage.pk)
    subject, body = emails[citizen.email]
    assert subject == "Open for comments: “Recomandări scrise” — Modificarea Legii nr. 350/2005"
    assert f"{settings.SITE_URL}/proposals/legea-350/consultation/stages/1/" in body
    assert _link(body, "/unsubscribe/")
    assert "You receive this email because you follow “Consultare publică Legea 350”" in body
    for kind in ("stage_closed", "stage_cancelled"):
        if kind == "stage_cancelled":
            domain.cancel_stage(editor, stage, "Motivul anulării.")
        subject, body = _emails_for(kind, stage.pk)[citizen.email]
        assert "Recomandări scrise" in subject
        assert _link(body, "/unsubscribe/")
    assert "Motivul anulării." in body


def test_new_revision_email_links_the_comparison(editor, consultation, citizen):
    from tests.helpers import save, text_block

    citizen.profile.language = "en"
    citizen.profile.save()
    domain.follow(citizen, consultation)
    now = timezone.now()
    add_written_stage(
        editor, consultation, opens_at=now - timedelta(days=12), now=now - timedelta(days=13)
    )
    proposal = consultation.proposal
    save(
        editor,
        proposal,
        [text_block(b["key"], "Nou " + b["text"]) for b in proposal.current_revision.blocks],
    )
    proposal.refresh_from_db()
    second = add_written_stage(
        editor, consultation, opens_at=now - timedelta(minutes=1), now=now, title="A doua etapă"
    )
    subject, body = _emails_for("stage_opened", second.pk)[citizen.email]
    assert subject == "Revision 3 of “Modificarea Legii nr. 350/2005” is open for comments"
    assert f"{settings.SITE_URL}/proposals/legea-350/compare/2/3/" in body
    assert "(the previous stage debated revision 2)" in body
