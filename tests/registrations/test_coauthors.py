"""Submission emails reach every author of the proposal: the editors and admins of the sending
organisation and of each organisation co-authoring it, each person once, in their own
language; the authority's registrars read who co-signed, and so does the submission's page."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import lxml.html
import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile

from proposals import coauthors
from registrations import domain as registration
from tests.factories import MembershipFactory, OrganizationFactory
from tests.helpers import add_coauthor, submit

pytestmark = pytest.mark.django_db

SENT = datetime(2026, 1, 29, 10, 0, tzinfo=ZoneInfo("Europe/Bucharest"))
JOINED = SENT - timedelta(days=2)  # when the co-authors answered (before any submission)
SUBJECTS = {
    "ro": "Propunere depusă la autoritatea publică ({code})",
    "bg": "Предложението е внесено в публичния орган ({code})",
    "en": "Proposal submitted to the authority ({code})",
}


@pytest.fixture
def authors(published, ngo, ngo_editor, ngo_admin, registrar):
    """`published` co-authored by AMR (a Bulgarian-reading admin, an English-reading editor, and
    the owner's editor, who edits for both); Funky Citizens declined, Expert Forum was removed;
    all of it two days before `SENT`."""
    amr = OrganizationFactory(name="Asociația Municipiilor din România", slug="amr")
    amr_admin = MembershipFactory(
        organization=amr, role="admin", user__email="admin@amr.example.org", user__language="bg"
    ).user
    amr_editor = MembershipFactory(
        organization=amr, role="editor", user__email="ed@amr.example.org", user__language="en"
    ).user
    MembershipFactory(organization=amr, role="editor", user=ngo_editor)
    add_coauthor(ngo_editor, published, amr, amr_admin, now=JOINED)
    declined = OrganizationFactory(name="Funky Citizens", slug="funky")
    declined_admin = MembershipFactory(
        organization=declined, role="admin", user__email="admin@funky.example.org"
    ).user
    coauthors.decline_coauthorship(
        declined_admin,
        coauthors.invite_coauthor(ngo_editor, published, declined, now=JOINED),
        now=JOINED,
    )
    removed = OrganizationFactory(name="Expert Forum", slug="expert-forum")
    removed_admin = MembershipFactory(
        organization=removed, role="admin", user__email="admin@ef.example.org"
    ).user
    coauthors.remove_coauthor(
        ngo_editor,
        add_coauthor(ngo_editor, published, removed, removed_admin, now=JOINED),
        now=JOINED + timedelta(hours=1),
    )
    return {"admin": amr_admin, "editor": amr_editor}


def register(registrar, submission):
    return registration.register_submission(
        registrar,
        submission,
        number="1024",
        registration_date=date(2026, 1, 30),
        today=date(2026, 2, 2),
    )


def recipients():
    return sorted(address for message in mail.outbox for address in message.to)


def test_submission_receipt_reaches_every_authors_people_once_in_their_language(
    published, ngo_editor, ngo_admin, registrar, authors, django_capture_on_commit_callbacks
):
    profile = registrar.profile
    profile.language = "en"
    profile.save()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        submission = submit(ngo_editor, published)

    received = [message for message in mail.outbox if message.to == [registrar.email]]
    submitted = [message for message in mail.outbox if message.to != [registrar.email]]
    assert sorted(message.to[0] for message in submitted) == sorted(
        [ngo_editor.email, ngo_admin.email, "admin@amr.example.org", "ed@amr.example.org"]
    )
    subjects = {message.to[0]: message.subject for message in submitted}
    code = submission.tracking_code
    assert subjects == {
        ngo_editor.email: SUBJECTS["ro"].format(code=code),
        ngo_admin.email: SUBJECTS["ro"].format(code=code),
        "admin@amr.example.org": SUBJECTS["bg"].format(code=code),
        "ed@amr.example.org": SUBJECTS["en"].format(code=code),
    }
    # The authority's registrar is told who sent it and who co-signed it (not who declined or
    # was removed).
    (message,) = received
    assert "Asociația Vrancea Civică submitted" in message.body
    assert "Co-signed by: Asociația Municipiilor din România\n" in message.body
    assert "Funky Citizens" not in message.body and "Expert Forum" not in message.body


def test_registration_and_answer_reach_every_author(
    published, ngo_editor, ngo_admin, registrar, authors, django_capture_on_commit_callbacks
):
    submission = submit(ngo_editor, published, now=SENT)
    everyone = sorted(
        [ngo_editor.email, ngo_admin.email, "admin@amr.example.org", "ed@amr.example.org"]
    )
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        register(registrar, submission)
    assert recipients() == everyone
    bulgarian = next(m for m in mail.outbox if m.to == ["admin@amr.example.org"])
    assert "2 март 2026 г." in bulgarian.body

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        registration.answer_submission(
            registrar,
            submission,
            answer_status="accepted",
            text="Acceptăm propunerea.",
            answered_on=date(2026, 2, 20),
            today=date(2026, 2, 20),
        )
    assert recipients() == everyone


def test_organisation_joining_after_the_sending_is_not_told_of_the_answer(
    published, ngo_editor, ngo_admin, registrar, authors, django_capture_on_commit_callbacks
):
    """The emails go to who co-signed (as their text says), not to who co-authors it today."""
    submission = submit(ngo_editor, published, now=SENT)
    late = OrganizationFactory(name="Centrul pentru Inovare Publică", slug="cip")
    late_admin = MembershipFactory(
        organization=late, role="admin", user__email="admin@cip.example.org"
    ).user
    add_coauthor(ngo_editor, published, late, late_admin, now=SENT + timedelta(days=3))
    assert published.authors[-1] == late
    register(registrar, submission)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        registration.answer_submission(
            registrar,
            submission,
            answer_status="accepted",
            text="Acceptăm propunerea.",
            answered_on=date(2026, 2, 20),
            today=date(2026, 2, 20),
        )
    assert recipients() == sorted(
        [ngo_editor.email, ngo_admin.email, "admin@amr.example.org", "ed@amr.example.org"]
    )
    assert all("Centrul pentru Inovare Publică" not in m.body for m in mail.outbox)


def test_overdue_reminder_reaches_every_author_once(
    published, ngo_editor, ngo_admin, registrar, authors, django_capture_on_commit_callbacks
):
    submission = submit(ngo_editor, published, now=SENT)
    register(registrar, submission)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        sent = registration.send_answer_reminders(today=date(2026, 3, 3))
    assert sent == {"due_soon": 0, "overdue": 4}
    assert recipients() == sorted(
        [ngo_editor.email, ngo_admin.email, "admin@amr.example.org", "ed@amr.example.org"]
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert registration.send_answer_reminders(today=date(2026, 3, 4))["overdue"] == 0
    assert len(mail.outbox) == 4


def test_submission_page_names_the_cosigning_organisations(
    en_client, published, ngo_editor, authors
):
    submission = submit(ngo_editor, published)
    response = en_client.get(submission.get_absolute_url())
    assert response.status_code == 200
    assert response.context["cosigners"] == [
        published.coauthorships.get(status="accepted").organization
    ]
    header = lxml.html.fromstring(response.content).xpath("//main//header/p[@class='muted']")[0]
    assert " ".join(header.text_content().split()) == (
        "Asociația Vrancea Civică · Co-signed by Asociația Municipiilor din România → "
        "Primăria Municipiului Focșani"
    )
    assert [link.get("href") for link in header.xpath(".//a")] == [
        published.get_absolute_url(),
        "/organisations/amr/",
    ]


def test_exports_naming_the_coauthors_still_verify(
    client, published, ngo_editor, ngo_admin, authors
):
    # A long co-author's name, joined after the proposal was sent: today's exports name it.
    late = OrganizationFactory(
        name="Federația Organizațiilor Neguvernamentale pentru Dezvoltare Comunitară Vrancea",
        slug="fondcv",
    )
    late_admin = MembershipFactory(organization=late, role="admin").user
    submission = submit(ngo_editor, published)
    add_coauthor(ngo_editor, published, late, late_admin)
    number = submission.revision.number
    for fmt in ("pdf", "docx"):
        export = client.get(f"/proposals/{published.slug}/v/{number}/export.{fmt}").content
        response = client.post(
            "/register/verify/",
            {"code": submission.tracking_code, "file": SimpleUploadedFile(f"copie.{fmt}", export)},
        )
        assert response.status_code == 200, fmt
        assert response.context["result"].matches is True, fmt
