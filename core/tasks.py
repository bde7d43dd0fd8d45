from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMultiAlternatives


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_email(subject, body, recipients, html=None, headers=None):
    message = EmailMultiAlternatives(
        subject, body, settings.DEFAULT_FROM_EMAIL, recipients, headers=headers or None
    )
    if html:
        message.attach_alternative(html, "text/html")
    message.send()
