from django import template
from markdownx.widgets import MarkdownxWidget

register = template.Library()


@register.simple_tag
def markdown_editor(index, field, value, rows=6):
    """The Markdown textarea of block `index`: live preview with JavaScript, plain without."""
    name = f"blocks-{index}-{field}"
    return MarkdownxWidget(attrs={"rows": rows}).render(name, value, attrs={"id": name})


@register.filter
def lookup(mapping, key):
    """`mapping[key]`, or None (e.g. the conflict shown for a block of the editor)."""
    return mapping.get(key) if mapping else None
