"""Markdown to safe HTML. Every stored Markdown text is rendered through `render_markdown`.

Markdown is converted first, then the HTML is cleaned with nh3 against an allowlist: no scripts,
no event handlers, no iframes, no styles, links only to http, https and mailto; and no control
character, whatever character reference the text used.
"""

import hashlib

import markdown as markdown_lib
import nh3
from django.core.cache import cache
from django.utils.safestring import mark_safe

from core.text import strip_control_characters

ALLOWED_TAGS = {
    "p",
    "br",
    "hr",
    "strong",
    "em",
    "b",
    "i",
    "u",
    "s",
    "del",
    "ins",
    "sub",
    "sup",
    "code",
    "pre",
    "blockquote",
    "ul",
    "ol",
    "li",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "a",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "abbr",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "abbr": {"title"},
    "th": {"align"},
    "td": {"align"},
    "ol": {"start"},
}
URL_SCHEMES = {"http", "https", "mailto"}
EXTENSIONS = ["tables", "sane_lists", "smarty"]


def render_markdown(text):
    """Safe HTML for a Markdown text (cached by the text's hash: rendering is pure)."""
    text = text or ""
    key = "md3:" + hashlib.sha256(text.encode("utf-8")).hexdigest()
    html = cache.get(key)
    if html is None:
        # lazy_ol=False: a list numbered from 3 (points of a law) starts at 3.
        raw = markdown_lib.markdown(
            text, extensions=EXTENSIONS, output_format="html", lazy_ol=False
        )
        html = nh3.clean(
            raw,
            tags=ALLOWED_TAGS,
            attributes=ALLOWED_ATTRIBUTES,
            url_schemes=URL_SCHEMES,
            link_rel="nofollow noopener noreferrer",
        )
        # A character reference such as "&#1;" or "&#xffff;" becomes the character itself, and
        # Markdown's own placeholders are control characters: none may reach a page, a DOCX,
        # a PDF or an XML export (typed control characters are refused on input already).
        html = strip_control_characters(html)
        cache.set(key, html, 24 * 3600)
    return mark_safe(html)  # noqa: S308 - cleaned by nh3 above
