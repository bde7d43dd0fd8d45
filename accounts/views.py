import json

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import domain
from accounts.adapter import PENDING_INVITATION_KEY
from accounts.dashboard import dashboard_sections
from accounts.forms import (
    DeleteAccountForm,
    InvitationForm,
    OrganizationFilterForm,
    OrganizationForm,
    ProfileForm,
    RoleForm,
)
from accounts.models import Invitation, LegalText, LegalTextKind, Membership, Organization, User
from core import mail, privacy
from core.activity import history
from core.errors import DomainError
from core.pagination import paginate
from core.permissions import can


def _tabs(request, organization):
    """What the organisation's tabs need to know about the viewer."""
    user = request.user
    return {
        "can_manage": can(user, "accounts.manage_members", organization),
        "can_see_history": can(user, "accounts.view_organization_history", organization),
    }


def _organization_for(request, slug, perm):
    organization = get_object_or_404(Organization, slug=slug)
    if not can(request.user, perm, organization):
        raise PermissionDenied
    return organization


# --- Public pages ------------------------------------------------------------------------------


def legal_text(request, kind, version=None):
    """The terms of use or the privacy notice: the version in force (or the one asked for) in
    the visitor's language, with the list of every version."""
    if kind not in LegalTextKind.values or not can(request.user, "accounts.view_legal_text"):
        raise Http404
    current = domain.current_legal_texts().get(kind)
    versions = LegalText.objects.filter(kind=kind, published_at__lte=timezone.now())
    if version is None and current is not None:
        version = current.version
    shown = get_object_or_404(versions, version=version) if version is not None else None
    language = (get_language() or "").split("-")[0]
    return render(
        request,
        "accounts/legal_text.html",
        {
            "title": LegalTextKind(kind).label,
            "shown": shown,
            "current": current,
            "body": shown.text_in(language) if shown else "",
            "versions": versions.order_by("-version").only("kind", "version", "published_at"),
        },
    )


def organization_list(request):
    form = OrganizationFilterForm(request.GET or None)
    organizations = Organization.objects.annotate(member_count=Count("memberships"))
    if form.is_valid():
        data = form.cleaned_data
        if data["q"]:
            organizations = organizations.filter(name__icontains=data["q"])
        if data["kind"]:
            organizations = organizations.filter(kind=data["kind"])
        if data["country"]:
            organizations = organizations.filter(country=data["country"])
    page = paginate(request, organizations.order_by("name", "pk"), per_page=25)
    return render(request, "accounts/organization_list.html", {"form": form, "page": page})


def organization_detail(request, slug):
    organization = get_object_or_404(Organization, slug=slug)
    memberships = organization.memberships.select_related("user__profile").order_by(
        "user__profile__display_name", "pk"
    )
    page = paginate(request, memberships, per_page=50)
    user = request.user
    # The proposals the organisation writes (owns or co-authors) and those addressed to it,
    # through the reverse relations (accounts imports no other app).
    proposals = (
        organization.proposals.model.objects.by_author(organization)
        .visible_to(user)
        .with_authors()
        .select_related("organization")
        .order_by("-created_at", "-pk")
    )
    targeted = organization.targeted_proposals.public().with_authors()
    return render(
        request,
        "accounts/organization_detail.html",
        {
            "organization": organization,
            "page": page,
            "proposals": proposals[:20],
            "targeted_proposals": targeted.select_related("organization").order_by(
                "-published_at", "-pk"
            )[:20],
            **_tabs(request, organization),
            "is_member": can(user, "accounts.leave_organization", organization),
            "can_act_for_authority": can(user, "accounts.act_for_authority", organization),
        },
    )


# --- Organisation management -------------------------------------------------------------------


@login_required
def organization_create(request):
    form = OrganizationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            organization = domain.create_organization(request.user, **form.cleaned_data)
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(
                request,
                _("%(name)s was created and you are its administrator.")
                % {"name": organization.name},
            )
            return redirect(organization)
    return render(request, "accounts/organization_form.html", {"form": form, "creating": True})


@login_required
def organization_edit(request, slug):
    organization = _organization_for(request, slug, "accounts.change_organization")
    form = OrganizationForm(request.POST or None, instance=organization)
    if request.method == "POST" and form.is_valid():
        fields = {name: form.cleaned_data[name] for name in form.fields}
        # The form wrote the values onto the instance; the domain function compares with the
        # stored row, so reload it first.
        organization.refresh_from_db()
        try:
            organization, changed = domain.update_organization(request.user, organization, **fields)
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            if changed:
                messages.success(request, _("The organisation's details were saved."))
            else:
                messages.info(request, _("Nothing was changed."))
            return redirect(organization)
    return render(
        request,
        "accounts/organization_form.html",
        {
            "form": form,
            "organization": organization,
            "creating": False,
            **_tabs(request, organization),
        },
    )


@login_required
def organization_members(request, slug):
    organization = _organization_for(request, slug, "accounts.manage_members")
    invite_form = InvitationForm(request.POST or None, organization=organization)
    if request.method == "POST" and invite_form.is_valid():
        try:
            with mail.undelivered() as refused:
                invitation = domain.invite_member(
                    request.user,
                    organization,
                    invite_form.cleaned_data["email"],
                    invite_form.cleaned_data["role"],
                    base_url=request.build_absolute_uri("/"),
                )
        except DomainError as error:
            invite_form.add_error(None, error.message)
        else:
            if refused:
                messages.warning(
                    request,
                    _(
                        "The invitation to %(email)s was saved, but its email could not be "
                        "sent. Withdraw it and invite again in a few minutes."
                    )
                    % {"email": invitation.email},
                )
                return redirect("accounts:organization_members", slug=organization.slug)
            messages.success(
                request,
                _("An invitation was sent to %(email)s. It expires on %(date)s.")
                % {
                    "email": invitation.email,
                    "date": timezone.localtime(invitation.expires_at).strftime("%d.%m.%Y"),
                },
            )
            return redirect("accounts:organization_members", slug=organization.slug)
    memberships = organization.memberships.select_related("user__profile").order_by(
        "role", "user__profile__display_name", "pk"
    )
    rows = [(m, RoleForm(organization=organization, initial={"role": m.role})) for m in memberships]
    return render(
        request,
        "accounts/organization_members.html",
        {
            "organization": organization,
            "rows": rows,
            "invite_form": invite_form,
            "invitations": organization.invitations.pending().select_related("invited_by__profile"),
        },
    )


def _membership_for(request, slug, membership_id):
    organization = _organization_for(request, slug, "accounts.manage_members")
    membership = get_object_or_404(
        Membership.objects.select_related("user__profile", "organization"),
        pk=membership_id,
        organization=organization,
    )
    return organization, membership


@login_required
@require_POST
def membership_role(request, slug, membership_id):
    organization, membership = _membership_for(request, slug, membership_id)
    form = RoleForm(request.POST, organization=organization)
    if not form.is_valid():
        messages.error(request, _("Choose one of the roles offered."))
    else:
        try:
            domain.change_role(request.user, membership, form.cleaned_data["role"])
        except DomainError as error:
            messages.error(request, error.message)
        else:
            membership.refresh_from_db()
            messages.success(
                request,
                _("%(name)s is now %(role)s.")
                % {"name": membership.user.public_name, "role": membership.get_role_display()},
            )
    return redirect("accounts:organization_members", slug=organization.slug)


@login_required
def membership_remove(request, slug, membership_id):
    organization, membership = _membership_for(request, slug, membership_id)
    if request.method == "POST":
        try:
            domain.remove_member(request.user, membership)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request,
                _("%(name)s was removed from %(organization)s.")
                % {"name": membership.user.public_name, "organization": organization.name},
            )
            if membership.user_id == request.user.pk:
                return redirect(organization)
        return redirect("accounts:organization_members", slug=organization.slug)
    return render(
        request,
        "accounts/membership_remove.html",
        {"organization": organization, "membership": membership},
    )


@login_required
@require_POST
def invitation_revoke(request, slug, invitation_id):
    organization = _organization_for(request, slug, "accounts.manage_members")
    invitation = get_object_or_404(Invitation, pk=invitation_id, organization=organization)
    try:
        domain.revoke_invitation(request.user, invitation)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request, _("The invitation to %(email)s was withdrawn.") % {"email": invitation.email}
        )
    return redirect("accounts:organization_members", slug=organization.slug)


@login_required
def organization_leave(request, slug):
    organization = _organization_for(request, slug, "accounts.leave_organization")
    if request.method == "POST":
        try:
            domain.leave_organization(request.user, organization)
        except DomainError as error:
            messages.error(request, error.message)
            return redirect(organization)
        messages.success(request, _("You left %(name)s.") % {"name": organization.name})
        return redirect("accounts:dashboard")
    return render(request, "accounts/organization_leave.html", {"organization": organization})


@login_required
def organization_history(request, slug):
    organization = _organization_for(request, slug, "accounts.view_organization_history")
    page = paginate(request, history(organization), per_page=50)
    member_ids = {entry.data.get("member") for entry in page.object_list} - {None}
    members = User.objects.select_related("profile").in_bulk(member_ids)
    entries = [(entry, members.get(entry.data.get("member"))) for entry in page.object_list]
    return render(
        request,
        "accounts/organization_history.html",
        {
            "organization": organization,
            "page": page,
            "entries": entries,
            **_tabs(request, organization),
        },
    )


# --- Invitations -------------------------------------------------------------------------------


def invitation(request, token):
    found = domain.find_invitation(token)
    if request.method == "POST":
        if not request.user.is_authenticated:
            if found is not None:
                request.session[PENDING_INVITATION_KEY] = token
            return redirect_to_login(request.get_full_path())
        try:
            membership = domain.accept_invitation(request.user, token)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            request.session.pop(PENDING_INVITATION_KEY, None)
            messages.success(
                request,
                _("Welcome to %(organization)s! You joined as %(role)s.")
                % {
                    "organization": membership.organization.name,
                    "role": membership.get_role_display(),
                },
            )
            return redirect(membership.organization)
    problem = domain.invitation_problem(found, request.user)
    if found is not None and problem is None and not request.user.is_authenticated:
        # Return here after signing in, or after signing up and verifying the address.
        request.session[PENDING_INVITATION_KEY] = token
    status = 200 if found is not None else 404
    return render(
        request,
        "accounts/invitation.html",
        {
            "invitation": found,
            "problem": problem,
            "has_account": found is not None
            and User.objects.filter(email__iexact=found.email).exists(),
        },
        status=status,
    )


# --- The signed-in user's own pages ------------------------------------------------------------


@login_required
def dashboard(request):
    user = request.user
    memberships = user.memberships.select_related("organization").order_by("organization__name")
    verified_emails = list(
        user.emailaddress_set.filter(verified=True).values_list("email", flat=True)
    )
    email_filter = Q()
    for email in verified_emails:
        email_filter |= Q(email__iexact=email)
    invitations = (
        Invitation.objects.pending()
        .filter(email_filter)
        .exclude(organization__memberships__user=user)
        .select_related("organization")
        if verified_emails
        else Invitation.objects.none()
    )
    return render(
        request,
        "accounts/dashboard.html",
        {
            "memberships": memberships,
            "invitations": invitations,
            "sections": dashboard_sections(user),
        },
    )


@login_required
@require_POST
def invitation_accept_pending(request, invitation_id):
    """Accept an invitation listed on the dashboard (addressed to one of the user's emails)."""
    found = get_object_or_404(Invitation, pk=invitation_id)
    if not request.user.emailaddress_set.filter(email__iexact=found.email, verified=True).exists():
        # Only its addressee may learn of it; the error below would name the invited address.
        raise Http404
    try:
        membership = domain.accept_invitation_by_id(request.user, found.pk)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("accounts:dashboard")
    request.session.pop(PENDING_INVITATION_KEY, None)
    messages.success(
        request,
        _("Welcome to %(organization)s! You joined as %(role)s.")
        % {"organization": membership.organization.name, "role": membership.get_role_display()},
    )
    return redirect(membership.organization)


@login_required
def profile_edit(request):
    form = ProfileForm(request.POST or None, instance=request.user.profile)
    if request.method == "POST" and form.is_valid():
        try:
            domain.update_profile(request.user, **form.cleaned_data)
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Your profile was saved."))
            return redirect("accounts:profile")
    return render(request, "accounts/profile_form.html", {"form": form})


@login_required
def data_export(request):
    if request.GET.get("download") == "1":
        data = {
            "exported_at": timezone.now().isoformat(),
            **privacy.export_user_data(request.user),
        }
        response = HttpResponse(
            json.dumps(data, ensure_ascii=False, indent=2, default=str),
            content_type="application/json; charset=utf-8",
        )
        filename = f"consult-data-{timezone.localdate():%Y-%m-%d}.json"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response
    return render(request, "accounts/data_export.html", {"sections": privacy.sections()})


@login_required
def account_delete(request):
    blocking = domain.blocking_memberships(request.user)
    form = DeleteAccountForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            domain.delete_account(request.user)
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            logout(request)
            messages.success(request, _("Your account was deleted and your personal data cleared."))
            return redirect("home")
    return render(request, "accounts/account_delete.html", {"form": form, "blocking": blocking})
