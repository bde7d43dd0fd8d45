"""Registrar tokens: how an authority's records system writes to the API.

A token belongs to one user (the registrar who made it) and is scoped to one authority. Its
secret is shown once, when it is made: only its SHA-256 (`key_hash`) and its first characters
(`prefix`, to tell tokens apart) are stored. A revoked token stays, for the record.
"""

import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Organization

PREFIX_LENGTH = 8


def new_secret():
    """43 URL-safe characters (256 random bits)."""
    return secrets.token_urlsafe(32)


def hash_secret(secret):
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


class ApiTokenQuerySet(models.QuerySet):
    def active(self):
        return self.filter(revoked_at__isnull=True)


class ApiToken(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="api_tokens",
    )
    authority = models.ForeignKey(
        Organization,
        verbose_name=_("authority"),
        on_delete=models.CASCADE,
        related_name="api_tokens",
    )
    name = models.CharField(_("name"), max_length=100)
    key_hash = models.CharField(_("SHA-256 of the secret"), max_length=64, unique=True)
    prefix = models.CharField(_("prefix"), max_length=PREFIX_LENGTH)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_revoked(self):
        return self.revoked_at is not None
