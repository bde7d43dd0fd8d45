"""The one way email leaves the site.

A domain command calls `notify(kind, **params)` inside its transaction. Once the transaction
commits (nothing is sent about a change that rolled back) the `core.tasks.send_notifications`
task runs in the worker: it asks the builder the owning app registered for `kind`
(`register_builder`, in its AppConfig.ready()) for the emails, each an `Email` saying who gets it,
which templates and context, in which language and, for emails people can stop, the link that
stops them. Each email is rendered in its recipient's language there, with `List-Unsubscribe`
headers when it has such a link, and sent by the `send_email` task (retried on network errors).
Both tasks are defined here and registered under `core.tasks.*` (the module Celery discovers).

Builders read the database when the task runs, so `params` are plain JSON values (ids, codes,
ISO dates). The only emails rendered elsewhere are allauth's (address confirmation, password
reset): allauth renders them in the request, in the language of the person making it, and
`accounts.adapter` hands them to `send_email` too.
"""

import json
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field

from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import InterfaceError, OperationalError, transaction
from django.template.loader import render_to_string
from django.utils import translation

BUILDERS = {}
_silence = threading.local()


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


def register_builder(kind, builder):
    """`builder(**params)` returns the `Email`s of one event of `kind`, e.g.
    "consultations.reply"."""
    BUILDERS[kind] = builder


def notify(kind, **params):
    """Send the emails of one event of `kind` once the current transaction commits (not inside
    `silenced()`). Side effects: an on-commit hook that queues the `send_notifications` task."""
    if kind not in BUILDERS:
        raise LookupError(f"No email builder is registered for {kind!r}.")
    if getattr(_silence, "on", False):
        return
    # Through the broker as JSON: a value that is not plain JSON fails here, in tests too (they
    # run the task in process, where nothing would be serialised).
    params = json.loads(json.dumps(params))
    transaction.on_commit(lambda: send_notifications.delay(kind, params))


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
        send_email.delay(subject, body, [recipient], headers=headers)
