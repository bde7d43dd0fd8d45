"""What the pages of an authority's own draft read (issue 17): the organisations a person may
ask a public debate for, and the requests with their due day. Read-only."""

from accounts.models import Organization, OrganizationKind, Role
from consultations import domain
from core.permissions import can


def requesting_organizations(user):
    """The verified NGOs `user` may ask a public debate for (`consultations.request_debate`)."""
    if not user.is_authenticated:
        return Organization.objects.none()
    candidates = Organization.objects.filter(
        memberships__user=user,
        memberships__role__in=[Role.ADMIN, Role.EDITOR],
        kind=OrganizationKind.NGO,
        verified_at__isnull=False,
    ).order_by("name")
    allowed = [org.pk for org in candidates if can(user, "consultations.request_debate", org)]
    return Organization.objects.filter(pk__in=allowed).order_by("name")


def debate_rows(consultation, now):
    """The consultation's requests for a public debate with their due day and lateness, for the
    pages. Side effects: none."""
    rows = []
    for item in consultation.debate_requests.select_related("organization", "meeting").order_by(
        "requested_at", "pk"
    ):
        item.consultation = consultation
        rows.append(
            {
                "request": item,
                "due_on": domain.due_on(item),
                "overdue": domain.is_overdue(item, now),
                "late": domain.answered_late(item),
            }
        )
    return rows
