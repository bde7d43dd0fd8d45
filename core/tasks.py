"""The core tasks, defined with what they serve (`core.mail`) and registered under these names."""

from core.mail import send_email, send_notifications

__all__ = ["send_email", "send_notifications"]
