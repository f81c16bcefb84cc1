"""Markdown to safe HTML: markdown-it (raw HTML off) and then an nh3 allow-list (T21).

`render` is called when text is saved; `clean` runs again when it is shown, so a row
changed behind the application's back still cannot carry script into a page.

Links members write are user content: every one carries rel="nofollow noopener noreferrer
ugc", and when shown, a link to another site goes through a warning page (LEAVE_PATH,
deliberate/web/main.py) that names the site before the reader follows it (T22). The stored
HTML keeps the real address, for exports and the API.
"""

import re
from urllib.parse import urlencode, urlsplit

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
LINK_REL = "nofollow noopener noreferrer ugc"
# The warning page for links to other sites; the route in deliberate/web/main.py uses it.
LEAVE_PATH = "/leave"
# Browsers drop tabs and newlines anywhere in a URL and trim spaces and controls around it.
_DROPPED = re.compile("[\t\n\r]")
_TRIMMED = "".join(chr(c) for c in range(0x21))


def clean(html: str, *, warn_off_site: bool = False, leave_url: str = LEAVE_PATH) -> str:
    """Keep only allow-listed tags, attributes and link schemes; optionally send links to
    other sites through the warning page at ``leave_url``."""
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel=LINK_REL,
        attribute_filter=_through_warning_at(leave_url) if warn_off_site else None,
    )


def render(text: str) -> str:
    """Markdown source to sanitised HTML."""
    return clean(_md.render(text))


def external_target(href: str) -> str | None:
    """The absolute http(s) address ``href`` leads to on another site, or None if it stays.

    Read as a browser reads it: "//host", "/\\host", "http:host" and "https:/host" all
    leave the site, and come back written "scheme://host"; scheme-relative ones get https.
    """
    url = _DROPPED.sub("", href).strip(_TRIMMED).replace("\\", "/")
    try:
        scheme = urlsplit(url).scheme
    except ValueError:  # e.g. an unclosed IPv6 bracket: treat it as leaving, never as ours
        scheme = "https"
    if scheme in ("http", "https"):
        return f"{scheme}://{url[len(scheme) + 1 :].lstrip('/')}"
    if not scheme and url.startswith("//"):
        return "https://" + url.lstrip("/")
    return None


def _through_warning_at(leave_url: str):
    def through_warning(tag: str, attribute: str, value: str) -> str:
        target = external_target(value) if (tag, attribute) == ("a", "href") else None
        return f"{leave_url}?{urlencode({'to': target})}" if target else value

    return through_warning


def as_markup(html: str | None, *, leave_url: str = LEAVE_PATH) -> Markup:
    """Sanitised HTML for a template: cleaned again here, then marked safe.

    ``leave_url`` is where the warning page is served: LEAVE_PATH under the prefix the
    app is mounted at (``url_for("main.leave")``).
    """
    return Markup(clean(html or "", warn_off_site=True, leave_url=leave_url))
