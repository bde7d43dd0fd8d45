from django import template
from django.utils.safestring import SafeData, mark_safe

from proposals.legal_text import superscript_numbers

register = template.Library()


@register.filter
def legal_number(value):
    """Numbers of inserted units as printed: "Art. 16^1" → "Art. 16¹" (the stored text keeps
    "^1"). Safe HTML stays safe: only a caret between a number and digits is replaced."""
    if isinstance(value, SafeData):
        return mark_safe(superscript_numbers(str(value)))  # noqa: S308 - no markup added
    return superscript_numbers(str(value or ""))
