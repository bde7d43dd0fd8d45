"""Emails rendered in the recipient's language and sent by a background task after commit."""

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import translation

from core.tasks import send_email


def absolute_url(path, base_url=None):
    return (base_url or settings.SITE_URL).rstrip("/") + path


def queue_email(template_prefix, recipient, context, language):
    """Render `<prefix>_subject.txt` and `<prefix>_body.txt` in `language`; send after commit.

    Rendering happens now (inside the caller's transaction, with its data); sending waits until
    the transaction commits so that no email ever describes a change that was rolled back.
    """
    with translation.override(language):
        subject = render_to_string(f"{template_prefix}_subject.txt", context).strip()
        body = render_to_string(f"{template_prefix}_body.txt", context)
    subject = " ".join(subject.split())
    transaction.on_commit(lambda: send_email.delay(subject, body, [recipient]))
