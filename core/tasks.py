"""The core tasks, defined with what they serve (`core.mail`, `core.idempotency`) and registered
under these names."""

from core.idempotency import purge_form_tokens
from core.mail import send_email, send_notifications, send_stored_notifications

__all__ = ["purge_form_tokens", "send_email", "send_notifications", "send_stored_notifications"]
