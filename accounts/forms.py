from allauth.account.forms import SignupForm as AllauthSignupForm
from django import forms
from django.db import transaction
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from accounts import domain
from accounts.models import Country, LegalTextKind, Organization, OrganizationKind, Profile
from core.forms import IdentifierField, SlugIdentifierField
from core.text import ascii_slug
from core.validators import no_control_characters

# Address names that are pages of their own: /organisations/new/ is the creation form.
RESERVED_SLUGS = {"new"}


class ProfileForm(forms.ModelForm):
    class Meta:
        model = Profile
        fields = ["display_name", "locality", "region", "respondent_category", "language"]
        field_classes = {"display_name": IdentifierField}


class SignupForm(AllauthSignupForm):
    """allauth's sign-up form (address, password twice) with the public display name and the
    consent to the terms of use and the privacy notice in force.

    The page carries the versions it showed (`legal_versions`); if another version came into
    force before the form was sent, the consent is asked again, so that the versions recorded
    are the ones the person was shown.
    """

    display_name = IdentifierField(
        label=_("Display name"),
        min_length=2,
        max_length=80,
        validators=[no_control_characters],
        help_text=_(
            "Shown publicly next to your comments instead of your email address: your name, "
            "or a name people will know you by."
        ),
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    consent = forms.BooleanField(
        label=_("I accept the terms of use and I have read the privacy notice."),
        error_messages={
            "required": _(
                "To sign up, please accept the terms of use and confirm that you have read "
                "the privacy notice."
            )
        },
    )

    legal_versions = forms.CharField(required=False, widget=forms.HiddenInput)

    field_order = ["display_name", "email", "password1", "password2", "consent"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.legal_texts = domain.current_legal_texts()
        self.fields["legal_versions"].initial = self._versions()
        terms = self.legal_texts.get(LegalTextKind.TERMS)
        privacy = self.legal_texts.get(LegalTextKind.PRIVACY)
        if terms and privacy:
            self.fields["consent"].help_text = format_html(
                _(
                    'Read the <a href="{terms_url}">terms of use (version {terms_version})</a> '
                    'and the <a href="{privacy_url}">privacy notice (version {privacy_version})'
                    "</a>."
                ),
                terms_url=terms.get_absolute_url(),
                terms_version=terms.version,
                privacy_url=privacy.get_absolute_url(),
                privacy_version=privacy.version,
            )

    def _versions(self):
        """The versions in force, e.g. "privacy:1,terms:2"."""
        return ",".join(f"{kind}:{text.version}" for kind, text in sorted(self.legal_texts.items()))

    def clean(self):
        cleaned_data = super().clean()
        if set(self.legal_texts) != set(LegalTextKind.values):
            # Nothing to consent to: no account is made without the consent recorded.
            raise forms.ValidationError(
                _(
                    "Signing up is not possible until the terms of use and the privacy notice "
                    "are published. Please try again later."
                ),
                code="no_legal_texts",
            )
        shown = cleaned_data.get("legal_versions")
        # A client that does not send the field consents to the versions in force.
        if shown and shown != self._versions() and cleaned_data.get("consent"):
            # The page comes back with the box unticked and the versions now in force.
            self.data = self.data.copy()
            self.data["legal_versions"] = self._versions()
            self.data.pop("consent", None)
            self.add_error(
                "consent",
                _(
                    "A new version of the terms of use or of the privacy notice came into force "
                    "while you were filling in this form: please read it and tick the box again."
                ),
            )
        return cleaned_data

    @transaction.atomic
    def save(self, request):
        # The account, its name and its consents are made together or not at all.
        user = super().save(request)
        domain.record_sign_up(
            user,
            display_name=self.cleaned_data["display_name"],
            texts=list(self.legal_texts.values()),
        )
        return user


class OrganizationForm(forms.ModelForm):
    class Meta:
        model = Organization
        fields = [
            "kind",
            "name",
            "slug",
            "country",
            "county",
            "locality",
            "fiscal_code",
            "website",
            "description",
        ]
        widgets = {"description": forms.Textarea(attrs={"rows": 5})}
        field_classes = {"name": IdentifierField, "slug": SlugIdentifierField}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["slug"].required = False
        self.fields["slug"].help_text = _(
            "Part of the page address. Leave empty to make one from the name."
        )
        if self.instance.pk:
            # The kind decides the roles members hold; it is fixed once created.
            del self.fields["kind"]

    def clean_slug(self):
        slug = self.cleaned_data.get("slug")
        if not slug:
            slug = ascii_slug(self.cleaned_data.get("name") or self.data.get("name", ""))
            if not slug:
                raise forms.ValidationError(
                    _("Could not make an address name from this name; please type one.")
                )
        clash = Organization.objects.filter(slug__iexact=slug).exclude(pk=self.instance.pk)
        if slug in RESERVED_SLUGS or clash.exists():
            raise forms.ValidationError(
                _("The address name “%(slug)s” is taken; choose another.") % {"slug": slug}
            )
        return slug

    def clean_fiscal_code(self):
        return self.cleaned_data["fiscal_code"].replace(" ", "").upper()


class InvitationForm(forms.Form):
    # The column holds 254 characters; longer addresses must fail here, not in the database.
    email = forms.EmailField(label=_("Email address"), max_length=254)
    role = forms.ChoiceField(label=_("Role"))

    def __init__(self, *args, organization, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = [
            (role.value, role.label) for role in organization.allowed_roles()
        ]
        self.fields["role"].initial = organization.allowed_roles()[-1].value


class RoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"))

    def __init__(self, *args, organization, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = [
            (role.value, role.label) for role in organization.allowed_roles()
        ]


class DeleteAccountForm(forms.Form):
    password = forms.CharField(
        label=_("Your password"),
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    confirm = forms.BooleanField(label=_("I understand that this cannot be undone."), required=True)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_password(self):
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError(_("The password is not correct."))
        return password


class OrganizationFilterForm(forms.Form):
    q = forms.CharField(label=_("Name"), required=False, max_length=100)
    kind = forms.ChoiceField(label=_("Kind"), required=False)
    country = forms.ChoiceField(label=_("Country"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [("", _("All kinds")), *OrganizationKind.choices]
        self.fields["country"].choices = [("", _("All countries")), *Country.choices]
