"""Forms of an authority's own drafts (issue 17): asking for a public debate (a verified NGO),
answering it (the authority), logging a recommendation received by email or on paper. They
check the shape of what was typed; the domain decides what is allowed."""

from django import forms
from django.utils.translation import gettext_lazy as _

from consultations.domain.recommendations import (
    LOGGED_CHANNELS,
    MAX_AUTHOR_LENGTH,
    MAX_RECOMMENDATION_LENGTH,
)
from consultations.forms_manage import DATE_FORMATS
from consultations.models import Channel
from core.validators import DateBounds, no_control_characters


def _text(label, max_length, *, required=True, rows=4, help_text=""):
    return forms.CharField(
        label=label,
        max_length=max_length,
        required=required,
        validators=[no_control_characters],
        help_text=help_text,
        widget=forms.Textarea(attrs={"rows": rows}),
    )


class DebateRequestForm(forms.Form):
    organization = forms.ModelChoiceField(label=_("On behalf of"), queryset=None, empty_label=None)
    message = _text(
        _("Your request"),
        5000,
        required=False,
        rows=5,
        help_text=_(
            "Shown publicly on the consultation. Say why a public debate is needed, if you wish."
        ),
    )

    def __init__(self, *args, organizations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = organizations


class ScheduleDebateForm(forms.Form):
    meeting = forms.ChoiceField(label=_("Public meeting"))

    def __init__(self, *args, meetings, **kwargs):
        super().__init__(*args, **kwargs)
        self.meetings = {str(stage.pk): stage for stage in meetings}
        self.fields["meeting"].choices = [(str(stage.pk), stage.title) for stage in meetings]

    def clean_meeting(self):
        return self.meetings.get(self.cleaned_data["meeting"])


class RefuseDebateForm(forms.Form):
    reason = _text(
        _("Reason for refusing"),
        5000,
        rows=4,
        help_text=_("Shown publicly on the consultation and sent to the organisation that asked."),
    )


class WithdrawDebateForm(forms.Form):
    reason = _text(
        _("Reason for withdrawing (optional)"),
        2000,
        required=False,
        rows=3,
        help_text=_("Shown publicly on the consultation and sent to the authority."),
    )


class RecommendationForm(forms.Form):
    author = forms.CharField(
        label=_("Author"),
        max_length=MAX_AUTHOR_LENGTH,
        help_text=_("The person or organisation that sent it, as it will be shown publicly."),
    )
    channel = forms.ChoiceField(
        label=_("Received"),
        choices=[(value, Channel(value).label) for value in LOGGED_CHANNELS],
        widget=forms.RadioSelect,
    )
    received_on = forms.DateField(
        label=_("Date received"),
        input_formats=DATE_FORMATS,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        validators=[DateBounds(days_ahead=1)],
    )
    block_key = forms.ChoiceField(label=_("Paragraph"), required=False)
    text = _text(_("Recommendation"), MAX_RECOMMENDATION_LENGTH, rows=10)

    def __init__(self, *args, labels, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["block_key"].choices = [("", _("The whole text"))] + list(labels.items())
