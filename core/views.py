from django.conf import settings
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import check_for_language, get_supported_language_variant
from django.views.i18n import set_language as django_set_language

from accounts.models import Organization, OrganizationKind


def open_consultations(now, limit=10):
    """Stages taking comments now, closing soonest first, with the time left of each."""
    from consultations.calendar import time_left
    from consultations.models import Stage, StageKind
    from proposals.models import ProposalStatus

    stages = list(
        Stage.objects.filter(
            opens_at__lte=now,
            closes_at__gt=now,
            cancelled_at__isnull=True,
            kind__in=StageKind.commentable(),
            consultation__proposal__status__in=ProposalStatus.public(),
        )
        .exclude(consultation__proposal__status=ProposalStatus.WITHDRAWN)
        .select_related("consultation__proposal__organization")
        .order_by("closes_at", "pk")[:limit]
    )
    for stage in stages:
        organization = stage.consultation.proposal.organization
        stage.left = time_left(stage.closes_at, now, organization.country, organization.zone)
        stage.closes_local = timezone.localtime(stage.closes_at, organization.zone)
    return stages


def home(request):
    from proposals.models import Proposal

    organizations = Organization.objects.exclude(kind=OrganizationKind.AUTHORITY)
    public = Proposal.objects.public()
    return render(
        request,
        "core/home.html",
        {
            "proposal_count": public.count(),
            "recent_proposals": public.select_related("organization", "target_authority").order_by(
                "-published_at", "-pk"
            )[:5],
            "organization_count": organizations.count(),
            "authority_count": Organization.objects.authorities().count(),
            "recent_organizations": organizations.order_by("-created_at", "-pk")[:6],
            "open_consultations": open_consultations(timezone.now()),
        },
    )


def set_language(request):
    """Django's language switch, remembering the choice on the profile of a signed-in user."""
    response = django_set_language(request)
    try:
        language = get_supported_language_variant(request.POST.get("language", "")[:20])
    except LookupError:
        language = None
    if (
        request.method == "POST"
        and request.user.is_authenticated
        and language in dict(settings.LANGUAGES)
        and check_for_language(language)
    ):
        profile = request.user.profile
        if profile.language != language:
            profile.language = language
            profile.save(update_fields=["language"])
    return response


def error_400(request, exception=None):
    return render(request, "400.html", status=400)


def error_403(request, exception=None):
    return render(request, "403.html", status=403)


def error_404(request, exception=None):
    return render(request, "404.html", status=404)


def error_500(request):
    return render(request, "500.html", status=500)


def csrf_failure(request, reason=""):
    return render(request, "403_csrf.html", status=403)
