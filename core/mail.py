"""The one way email leaves the site.

A domain command calls `notify(kind, **params)` inside its transaction (nothing is sent about a
change that rolled back, nor inside `silenced()`). The emails of the event are built by the
builder the owning app registered for `kind` (`register_builder`, in its AppConfig.ready()):
each an `Email` saying who gets it, which templates and context, in which language and, for
emails people can stop, the link that stops them. Each email is rendered in its recipient's
language, with `List-Unsubscribe` headers when it has such a link, and sent by the `send_email`
task (retried on network errors by a worker; without a broker it runs in process, where a stored
event's next attempt retries it, and an email sent at once — allauth's, an invitation's — is
tried once: `hand_over`). Every email of an event is built before any is sent: an event
that cannot be built is tried again whole, and a delivery that fails is tried again alone.

Who builds and sends them is `settings.NOTIFICATION_EMAILS`:

- "celery" (the default with a broker): the commit queues the `send_notifications` task, which
  runs in a worker; when the broker cannot be reached, the event is stored as with "manual"
  (`_queue_event`).
- "thread" (the default without one, where a task would run inside the request: building and
  sending a reply's email was a quarter of a comment's cost, and a slow mail server held the
  commenter's page): the event is stored as a `PendingNotification` row in the change's own
  transaction (one INSERT), and the commit wakes the process's sender thread (`send_pending`).
- "manual": stored the same way; only `manage.py send_notifications` (e.g. cron) sends them.

`send_pending` takes the stored events oldest first. A sender claims an event before it builds
it (one UPDATE only one sender can win, on PostgreSQL and SQLite alike: servers' threads and the
command never send one event twice), keeps the built emails of a many-recipient event on its
row with what is left of them as it goes (a sender stopped half-way sends again at most
`CHECKPOINT` of them), and deletes the row once every email is handed to `send_email`. An event
that fails keeps its row, with its attempts, last error and the emails not handed over yet, and
waits longer before each next attempt, at most `MAX_ATTEMPTS` of them. Kinds whose params carry
a secret (an invitation's link: `register_builder(..., secret=True)`) are never stored: they go
as with "celery" (without a broker, or when it cannot be reached, in process at commit).

The tasks are defined here and registered under `core.tasks.*` (the module Celery discovers).
Builders read the database when the emails are built, so `params` are plain JSON values (ids,
codes, ISO dates), checked by `notify` in every mode. The only emails rendered elsewhere are
allauth's (address confirmation, password reset): allauth renders them in the request, in the
language of the person making it, and `accounts.adapter` hands them to `send_email` too.
"""

import json
import logging
import threading
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta

from celery import shared_task
from celery.exceptions import Retry
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import DatabaseError, InterfaceError, OperationalError, transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.utils import timezone, translation

from core import background
from core.models import PendingNotification
from core.sql import Insert

log = logging.getLogger(__name__)

BUILDERS = {}
SECRET_KINDS = set()
_silence = threading.local()

# A stored event is tried at most this many times (`send_pending`); then it stays, with its
# last error, for someone to look at, and no longer holds up the others. Between attempts it
# waits RETRY_SECONDS, doubled each time (1, 2, 4 … 64 minutes: about two hours in all).
MAX_ATTEMPTS = 8
RETRY_SECONDS = 60
# A sender's hold on the event it sends; one left by a sender that stopped expires after it.
CLAIM_SECONDS = 600
# An event of many emails keeps what is left to send on its row, and its claim renewed, every
# this many emails or seconds (well within the claim: one email may wait on a slow server).
CHECKPOINT = 20
CHECKPOINT_SECONDS = 60
# Stored events read at a time by `send_pending` (each is still sent in its own transaction).
BATCH = 100


@dataclass
class Email:
    """One email to build: `<template>_subject.txt` and `<template>_body.txt` rendered with
    `context` in `language`; `unsubscribe`, an absolute URL that stops this kind of email."""

    recipient: str
    template: str
    context: dict = field(default_factory=dict)
    language: str = "ro"
    unsubscribe: str = ""


def absolute_url(path, base_url=None):
    return (base_url or settings.SITE_URL).rstrip("/") + path


def register_builder(kind, builder, *, secret=False):
    """`builder(**params)` returns the `Email`s of one event of `kind`, e.g.
    "consultations.reply". `secret`: its params carry what only the email may hold (an
    invitation's link), never stored in the database or shown (`notify`)."""
    BUILDERS[kind] = builder
    if secret:
        SECRET_KINDS.add(kind)
    else:
        SECRET_KINDS.discard(kind)


def notify(kind, **params):
    """Send the emails of one event of `kind` once the current transaction commits (not inside
    `silenced()`), as `settings.NOTIFICATION_EMAILS` says (see the module). Side effects: with
    "celery" (and for a secret kind), an on-commit hook that queues the `send_notifications`
    task (`_queue_event`); otherwise a `PendingNotification` row and, once per transaction, an
    on-commit hook that wakes the sender (`schedule_sending`)."""
    if kind not in BUILDERS:
        raise LookupError(f"No email builder is registered for {kind!r}.")
    if getattr(_silence, "on", False):
        return
    # Through the broker or the database as JSON: a value that is not plain JSON fails here, in
    # tests too (they run the task in process, where nothing would be serialised).
    params = json.loads(json.dumps(params))
    if settings.NOTIFICATION_EMAILS == "celery" or kind in SECRET_KINDS:
        transaction.on_commit(lambda: _queue_event(kind, params))
        return
    # Written once per process (`core.sql`): a reply stores one with its comment.
    Insert.of(PendingNotification).execute(PendingNotification(kind=kind, params=params))
    _AfterCommit.register()


def _queue_event(kind, params):
    """At commit: the `send_notifications` task of one event for a worker (without a broker, run
    here). When the broker cannot be reached, the event is not lost and the request does not
    fail: one whose params hold a secret (an invitation's link, never stored) is built and sent
    here, once (`hand_over`: a refusal is collected for the page to say); any other is stored,
    as with "manual", for `manage.py send_notifications` (cron). Side effects: a task, the
    emails, or a `PendingNotification` row."""
    if background.queue(send_notifications, kind, params):
        return
    try:
        if kind in SECRET_KINDS:
            send_notifications.run(kind, params)
            return
        PendingNotification.objects.create(kind=kind, params=params)
    except Exception:  # the commit's other callbacks still run
        log.exception("An event (%s) could be neither queued nor sent.", kind)
        return
    log.warning(
        "An event (%s) was stored for `manage.py send_notifications`: "
        "its task could not be queued.",
        kind,
    )


@shared_task(name="core.tasks.send_stored_notifications", ignore_result=True)
def send_stored_notifications():
    """Celery beat, every minute, with a broker: the events stored when it could not be reached
    (`_queue_event`), and the retries of failed ones (`send_pending`); nothing with "manual"
    (only the command sends them). Side effects: those of `send_pending`."""
    if settings.NOTIFICATION_EMAILS != "manual":
        send_pending()


class _AfterCommit(background.AfterCommitOnce):
    """The on-commit callback of `notify` for stored events."""

    def run(self):
        schedule_sending()


def schedule_sending():
    """After a commit that stored events: with "thread", make sure this process's sender runs.
    Side effects: maybe a thread; nothing with "manual" (`manage.py send_notifications`)."""
    if settings.NOTIFICATION_EMAILS == "thread":
        _sender.wake()


SENDER_THREAD = "notification-emails"
# Not a daemon: a process that exits after storing events (a management command run from cron,
# a server worker restarting) sends them first, instead of leaving them to whichever commit or
# command comes next.
_sender = background.ProcessThread(
    SENDER_THREAD,
    lambda: send_pending(),
    daemon=False,
    failure="Sending stored notifications failed; they wait for the next run.",
)


@contextmanager
def silenced():
    """No email is sent about what happens inside (in this thread): the demo loader's backdated
    history is nobody's news."""
    previous = getattr(_silence, "on", False)
    _silence.on = True
    try:
        yield
    finally:
        _silence.on = previous


def render(email):
    """(subject, body, headers) of `email`, in its language. Side effects: none."""
    context = {**email.context, "unsubscribe_url": email.unsubscribe}
    with translation.override(email.language):
        subject = render_to_string(f"{email.template}_subject.txt", context)
        body = render_to_string(f"{email.template}_body.txt", context)
    headers = {}
    if email.unsubscribe:
        headers = {
            "List-Unsubscribe": f"<{email.unsubscribe}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        }
    return " ".join(subject.split()), body, headers


def build(kind, params):
    """The rendered emails of one event: [(recipient, subject, body, headers)]."""
    return [(email.recipient, *render(email)) for email in BUILDERS[kind](**params)]


# --- The tasks ---------------------------------------------------------------------------------


@shared_task(
    name="core.tasks.send_email", autoretry_for=(OSError,), retry_backoff=True, max_retries=5
)
def send_email(subject, body, recipients, html=None, headers=None):
    """Send one rendered email."""
    message = EmailMultiAlternatives(
        subject, body, settings.DEFAULT_FROM_EMAIL, recipients, headers=headers or None
    )
    if html:
        message.attach_alternative(html, "text/html")
    message.send()


# The recipients refused while `undelivered()` collects them (this thread).
_refused = threading.local()


@contextmanager
def undelivered():
    """Collect, in the list this gives, the recipients of the emails sent in process during the
    block (no broker, or one that cannot be reached: `hand_over`) that the mail server refused
    or could not take: a page can then say so. What a broker takes, a worker sends later: the
    list stays empty. Side effects: none."""
    found, before = [], getattr(_refused, "found", None)
    _refused.found = found
    try:
        yield found
    finally:
        _refused.found = before


def hand_over(subject, body, recipients, html=None, headers=None):
    """Send one rendered email by `send_email`: queued for a worker (which retries), or,
    without a broker or when it cannot be reached, sent now, once. A mail server that refuses
    it or cannot be reached then never fails the request that sent it: the error is logged,
    the recipients are collected (`undelivered`) and False returned. Side effects: the email,
    or a task queued."""
    if not send_email.app.conf.task_always_eager and background.queue(
        send_email, subject, body, recipients, html=html, headers=headers
    ):
        return True
    # No broker, or one that cannot be reached (`background.queue`): sent here, once.
    try:
        send_email.run(subject, body, recipients, html=html, headers=headers)
    except OSError as error:  # smtplib's errors and the socket's
        # Neither the addresses nor the server's answer (which may quote a link of the email):
        # a log is read by more people than the database.
        log.error(
            "An email (%d recipient(s)) could not be sent: %s, SMTP code %s.",
            len(recipients),
            type(error).__name__,
            getattr(error, "smtp_code", None),
        )
        found = getattr(_refused, "found", None)
        if found is not None:
            found.extend(recipients)
        return False
    return True


@shared_task(
    name="core.tasks.send_notifications",
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=True,
    max_retries=5,
)
def send_notifications(kind, params):
    """Render the emails of one event (`notify`) in each recipient's language and send each by
    its own task, so that a failed delivery is retried alone. A database that is briefly away
    retries the whole event: nothing is queued before every email is built."""
    for recipient, subject, body, headers in build(kind, params):
        hand_over(subject, body, [recipient], headers=headers)


# --- Stored events -----------------------------------------------------------------------------


@dataclass
class Sent:
    """What one `send_pending` run did: events whose every email was handed over (their rows
    deleted), emails handed over, and events that failed this time (kept)."""

    events: int = 0
    emails: int = 0
    failed: int = 0


def send_pending(batch_size=BATCH):
    """Send the stored events (`notify` without a broker, or when it could not be reached),
    oldest first, each as the
    `send_notifications` task does: every email built, then each handed to `send_email`. Events
    stored while it runs are sent too; an event waiting for its next attempt, one another sender
    holds, and one that failed `MAX_ATTEMPTS` times are left alone. Returns a `Sent`.

    A sender first claims the event (one UPDATE that only one sender can win, on either
    database; no transaction is held while the mail server answers); a claim another sender
    left behind (it stopped) expires after `CLAIM_SECONDS`. An event of several emails keeps
    them, built, on its row, and what is left of them every `CHECKPOINT` emails handed over:
    a sender stopped half-way leaves at most that many to be sent again. The row is deleted
    once every email is handed over.

    An event that cannot be built, or some of whose emails cannot be handed over, keeps its row
    with `attempts` one more, the error and the emails still to send, and waits before its next
    attempt (`RETRY_SECONDS`, doubled at each attempt: a mail server away for a while does not
    use up the attempts of everything stored meanwhile). The failure is logged; the other events
    are still sent.

    Side effects: the emails; rows deleted or updated."""
    sent = Sent()
    after = 0
    while True:
        ids = list(
            _ready(PendingNotification.objects.filter(pk__gt=after))
            .order_by("pk")
            .values_list("pk", flat=True)[:batch_size]
        )
        for pk in ids:
            try:
                _send_event(pk, sent)
            except DatabaseError:
                # This event's turn ends (a busy or lost database); the others still have theirs.
                log.exception("Sending stored notification %s failed; it waits.", pk)
                sent.failed += 1
        if len(ids) < batch_size:
            return sent
        after = ids[-1]


def _ready(rows):
    """The events of `rows` a sender may take now."""
    now = timezone.now()
    return rows.filter(
        Q(claimed_until__isnull=True) | Q(claimed_until__lt=now),
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now),
        attempts__lt=MAX_ATTEMPTS,
    )


def _claim(pk):
    """The claim this sender now holds on the event `pk` (no other sender does), or None."""
    claim = uuid.uuid4().hex
    until = timezone.now() + timedelta(seconds=CLAIM_SECONDS)
    rows = _ready(PendingNotification.objects.filter(pk=pk))
    return claim if rows.update(claim=claim, claimed_until=until) == 1 else None


def _held(event):
    """The row of `event` while this sender's claim on it stands (not expired and taken by
    another sender, nor revoked by an account's erasure)."""
    return PendingNotification.objects.filter(pk=event.pk, claim=event.claim)


def _send_event(pk, sent):
    claim = _claim(pk)
    if claim is None:  # sent meanwhile, held by another sender, or waiting
        return
    event = PendingNotification.objects.filter(pk=pk, claim=claim).first()
    if event is None:  # deleted meanwhile (an account's erasure, the admin)
        return
    emails = event.emails
    if emails is None:
        try:
            emails = [list(email) for email in build(event.kind, event.params)]
        except Exception as error:
            _keep(event, error, None)
            sent.failed += 1
            return
        if len(emails) > 1 and not _checkpoint(event, emails):
            return
    left, error, since = [], None, time.monotonic()
    for number, email in enumerate(emails, start=1):
        recipient, subject, body, headers = email
        try:
            # A broker that cannot be reached does not use up the event's attempts: sent here.
            if not background.queue(send_email, subject, body, [recipient], headers=headers):
                send_email.run(subject, body, [recipient], headers=headers)
        except Exception as failure:
            left.append(email)
            error = failure
        else:
            sent.emails += 1
        due = number % CHECKPOINT == 0 or time.monotonic() - since > CHECKPOINT_SECONDS
        if due and number < len(emails):
            since = time.monotonic()
            if not _checkpoint(event, left + emails[number:]):
                return  # its claim expired and another sender took it, or it was revoked
    if left:
        _keep(event, error, left)
        sent.failed += 1
        return
    _held(event).delete()
    sent.events += 1


def _checkpoint(event, emails):
    """What is left to send of the claimed `event`, kept on its row, and the claim renewed;
    False when the claim no longer stands (then this sender stops)."""
    until = timezone.now() + timedelta(seconds=CLAIM_SECONDS)
    return _held(event).update(emails=emails, claimed_until=until) == 1


def _keep(event, error, left):
    """The event failed: one more attempt counted, the error, the emails still to send (None:
    not built yet), its next attempt later, the claim released."""
    if isinstance(error, Retry) and isinstance(error.exc, Exception):
        error = error.exc  # a task run in process (no broker) gives its retry up at once
    # The kind and the row, not the params: a log is read by more people than the database.
    log.error(
        "Notification %s (stored event %s) failed (attempt %s of %s).",
        event.kind,
        event.pk,
        event.attempts + 1,
        MAX_ATTEMPTS,
        exc_info=error,
    )
    wait = RETRY_SECONDS * 2**event.attempts
    _held(event).update(
        attempts=F("attempts") + 1,
        last_error=f"{type(error).__name__}: {error}"[:2000],
        emails=left,
        claim=None,
        claimed_until=None,
        next_attempt_at=timezone.now() + timedelta(seconds=wait),
    )


# --- Personal data -----------------------------------------------------------------------------


def _waiting_for(user):
    """{row: [its emails to `user`]} for the events keeping rendered emails (failed part-way)."""
    found = {}
    if not user.email:
        return found
    address = user.email.lower()
    for event in PendingNotification.objects.filter(emails__isnull=False).order_by("pk"):
        mine = [email for email in event.emails if email[0].lower() == address]
        if mine:
            found[event] = mine
    return found


def export_waiting_emails(user):
    """A person's data: the emails to them built and not sent yet (an event that failed)."""
    return [
        {"subject": subject, "body": body, "since": event.created_at.isoformat()}
        for event, mine in _waiting_for(user).items()
        for _recipient, subject, body, _headers in mine
    ]


def erase_waiting_emails(user):
    """Deleting an account drops the emails to it built and not sent yet (an event whose other
    emails wait keeps those)."""
    address = user.email.lower() if user.email else ""
    for event in _waiting_for(user):
        left = [email for email in event.emails if email[0].lower() != address]
        rows = PendingNotification.objects.filter(pk=event.pk)
        if left:
            # A sender holding it loses its claim (its next checkpoint finds it gone and stops,
            # instead of writing the erased emails back); the next one sends what is left.
            rows.update(emails=left, claim=None, claimed_until=None)
        else:
            rows.delete()
