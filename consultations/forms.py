"""Forms of the public consultation pages: commenting, replying, flagging.

They check what a person can get wrong while typing (lengths, control characters, a missing
choice) with messages that say how to fix it; the rules of the consultation itself (is the
stage open, is the parent comment in this stage and shown, how deep can replies go) are the
domain's, so a crafted request meets the same checks as the page.
"""

from django import forms
from django.conf import settings
from django.core.validators import ProhibitNullCharactersValidator
from django.utils.translation import gettext_lazy as _

from accounts.models import RespondentCategory
from consultations.domain import MAX_QUOTE_LENGTH
from consultations.models import FlagReason, Stance, Suggestion
from consultations.threads import paragraph_labels
from core.validators import no_control_characters

TOO_LONG = _(
    "Your comment is %(show_value)s characters long; the limit is %(limit_value)s. "
    "Shorten it and send it again (your text is kept in the box)."
)


def _text_field(label, *, max_length, required=True, widget=None, error=None):
    field = forms.CharField(
        label=label,
        max_length=max_length,
        required=required,
        widget=widget,
        error_messages={"max_length": error} if error else None,
    )
    # One clear message for NUL and the other control characters, instead of Django's own
    # "Null characters are not allowed" next to ours.
    field.validators = [
        validator
        for validator in field.validators
        if not isinstance(validator, ProhibitNullCharactersValidator)
    ] + [no_control_characters]
    return field


def _no_browser_limit(field):
    """A browser cuts a pasted text at `maxlength` without a word; the server says it instead
    and keeps the whole text, so nothing typed is lost. With JavaScript the page says the limit
    as one types and before sending (static/js/limits.js), with these messages."""
    limit = field.widget.attrs.pop("maxlength", None)
    if limit:
        field.widget.attrs.update(
            {
                "data-limit": limit,
                "data-count-message": _("%(count)s of %(limit)s characters."),
                "data-limit-message": _(
                    "Your text is %(count)s characters long; the limit is %(limit)s. Shorten "
                    "it before sending."
                ),
            }
        )


class ReplyForm(forms.Form):
    text = _text_field(
        _("Your reply"),
        max_length=settings.CONSULTATION_COMMENT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 5}),
        error=TOO_LONG,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _no_browser_limit(self.fields["text"])
        self.fields["text"].help_text = _(
            "Plain text, at most %(limit)s characters. Line breaks are kept."
        ) % {"limit": settings.CONSULTATION_COMMENT_MAX_LENGTH}


class CommentForm(forms.Form):
    """A comment on the text under debate: on the whole text or one paragraph, with a stance.

    `parent_id` makes it a reply (the page's reply form posts to its own address; this field is
    what a crafted request would use, and the domain refuses parents from elsewhere).
    """

    block = forms.ChoiceField(label=_("Paragraph"), required=False)
    quote = _text_field(
        _("Quoted words (optional)"),
        max_length=MAX_QUOTE_LENGTH,
        required=False,
        error=_("Quote at most %(limit_value)s characters; it has %(show_value)s."),
    )
    stance = forms.ChoiceField(
        label=_("Your position"),
        choices=Stance.choices,
        required=False,
        widget=forms.RadioSelect,
    )
    text = _text_field(
        _("Your comment"),
        max_length=settings.CONSULTATION_COMMENT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 8}),
        error=TOO_LONG,
    )
    suggestion = forms.ChoiceField(
        label=_("Do you suggest a change to the paragraph’s wording?"),
        choices=[("", _("No, only a comment")), *Suggestion.choices],
        required=False,
        widget=forms.RadioSelect,
    )
    suggested_text = _text_field(
        _("Suggested wording"),
        max_length=settings.MAX_BLOCK_CHARACTERS,
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        error=_(
            "The suggested wording is %(show_value)s characters long; the limit is "
            "%(limit_value)s. Shorten it (your text is kept in the box)."
        ),
    )
    parent_id = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)

    def __init__(self, *args, stage, **kwargs):
        super().__init__(*args, **kwargs)
        self.stage = stage
        _no_browser_limit(self.fields["text"])
        _no_browser_limit(self.fields["suggested_text"])
        self.fields["suggested_text"].help_text = _(
            "The whole new text of the paragraph (for an amendment, of its proposed text). It is "
            "shown with the changed words marked; your comment below is its justification."
        )
        self.fields["block"].choices = [("", _("The whole text"))] + list(
            paragraph_labels(stage.revision).items()
        )
        self.fields["quote"].help_text = _(
            "Copy the exact words of the paragraph you comment on, if you want to point at them."
        )

    def clean(self):
        data = super().clean()
        if not data.get("parent_id") and not data.get("stance") and "stance" not in self.errors:
            self.add_error("stance", _("Choose whether you support, oppose or are neutral."))
        suggestion = data.get("suggestion")
        if suggestion and not data.get("block") and "block" not in self.errors:
            self.add_error("block", _("Choose the paragraph your suggestion rewrites."))
        if (
            suggestion == Suggestion.REPLACE
            and not (data.get("suggested_text") or "").strip()
            and "suggested_text" not in self.errors
        ):
            self.add_error("suggested_text", _("Write the wording you suggest."))
        return data


class FlagForm(forms.Form):
    reason = forms.ChoiceField(
        label=_("Why should a moderator look at this comment?"),
        choices=FlagReason.choices,
        widget=forms.RadioSelect,
    )
    note = _text_field(
        _("Details (optional)"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        error=_("Write at most %(limit_value)s characters; you wrote %(show_value)s."),
    )


class MeetingRegistrationForm(forms.Form):
    """Registering for a public meeting: the name comes from the profile (changeable here)."""

    name = forms.CharField(
        label=_("Name"),
        max_length=80,
        validators=[no_control_characters],
        help_text=_("Your display name; change it here if the organisers should know another."),
    )
    organization = forms.CharField(
        label=_("Organisation (optional)"),
        max_length=200,
        required=False,
        validators=[no_control_characters],
    )
    category = forms.ChoiceField(label=_("You take part as"), choices=RespondentCategory.choices)
    show_name = forms.BooleanField(
        label=_("Show my name and organisation on the public attendance list"),
        required=False,
        help_text=_(
            "Without this, the public list and its export count you without your name (only "
            "your respondent category, which the consultation's figures use). The organisers "
            "always see your registration."
        ),
    )
