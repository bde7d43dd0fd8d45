from django import template

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
    from core.markdown import render_markdown

    return render_markdown(text)
