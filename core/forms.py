"""Form fields every app uses for identifiers (`core.text`, "Identifiers")."""

from django import forms
from django.forms.renderers import TemplatesSetting

from core.text import tidy_identifier, tidy_slug


class IdentifierField(forms.CharField):
    """A one-line name or number: invisible characters dropped and spaces collapsed before the
    field's checks, so that a pasted zero-width space neither fails nor counts in the length."""

    def to_python(self, value):
        return tidy_identifier(super().to_python(value))


class SlugIdentifierField(forms.SlugField):
    """An address name: invisible characters and surrounding spaces dropped and the case lowered
    before the field's checks (letters, digits, hyphens)."""

    def to_python(self, value):
        return tidy_slug(super().to_python(value))


class ConsultFormRenderer(TemplatesSetting):
    """Every form and field the platform draws, `{{ form }}` and `{{ field.as_field_group }}` as
    much as `{% include "includes/form.html" %}`, in the design system's pattern: an error summary
    at the top linking to the fields, then each field's label, hint, error message and input. The
    project's template engine finds the widgets' own templates through the `django.forms` app."""

    form_template_name = "includes/form.html"
    field_template_name = "includes/field.html"
