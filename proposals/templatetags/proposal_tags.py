from django import template
from markdownx.widgets import MarkdownxWidget

register = template.Library()


@register.simple_tag
def markdown_editor(index, field, value, rows=6):
    """The Markdown textarea of block `index`: live preview with JavaScript, plain without."""
    name = f"blocks-{index}-{field}"
    return MarkdownxWidget(attrs={"rows": rows}).render(name, value, attrs={"id": name})
