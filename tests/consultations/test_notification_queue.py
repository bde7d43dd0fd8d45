"""Emails of events stored for a sender (`NOTIFICATION_EMAILS` "thread" and "manual",
`core.mail.send_pending`) instead of a task run at commit (the "celery" mode the other tests
use): what is stored, that the sender sends exactly what the task sends, failures, and two
senders at once."""

import re
import threading
from datetime import timedelta
from io import StringIO

import pytest
from django.core import mail as outbox
from django.core.mail.backends.locmem import EmailBackend
from django.core.management import call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts import domain as accounts_domain
from accounts.models import Role
from consultations import domain
from consultations.models import StageComment
from core import earlycache, mail, privacy
from core.models import PendingNotification
from tests.consultations.conftest import T0, add_written_stage, during
from tests.factories import OrganizationFactory, UserFactory

PROPOSAL = "Modificarea Legii nr. 350/2005"


@pytest.fixture
def manual(settings):
    settings.NOTIFICATION_EMAILS = "manual"
    outbox.outbox.clear()


def reply(user, stage, parent, text="Nu sunt de acord."):
    return domain.post_comment(user, stage, text=text, parent_id=parent.pk, now=during(stage, 2))


def stored():
    return list(
        PendingNotification.objects.order_by("pk").values_list(
            "kind", "params", "attempts", "last_error", "emails"
        )
    )


_SIGNED = re.compile(r"/unsubscribe/[^/\s>]+/")


def sent():
    """The emails sent; an unsubscribe link's signature (its time, to the second) left out, so
    that two builds of one email compare equal."""
    return [
        (
            m.to,
            m.subject,
            _SIGNED.sub("/unsubscribe/…/", m.body),
            {
                name: _SIGNED.sub("/unsubscribe/…/", value)
                for name, value in m.extra_headers.items()
            },
        )
        for m in outbox.outbox
    ]


def after_commit(captured):
    return [callback for callback in captured if isinstance(callback, mail._AfterCommit)]


# --- Storing -----------------------------------------------------------------------------------


def test_reply_in_manual_mode_stores_one_event_and_sends_nothing(
    manual, stage, thread, replier, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as captured:
        answer = reply(replier, stage, thread)
    assert outbox.outbox == []
    assert stored() == [("consultations.reply", {"pk": answer.pk}, 0, "", None)]
    assert PendingNotification.objects.get().created_at is not None  # the database's clock
    assert len(after_commit(captured)) == 1


def test_storing_an_event_is_one_insert(manual, stage, thread):
    with CaptureQueriesContext(connection) as queries:
        mail.notify("consultations.reply", pk=thread.pk)
    assert len(queries) == 1
    assert queries[0]["sql"].startswith('INSERT INTO "core_pendingnotification"')
    # No page shows it: the early page copies stay valid (core.earlycache).
    assert not earlycache.writes(queries[0]["sql"])
    assert stored() == [("consultations.reply", {"pk": thread.pk}, 0, "", None)]


def test_a_transaction_storing_two_events_registers_one_callback(
    manual, stage, thread, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as captured, transaction.atomic():
        mail.notify("consultations.reply", pk=thread.pk)
        mail.notify("consultations.stage_opened", pk=stage.pk)
    assert len(after_commit(captured)) == 1
    assert [row[0] for row in stored()] == ["consultations.reply", "consultations.stage_opened"]


def test_an_event_stored_after_a_rolled_back_savepoint_registers_its_callback_again(
    manual, stage, thread, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as captured, transaction.atomic():
        try:
            with transaction.atomic():
                mail.notify("consultations.reply", pk=thread.pk)
                raise ValueError
        except ValueError:
            pass
        mail.notify("consultations.stage_opened", pk=stage.pk)
    assert len(after_commit(captured)) == 1
    assert stored() == [("consultations.stage_opened", {"pk": stage.pk}, 0, "", None)]


def test_a_rolled_back_reply_stores_nothing(manual, stage, thread, replier):
    comments = StageComment.objects.count()
    with pytest.raises(ValueError), transaction.atomic():
        reply(replier, stage, thread)
        raise ValueError
    assert StageComment.objects.count() == comments
    assert stored() == []


def test_a_silenced_reply_stores_nothing(
    manual, stage, thread, replier, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as captured, mail.silenced():
        reply(replier, stage, thread)
    assert stored() == []
    assert after_commit(captured) == []
    assert outbox.outbox == []


def test_params_that_are_not_plain_json_are_refused_in_manual_mode(manual, stage):
    with pytest.raises(TypeError):
        mail.notify("consultations.reply", pk=stage)
    assert stored() == []


# --- Sending -----------------------------------------------------------------------------------


def test_the_command_sends_exactly_what_the_task_sends_and_deletes_the_event(
    manual, stage, thread, author, replier, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        answer = reply(replier, stage, thread)
    # The "celery" mode's task on the same event (eager here), for comparison.
    mail.send_notifications.delay("consultations.reply", {"pk": answer.pk})
    by_the_task = sent()
    assert [message[:2] for message in by_the_task] == [
        ([author.email], f"Maria Enache replied to your comment on “{PROPOSAL}”")
    ]
    outbox.outbox.clear()

    out = StringIO()
    call_command("send_notifications", stdout=out)
    assert out.getvalue() == "Sent 1 event(s), 1 email(s).\n"
    assert sent() == by_the_task
    assert stored() == []
    out = StringIO()
    call_command("send_notifications", stdout=out)
    assert out.getvalue() == "Sent 0 event(s), 0 email(s).\n"
    assert len(outbox.outbox) == 1


@pytest.fixture
def followers(stage):
    people = [UserFactory(display_name=f"Urmăritor {n}", language="en") for n in range(3)]
    for person in people:
        domain.follow(person, stage.consultation)
    return people


def test_send_pending_sends_every_email_of_a_many_recipient_event(manual, stage, followers):
    mail.send_notifications.delay("consultations.stage_opened", {"pk": stage.pk})
    by_the_task = sorted(sent())
    assert {person.email for person in followers} <= {m[0][0] for m in by_the_task}
    outbox.outbox.clear()
    mail.notify("consultations.stage_opened", pk=stage.pk)
    assert mail.send_pending() == mail.Sent(events=1, emails=len(by_the_task), failed=0)
    assert sorted(sent()) == by_the_task
    assert stored() == []


@pytest.fixture
def broken(db):
    """A kind whose builder fails (e.g. a bug, or an object it cannot read)."""
    calls = []

    def build_broken(pk):
        calls.append(pk)
        raise ValueError(f"cannot build event {pk}")

    mail.register_builder("tests.broken", build_broken)
    yield calls
    del mail.BUILDERS["tests.broken"]


def test_an_event_that_cannot_be_built_is_kept_and_the_others_are_sent(
    manual, stage, thread, author, replier, broken
):
    mail.notify("tests.broken", pk=7)
    answer = reply(replier, stage, thread)
    assert mail.send_pending() == mail.Sent(events=1, emails=1, failed=1)
    assert [message.to for message in outbox.outbox] == [[author.email]]
    assert stored() == [("tests.broken", {"pk": 7}, 1, "ValueError: cannot build event 7", None)]
    assert broken == [7]
    assert answer.pk  # its event was sent and deleted

    # It waits before its next attempt, longer each time: a round meanwhile leaves it alone.
    for attempt in range(2, mail.MAX_ATTEMPTS + 1):
        assert mail.send_pending() == mail.Sent(events=0, emails=0, failed=0)
        due = PendingNotification.objects.get().next_attempt_at
        _waited(attempt - 1, due)
        PendingNotification.objects.update(next_attempt_at=timezone.now())  # the time has come
        assert mail.send_pending() == mail.Sent(events=0, emails=0, failed=1)
        assert stored()[0][2] == attempt
    # Given up: no longer tried, and it does not stop the events after it.
    PendingNotification.objects.update(next_attempt_at=timezone.now())
    mail.notify("consultations.reply", pk=answer.pk)
    out = StringIO()
    call_command("send_notifications", stdout=out)  # nothing failed this time: exit status 0
    assert broken == [7] * mail.MAX_ATTEMPTS
    assert out.getvalue() == (
        "Sent 1 event(s), 1 email(s).\n"
        "1 event(s) failed 8 times and are no longer tried (see their last error in the admin).\n"
    )
    assert stored() == [("tests.broken", {"pk": 7}, 8, "ValueError: cannot build event 7", None)]
    assert len(outbox.outbox) == 2


def _waited(attempts, due):
    """`due` is RETRY_SECONDS doubled for each earlier attempt (one minute after the first
    failure, two after the second …) from about now."""
    wait = timedelta(seconds=mail.RETRY_SECONDS * 2 ** (attempts - 1))
    assert timezone.now() + wait - timedelta(seconds=30) < due <= timezone.now() + wait


refused_addresses = set()
tried_addresses = []


class RefusingBackend(EmailBackend):
    """The outbox, with a mail server that refuses the addresses in `refused_addresses`."""

    def send_messages(self, messages):
        for message in messages:
            tried_addresses.append(message.to[0])
            if message.to[0] in refused_addresses:
                raise ConnectionRefusedError(f"refused {message.to[0]}")
        return super().send_messages(messages)


@pytest.fixture
def refusing(settings):
    settings.EMAIL_BACKEND = f"{__name__}.RefusingBackend"
    refused_addresses.clear()
    tried_addresses.clear()
    yield refused_addresses
    refused_addresses.clear()
    tried_addresses.clear()


def test_an_email_refused_half_way_is_sent_again_alone(manual, stage, followers, refusing):
    """Every email is built first; the ones handed over are not sent again when another
    recipient's is refused: the event keeps only that one, rendered, for the next attempt."""
    mail.notify("consultations.stage_opened", pk=stage.pk)
    refused = followers[1].email
    refusing.add(refused)
    first = mail.send_pending()
    recipients = sorted(set(tried_addresses))
    assert first == mail.Sent(events=0, emails=len(recipients) - 1, failed=1)
    # Without a broker `send_email` runs in process and does not retry: the event's next
    # attempt does.
    assert tried_addresses.count(refused) == 1
    assert sorted(m.to[0] for m in outbox.outbox) == [r for r in recipients if r != refused]
    [(kind, params, attempts, error, left)] = stored()
    assert (kind, params, attempts, error) == (
        "consultations.stage_opened",
        {"pk": stage.pk},
        1,
        f"ConnectionRefusedError: refused {refused}",
    )
    assert [email[0] for email in left] == [refused]
    assert left[0][1] == f"Open for comments: “Recomandări scrise” — {PROPOSAL}"

    refusing.clear()
    tried_addresses.clear()
    assert mail.send_pending() == mail.Sent(events=0, emails=0, failed=0)  # not yet
    PendingNotification.objects.update(next_attempt_at=timezone.now())
    assert mail.send_pending() == mail.Sent(events=1, emails=1, failed=0)
    assert tried_addresses == [refused]
    assert sorted(m.to[0] for m in outbox.outbox) == recipients  # each once
    message = outbox.outbox[-1]
    assert (message.subject, message.body, message.extra_headers) == tuple(left[0][1:])
    assert stored() == []


def test_emails_kept_for_a_person_are_exported_and_erased_with_the_account(
    manual, stage, followers, refusing
):
    mail.notify("consultations.stage_opened", pk=stage.pk)
    mail.notify("consultations.stage_closed", pk=stage.pk)
    gone, kept = followers[0], followers[1]
    refusing.update({gone.email, kept.email})
    assert mail.send_pending().failed == 2
    subjects = [
        f"Open for comments: “Recomandări scrise” — {PROPOSAL}",
        f"Closed: “Recomandări scrise” — {PROPOSAL}",
    ]
    data = privacy.export_user_data(gone)["waiting_emails"]
    assert [email["subject"] for email in data] == subjects
    assert "Hello Urmăritor 0," in data[0]["body"]

    accounts_domain.delete_account(gone)
    data = privacy.export_user_data(kept)["waiting_emails"]
    assert [email["subject"] for email in data] == subjects
    assert "Hello Urmăritor 1," in data[0]["body"]
    assert [[email[0] for email in row[4]] for row in stored()] == [[kept.email], [kept.email]]
    accounts_domain.delete_account(kept)
    assert stored() == []


# --- The embedded default's thread, and two senders (committed transactions) --------------------


def join_sender_threads():
    for running in threading.enumerate():
        if running.name == mail.SENDER_THREAD:
            running.join(timeout=30)


committing = pytest.mark.django_db(transaction=True, serialized_rollback=True)
# SQLite takes one writer at a time for its whole file: the sender thread and the test posting
# the next reply would take turns, not run together.
on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs concurrent transactions"
)


@on_postgresql
@committing
def test_in_the_embedded_default_a_thread_sends_the_emails_after_the_commit(
    settings, editor, consultation, author, replier
):
    settings.NOTIFICATION_EMAILS = "thread"
    stage = add_written_stage(editor, consultation, opens_at=T0)
    first = domain.post_comment(
        author, stage, text="Termenul e prea scurt.", stance="oppose", now=during(stage)
    )
    outbox.outbox.clear()
    reply(replier, stage, first)
    join_sender_threads()
    assert [(m.to, m.subject) for m in outbox.outbox] == [
        ([author.email], f"Maria Enache replied to your comment on “{PROPOSAL}”")
    ]
    assert stored() == []
    reply(replier, stage, first, text="Încă o dată.")
    reply(replier, stage, first, text="Și încă o dată.")
    join_sender_threads()
    assert len(outbox.outbox) == 3
    assert "Și încă o dată." in outbox.outbox[2].body
    assert stored() == []


@on_postgresql
@committing
def test_two_senders_at_once_send_each_event_once(settings, editor, consultation, author, replier):
    """A sender holds the event it is building; a second sender skips it and sends the next;
    the first then finds that one gone."""
    settings.NOTIFICATION_EMAILS = "manual"
    stage = add_written_stage(editor, consultation, opens_at=T0)
    first = domain.post_comment(
        author, stage, text="Termenul e prea scurt.", stance="oppose", now=during(stage)
    )
    building, release, results, failures = threading.Event(), threading.Event(), [], []

    def build_slowly(pk):
        building.set()
        assert release.wait(20)
        return mail.BUILDERS["consultations.reply"](pk=pk)

    mail.register_builder("tests.slow", build_slowly)
    try:
        one = reply(replier, stage, first, text="Prima.")
        two = reply(replier, stage, first, text="A doua.")
        PendingNotification.objects.filter(params={"pk": one.pk}).update(kind="tests.slow")
        outbox.outbox.clear()

        def sender():
            try:
                results.append(mail.send_pending())
            except BaseException as error:  # reported below
                failures.append(error)
            finally:
                connection.close()

        holder = threading.Thread(target=sender)
        holder.start()
        assert building.wait(20)
        assert mail.send_pending() == mail.Sent(events=1, emails=1, failed=0)
        assert ["A doua." in m.body for m in outbox.outbox] == [True]
        release.set()
        holder.join(30)
    finally:
        release.set()
        del mail.BUILDERS["tests.slow"]
    assert failures == []
    assert results == [mail.Sent(events=1, emails=1, failed=0)]
    assert ["Prima." in m.body for m in outbox.outbox] == [False, True]
    assert stored() == []
    assert two.pk > one.pk


def test_an_event_another_sender_holds_is_left_to_it_until_its_claim_expires(
    manual, stage, thread, author, replier
):
    """On either database: the claim is one UPDATE only one sender can win."""
    reply(replier, stage, thread)
    held = timezone.now() + timedelta(seconds=mail.CLAIM_SECONDS)
    PendingNotification.objects.update(claimed_until=held)
    assert mail.send_pending() == mail.Sent(events=0, emails=0, failed=0)
    assert outbox.outbox == []
    # The sender holding it stopped: its claim expires and another sends it, once.
    PendingNotification.objects.update(claimed_until=timezone.now() - timedelta(seconds=1))
    assert mail.send_pending() == mail.Sent(events=1, emails=1, failed=0)
    assert [message.to for message in outbox.outbox] == [[author.email]]
    assert stored() == []


class StoppingBackend(EmailBackend):
    """The outbox, with a process stopped (a worker killed) when asked for its fifth email."""

    def send_messages(self, messages):
        if len(outbox.outbox) == 4 and not getattr(StoppingBackend, "stopped", False):
            StoppingBackend.stopped = True
            raise KeyboardInterrupt
        return super().send_messages(messages)


def test_a_sender_stopped_half_way_leaves_what_it_had_not_checked_off(
    manual, stage, settings, monkeypatch
):
    """Seven emails, what is left kept every three: stopped at the fifth, the next sender
    sends the fourth again (after the last checkpoint) and the three after it, nothing more."""
    people = [UserFactory(language="en") for _ in range(7)]
    monkeypatch.setattr(mail, "CHECKPOINT", 3)
    mail.register_builder(
        "tests.many",
        lambda: [
            mail.Email(
                person.email,
                "accounts/email/invitation",
                {"organization": {"name": "Asociația"}, "url": "https://consult.test/i"},
                "en",
            )
            for person in people
        ],
    )
    settings.EMAIL_BACKEND = f"{__name__}.StoppingBackend"
    StoppingBackend.stopped = False
    try:
        mail.notify("tests.many")
        with pytest.raises(KeyboardInterrupt):
            mail.send_pending()
        assert [m.to[0] for m in outbox.outbox] == [p.email for p in people[:4]]
        [(_kind, _params, attempts, _error, left)] = stored()
        assert attempts == 0
        assert [email[0] for email in left] == [p.email for p in people[3:]]
        PendingNotification.objects.update(claimed_until=timezone.now() - timedelta(seconds=1))
        assert mail.send_pending() == mail.Sent(events=1, emails=4, failed=0)
    finally:
        del mail.BUILDERS["tests.many"]
    assert [m.to[0] for m in outbox.outbox] == [p.email for p in people[:4] + people[3:]]
    assert stored() == []


def test_an_invitation_is_never_stored_its_link_is_sent_at_commit(
    manual, db, django_capture_on_commit_callbacks
):
    organization = OrganizationFactory()
    admin = UserFactory()
    organization.memberships.create(user=admin, role=Role.ADMIN)
    with django_capture_on_commit_callbacks(execute=True):
        accounts_domain.invite_member(admin, organization, "invitat@example.org", Role.EDITOR)
        assert PendingNotification.objects.count() == 0
        assert outbox.outbox == []
    assert PendingNotification.objects.count() == 0
    [message] = outbox.outbox
    assert message.to == ["invitat@example.org"]
    [invitation] = organization.invitations.all()
    assert invitation.email == "invitat@example.org"


def test_a_sender_whose_claim_was_taken_over_changes_nothing_more(manual, stage, followers):
    """A sender slower than its claim: another sender claimed the event; the first one's
    checkpoint, failure and deletion no longer touch the row (it stops)."""
    mail.notify("consultations.stage_opened", pk=stage.pk)
    pk = PendingNotification.objects.get().pk
    first = mail._claim(pk)
    assert first is not None and mail._claim(pk) is None  # held
    slow = PendingNotification.objects.get(pk=pk)
    PendingNotification.objects.update(claimed_until=timezone.now() - timedelta(seconds=1))
    second = mail._claim(pk)
    assert second not in (None, first)
    assert mail._checkpoint(slow, [["x@example.org", "s", "b", {}]]) is False
    mail._keep(slow, ValueError("late"), None)
    mail._held(slow).delete()
    assert stored() == [("consultations.stage_opened", {"pk": stage.pk}, 0, "", None)]
    assert PendingNotification.objects.get().claim == second


def test_erasing_an_account_while_its_event_is_sent_revokes_the_senders_claim(
    manual, stage, followers, refusing
):
    mail.notify("consultations.stage_opened", pk=stage.pk)
    refusing.add(followers[0].email)
    mail.send_pending()  # the others sent; the refused email kept on the row
    PendingNotification.objects.update(next_attempt_at=timezone.now())
    pk = PendingNotification.objects.get().pk
    claim = mail._claim(pk)
    holder = PendingNotification.objects.get(pk=pk)
    assert holder.claim == claim
    # A second recipient's email is kept too, so that the row survives the erasure.
    kept = [*holder.emails, ["autre@example.org", "s", "b", {}]]
    PendingNotification.objects.update(emails=kept)
    mail.erase_waiting_emails(followers[0])
    row = PendingNotification.objects.get(pk=pk)
    assert (row.claim, row.claimed_until) == (None, None)
    assert [email[0] for email in row.emails] == ["autre@example.org"]
    # The holder's next checkpoint finds its claim gone: it writes nothing back.
    assert mail._checkpoint(holder, holder.emails) is False
    assert [email[0] for email in PendingNotification.objects.get(pk=pk).emails] == [
        "autre@example.org"
    ]
