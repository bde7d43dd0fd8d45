"""Token-authenticated endpoints for an authority's registrars, and the public register.

The registrar endpoints accept a registrar token only (`api.authentication`; never the site's
session): the token's authority is the only one they see. A submission of another authority is
404, exactly like an unknown tracking code. Actions go through `registrations.domain`, so the
rules, the activity log and the emails are the site's own; a refused action is a 400 (bad
input) or 409 (the submission's state does not allow it) with the domain's message.
"""

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.response import Response
from rest_framework.views import APIView

from api.authentication import TokenAuthentication
from api.exceptions import Conflict, PayloadTooLarge, Refused
from api.permissions import HasRegistrarToken
from api.submissions import (
    AnswerSerializer,
    AuthorityFilterSerializer,
    AuthoritySubmissionSerializer,
    PublicSubmissionSerializer,
    RegisterFilterSerializer,
    RegisterSerializer,
    filter_authority_submissions,
    filter_public_register,
)
from api.views import errors
from core.errors import DomainError, InvalidTransition, NotAllowed
from registrations import domain
from registrations.models import Submission, local_today

TRACKING_CODE = OpenApiParameter(
    "tracking_code",
    OpenApiTypes.STR,
    OpenApiParameter.PATH,
    description=_("The submission's tracking code, e.g. `CNS-7K4Q-92XH`."),
)
TOKEN_ERRORS = (401, 403)


class RegistrarView(APIView):
    authentication_classes = [TokenAuthentication]
    permission_classes = [HasRegistrarToken]

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > settings.API_MAX_BODY_BYTES:
            raise PayloadTooLarge(
                _("The request body is larger than %(limit)s kB.")
                % {"limit": settings.API_MAX_BODY_BYTES // 1024}
            )

    @property
    def authority(self):
        return self.request.auth.authority

    def submissions(self):
        return Submission.objects.filter(authority=self.authority).select_related(
            "authority", "proposal", "revision"
        )

    def get_submission(self):
        code = domain.normalize_tracking_code(self.kwargs["tracking_code"])
        submission = self.submissions().filter(tracking_code=code).first() if code else None
        if submission is None:
            raise NotFound(_("Your authority's register has no submission with this code."))
        return submission

    def get_serializer_context(self):
        return {"request": self.request, "view": self, "today": local_today(self.authority)}

    def respond(self, submission):
        submission = self.submissions().get(pk=submission.pk)
        context = self.get_serializer_context()
        return Response(AuthoritySubmissionSerializer(submission, context=context).data)

    def run(self, action, *args, **kwargs):
        try:
            return action(self.request.user, *args, **kwargs)
        except NotAllowed as error:
            raise PermissionDenied(str(error.message)) from None
        except InvalidTransition as error:  # not in this state, rather than bad input
            raise Conflict(str(error.message)) from None
        except DomainError as error:
            raise Refused(str(error.message)) from None


@extend_schema(
    summary=_("Submissions addressed to your authority"),
    description=(
        _(
            "Needs a registrar token. Every submission addressed to the token's authority, newest "
            "first: through the platform or logged from paper, with registration, deadline and "
            "answer."
        )
    ),
    parameters=[AuthorityFilterSerializer],
    responses={200: AuthoritySubmissionSerializer(many=True), **errors(400, *TOKEN_ERRORS)},
)
class AuthoritySubmissionList(RegistrarView, generics.ListAPIView):
    serializer_class = AuthoritySubmissionSerializer

    def get_queryset(self):
        today = local_today(self.authority)
        submissions = filter_authority_submissions(self.submissions(), self.request, today)
        return submissions.order_by("-submitted_at", "-pk")


@extend_schema(
    summary=_("One submission addressed to your authority"),
    description=_("Needs a registrar token. 404 for a submission addressed to another authority."),
    parameters=[TRACKING_CODE],
    responses={200: AuthoritySubmissionSerializer, **errors(*TOKEN_ERRORS, 404)},
)
class AuthoritySubmissionDetail(RegistrarView, generics.RetrieveAPIView):
    serializer_class = AuthoritySubmissionSerializer

    def get_object(self):
        return self.get_submission()


class AuthoritySubmissionRegister(RegistrarView):
    @extend_schema(
        operation_id="authority_submissions_register",
        summary=_("Register a submission"),
        description=(
            _(
                "Needs a registrar token. Records the registration number and date in the "
                "authority's register (or confirms a registration the sender declared); the answer "
                "deadline starts. 400 for a bad date or a number already used that year, 409 if "
                "it is already registered."
            )
        ),
        parameters=[TRACKING_CODE],
        request=RegisterSerializer,
        responses={
            200: AuthoritySubmissionSerializer,
            **errors(400, *TOKEN_ERRORS, 404, 409, 413),
        },
    )
    def post(self, request, tracking_code):
        submission = self.get_submission()
        data = RegisterSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        self.run(
            domain.register_submission,
            submission,
            number=data.validated_data["number"],
            registration_date=data.validated_data["date"],
        )
        return self.respond(submission)


class AuthoritySubmissionAnswer(RegistrarView):
    @extend_schema(
        operation_id="authority_submissions_answer",
        summary=_("Record the authority's answer"),
        description=(
            _(
                "Needs a registrar token. Records the answer (accepted, partially accepted, "
                "rejected, forwarded) and its text; the sender is notified. 409 if the submission "
                "is not registered yet, already answered, or its registration was declared by the "
                "sender and not yet confirmed by the authority."
            )
        ),
        parameters=[TRACKING_CODE],
        request=AnswerSerializer,
        responses={
            200: AuthoritySubmissionSerializer,
            **errors(400, *TOKEN_ERRORS, 404, 409, 413),
        },
    )
    def post(self, request, tracking_code):
        submission = self.get_submission()
        data = AnswerSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        self.run(
            domain.answer_submission,
            submission,
            answer_status=data.validated_data["status"],
            text=data.validated_data["text"],
            answered_on=data.validated_data.get("date") or submission.local_today(),
        )
        return self.respond(submission)


@extend_schema(
    summary=_("Public register of submissions"),
    description=(
        _(
            "What the site's public register shows: every proposal submitted to an authority "
            "through the platform, newest first, with its registration, deadline and answer."
        )
    ),
    parameters=[RegisterFilterSerializer],
    responses={200: PublicSubmissionSerializer(many=True), **errors(400)},
)
class PublicRegister(generics.ListAPIView):
    serializer_class = PublicSubmissionSerializer

    def get_queryset(self):
        submissions = Submission.objects.through_platform().select_related(
            "authority", "proposal", "revision"
        )
        return filter_public_register(submissions, self.request).order_by("-submitted_at", "-pk")
