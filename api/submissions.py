"""Submissions on the API: the authority's view (registrar tokens) and the public register.

The public register shows what the site's public register shows: submissions made through the
platform (never a proposal logged from paper), with their registration, deadline and answer.
The authority's view adds everything its register page shows to its registrars.
"""

from datetime import datetime

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from api.filters import YearField
from api.serializers import NullableUrl, Url, absolute, api_url
from registrations.models import (
    AnswerStatus,
    Channel,
    RegistrationSource,
    SubmissionStatus,
)


def _submission_web_url(obj, context):
    return absolute(context, obj.get_absolute_url())


def _proposal_url(obj, context):
    if obj.proposal_id is None:
        return None
    return api_url(context, "proposal", obj.proposal.slug)


def _revision_url(obj, context):
    if obj.proposal_id is None or obj.revision_id is None:
        return None
    return api_url(context, "revision", obj.proposal.slug, obj.revision.number)


def _today(obj, context):
    return context.get("today") or obj.local_today()


class PublicSubmissionSerializer(serializers.Serializer):
    """A row of the public register."""

    tracking_code = serializers.CharField(read_only=True)
    web_url = Url(_submission_web_url)
    title = serializers.CharField(read_only=True)
    sender_name = serializers.CharField(read_only=True)
    authority = serializers.CharField(
        source="authority.slug", read_only=True, help_text=_("Slug of the addressed authority.")
    )
    authority_name = serializers.CharField(source="authority.name", read_only=True)
    proposal_url = NullableUrl(_proposal_url)
    revision_url = NullableUrl(_revision_url)
    content_hash = serializers.CharField(read_only=True)
    submitted_at = serializers.DateTimeField(read_only=True)
    status = serializers.ChoiceField(choices=SubmissionStatus.choices, read_only=True)
    registration_number = serializers.CharField(read_only=True)
    registration_date = serializers.DateField(read_only=True, allow_null=True)
    registration_source = serializers.ChoiceField(
        choices=RegistrationSource.choices,
        allow_blank=True,
        read_only=True,
        help_text=_("`submitter` when the number was declared by the sender, not yet confirmed."),
    )
    deadline = serializers.DateField(read_only=True, allow_null=True)
    answer_status = serializers.ChoiceField(
        choices=AnswerStatus.choices, allow_blank=True, read_only=True
    )
    answered_on = serializers.DateField(read_only=True, allow_null=True)


class AuthoritySubmissionSerializer(PublicSubmissionSerializer):
    """A submission as the addressed authority's registrars see it."""

    url = Url(lambda o, c: api_url(c, "authority_submission", o.tracking_code))
    channel = serializers.ChoiceField(choices=Channel.choices, read_only=True)
    cover_letter = serializers.CharField(read_only=True)
    received_on = serializers.DateField(read_only=True, allow_null=True)
    registered_at = serializers.DateTimeField(read_only=True, allow_null=True)
    original_deadline = serializers.DateField(read_only=True, allow_null=True)
    extended_at = serializers.DateTimeField(read_only=True, allow_null=True)
    extension_reason = serializers.CharField(read_only=True)
    overdue = serializers.SerializerMethodField(
        help_text=_("Registered, unanswered, and the deadline has passed (authority's calendar).")
    )
    days_left = serializers.SerializerMethodField(
        help_text=_("Calendar days to the deadline (negative when overdue); null if none runs.")
    )
    answer_text = serializers.CharField(read_only=True)
    answered_at = serializers.DateTimeField(read_only=True, allow_null=True)
    register_url = Url(lambda o, c: api_url(c, "authority_register", o.tracking_code))
    answer_url = Url(lambda o, c: api_url(c, "authority_answer", o.tracking_code))

    @extend_schema_field(serializers.BooleanField())
    def get_overdue(self, obj):
        return obj.is_overdue(_today(obj, self.context))

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_days_left(self, obj):
        return obj.days_left(_today(obj, self.context))


class RegisterSerializer(serializers.Serializer):
    number = serializers.CharField(
        max_length=50, help_text=_("The registration number in the authority's register.")
    )
    date = serializers.DateField(
        help_text=_("The registration date (YYYY-MM-DD), not in the future.")
    )


class AnswerSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=AnswerStatus.choices, help_text=_("The answer."))
    text = serializers.CharField(max_length=50000, help_text=_("The answer's text."))
    date = serializers.DateField(
        required=False,
        help_text=_(
            "The date of the answer (YYYY-MM-DD); today on the authority's calendar if left out."
        ),
    )


class AuthorityFilterSerializer(serializers.Serializer):
    status = serializers.ChoiceField(
        choices=SubmissionStatus.choices, required=False, help_text=_("The submission's status.")
    )
    overdue = serializers.BooleanField(
        required=False, help_text=_("Only overdue submissions (`true`) or none of them (`false`).")
    )
    year = YearField(
        required=False, help_text=_("Year of registration (or of sending, while not registered).")
    )


class RegisterFilterSerializer(serializers.Serializer):
    authority = serializers.SlugField(
        max_length=80, required=False, help_text=_("Slug of the addressed authority.")
    )
    status = serializers.ChoiceField(
        choices=SubmissionStatus.choices, required=False, help_text=_("The submission's status.")
    )
    year = YearField(required=False, help_text=_("Year the proposal was sent."))


def _params(request, serializer_class):
    # A plain dict (not a QueryDict), so a missing boolean stays missing instead of false.
    serializer = serializer_class(data=request.query_params.dict())
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def filter_authority_submissions(submissions, request, today):
    data = _params(request, AuthorityFilterSerializer)
    if "status" in data:
        submissions = submissions.filter(status=data["status"])
    if data.get("overdue") is True:
        submissions = submissions.overdue(today)
    elif data.get("overdue") is False:
        submissions = submissions.exclude(pk__in=submissions.overdue(today).values("pk"))
    if "year" in data:
        year = data["year"]
        submissions = submissions.filter(
            Q(registration_year=year) | Q(registration_year__isnull=True, submitted_at__year=year)
        )
    return submissions


def filter_public_register(submissions, request):
    data = _params(request, RegisterFilterSerializer)
    if "authority" in data:
        submissions = submissions.filter(authority__slug=data["authority"])
    if "status" in data:
        submissions = submissions.filter(status=data["status"])
    if "year" in data:
        zone = timezone.get_current_timezone()
        start = datetime(data["year"], 1, 1, tzinfo=zone)
        end = datetime(data["year"] + 1, 1, 1, tzinfo=zone)
        submissions = submissions.filter(submitted_at__gte=start, submitted_at__lt=end)
    return submissions
