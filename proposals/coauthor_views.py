"""Pages of a proposal's authors and endorsements: inviting and removing co-authors (the owner),
answering an invitation (the invited organisation's admins), endorsing and withdrawing an
endorsement. Each checks its permission, validates, calls one function of
`proposals.coauthors` or `proposals.endorsements`, and redirects with a message."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from accounts.models import Organization, Role
from core.errors import DomainError, NotAllowed
from core.pagination import paginate
from core.permissions import can
from proposals import coauthors, endorsements
from proposals.forms import CoauthorInviteForm, EndorseForm
from proposals.models import Coauthorship, CoauthorStatus, Endorsement
from proposals.views import proposal_context, proposal_for

# --- Co-authors ------------------------------------------------------------------------------


def coauthor_list(request, slug):
    """Who writes the proposal. Everyone sees the owner and the accepted co-authors; the
    authors' editors also see invitations and past co-authors; the owner's editors invite."""
    proposal = proposal_for(request, slug)
    may_manage = can(request.user, "proposals.manage_coauthors", proposal)
    rows = proposal.coauthorships.select_related("organization").order_by("invited_at", "pk")
    if not can(request.user, "proposals.draft_proposal", proposal):
        rows = rows.filter(status=CoauthorStatus.ACCEPTED)
    form = None
    if may_manage:
        form = CoauthorInviteForm(
            request.POST or None, organizations=coauthors.invitable_organizations(proposal)
        )
    status = 200
    if request.method == "POST":
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if form is None:
            raise PermissionDenied
        if form.is_valid():
            try:
                coauthorship = coauthors.invite_coauthor(
                    request.user, proposal, form.cleaned_data["organization"]
                )
            except DomainError as error:
                form.add_error(None, error.message)
            else:
                messages.success(
                    request,
                    _("%(organization)s was invited; its administrators were emailed.")
                    % {"organization": coauthorship.organization.name},
                )
                return redirect("proposals:coauthors", slug=proposal.slug)
        status = 400
    return render(
        request,
        "proposals/coauthors.html",
        proposal_context(
            request, proposal, "authors", rows=list(rows), form=form, may_manage=may_manage
        ),
        status=status,
    )


def _coauthorship(proposal, pk):
    return get_object_or_404(
        Coauthorship.objects.select_related("organization", "invited_by__profile"),
        proposal=proposal,
        pk=pk,
    )


@login_required
def coauthor_remove(request, slug, pk):
    """The owner removes a co-author or takes back an invitation, after confirming."""
    proposal = proposal_for(request, slug, "proposals.manage_coauthors")
    coauthorship = _coauthorship(proposal, pk)
    if request.method == "POST":
        try:
            coauthors.remove_coauthor(request.user, coauthorship)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request,
                _("%(organization)s is no longer a co-author.")
                % {"organization": coauthorship.organization.name},
            )
        return redirect("proposals:coauthors", slug=proposal.slug)
    if coauthorship.status not in CoauthorStatus.open():
        messages.info(request, _("This organisation is not a co-author or invited."))
        return redirect("proposals:coauthors", slug=proposal.slug)
    return render(
        request,
        "proposals/coauthor_remove.html",
        proposal_context(request, proposal, "authors", coauthorship=coauthorship),
    )


@login_required
def coauthorship_detail(request, slug, pk):
    """The invitation's page: the invited organisation's admins accept or decline here. Shown
    also for a private draft, to the invited organisation's members (they decide on it)."""
    coauthorship = get_object_or_404(
        Coauthorship.objects.select_related(
            "proposal__organization", "proposal__target_authority", "organization",
            "invited_by__profile",
        ),
        proposal__slug=slug,
        pk=pk,
    )  # fmt: skip
    if not can(request.user, "proposals.view_coauthorship", coauthorship):
        raise Http404
    may_answer = can(request.user, "proposals.answer_coauthorship", coauthorship)
    if request.method == "POST":
        if not may_answer:
            raise PermissionDenied
        action = request.POST.get("action")
        answers = {
            "accept": (coauthors.accept_coauthorship, _("You are now a co-author of it.")),
            "decline": (coauthors.decline_coauthorship, _("The invitation was declined.")),
        }
        if action not in answers:
            messages.error(request, _("Choose to accept or to decline."))
            return redirect(coauthorship.get_absolute_url())
        command, done = answers[action]
        try:
            command(request.user, coauthorship)
        except DomainError as error:
            messages.error(request, error.message)
            return redirect(coauthorship.get_absolute_url())
        messages.success(request, done)
        if action == "accept":
            return redirect(coauthorship.proposal)
        return redirect(coauthorship.get_absolute_url())
    return render(
        request,
        "proposals/coauthorship.html",
        {
            "coauthorship": coauthorship,
            "proposal": coauthorship.proposal,
            "may_answer": may_answer and coauthorship.status == CoauthorStatus.INVITED,
        },
    )


# --- Endorsements ----------------------------------------------------------------------------


def _endorsing_organizations(user, proposal):
    """The organisations `user` administers that may endorse `proposal` (not its authors, not
    one already endorsing it)."""
    if not user.is_authenticated:
        return []
    authors = [organization.pk for organization in proposal.authors]
    endorsing = Endorsement.objects.active().filter(proposal=proposal, organization__isnull=False)
    return list(
        Organization.objects.filter(memberships__user=user, memberships__role=Role.ADMIN)
        .exclude(pk__in=authors)
        .exclude(pk__in=endorsing.values("organization_id"))
        .order_by("name")
    )


def endorsement_list(request, slug):
    """Every active endorsement, with the counts; the form to endorse for whoever may."""
    proposal = proposal_for(request, slug)
    user = request.user
    endorsable = True
    try:
        endorsements.check_endorsable(proposal)
    except DomainError:
        endorsable = False
    form = None
    own = list(endorsements.own_endorsements(user, proposal))
    if endorsable and user.is_authenticated:
        personally = can(user, "proposals.endorse", proposal) and not any(
            endorsement.organization_id is None for endorsement in own
        )
        organizations = _endorsing_organizations(user, proposal)
        if personally or organizations:
            form = EndorseForm(
                request.POST or None,
                user=user,
                organizations=organizations,
                may_endorse_personally=personally,
            )
    status = 200
    if request.method == "POST":
        if not user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if form is None:
            messages.error(
                request,
                _("This proposal cannot be endorsed now.")
                if not endorsable
                else _("Confirm your email address to endorse proposals."),
            )
            return redirect("proposals:endorsements", slug=proposal.slug)
        if form.is_valid():
            try:
                endorsements.endorse(
                    user,
                    proposal,
                    organization=form.endorsing_organization(),
                    statement=form.cleaned_data["statement"],
                )
            except NotAllowed:
                raise PermissionDenied from None
            except DomainError as error:
                form.add_error(None, error.message)
            else:
                messages.success(request, _("Thank you: your endorsement is published."))
                return redirect("proposals:endorsements", slug=proposal.slug)
        status = 400
    page = paginate(request, endorsements.active_endorsements(proposal), per_page=50)
    return render(
        request,
        "proposals/endorsements.html",
        proposal_context(
            request,
            proposal,
            "endorsements",
            page=page,
            counts=endorsements.endorsement_counts(proposal),
            form=form,
            own=own,
            endorsable=endorsable,
        ),
        status=status,
    )


@login_required
def endorsement_withdraw(request, slug, pk):
    """Withdraw an endorsement (one's own, or one's organisation's), after confirming."""
    proposal = proposal_for(request, slug)
    endorsement = get_object_or_404(
        Endorsement.objects.select_related("organization", "user__profile"),
        proposal=proposal,
        pk=pk,
    )
    if not can(request.user, "proposals.withdraw_endorsement", endorsement):
        raise PermissionDenied
    if request.method == "POST":
        try:
            endorsements.withdraw_endorsement(request.user, endorsement)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("The endorsement was withdrawn."))
        return redirect("proposals:endorsements", slug=proposal.slug)
    if not endorsement.is_active:
        messages.info(request, _("This endorsement was already withdrawn."))
        return redirect("proposals:endorsements", slug=proposal.slug)
    return render(
        request,
        "proposals/endorsement_withdraw.html",
        proposal_context(request, proposal, "endorsements", endorsement=endorsement),
    )


# --- The account's overview page -------------------------------------------------------------


def dashboard_section(user):
    """The co-authoring invitations on `user`'s overview page (`accounts.dashboard`): those
    addressed to organisations they administer, with the buttons to answer (posting to
    `coauthorship_detail`), and those their organisations sent and are still waiting on."""
    to_answer = list(coauthors.invitations_to_answer(user))
    sent = list(coauthors.invitations_sent(user))
    if not to_answer and not sent:
        return None
    return {"template": "proposals/_dashboard_coauthors.html", "to_answer": to_answer, "sent": sent}
