from django import template
from django.utils.html import format_html

from core import dates, idempotency, permissions
from core.markdown import render_markdown

register = template.Library()


@register.simple_tag(takes_context=True)
def query_replace(context, **kwargs):
    """The current query string with some parameters replaced (for pagination links); an
    empty value removes the parameter."""
    query = context["request"].GET.copy()
    for key, value in kwargs.items():
        if value in ("", None):
            query.pop(key, None)
        else:
            query[key] = value
    return query.urlencode()


@register.filter
def markdown(text):
    """Render stored Markdown through the sanitising renderer."""
    return render_markdown(text)


@register.simple_tag(takes_context=True)
def can(context, perm, obj=None):
    """`{% can "proposals.add_proposal" as may_add %}`: the permission gate in templates
    (`core.permissions.can`), never Django's `perms`, which lets a superuser pass."""
    return permissions.can(context["request"].user, perm, obj)


@register.simple_tag
def form_token():
    """The hidden field that makes sending this form twice do its work once
    (`core.idempotency`)."""
    return format_html(
        '<input type="hidden" name="{}" value="{}">', idempotency.FIELD, idempotency.new_token()
    )


@register.filter(expects_localtime=True)
def last_moment(value):
    """A deadline as the last day and time that still count (`core.dates.last_moment`)."""
    if not value:
        return ""
    # The template already gave the moment in the zone it shows (the current one, or the one of
    # a `timezone` filter or tag).
    return dates.last_moment(value, getattr(value, "tzinfo", None))
