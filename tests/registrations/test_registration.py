"""Submitting, registering, extending and answering: the domain functions and their records."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.utils import translation

from core.errors import DomainError
from core.models import ActivityLog
from proposals import domain
from proposals.models import Proposal, ProposalStatus
from registrations import domain as registration
from registrations.models import FrozenFieldError, Submission, SubmissionDocument
from tests.factories import MembershipFactory, ProposalFactory
from tests.helpers import save, submit, text_block

BUCHAREST = ZoneInfo("Europe/Bucharest")
SENT = datetime(2026, 1, 29, 10, 0, tzinfo=BUCHAREST)


@pytest.fixture(autouse=True)
def _english():
    # Messages are compared with their English source; emails still use each recipient's language.
    translation.activate("en")
    yield
    translation.deactivate()


def verbs(obj):
    return list(
        ActivityLog.objects.for_scope(obj)
        .order_by("created_at", "id")
        .values_list("verb", flat=True)
    )


@pytest.fixture
def sent(published, ngo_editor, verified_authority):
    return submit(ngo_editor, published, now=SENT)


def register(registrar, submission, number="1024", day=date(2026, 1, 30), today=date(2026, 2, 2)):
    return registration.register_submission(
        registrar, submission, number=number, registration_date=day, today=today
    )


# --- Submitting --------------------------------------------------------------------------------


def test_submit_freezes_revision_hash_and_moves_proposal(
    published, ngo_editor, ngo_admin, registrar, django_capture_on_commit_callbacks
):
    revision = published.current_revision
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        submission = submit(ngo_editor, published)
    submission.refresh_from_db()
    assert submission.revision == revision
    assert submission.content_hash == revision.content_hash == revision.compute_hash()
    assert submission.authority.slug == "primaria-municipiului-focsani"
    assert submission.channel == "platform"
    assert submission.status == "submitted"
    assert submission.sender_name == "Asociația Vrancea Civică"
    assert submission.title == revision.title
    assert (
        registration.normalize_tracking_code(submission.tracking_code) == submission.tracking_code
    )
    assert Proposal.objects.get(pk=published.pk).status == ProposalStatus.SUBMITTED
    assert verbs(published)[-2:] == ["proposal.finalized", "proposal.submitted"]
    assert verbs(submission) == ["submission.submitted"]
    # The NGO's editor and admin, and the authority's registrar, each in their language.
    assert sorted(message.to[0] for message in mail.outbox) == sorted(
        [ngo_editor.email, ngo_admin.email, registrar.email]
    )


@pytest.mark.parametrize(
    ("status", "message"),
    [
        ("draft", "A draft cannot be submitted: publish it first, so the text you send is public."),
        ("withdrawn", "A withdrawn proposal cannot be submitted."),
        (
            "in_consultation",
            "A consultation stage is open: it closes on its planned date, or you can close it "
            "now; submit the final version once it is closed.",
        ),
    ],
)
def test_submit_refused_with_reason(proposal, ngo_editor, status, message):
    Proposal.objects.filter(pk=proposal.pk).update(status=status)
    with pytest.raises(DomainError) as error, transaction.atomic():
        submit(ngo_editor, proposal)
    assert str(error.value.message) == message  # English source: no language active
    assert Submission.objects.count() == 0
    assert Proposal.objects.get(pk=proposal.pk).status == status


def test_submit_twice_refused(published, ngo_editor):
    submit(ngo_editor, published)
    with pytest.raises(DomainError, match="already submitted"):
        submit(ngo_editor, published)
    assert Submission.objects.count() == 1


def test_submit_from_consultation_closed_and_final(published, ngo_editor):
    Proposal.objects.filter(pk=published.pk).update(status="consultation_closed")
    assert submit(ngo_editor, published).status == "submitted"
    other = ProposalFactory(editor=ngo_editor, organization=published.organization, slug="alta")
    domain.publish_proposal(ngo_editor, other)
    Proposal.objects.filter(pk=other.pk).update(status="final")
    submit(ngo_editor, other)
    assert verbs(other)[-1] == "proposal.submitted"
    assert "proposal.finalized" not in verbs(other)


def test_submit_an_older_revision_freezes_that_one(published, ngo_editor):
    first = published.revisions.get(number=1)
    submission = registration.submit_proposal(ngo_editor, published, first, "")
    assert submission.revision == first
    assert submission.content_hash == first.content_hash


def test_submit_revision_of_another_proposal_refused(published, ngo_editor):
    other = ProposalFactory(editor=ngo_editor, organization=published.organization, slug="alta")
    with pytest.raises(DomainError, match="Choose a revision of this proposal"):
        registration.submit_proposal(ngo_editor, published, other.current_revision, "")


def test_submit_cover_letter_with_nul_refused(published, ngo_editor):
    with pytest.raises(DomainError, match="control characters"):
        submit(ngo_editor, published, cover_letter="Stimate\x00domnule")
    assert Submission.objects.count() == 0


def test_submitted_text_can_no_longer_be_edited(published, ngo_editor):
    submit(ngo_editor, published)
    key = published.current_revision.blocks[0]["key"]
    with pytest.raises(DomainError, match="can no longer be changed"):
        save(ngo_editor, published, [text_block(key, "Alt text.")])


# --- Frozen fields -----------------------------------------------------------------------------


def test_frozen_fields_refused_by_save_and_queryset(sent, published):
    other_revision = published.revisions.get(number=1)
    for field, value in [
        ("revision", other_revision),
        ("content_hash", "0" * 64),
        ("tracking_code", "CNS-0000-0000"),
    ]:
        submission = Submission.objects.get(pk=sent.pk)
        setattr(submission, field, value)
        with pytest.raises(FrozenFieldError):
            submission.save()
    with pytest.raises(FrozenFieldError):
        Submission.objects.filter(pk=sent.pk).update(content_hash="0" * 64)
    with pytest.raises(FrozenFieldError):
        Submission.objects.filter(pk=sent.pk).update(revision_id=other_revision.pk)
    with pytest.raises(FrozenFieldError):
        Submission.objects.filter(pk=sent.pk).delete()
    with pytest.raises(FrozenFieldError):
        sent.delete()
    fresh = Submission.objects.get(pk=sent.pk)
    assert (fresh.revision_id, fresh.content_hash, fresh.tracking_code) == (
        sent.revision_id,
        sent.content_hash,
        sent.tracking_code,
    )


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL trigger")
def test_frozen_fields_refused_by_postgresql(sent):
    from django.db import DatabaseError

    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE proposals_submission SET content_hash = %s WHERE id = %s", ["0" * 64, sent.pk]
        )
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM proposals_submission WHERE id = %s", [sent.pk])
    assert Submission.objects.get(pk=sent.pk).content_hash == sent.content_hash


def test_tracking_codes_normalise_typing_mistakes():
    assert registration.normalize_tracking_code("cns 7k4q 92xh") == "CNS-7K4Q-92XH"
    assert registration.normalize_tracking_code("7K4Q-92XH") == "CNS-7K4Q-92XH"
    assert registration.normalize_tracking_code("CNS-OKIQ-L2XH") == "CNS-0K1Q-12XH"
    assert registration.normalize_tracking_code("CNS-7K4Q-92X") is None
    assert registration.normalize_tracking_code("CNS-7K4Q-92XU") is None
    assert registration.normalize_tracking_code("") is None
    codes = {registration.new_tracking_code() for _ in range(200)}
    assert len(codes) == 200
    assert all(registration.normalize_tracking_code(code) == code for code in codes)


# --- Registering -------------------------------------------------------------------------------


def test_register_sets_number_deadline_and_moves_proposal(
    sent, registrar, ngo_editor, published, django_capture_on_commit_callbacks
):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        register(registrar, sent)
    sent.refresh_from_db()
    assert (sent.registration_number, sent.registration_date, sent.registration_year) == (
        "1024",
        date(2026, 1, 30),
        2026,
    )
    assert sent.registration_source == "authority"
    assert sent.registered_by == registrar
    assert sent.status == "registered"
    assert sent.deadline == sent.original_deadline == date(2026, 3, 2)
    assert Proposal.objects.get(pk=published.pk).status == ProposalStatus.REGISTERED
    assert verbs(sent) == ["submission.submitted", "submission.registered"]
    assert [message.to[0] for message in mail.outbox] == [ngo_editor.email]
    assert "1024" in mail.outbox[0].subject
    # In the editor's language (Romanian): the deadline as Romanians write it.
    assert "Termenul de răspuns este 2 martie 2026 inclusiv." in mail.outbox[0].body


def test_register_twice_refused(sent, registrar):
    register(registrar, sent)
    with pytest.raises(DomainError) as error:
        register(registrar, sent, number="2048")
    assert error.value.code == "registered"
    assert Submission.objects.get(pk=sent.pk).registration_number == "1024"


@pytest.mark.parametrize(
    ("day", "message"),
    [
        (date(2026, 2, 3), "The registration date cannot be in the future."),
        (date(2026, 1, 28), "The registration date cannot be before the proposal was sent"),
    ],
)
def test_register_with_impossible_date_refused(sent, registrar, day, message):
    with pytest.raises(DomainError, match=message):
        register(registrar, sent, day=day, today=date(2026, 2, 2))
    assert Submission.objects.get(pk=sent.pk).status == "submitted"


def test_registration_number_unique_per_authority_and_year(sent, registrar, ngo_editor, ngo):
    register(registrar, sent, number="77/A")
    other = ProposalFactory(editor=ngo_editor, organization=ngo, slug="a-doua")
    domain.publish_proposal(ngo_editor, other)
    second = submit(ngo_editor, other, now=SENT)
    with pytest.raises(DomainError) as error:
        register(registrar, second, number="77/a")
    assert error.value.code == "duplicate"
    assert "77/a is already used in 2026" in str(error.value.message)
    # The same number in another year is another register entry.
    register(registrar, second, number="77/A", day=date(2027, 1, 4), today=date(2027, 1, 5))
    assert Submission.objects.get(pk=second.pk).registration_year == 2027


def test_registration_number_constraint_in_database(sent, registrar, ngo_editor, ngo):
    from django.db import IntegrityError

    register(registrar, sent, number="5")
    other = ProposalFactory(editor=ngo_editor, organization=ngo, slug="a-doua")
    domain.publish_proposal(ngo_editor, other)
    second = submit(ngo_editor, other, now=SENT)
    with pytest.raises(IntegrityError), transaction.atomic():
        Submission.objects.filter(pk=second.pk).update(
            registration_number="5", registration_year=2026, registration_date=date(2026, 1, 30)
        )


# --- Extending and answering -------------------------------------------------------------------


def test_extend_once_with_reason(sent, registrar):
    register(registrar, sent)
    registration.extend_deadline(
        registrar, sent, "Consultăm direcția juridică.", today=date(2026, 2, 20)
    )
    sent.refresh_from_db()
    assert sent.deadline == date(2026, 3, 16)
    assert sent.original_deadline == date(2026, 3, 2)
    assert sent.extension_reason == "Consultăm direcția juridică."
    with pytest.raises(DomainError) as error:
        registration.extend_deadline(registrar, sent, "Din nou.", today=date(2026, 2, 21))
    assert error.value.code == "extended"
    assert Submission.objects.get(pk=sent.pk).deadline == date(2026, 3, 16)


def test_extend_refused_before_registration_and_after_deadline(sent, registrar):
    with pytest.raises(DomainError, match="Register the proposal first"):
        registration.extend_deadline(registrar, sent, "Motiv.")
    register(registrar, sent)
    with pytest.raises(DomainError, match="deadline passed"):
        registration.extend_deadline(registrar, sent, "Motiv.", today=date(2026, 3, 3))


def test_answer_before_registration_refused(sent, registrar):
    with pytest.raises(DomainError) as error:
        registration.answer_submission(
            registrar, sent, answer_status="accepted", text="Da.", answered_on=date(2026, 2, 1)
        )
    assert error.value.code == "not_registered"
    assert Submission.objects.get(pk=sent.pk).answer_status == ""


def test_answer_records_status_text_document_and_notifies(
    sent, registrar, ngo_editor, published, django_capture_on_commit_callbacks
):
    register(registrar, sent)
    mail.outbox.clear()
    document = SimpleUploadedFile("raspuns.pdf", b"%PDF-1.4 raspuns", "application/pdf")
    with django_capture_on_commit_callbacks(execute=True):
        registration.answer_submission(
            registrar,
            sent,
            answer_status="partially_accepted",
            text="Acceptăm art. 15.",
            answered_on=date(2026, 2, 20),
            document=document,
            today=date(2026, 2, 20),
        )
    sent.refresh_from_db()
    assert (sent.status, sent.answer_status, sent.answer_text) == (
        "answered",
        "partially_accepted",
        "Acceptăm art. 15.",
    )
    assert sent.days_to_answer() == 21
    assert list(SubmissionDocument.objects.values_list("kind", "name", "extension")) == [
        ("answer", "raspuns.pdf", "pdf")
    ]
    assert Proposal.objects.get(pk=published.pk).status == ProposalStatus.ANSWERED
    assert verbs(sent)[-1] == "submission.answered"
    assert [message.to[0] for message in mail.outbox] == [ngo_editor.email]
    # Written in the editor's language (Romanian): the date as Romanians write it.
    assert "20 februarie 2026" in mail.outbox[0].body
    with pytest.raises(DomainError) as error:
        registration.answer_submission(
            registrar, sent, answer_status="rejected", text="Nu.", answered_on=date(2026, 2, 21)
        )
    assert error.value.code == "answered"


def test_answer_document_checked_by_content(sent, registrar):
    register(registrar, sent)
    fake = SimpleUploadedFile("raspuns.pdf", b"<html>nu e pdf</html>", "application/pdf")
    with pytest.raises(DomainError, match="is not a PDF"), transaction.atomic():
        registration.answer_submission(
            registrar,
            sent,
            answer_status="rejected",
            text="Nu.",
            answered_on=date(2026, 2, 2),
            document=fake,
            today=date(2026, 2, 2),
        )
    sent.refresh_from_db()
    assert sent.status == "registered"
    assert SubmissionDocument.objects.count() == 0


@pytest.mark.parametrize(
    ("answered_on", "message"),
    [
        (date(2026, 2, 3), "The answer date cannot be in the future."),
        (date(2026, 1, 29), "The answer date cannot be before the registration date"),
    ],
)
def test_answer_with_impossible_date_refused(sent, registrar, answered_on, message):
    register(registrar, sent)
    with pytest.raises(DomainError, match=message):
        registration.answer_submission(
            registrar,
            sent,
            answer_status="accepted",
            text="Da.",
            answered_on=answered_on,
            today=date(2026, 2, 2),
        )


# --- Declared registrations --------------------------------------------------------------------


@pytest.fixture
def unlisted(published, ngo_editor):
    """Submitted to an authority that nobody represents on the platform (not verified)."""
    return submit(ngo_editor, published, now=SENT)


def test_declare_then_registrar_confirms_or_corrects(unlisted, ngo_editor, authority):
    registration.declare_registration(
        ngo_editor,
        unlisted,
        number="900",
        registration_date=date(2026, 1, 30),
        today=date(2026, 2, 2),
    )
    unlisted.refresh_from_db()
    assert (unlisted.status, unlisted.registration_source) == ("registered", "submitter")
    assert unlisted.deadline == date(2026, 3, 2)
    # The authority joins and is verified; its registrar corrects the number.
    from django.utils import timezone

    authority.verified_at = timezone.now()
    authority.save()
    registrar = MembershipFactory(organization=authority, role="registrar").user
    with pytest.raises(DomainError, match="Confirm or correct"):
        registration.answer_submission(
            registrar, unlisted, answer_status="accepted", text="Da.", answered_on=date(2026, 2, 2)
        )
    register(registrar, unlisted, number="901", day=date(2026, 2, 2), today=date(2026, 2, 2))
    unlisted.refresh_from_db()
    assert (unlisted.registration_number, unlisted.registration_source) == ("901", "authority")
    assert unlisted.deadline == date(2026, 3, 4)
    assert verbs(unlisted)[-2:] == [
        "submission.registration_declared",
        "submission.registration_corrected",
    ]


def test_declare_refused_when_authority_is_on_the_platform(sent, registrar, ngo_editor):
    with pytest.raises(DomainError) as error:
        registration.declare_registration(
            ngo_editor, sent, number="900", registration_date=date(2026, 1, 30)
        )
    assert error.value.code == "forbidden"
    assert Submission.objects.get(pk=sent.pk).status == "submitted"


# --- Logged from outside the platform ----------------------------------------------------------


def test_log_external_submission_registered_with_documents(registrar, verified_authority):
    letter = SimpleUploadedFile("scrisoare.pdf", b"%PDF-1.4 scrisoare", "application/pdf")
    submission = registration.log_external_submission(
        registrar,
        verified_authority,
        sender_name="Ion Vasile",
        title="Iluminat public pe strada Mare",
        channel="post",
        received_on=date(2026, 1, 30),
        registration_number="88",
        documents=[letter],
        today=date(2026, 2, 2),
    )
    submission.refresh_from_db()
    assert submission.proposal is None and submission.revision is None
    assert (submission.status, submission.registration_date, submission.deadline) == (
        "registered",
        date(2026, 1, 30),
        date(2026, 3, 2),
    )
    assert list(submission.documents.values_list("kind", "name")) == [("received", "scrisoare.pdf")]
    assert verbs(submission) == ["submission.logged"]


def test_log_external_with_platform_channel_or_future_date_refused(registrar, verified_authority):
    common = {
        "sender_name": "Ion Vasile",
        "title": "Iluminat",
        "registration_number": "1",
        "today": date(2026, 2, 2),
    }
    with pytest.raises(DomainError, match="Choose how the proposal arrived"):
        registration.log_external_submission(
            registrar,
            verified_authority,
            channel="platform",
            received_on=date(2026, 2, 1),
            **common,
        )
    with pytest.raises(DomainError, match="cannot be in the future"):
        registration.log_external_submission(
            registrar, verified_authority, channel="email", received_on=date(2026, 2, 3), **common
        )
    assert Submission.objects.count() == 0


def test_withdrawn_after_submission_stays_withdrawn_when_registered(sent, registrar, ngo_editor):
    domain.withdraw_proposal(ngo_editor, sent.proposal, "Legea s-a schimbat.")
    register(registrar, sent)
    assert Proposal.objects.get(pk=sent.proposal_id).status == "withdrawn"
    assert Submission.objects.get(pk=sent.pk).status == "registered"


def test_overdue_is_derived(sent, registrar):
    register(registrar, sent)
    sent.refresh_from_db()
    assert not sent.is_overdue(date(2026, 3, 2))
    assert sent.is_overdue(date(2026, 3, 3))
    assert list(Submission.objects.overdue(date(2026, 3, 3))) == [sent]
    assert sent.days_left(date(2026, 2, 27)) == 3
    assert sent.working_days_left(date(2026, 2, 27)) == 1
    assert sent.is_overdue(date(2026, 3, 3) + timedelta(days=100))
