import secrets

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.files import File
from django.db import models
from django.db.models.functions import Now
from django.utils.translation import gettext_lazy as _

from core.verbs import display_value, verb_label


class AppendOnlyError(Exception):
    """Raised when code tries to change or remove a row of an append-only table."""


class AppendOnlyQuerySet(models.QuerySet):
    """A queryset that refuses bulk changes: the rows are a record, not state."""

    def update(self, **kwargs):
        raise AppendOnlyError(f"{self.model.__name__} rows cannot be updated.")

    def delete(self):
        raise AppendOnlyError(f"{self.model.__name__} rows cannot be deleted.")

    def bulk_update(self, objs, fields, batch_size=None):
        raise AppendOnlyError(f"{self.model.__name__} rows cannot be updated.")


class AppendOnlyModel(models.Model):
    """Base for tables that only ever grow. `save()` inserts once; updates and deletes raise."""

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError(f"{type(self).__name__} rows cannot be updated.")
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError(f"{type(self).__name__} rows cannot be deleted.")


def stored_file_path(instance, filename):
    """Where a StoredFile's content goes: a random name under its model's folder and owner (e.g.
    "attachments/12/3f…9a.pdf"). The uploaded name is kept in the row, never trusted as a path."""
    owner = getattr(instance, instance.upload_owner_field)
    return f"{instance.upload_folder}/{owner}/{secrets.token_hex(16)}.{instance.extension}"


class StoredFile(AppendOnlyModel):
    """A file kept as it was received, append-only: a proposal's attachment, a submission's
    document. Subclasses name the folder and the field of the owner's id the file is stored
    under (`upload_folder`, `upload_owner_field`); the file's type is checked by content before
    it is stored (`proposals.attachments.check_upload`)."""

    upload_folder = None
    upload_owner_field = None

    file = models.FileField(upload_to=stored_file_path, max_length=200)
    name = models.CharField(_("file name"), max_length=200)
    extension = models.CharField(max_length=8)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField(_("size"))
    sha256 = models.CharField(_("SHA-256 hash"), max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        abstract = True

    def __str__(self):
        return self.name

    @classmethod
    def store(cls, upload, *, name, extension, content_type, sha256, uploaded_by, **fields):
        """Save `upload` (already checked) as a new row with `fields` (its owner, its kind…).
        Returns the row. Side effects: the file written to storage; the row inserted."""
        stored = cls(
            name=name,
            extension=extension,
            content_type=content_type,
            size=upload.size,
            sha256=sha256,
            uploaded_by=uploaded_by,
            **fields,
        )
        stored.file.save(name, File(upload), save=False)
        stored.save()
        return stored


class ActivityLogQuerySet(AppendOnlyQuerySet):
    def for_object(self, obj):
        return self.filter(
            target_type=ContentType.objects.get_for_model(obj), target_id=str(obj.pk)
        )

    def for_scope(self, obj):
        """Everything logged under an owner object, e.g. an organisation and its memberships."""
        return self.filter(scope_type=ContentType.objects.get_for_model(obj), scope_id=str(obj.pk))


class ActivityLog(AppendOnlyModel):
    """One state change: who did what to which object, the old and new value, when.

    `target` is the object that changed; `scope` is the object whose history tab shows the row
    (for a membership change, the organisation). Verbs are dotted names listed in
    `core.activity.VERBS`, which also holds their translated labels.
    """

    created_at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    verb = models.CharField(_("action"), max_length=64, db_index=True)
    target_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    target_id = models.CharField(max_length=64)
    target = GenericForeignKey("target_type", "target_id")
    target_repr = models.CharField(_("object"), max_length=300)
    scope_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    scope_id = models.CharField(max_length=64)
    scope = GenericForeignKey("scope_type", "scope_id")
    old_value = models.TextField(_("old value"), blank=True)
    new_value = models.TextField(_("new value"), blank=True)
    data = models.JSONField(default=dict, blank=True)

    objects = ActivityLogQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["scope_type", "scope_id", "-created_at"]),
            models.Index(fields=["target_type", "target_id", "-created_at"]),
        ]
        verbose_name = _("activity log entry")
        verbose_name_plural = _("activity log")

    def __str__(self):
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.verb} {self.target_repr}"

    @property
    def label(self):
        return verb_label(self.verb)

    @property
    def old_display(self):
        return display_value(self, self.old_value)

    @property
    def new_display(self):
        return display_value(self, self.new_value)

    @property
    def field_label(self):
        """The translated name of the changed field, for "details changed" rows."""
        field = self.data.get("field")
        if not field:
            return ""
        model = self.target_type.model_class()
        try:
            return model._meta.get_field(field).verbose_name
        except Exception:  # a field since renamed: show its stored name
            return field


class PostedForm(models.Model):
    """A form that was sent once: its token (a hidden field the page rendered) and what sending
    it made. A second request with the same token (a double click, a duplicated tab, a resend
    after a timeout) finds this row and lands on the same result instead of doing it again
    (`core.idempotency`). Rows are kept for FORM_TOKEN_DAYS, then purged."""

    token = models.CharField(max_length=64, unique=True)
    kind = models.CharField(max_length=50)
    # SHA-256 of where the form was sent and what it held: a resend is the same form only if
    # both are the same (an edited resend from a duplicated tab is a new sending).
    fingerprint = models.CharField(max_length=64)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.CASCADE, related_name="+"
    )
    result_type = models.ForeignKey(
        ContentType, null=True, on_delete=models.CASCADE, related_name="+"
    )
    result_id = models.CharField(max_length=64, blank=True)
    result = GenericForeignKey("result_type", "result_id")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("sent form")
        verbose_name_plural = _("sent forms")

    def __str__(self):
        return f"{self.kind} {self.token[:8]}"


class PendingNotification(models.Model):
    """One event whose emails are still to be sent (`core.mail.notify` without a broker, or
    when it could not be reached):
    stored in the transaction of the change it is about, deleted by the sender
    (`core.mail.send_pending`) once every email of it is handed over.

    `emails` stays empty until a sender built the emails of an event of several, or of one that
    could not be handed over: then it holds those still to send (rendered: recipient, subject,
    body, headers), and a later attempt sends only them, so nobody gets an email twice because
    someone else's failed or a sender stopped half-way."""

    kind = models.CharField(max_length=100)
    params = models.JSONField(default=dict)
    # The database's clock: nothing in the request computes it.
    created_at = models.DateTimeField(db_default=Now())
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True, default="")
    emails = models.JSONField(null=True, blank=True)
    # The sender holding it (`core.mail`), until then; its next attempt after a failure.
    claim = models.CharField(max_length=32, null=True, blank=True)
    claimed_until = models.DateTimeField(null=True, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("notification waiting to be sent")
        verbose_name_plural = _("notifications waiting to be sent")

    def __str__(self):
        return f"{self.kind} {self.pk}"
