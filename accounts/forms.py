from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Country, Organization, OrganizationKind, Profile
from core.forms import IdentifierField, SlugIdentifierField
from core.text import ascii_slug

# Address names that are pages of their own: /organisations/new/ is the creation form.
RESERVED_SLUGS = {"new"}


class ProfileForm(forms.ModelForm):
    class Meta:
        model = Profile
        fields = ["display_name", "locality", "respondent_category", "language"]
        field_classes = {"display_name": IdentifierField}


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
