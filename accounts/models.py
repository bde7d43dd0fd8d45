import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.validators import RegexValidator
from django.db import models
from django.dispatch import Signal
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts import regions
from core.models import AppendOnlyModel
from core.validators import no_control_characters


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields["is_staff"] = True
        extra_fields["is_superuser"] = True
        return self._create_user(email, password, **extra_fields)


class User(AbstractBaseUser, PermissionsMixin):
    """An account, identified by email. A deleted account stays as an anonymous tombstone.

    Deleting an account clears every personal value (see `accounts.domain.delete_account`) but
    keeps the row, so comments and log rows that point at it stay consistent and show as
    "deleted account".
    """

    # Null only for deleted accounts; several NULLs never clash with the unique constraint.
    email = models.EmailField(_("email address"), unique=True, null=True, blank=True)
    is_staff = models.BooleanField(
        _("staff status"),
        default=False,
        help_text=_("Site staff: moderators and administrators."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)
    deleted_at = models.DateTimeField(_("deleted at"), null=True, blank=True)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = []

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self):
        return self.public_name

    @property
    def is_deleted(self):
        return self.deleted_at is not None

    @property
    def public_name(self):
        """The name shown publicly: never the email address."""
        if self.deleted_at is not None:
            return str(_("Deleted account"))
        profile = getattr(self, "profile", None)
        if profile is not None and profile.display_name:
            return profile.display_name
        return str(_("Participant #%(number)s") % {"number": self.pk})

    # Third-party code (the comments package's admin, feeds and template tags) asks for these;
    # they give the public name, never the email address.
    def get_full_name(self):
        return self.public_name

    def get_short_name(self):
        return self.public_name


class RespondentCategory(models.TextChoices):
    CITIZEN = "citizen", _("Citizen")
    NGO = "ngo", _("Non-governmental organisation")
    BUSINESS = "business", _("Business")
    ACADEMIA = "academia", _("Academia")
    PUBLIC_AUTHORITY = "public_authority", _("Public authority")
    OTHER = "other", _("Other")


class Profile(models.Model):
    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="profile")
    display_name = models.CharField(
        _("display name"),
        max_length=80,
        blank=True,
        validators=[no_control_characters],
        help_text=_("Shown publicly next to your comments instead of your email address."),
    )
    locality = models.CharField(
        _("locality"), max_length=100, blank=True, validators=[no_control_characters]
    )
    region = models.CharField(
        _("county or province"),
        max_length=8,
        blank=True,
        choices=regions.CHOICES,
        help_text=_(
            "Optional. Counted, with no name, in the participation figures of the "
            "consultations you take part in."
        ),
    )
    respondent_category = models.CharField(
        _("respondent category"),
        max_length=20,
        choices=RespondentCategory.choices,
        default=RespondentCategory.CITIZEN,
        help_text=_("Used in consultation reports to count who took part."),
    )
    language = models.CharField(
        _("language"),
        max_length=8,
        choices=settings.LANGUAGES,
        default=settings.LANGUAGE_CODE,
        help_text=_("The language of the emails we send you."),
    )

    class Meta:
        verbose_name = _("profile")
        verbose_name_plural = _("profiles")

    def __str__(self):
        return self.display_name or f"#{self.user_id}"

    def save(self, *args, **kwargs):
        """Save; when the display name of a saved profile changed, send
        `public_name_changed` (pages that show the name are rendered again).

        Side effects: the row; the signal's receivers (consultations: the threads with this
        person's comments move on)."""
        saved = getattr(self, "_saved_display_name", None)
        renamed = self.pk is not None and saved is not None and saved != self.display_name
        super().save(*args, **kwargs)
        self._saved_display_name = self.display_name
        if renamed:
            public_name_changed.send(sender=Profile, user_id=self.user_id)

    @classmethod
    def from_db(cls, db, field_names, values):
        profile = super().from_db(db, field_names, values)
        profile._saved_display_name = profile.__dict__.get("display_name")
        return profile


# Sent when a person's public name changes (`Profile.save`), with `user_id`.
public_name_changed = Signal()


class OrganizationKind(models.TextChoices):
    NGO = "ngo", _("NGO")
    AUTHORITY = "authority", _("Public authority")
    OTHER = "other", _("Other organisation")


class Country(models.TextChoices):
    RO = "RO", _("Romania")
    BG = "BG", _("Bulgaria")


slug_validator = RegexValidator(
    r"^[a-z0-9]+(?:-[a-z0-9]+)*$",
    _("Use lowercase letters, digits and single hyphens, e.g. asociatia-civica-vrancea."),
)


class OrganizationQuerySet(models.QuerySet):
    def authorities(self):
        return self.filter(kind=OrganizationKind.AUTHORITY)

    def verified(self):
        return self.filter(verified_at__isnull=False)


class Organization(models.Model):
    kind = models.CharField(_("kind"), max_length=16, choices=OrganizationKind.choices)
    name = models.CharField(_("name"), max_length=200, validators=[no_control_characters])
    slug = models.SlugField(
        _("address name"),
        max_length=80,
        unique=True,
        validators=[slug_validator],
        help_text=_("Part of the page address: /organisations/<address name>/."),
    )
    country = models.CharField(_("country"), max_length=2, choices=Country.choices)
    county = models.CharField(
        _("county or province"), max_length=100, blank=True, validators=[no_control_characters]
    )
    locality = models.CharField(
        _("locality"), max_length=100, blank=True, validators=[no_control_characters]
    )
    fiscal_code = models.CharField(
        _("fiscal code"),
        max_length=20,
        blank=True,
        validators=[
            RegexValidator(
                r"^(RO|BG)?[0-9]{2,13}$",
                _("A fiscal code is digits, optionally prefixed by RO or BG."),
            )
        ],
    )
    website = models.URLField(_("website"), blank=True)
    description = models.TextField(
        _("description"), blank=True, max_length=5000, validators=[no_control_characters]
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    created_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    from_directory = models.BooleanField(
        _("from the authority directory"),
        default=False,
        help_text=_("Loaded from the directory of public authorities shipped with the platform."),
    )
    verified_at = models.DateTimeField(_("verified"), null=True, blank=True)
    verified_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    objects = OrganizationQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("accounts:organization", args=[self.slug])

    @property
    def is_verified(self):
        return self.verified_at is not None

    @property
    def is_authority(self):
        return self.kind == OrganizationKind.AUTHORITY

    @property
    def time_zone(self):
        return settings.COUNTRY_TIME_ZONES[self.country]

    @property
    def zone(self):
        """The organisation's time zone as a tzinfo: dates it enters are in this zone."""
        from zoneinfo import ZoneInfo

        return ZoneInfo(self.time_zone)

    @property
    def language(self):
        """The language we write to this organisation in when we know nothing better."""
        return {"RO": "ro", "BG": "bg"}.get(self.country, settings.LANGUAGE_CODE)

    def allowed_roles(self):
        return Role.for_kind(self.kind)


class Role(models.TextChoices):
    ADMIN = "admin", _("Administrator")
    EDITOR = "editor", _("Editor")
    REGISTRAR = "registrar", _("Registrar")

    @classmethod
    def for_kind(cls, kind):
        """The roles an organisation of this kind can give its members."""
        if kind == OrganizationKind.AUTHORITY:
            return [cls.ADMIN, cls.REGISTRAR]
        return [cls.ADMIN, cls.EDITOR]


class Membership(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("role"), max_length=16, choices=Role.choices)
    created_at = models.DateTimeField(_("member since"), auto_now_add=True)

    class Meta:
        ordering = ["organization__name", "created_at"]
        constraints = [
            models.UniqueConstraint(fields=["user", "organization"], name="unique_membership")
        ]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")

    def __str__(self):
        # No member name here: this text is copied into the permanent activity log.
        return f"{self.organization} ({self.get_role_display()})"


def hash_token(token):
    return hashlib.sha256(token.encode()).hexdigest()


class InvitationQuerySet(models.QuerySet):
    def pending(self):
        return self.filter(
            accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now()
        )


class Invitation(models.Model):
    """An invitation to join an organisation, sent by email with a single-use token.

    Only the SHA-256 of the token is stored; the token itself exists only in the email.
    """

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="invitations"
    )
    email = models.EmailField(_("email address"), blank=True)
    role = models.CharField(_("role"), max_length=16, choices=Role.choices)
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("sent"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires"))
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)
    accepted_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    objects = InvitationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")

    def __str__(self):
        return f"{self.organization} ← {self.get_role_display()}"

    @staticmethod
    def new_token():
        return secrets.token_urlsafe(32)

    @classmethod
    def default_expiry(cls):
        return timezone.now() + timedelta(days=settings.INVITATION_VALID_DAYS)

    @property
    def is_expired(self):
        return self.expires_at <= timezone.now()

    @property
    def is_pending(self):
        return self.accepted_at is None and self.revoked_at is None and not self.is_expired


class LegalTextKind(models.TextChoices):
    TERMS = "terms", _("Terms of use")
    PRIVACY = "privacy", _("Privacy notice")


class LegalText(AppendOnlyModel):
    """One version of the terms of use or of the privacy notice, in the three languages.

    Append-only: a change is a new version (`accounts.domain.publish_legal_text`); every earlier
    version stays readable, since consents (`Consent`) point at the version a person accepted.
    The current version of a kind is the latest one published by now.
    """

    kind = models.CharField(_("kind"), max_length=16, choices=LegalTextKind.choices)
    version = models.PositiveIntegerField(_("version"))
    published_at = models.DateTimeField(_("published"), default=timezone.now)
    text_ro = models.TextField(_("text in Romanian"), validators=[no_control_characters])
    text_bg = models.TextField(_("text in Bulgarian"), validators=[no_control_characters])
    text_en = models.TextField(_("text in English"), validators=[no_control_characters])

    class Meta:
        ordering = ["kind", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "version"], name="unique_legal_text_version")
        ]
        verbose_name = _("legal text")
        verbose_name_plural = _("legal texts")

    def __str__(self):
        return f"{self.get_kind_display()} v{self.version}"

    def get_absolute_url(self):
        return reverse("accounts:legal_text_version", args=[self.kind, self.version])

    def text_in(self, language):
        """The text in `language` ("ro", "bg", "en"; another language gets the English)."""
        return getattr(self, f"text_{language}", None) or self.text_en


class Consent(AppendOnlyModel):
    """A person's acceptance of one version of a legal text, given when the account was made.

    Append-only, like the texts it points at: the record of what was accepted and when.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="consents")
    text = models.ForeignKey(LegalText, on_delete=models.PROTECT, related_name="consents")
    given_at = models.DateTimeField(_("given"), default=timezone.now)

    class Meta:
        ordering = ["given_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["user", "text"], name="unique_consent_per_text")
        ]
        verbose_name = _("consent")
        verbose_name_plural = _("consents")

    def __str__(self):
        return f"{self.text} ({self.given_at:%Y-%m-%d})"
