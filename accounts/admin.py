from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from accounts import domain
from accounts.models import Invitation, LegalText, Membership, Organization, Profile, User
from core.errors import DomainError
from core.permissions import can


class ProfileInline(admin.StackedInline):
    model = Profile
    can_delete = False


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["-date_joined"]
    list_display = ["email", "public_name", "is_staff", "is_active", "date_joined", "deleted_at"]
    list_filter = ["is_staff", "is_superuser", "is_active"]
    search_fields = ["email", "profile__display_name"]
    readonly_fields = ["date_joined", "last_login", "deleted_at"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        (_("Permissions"), {"fields": ["is_active", "is_staff", "is_superuser", "groups"]}),
        (_("Dates"), {"fields": ["date_joined", "last_login", "deleted_at"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "password1", "password2"]})]
    inlines = [ProfileInline]

    def has_delete_permission(self, request, obj=None):
        # Accounts are closed through the account-deletion page, which clears personal data
        # everywhere and keeps the public record consistent.
        return False


class MembershipInlineForm(forms.ModelForm):
    class Meta:
        model = Membership
        fields = ["user", "role"]

    def clean_role(self):
        role = self.cleaned_data["role"]
        organization = self.instance.organization if self.instance.organization_id else None
        organization = organization or getattr(self, "parent_organization", None)
        if organization is not None and role not in organization.allowed_roles():
            raise forms.ValidationError(
                _("This role does not exist for this kind of organisation.")
            )
        return role


class MembershipInline(admin.TabularInline):
    model = Membership
    form = MembershipInlineForm
    extra = 0
    autocomplete_fields = ["user"]

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        # New rows know their organisation only through the parent: hand it to the form.
        formset.form = type(
            "BoundMembershipInlineForm", (MembershipInlineForm,), {"parent_organization": obj}
        )
        return formset


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "country", "locality", "is_verified", "from_directory"]
    list_filter = ["kind", "country", ("verified_at", admin.EmptyFieldListFilter), "from_directory"]
    search_fields = ["name", "slug", "fiscal_code", "locality"]
    readonly_fields = ["created_at", "created_by", "verified_at", "verified_by"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [MembershipInline]
    actions = ["verify", "unverify"]

    @admin.display(boolean=True, description=_("verified"))
    def is_verified(self, obj):
        return obj.is_verified

    @admin.action(description=_("Verify the selected organisations"), permissions=["verify"])
    def verify(self, request, queryset):
        for organization in queryset:
            domain.set_verified(request.user, organization, True)
        count = queryset.count()
        self.message_user(
            request,
            ngettext("%(count)d organisation verified.", "%(count)d organisations verified.", count)
            % {"count": count},
            messages.SUCCESS,
        )

    @admin.action(
        description=_("Withdraw verification of the selected organisations"),
        permissions=["verify"],
    )
    def unverify(self, request, queryset):
        for organization in queryset:
            domain.set_verified(request.user, organization, False)
        count = queryset.count()
        self.message_user(
            request,
            ngettext(
                "Verification withdrawn for %(count)d organisation.",
                "Verification withdrawn for %(count)d organisations.",
                count,
            )
            % {"count": count},
            messages.SUCCESS,
        )

    def has_verify_permission(self, request):
        # The verification actions are offered only to whom the rule lets verify.
        return can(request.user, "accounts.verify_organization")

    def save_formset(self, request, form, formset, change):
        """Membership changes go through the same domain functions as on the site: the same
        rules (the last administrator stays), the same log rows. A refusal is shown, not a
        500."""
        organization = form.instance
        instances = formset.save(commit=False)
        try:
            for membership in formset.deleted_objects:
                domain.remove_member(request.user, membership)
            for membership in instances:
                if membership.pk is None:
                    domain.add_member(request.user, organization, membership.user, membership.role)
                else:
                    domain.change_role(request.user, membership, membership.role)
        except DomainError as error:
            self.message_user(request, error.message, messages.ERROR)


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = [
        "organization",
        "email",
        "role",
        "created_at",
        "expires_at",
        "accepted_at",
        "revoked_at",
    ]
    list_filter = ["role"]
    search_fields = ["organization__name", "email"]
    readonly_fields = [f.name for f in Invitation._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(LegalText)
class LegalTextAdmin(admin.ModelAdmin):
    """The terms of use and the privacy notice: a new version is added (numbered by
    `domain.publish_legal_text`); a published one is never changed or removed."""

    list_display = ["kind", "version", "published_at"]
    list_filter = ["kind"]
    fields = ["kind", "published_at", "text_ro", "text_bg", "text_en"]

    def get_readonly_fields(self, request, obj=None):
        return ["kind", "version", "published_at", "text_ro", "text_bg", "text_en"] if obj else []

    def get_fields(self, request, obj=None):
        return ["kind", "version", *self.fields[1:]] if obj else self.fields

    def has_add_permission(self, request):
        return can(request.user, "accounts.publish_legal_text")

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        text = domain.publish_legal_text(
            request.user,
            obj.kind,
            text_ro=obj.text_ro,
            text_bg=obj.text_bg,
            text_en=obj.text_en,
            published_at=obj.published_at,
        )
        # The admin's own messages and redirect need the row that was made.
        obj.pk, obj.version = text.pk, text.version
        obj._state.adding = False
