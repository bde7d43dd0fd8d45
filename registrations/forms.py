"""Forms of the submission, registration and answer pages. They check the shape of the input;
the rules of each action live in `registrations.domain`."""

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from core.forms import IdentifierField
from core.validators import DateBounds, no_control_characters
from registrations.models import AnswerStatus, Channel, SubmissionStatus


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


def _date_field(label, **kwargs):
    """A day something happened (a registration, an answer, a letter received): from 1990 to
    tomorrow (`core.validators.DateBounds`)."""
    return forms.DateField(
        label=label,
        widget=DateInput(),
        input_formats=["%Y-%m-%d", "%d.%m.%Y"],
        error_messages={"invalid": _("Enter a date such as 2026-03-31 (or 31.03.2026).")},
        validators=[DateBounds(days_ahead=1)],
        **kwargs,
    )


def _confirm(label):
    return forms.BooleanField(
        label=label,
        required=True,
        error_messages={"required": _("Tick the box to confirm: this cannot be undone.")},
    )


class SubmitForm(forms.Form):
    revision = forms.TypedChoiceField(label=_("Final version"), coerce=int)
    cover_letter = forms.CharField(
        label=_("Cover letter"),
        widget=forms.Textarea(attrs={"rows": 8}),
        max_length=20000,
        required=False,
        validators=[no_control_characters],
        help_text=_("Addressed to the authority; it opens the dossier."),
    )
    confirm = _confirm(
        _(
            "I confirm that this version is final and is sent to the authority; it cannot be "
            "changed afterwards."
        )
    )

    def __init__(self, *args, proposal, **kwargs):
        super().__init__(*args, **kwargs)
        # Empty templates (saved as revision 1 before drafts started without one) are not offered.
        self.revisions = {
            revision.number: revision
            for revision in proposal.revisions.select_related("author__profile").order_by(
                "-number"
            )[:200]
            if revision.has_content
        }
        self.fields["revision"].choices = [
            (
                number,
                _("Revision %(number)s of %(date)s — %(message)s")
                % {
                    "number": number,
                    "date": revision.created_at.date().isoformat(),
                    "message": revision.message or "—",
                },
            )
            for number, revision in self.revisions.items()
        ]
        self.fields["revision"].initial = proposal.current_revision.number

    def clean_revision(self):
        return self.revisions[self.cleaned_data["revision"]]


class RegisterForm(forms.Form):
    registration_number = IdentifierField(
        label=_("Registration number"),
        max_length=50,
        validators=[no_control_characters],
        help_text=_("The number in the authority's own register, unique for the year."),
    )
    registration_date = _date_field(_("Registration date"))
    confirm = _confirm(_("I confirm the registration number and date."))


class ExtendForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for the extension"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        validators=[no_control_characters],
        help_text=_("Sent to the sender and shown on the submission's page."),
    )
    confirm = _confirm(_("I confirm the extension: the deadline can be extended only once."))


class AnswerForm(forms.Form):
    answer_status = forms.ChoiceField(
        label=_("Answer"), choices=AnswerStatus.choices, widget=forms.RadioSelect
    )
    answered_on = _date_field(_("Date of the answer"))
    text = forms.CharField(
        label=_("Answer text"),
        widget=forms.Textarea(attrs={"rows": 8}),
        max_length=50000,
        validators=[no_control_characters],
        help_text=_(
            "What the authority decides and why; for a forwarded proposal, the authority it was "
            "sent to."
        ),
    )
    document = forms.FileField(
        label=_("Answer document (optional)"),
        required=False,
        help_text=_("PDF, ODT or DOCX, at most %(mb)s MB.")
        % {"mb": settings.MAX_ATTACHMENT_BYTES // (1024 * 1024)},
    )
    confirm = _confirm(_("I confirm the answer: it is published and cannot be changed."))


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class LogForm(forms.Form):
    sender_name = forms.CharField(
        label=_("Sender (person or organisation)"),
        max_length=200,
        validators=[no_control_characters],
    )
    title = forms.CharField(
        label=_("Title of the proposal"), max_length=300, validators=[no_control_characters]
    )
    channel = forms.ChoiceField(label=_("Received by"), choices=Channel.outside())
    received_on = _date_field(_("Date received"))
    registration_number = IdentifierField(
        label=_("Registration number"), max_length=50, validators=[no_control_characters]
    )
    registration_date = _date_field(
        _("Registration date"), required=False, help_text=_("Leave empty: the date received.")
    )
    notes = forms.CharField(
        label=_("Notes"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=20000,
        required=False,
        validators=[no_control_characters],
    )
    documents = forms.FileField(
        label=_("Documents received (optional)"),
        required=False,
        widget=MultipleFileInput(),
        help_text=_("PDF, ODT, ODS, DOCX or XLSX, at most %(mb)s MB each.")
        % {"mb": settings.MAX_ATTACHMENT_BYTES // (1024 * 1024)},
    )


class VerifyForm(forms.Form):
    code = forms.CharField(
        label=_("Tracking code"),
        max_length=30,
        help_text=_("As printed on the receipt, e.g. CNS-7K4Q-92XH."),
    )
    text = forms.CharField(
        label=_("Text to check"),
        widget=forms.Textarea(attrs={"rows": 8}),
        required=False,
        max_length=settings.MAX_REVISION_CHARACTERS,
        help_text=_("Paste the text you hold, or upload the file below."),
    )
    file = forms.FileField(
        label=_("File to check"),
        required=False,
        help_text=_("A .txt, .md, .docx or .pdf file exported from the platform."),
    )

    def clean(self):
        data = super().clean()
        if not data.get("text", "").strip() and not data.get("file"):
            raise forms.ValidationError(_("Paste the text or upload a file to check."))
        return data


REGISTER_STATUSES = [
    ("submitted", SubmissionStatus.SUBMITTED.label),
    ("registered", SubmissionStatus.REGISTERED.label),
    ("overdue", _("Overdue")),
    ("answered", SubmissionStatus.ANSWERED.label),
]


class AnnualReportForm(forms.Form):
    """The parts of the annual report the authority writes (Law 52/2003 art. 13 e, f, g)."""

    court_actions = forms.IntegerField(
        label=_("(e) Number of court actions against the authority for breaching Law 52/2003"),
        min_value=0,
        max_value=100000,
        initial=0,
    )
    court_actions_text = forms.CharField(
        label=_("(e) The cases and their state"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=10000,
        required=False,
        validators=[no_control_characters],
    )
    assessment = forms.CharField(
        label=_("(f) Own assessment of the partnership with citizens and their associations"),
        widget=forms.Textarea(attrs={"rows": 8}),
        max_length=20000,
        required=False,
        validators=[no_control_characters],
    )
    closed_meetings = forms.IntegerField(
        label=_("(g) Number of meetings not made public"),
        min_value=0,
        max_value=100000,
        initial=0,
    )
    closed_meetings_reasons = forms.CharField(
        label=_("(g) Reasons for restricting access"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=10000,
        required=False,
        validators=[no_control_characters],
    )
    correction_reason = forms.CharField(
        label=_("Reason for the correction (when publishing again)"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
        required=False,
        validators=[no_control_characters],
    )
