from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegistrationsConfig(AppConfig):
    name = "registrations"
    # The admin's heading for submissions (an existing, translated phrase).
    verbose_name = _("Register of proposals")

    def ready(self):
        from core import activity
        from registrations import rules  # noqa: F401  (its permissions, asked through core.permissions)
        from registrations.models import AnswerStatus, SubmissionStatus

        activity.register_verbs(
            {
                "submission.submitted": _("Submitted"),
                "submission.logged": _("Logged in the register"),
                "submission.registered": _("Registered"),
                "submission.registration_declared": _("Registration declared by the submitter"),
                "submission.registration_confirmed": _("Registration confirmed by the authority"),
                "submission.registration_corrected": _("Registration corrected by the authority"),
                "submission.deadline_extended": _("Deadline extended"),
                "submission.answered": _("Answered"),
                "annual_report.saved": _("Annual report draft saved"),
                "annual_report.published": _("Annual report published"),
                "annual_report.corrected": _("Annual report corrected"),
            }
        )

        def submission_label(entry, value):
            for choices in (SubmissionStatus, AnswerStatus):
                if value in choices.values:
                    return choices(value).label
            return value

        for verb in ("submission.submitted", "submission.logged", "submission.registered"):
            activity.register_formatter(verb, submission_label)
        activity.register_formatter("submission.answered", submission_label)
        activity.register_formatter("submission.registration_declared", submission_label)

        # A submission's dossier tells the authority what came of the consultation.
        from consultations.dossier import consultation_section
        from registrations.dossier import register_dossier_section

        register_dossier_section(consultation_section)

        # Who is emailed about submissions (`core.mail`).
        from registrations import notifications

        notifications.register_builders()
