from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from core.text import control_characters_message, has_control_characters


def no_control_characters(value):
    """Refuse NUL bytes and other control characters (tabs and line breaks are fine), with the
    message of `core.text.clean_text`."""
    if has_control_characters(value):
        raise ValidationError(control_characters_message(_("This text")), code="control_characters")
