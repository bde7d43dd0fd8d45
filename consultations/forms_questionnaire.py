"""Forms of questionnaires: a question written by the organisers, and the answers of a
participant (one field per question). They check the shape of what was sent; the domain
(`consultations.domain.questionnaires`) decides what is allowed and checks the answers again."""

from django import forms
from django.utils.translation import gettext_lazy as _

from consultations.domain.questionnaires import (
    MAX_CHOICE_LENGTH,
    MAX_CHOICES,
    MAX_TEXT_ANSWER,
    SCALE_HIGHEST,
    SCALE_LOWEST,
)
from consultations.models import QuestionKind
from core.validators import no_control_characters


def _choices_of(values):
    return [(str(value), str(value)) for value in values]


class QuestionForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind of question"), choices=QuestionKind.choices)
    text = forms.CharField(label=_("Question"), max_length=500, validators=[no_control_characters])
    help = forms.CharField(
        label=_("Explanation (optional)"),
        max_length=1000,
        required=False,
        validators=[no_control_characters],
    )
    required = forms.BooleanField(label=_("An answer is required"), required=False)
    choices = forms.CharField(
        label=_("Options (single or multiple choice)"),
        help_text=_("One option per line, %(n)s at the most.") % {"n": MAX_CHOICES},
        required=False,
        max_length=MAX_CHOICES * (MAX_CHOICE_LENGTH + 2),
        validators=[no_control_characters],
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    scale_min = forms.TypedChoiceField(
        label=_("Scale from"),
        choices=_choices_of(SCALE_LOWEST),
        coerce=int,
        initial=1,
        required=False,
        empty_value=None,
    )
    scale_max = forms.TypedChoiceField(
        label=_("Scale to"),
        choices=_choices_of(range(1, SCALE_HIGHEST + 1)),
        coerce=int,
        initial=5,
        required=False,
        empty_value=None,
    )
    min_label = forms.CharField(
        label=_("Label of the lowest value (optional)"),
        max_length=100,
        required=False,
        validators=[no_control_characters],
    )
    max_label = forms.CharField(
        label=_("Label of the highest value (optional)"),
        max_length=100,
        required=False,
        validators=[no_control_characters],
    )

    def command_arguments(self):
        """What `add_question` takes, from the cleaned data."""
        data = dict(self.cleaned_data)
        data["choices"] = data["choices"].splitlines()
        return data


def field_name(question):
    return f"q{question.pk}"


class ResponseForm(forms.Form):
    """One field per question: radio buttons (single choice, scale), checkboxes (multiple
    choice) or a text area. The domain checks the answers again (the API calls it directly)."""

    def __init__(self, *args, questions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.questions = list(questions)
        for question in self.questions:
            options = [(str(value), label) for value, label in question.options()]
            common = {
                "label": question.text,
                "help_text": question.help,
                "required": question.required,
            }
            if question.kind == QuestionKind.MULTIPLE:
                field = forms.TypedMultipleChoiceField(
                    choices=options, coerce=int, widget=forms.CheckboxSelectMultiple, **common
                )
            elif question.kind == QuestionKind.TEXT:
                field = forms.CharField(
                    max_length=MAX_TEXT_ANSWER,
                    validators=[no_control_characters],
                    widget=forms.Textarea(attrs={"rows": 4}),
                    **common,
                )
            else:
                field = forms.TypedChoiceField(
                    choices=options,
                    coerce=int,
                    empty_value=None,
                    widget=forms.RadioSelect,
                    **common,
                )
            field.question = question
            self.fields[field_name(question)] = field

    @classmethod
    def initial_from(cls, data):
        """The form's initial values from {question id: answer} (`answers_as_data`)."""
        initial = {}
        for question_id, value in data.items():
            if isinstance(value, list):
                value = [str(item) for item in value]
            elif isinstance(value, int):
                value = str(value)
            initial[f"q{question_id}"] = value
        return initial

    def answers(self):
        """{question id: answer} for the domain."""
        return {
            question.pk: self.cleaned_data.get(field_name(question)) for question in self.questions
        }

    def rows(self):
        """(question, bound field) in order, for the template."""
        return [(question, self[field_name(question)]) for question in self.questions]
