"""Query parameters of the proposal and consultation lists: the site's facets, read strictly.

A value the API cannot use (an unknown status, a year that is not a number, a malformed slug)
is a 400 naming the parameter; a well-formed slug that matches nothing gives an empty list.
Parameters the API does not know are ignored.
"""

from datetime import datetime

from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from api.enums import PROPOSAL_STATUSES
from core.params import YEAR_MAX, YEAR_MIN, year_param
from proposals.models import ProposalKind


class YearField(serializers.IntegerField):
    """A year in ASCII digits from YEAR_MIN to YEAR_MAX, read by `core.params.year_param` as the
    pages read theirs; anything else is a 400 that says what is allowed."""

    default_error_messages = {"year": _("Give a year from {min} to {max}.")}

    def __init__(self, **kwargs):
        super().__init__(min_value=YEAR_MIN, max_value=YEAR_MAX, **kwargs)

    def to_internal_value(self, data):
        year = year_param(data if isinstance(data, str) else str(data))
        if year is None:
            self.fail("year", min=YEAR_MIN, max=YEAR_MAX)
        return year


class ProposalFilterSerializer(serializers.Serializer):
    status = serializers.ChoiceField(
        choices=PROPOSAL_STATUSES, required=False, help_text=_("The proposal's status.")
    )
    kind = serializers.ChoiceField(
        choices=ProposalKind.choices, required=False, help_text=_("The kind of proposal.")
    )
    organization = serializers.SlugField(
        max_length=80, required=False, help_text=_("Slug of the organisation that drafted it.")
    )
    authority = serializers.SlugField(
        max_length=80, required=False, help_text=_("Slug of the public authority it targets.")
    )
    topic = serializers.SlugField(max_length=50, required=False, help_text=_("Slug of a topic."))
    year = YearField(
        required=False, help_text=_("Year of publication (local calendar, Europe/Bucharest).")
    )
    language = serializers.ChoiceField(
        choices=settings.LANGUAGES, required=False, help_text=_("Language of the text.")
    )
    q = serializers.CharField(
        max_length=200,
        required=False,
        allow_blank=True,
        help_text=_(
            "Words in the title or summary (a plain substring match, not the site search)."
        ),
    )


def filter_proposals(queryset, params, prefix=""):
    """Narrow `queryset` (of proposals, or of objects whose `prefix` leads to a proposal) by the
    validated query `params`. Raises ValidationError (400) for malformed values."""
    serializer = ProposalFilterSerializer(data=params)
    serializer.is_valid(raise_exception=True)
    data = serializer.validated_data
    lookups = {}
    if "status" in data:
        lookups[f"{prefix}status"] = data["status"]
    if "kind" in data:
        lookups[f"{prefix}kind"] = data["kind"]
    if "organization" in data:
        lookups[f"{prefix}organization__slug"] = data["organization"]
    if "authority" in data:
        lookups[f"{prefix}target_authority__slug"] = data["authority"]
    if "language" in data:
        lookups[f"{prefix}language"] = data["language"]
    if "year" in data:
        # As the search facet counts it: the local year of publication.
        zone = timezone.get_default_timezone()
        start = datetime(data["year"], 1, 1, tzinfo=zone)
        end = datetime(data["year"] + 1, 1, 1, tzinfo=zone)
        lookups[f"{prefix}published_at__gte"] = start
        lookups[f"{prefix}published_at__lt"] = end
    queryset = queryset.filter(**lookups)
    if "topic" in data:
        queryset = queryset.filter(**{f"{prefix}topics__slug": data["topic"]})
    words = " ".join(data.get("q", "").split())
    if words:
        queryset = queryset.filter(
            Q(**{f"{prefix}title__icontains": words}) | Q(**{f"{prefix}summary__icontains": words})
        )
    return queryset
