from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from core.text import has_control_characters


def no_control_characters(value):
    """Refuse NUL bytes and other control characters (tabs and line breaks are fine)."""
    if has_control_characters(value):
        raise ValidationError(
            _("This text contains control characters (such as NUL bytes); remove them."),
            code="control_characters",
        )
