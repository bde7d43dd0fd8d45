"""The home page: what is open for comments now, the newest proposals, who takes part."""

from django.shortcuts import render
from django.utils import timezone

from accounts.models import Organization, OrganizationKind
from consultations.domain import open_stages
from proposals.models import Proposal


def home(request):
    organizations = Organization.objects.exclude(kind=OrganizationKind.AUTHORITY)
    public = Proposal.objects.public()
    return render(
        request,
        "home.html",
        {
            "proposal_count": public.count(),
            "recent_proposals": public.with_authors()
            .select_related("organization", "target_authority")
            .order_by("-published_at", "-pk")[:5],
            "organization_count": organizations.count(),
            "authority_count": Organization.objects.authorities().count(),
            "recent_organizations": organizations.order_by("-created_at", "-pk")[:6],
            "open_consultations": open_stages(timezone.now()),
        },
    )
