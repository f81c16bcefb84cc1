"""Markdown to safe HTML: markdown-it (raw HTML off) and then an nh3 allow-list (T21).

`render` is called when text is saved; `clean` runs again when it is shown, so a row
changed behind the application's back still cannot carry script into a page.
"""

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

# "js-default" is CommonMark without raw HTML: "<script>" in the source stays text.
_md = MarkdownIt("js-default", {"linkify": False, "typographer": False})

ALLOWED_TAGS = {
    "p", "br", "hr", "em", "strong", "del", "code", "pre", "blockquote",
    "ul", "ol", "li", "a", "h1", "h2", "h3", "h4", "h5", "h6",
    "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}, "th": {"align"}, "td": {"align"}}
URL_SCHEMES = {"http", "https", "mailto"}
LINK_REL = "nofollow noopener noreferrer"


def clean(html: str) -> str:
    """Keep only allow-listed tags, attributes and link schemes."""
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel=LINK_REL,
    )


def render(text: str) -> str:
    """Markdown source to sanitised HTML."""
    return clean(_md.render(text))


def as_markup(html: str | None) -> Markup:
    """Sanitised HTML for a template: cleaned again here, then marked safe."""
    return Markup(clean(html or ""))
