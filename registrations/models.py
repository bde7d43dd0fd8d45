"""Submissions to public authorities, the documents they carry and the reminders sent.

The tables kept the names they had when these models lived in `proposals` (`db_table`): the
PostgreSQL trigger of `proposals/migrations/0006_submission_guard.py` guards
`proposals_submission` as before.
"""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accounts.models import Organization
from core.models import AppendOnlyModel, StoredFile
from core.text import identifier_key
from core.validators import no_control_characters
from proposals.models import Proposal, Revision


class SubmissionStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    REGISTERED = "registered", _("Registered")
    ANSWERED = "answered", _("Answered")


# The moves of a submission's status; `registrations.domain` refuses any other. A registration
# the sender declared (the authority is not on the platform) stays "registered" when the
# authority later confirms or corrects it; overdue is derived from the deadline, not stored.
TRANSITIONS = {
    SubmissionStatus.SUBMITTED: {SubmissionStatus.REGISTERED},
    SubmissionStatus.REGISTERED: {SubmissionStatus.ANSWERED},
    SubmissionStatus.ANSWERED: set(),
}


class Channel(models.TextChoices):
    PLATFORM = "platform", _("Through the platform")
    EMAIL = "email", _("Email")
    POST = "post", _("Post")
    IN_PERSON = "in_person", _("In person")

    @classmethod
    def outside(cls):
        """The channels of proposals received outside the platform."""
        return [(value, label) for value, label in cls.choices if value != cls.PLATFORM]


class RegistrationSource(models.TextChoices):
    AUTHORITY = "authority", _("Confirmed by the authority")
    SUBMITTER = "submitter", _("Declared by the submitter")


class AnswerStatus(models.TextChoices):
    ACCEPTED = "accepted", _("Accepted")
    PARTIALLY_ACCEPTED = "partially_accepted", _("Partially accepted")
    REJECTED = "rejected", _("Rejected")
    FORWARDED = "forwarded", _("Forwarded to the competent authority")


class FrozenFieldError(Exception):
    """Raised when code tries to change what a submission froze when it was made."""


def registration_number_key(number):
    """What registration numbers are compared by (`core.text.identifier_key`); None for no
    number. Unique per authority and year in the database."""
    return identifier_key(number) or None


class SubmissionQuerySet(models.QuerySet):
    FROZEN = ("proposal", "revision", "content_hash", "tracking_code", "authority", "submitted_at")

    def update(self, **kwargs):
        frozen = {name.removesuffix("_id") for name in kwargs} & set(self.FROZEN)
        if frozen:
            raise FrozenFieldError(f"Submission fields {sorted(frozen)} cannot be changed.")
        if "registration_number" in kwargs and "registration_number_key" not in kwargs:
            number = kwargs["registration_number"]
            if not isinstance(number, str):
                raise TypeError("Give registration_number_key with a computed registration_number.")
            kwargs["registration_number_key"] = registration_number_key(number)
        return super().update(**kwargs)

    def delete(self):
        raise FrozenFieldError("Submissions are a record: they cannot be deleted.")

    def through_platform(self):
        return self.filter(proposal__isnull=False)

    def overdue(self, today):
        """Registered and unanswered after the deadline (derived, never stored)."""
        return self.filter(status=SubmissionStatus.REGISTERED, deadline__lt=today)


class Submission(models.Model):
    """A proposal addressed to a public authority, and what the authority did with it.

    Made by an NGO through the platform (it then freezes one revision and its SHA-256 hash), or
    logged by the authority's registrar for a proposal that arrived by post, email or in person.
    What is frozen at submission (`FROZEN`) is never updated: `save()`, the queryset and, on
    PostgreSQL, a trigger refuse it. Overdue is derived from the deadline, never stored.
    """

    FROZEN = SubmissionQuerySet.FROZEN

    proposal = models.ForeignKey(
        Proposal,
        verbose_name=_("proposal"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="submissions",
    )
    revision = models.ForeignKey(
        Revision,
        verbose_name=_("revision"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="submissions",
    )
    content_hash = models.CharField(_("SHA-256 hash"), max_length=64, blank=True)
    authority = models.ForeignKey(
        Organization,
        verbose_name=_("authority"),
        on_delete=models.PROTECT,
        related_name="received_submissions",
    )
    tracking_code = models.CharField(_("tracking code"), max_length=16, unique=True)
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=SubmissionStatus.choices,
        default=SubmissionStatus.SUBMITTED,
        db_index=True,
    )
    # Who sent it: the NGO for platform submissions (its name copied at submission), any person
    # or organisation for proposals logged by the authority.
    sender_organization = models.ForeignKey(
        Organization,
        verbose_name=_("sending organisation"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="sent_submissions",
    )
    sender_name = models.CharField(_("sender"), max_length=200, validators=[no_control_characters])
    title = models.CharField(_("title"), max_length=300, validators=[no_control_characters])
    cover_letter = models.TextField(
        _("cover letter"), blank=True, max_length=20000, validators=[no_control_characters]
    )
    submitted_at = models.DateTimeField(_("submitted"))
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("submitted by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    received_on = models.DateField(_("received on"), null=True, blank=True)

    registration_number = models.CharField(
        _("registration number"), max_length=50, blank=True, validators=[no_control_characters]
    )
    # `registration_number_key(registration_number)`, kept by `save()` and `update()`: numbers
    # that look the same (case, invisible characters, look-alike letters) have the same key, and
    # the key is unique per authority and year. None without a number, and for the rare rows
    # registered before the key existed whose number looked like an earlier one's (migration
    # registrations 0002).
    registration_number_key = models.TextField(null=True, blank=True, editable=False)
    registration_date = models.DateField(_("registration date"), null=True, blank=True)
    # The year of the registration date: registration numbers are unique per authority and year.
    registration_year = models.PositiveSmallIntegerField(null=True, blank=True, editable=False)
    registration_source = models.CharField(
        _("registration recorded by"),
        max_length=16,
        choices=RegistrationSource.choices,
        blank=True,
    )
    registered_at = models.DateTimeField(_("registration recorded"), null=True, blank=True)
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("registered by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    original_deadline = models.DateField(_("original answer deadline"), null=True, blank=True)
    deadline = models.DateField(_("answer deadline"), null=True, blank=True, db_index=True)
    extended_at = models.DateTimeField(_("deadline extended"), null=True, blank=True)
    extension_reason = models.TextField(
        _("reason for the extension"), blank=True, validators=[no_control_characters]
    )

    answer_status = models.CharField(
        _("answer"), max_length=24, choices=AnswerStatus.choices, blank=True
    )
    answer_text = models.TextField(
        _("answer text"), blank=True, max_length=50000, validators=[no_control_characters]
    )
    answered_on = models.DateField(_("answer date"), null=True, blank=True)
    answered_at = models.DateTimeField(_("answer recorded"), null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("answered by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    objects = SubmissionQuerySet.as_manager()

    class Meta:
        db_table = "proposals_submission"
        ordering = ["-submitted_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["authority", "registration_year", "registration_number_key"],
                condition=models.Q(registration_year__isnull=False),
                name="unique_registration_number_key_per_authority_year",
            ),
            models.CheckConstraint(
                condition=models.Q(proposal__isnull=True) | models.Q(revision__isnull=False),
                name="platform_submission_has_revision",
            ),
        ]
        verbose_name = _("submission")
        verbose_name_plural = _("submissions")

    def __str__(self):
        return f"{self.tracking_code} — {self.title}"[:300]

    def save(self, *args, **kwargs):
        update_fields = kwargs.get("update_fields")
        if update_fields is None or "registration_number" in update_fields:
            self.registration_number_key = registration_number_key(self.registration_number)
            if update_fields is not None:
                kwargs["update_fields"] = {*update_fields, "registration_number_key"}
        frozen = getattr(self, "_frozen", None)
        if frozen is not None and not self._state.adding:
            for name, value in frozen.items():
                if getattr(self, model_field_attname(type(self), name)) != value:
                    raise FrozenFieldError(f"Submission.{name} cannot be changed.")
        super().save(*args, **kwargs)
        self._frozen = {
            name: getattr(self, model_field_attname(type(self), name)) for name in self.FROZEN
        }

    def get_absolute_url(self):
        return reverse("registration:submission", args=[self.tracking_code])

    def delete(self, *args, **kwargs):
        raise FrozenFieldError("Submissions are a record: they cannot be deleted.")

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        instance._frozen = {
            name: getattr(instance, model_field_attname(cls, name))
            for name in cls.FROZEN
            if model_field_attname(cls, name) in field_names
        }
        return instance

    @property
    def through_platform(self):
        return self.proposal_id is not None

    @property
    def is_registered(self):
        return self.registration_date is not None

    @property
    def is_declared(self):
        return self.registration_source == RegistrationSource.SUBMITTER

    @property
    def is_extended(self):
        return self.extended_at is not None

    @property
    def country(self):
        return self.authority.country

    def local_today(self):
        """Today on the authority's calendar (deadlines are dates in its country)."""
        return local_today(self.authority)

    def is_overdue(self, today=None):
        today = today or self.local_today()
        return (
            self.status == SubmissionStatus.REGISTERED
            and self.deadline is not None
            and self.deadline < today
        )

    def days_left(self, today=None):
        from registrations import deadlines

        if self.deadline is None or self.status == SubmissionStatus.ANSWERED:
            return None
        today = today or self.local_today()
        return deadlines.calendar_days_left(self.deadline, today)

    def working_days_left(self, today=None):
        from registrations import deadlines

        if self.deadline is None or self.status == SubmissionStatus.ANSWERED:
            return None
        today = today or self.local_today()
        return deadlines.working_days_between(today, self.deadline, self.country)

    def days_to_answer(self):
        if self.answered_on is None or self.registration_date is None:
            return None
        return (self.answered_on - self.registration_date).days


def local_today(organization):
    from zoneinfo import ZoneInfo

    from django.utils import timezone

    return timezone.localdate(timezone=ZoneInfo(organization.time_zone))


def model_field_attname(model, name):
    return model._meta.get_field(name).attname


class DocumentKind(models.TextChoices):
    RECEIVED = "received", _("Document received")
    ANSWER = "answer", _("Answer document")


class SubmissionDocument(StoredFile):
    """A file of a submission: what arrived on paper or by email, or the authority's answer.
    Append-only; its type is checked by content, as for attachments."""

    upload_folder = "submissions"
    upload_owner_field = "submission_id"

    submission = models.ForeignKey(Submission, on_delete=models.PROTECT, related_name="documents")
    kind = models.CharField(_("kind"), max_length=16, choices=DocumentKind.choices)

    class Meta:
        db_table = "proposals_submissiondocument"
        ordering = ["uploaded_at", "pk"]
        verbose_name = _("submission document")
        verbose_name_plural = _("submission documents")

    def get_absolute_url(self):
        return reverse(
            "registration:document", args=[self.submission.tracking_code, self.pk, self.name]
        )


class ReminderKind(models.TextChoices):
    DUE_SOON = "due_soon", _("Answer due soon")
    OVERDUE = "overdue", _("Answer overdue")


class Reminder(AppendOnlyModel):
    """One reminder email sent, so that the scheduled task never sends the same one twice."""

    submission = models.ForeignKey(Submission, on_delete=models.PROTECT, related_name="reminders")
    kind = models.CharField(max_length=16, choices=ReminderKind.choices)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    sent_on = models.DateField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "proposals_reminder"
        ordering = ["-sent_on", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["submission", "kind", "recipient", "sent_on"],
                name="unique_reminder_per_day",
            )
        ]
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")

    def __str__(self):
        return f"{self.kind} {self.submission_id} {self.sent_on}"


# --- The annual report on decisional transparency (Law 52/2003 art. 13) -------------------------


class ReportStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")


# The moves of an annual report: a draft is published; a published report is corrected by
# publishing it again, which adds a version (`AnnualReportVersion`) and never changes one.
REPORT_TRANSITIONS = {
    ReportStatus.DRAFT: {ReportStatus.PUBLISHED},
    ReportStatus.PUBLISHED: {ReportStatus.PUBLISHED},
}


class AnnualReport(models.Model):
    """An authority's annual report on decisional transparency for one year (Law 52/2003 art.
    13): the parts the authority writes by hand — (e) the court actions for breaches of the
    law, (f) its own assessment of the partnership with citizens and their associations, (g)
    the meetings not made public and the reasons. The figures (a)–(d) are counted from the
    consultations (`registrations.reports`). These fields are the working draft; what was
    published is frozen in `AnnualReportVersion` rows."""

    authority = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="annual_reports"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    status = models.CharField(
        _("status"), max_length=10, choices=ReportStatus.choices, default=ReportStatus.DRAFT
    )
    court_actions = models.PositiveIntegerField(_("number of court actions"), default=0)
    court_actions_text = models.TextField(
        _("court actions"), max_length=10000, blank=True, validators=[no_control_characters]
    )
    assessment = models.TextField(
        _("own assessment"), max_length=20000, blank=True, validators=[no_control_characters]
    )
    closed_meetings = models.PositiveIntegerField(
        _("number of meetings not made public"), default=0
    )
    closed_meetings_reasons = models.TextField(
        _("reasons for restricting access"),
        max_length=10000,
        blank=True,
        validators=[no_control_characters],
    )
    # The number of the current published version (0 while never published).
    published_version = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField()
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["authority", "-year"]
        constraints = [
            models.UniqueConstraint(
                fields=["authority", "year"], name="one_annual_report_per_authority_and_year"
            )
        ]
        verbose_name = _("annual report")
        verbose_name_plural = _("annual reports")

    def __str__(self):
        return f"{self.authority} {self.year}"

    def get_absolute_url(self):
        return reverse("registration:report", args=[self.authority.slug, self.year])

    @property
    def is_published(self):
        return self.status == ReportStatus.PUBLISHED


class AnnualReportVersion(AppendOnlyModel):
    """One published version of an annual report: the figures as they were counted when it was
    published (`figures`: the totals and the rows each counts, `registrations.reports`) and the
    parts written by hand. Append-only (a trigger on PostgreSQL): a correction is a new
    version with its reason, and every earlier one stays readable."""

    report = models.ForeignKey(AnnualReport, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField()
    figures = models.JSONField()
    court_actions = models.PositiveIntegerField()
    court_actions_text = models.TextField(blank=True)
    assessment = models.TextField(blank=True)
    closed_meetings = models.PositiveIntegerField()
    closed_meetings_reasons = models.TextField(blank=True)
    correction_reason = models.TextField(blank=True)
    published_at = models.DateTimeField()
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["report", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["report", "number"], name="unique_annual_report_version"
            )
        ]
        verbose_name = _("version of an annual report")
        verbose_name_plural = _("versions of an annual report")

    def __str__(self):
        return f"{self.report} v{self.number}"
