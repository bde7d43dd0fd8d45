"""Small readers shared by the accounts tests."""

import re

from django.contrib.messages import get_messages
from django.core import mail

from core.models import ActivityLog


def messages_of(response):
    """The texts of the messages a response queued for the next page."""
    return [str(message) for message in get_messages(response.wsgi_request)]


def link_in(message, prefix):
    """The path of the first link in an email body that starts with `prefix`."""
    match = re.search(rf"https?://[^/\s]+({re.escape(prefix)}\S*)", message.body)
    assert match, f"no {prefix} link in: {message.body}"
    return match.group(1)


def sign_up_data(email, password="a-long-secret-99", *, display_name="Ioana Radu", consent=True):
    """What the sign-up form takes: the display name, the address, the password twice and the
    consent to the terms of use and the privacy notice."""
    data = {
        "display_name": display_name,
        "email": email,
        "password1": password,
        "password2": password,
    }
    if consent:
        data["consent"] = "on"
    return data


def only_email():
    assert len(mail.outbox) == 1, [m.subject for m in mail.outbox]
    return mail.outbox[0]


def log_rows(**filters):
    """(verb, actor id, old value, new value) of the matching activity-log rows, oldest first."""
    return list(
        ActivityLog.objects.filter(**filters)
        .order_by("created_at", "id")
        .values_list("verb", "actor_id", "old_value", "new_value")
    )
