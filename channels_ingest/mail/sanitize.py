"""Untrusted email HTML made safe to display: no scripts, handlers, forms or remote tricks.

Quoted history (``<blockquote>``) is kept for display; ``cid:`` images stay so the workspace
can show inline attachments.
"""

from __future__ import annotations

import nh3

_TAGS = frozenset(
    [
        "a",
        "abbr",
        "b",
        "blockquote",
        "br",
        "caption",
        "center",
        "code",
        "col",
        "colgroup",
        "dd",
        "del",
        "div",
        "dl",
        "dt",
        "em",
        "font",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "hr",
        "i",
        "img",
        "ins",
        "kbd",
        "li",
        "ol",
        "p",
        "pre",
        "q",
        "s",
        "small",
        "span",
        "strike",
        "strong",
        "sub",
        "sup",
        "table",
        "tbody",
        "td",
        "tfoot",
        "th",
        "thead",
        "tr",
        "tt",
        "u",
        "ul",
    ]
)
_COMMON = {"align", "class", "dir", "lang", "title", "style"}
_ATTRIBUTES = {
    "*": _COMMON,
    "a": {"href", "name"},
    "img": {"src", "alt", "width", "height"},
    "font": {"color", "face", "size"},
    "td": {"colspan", "rowspan", "valign", "width", "bgcolor"},
    "th": {"colspan", "rowspan", "valign", "width", "bgcolor"},
    "table": {"border", "cellpadding", "cellspacing", "width", "bgcolor"},
    "blockquote": {"cite", "type"},
}
_STYLE_PROPERTIES = frozenset(
    [
        "color",
        "background-color",
        "font-size",
        "font-weight",
        "font-style",
        "font-family",
        "text-align",
        "text-decoration",
        "margin",
        "padding",
        "border",
        "border-left",
        "width",
        "height",
    ]
)


def html_sanitize(html: str) -> str:
    """Safe HTML for the agent workspace; an empty string stays empty."""
    if not html.strip():
        return ""
    return nh3.clean(
        html,
        tags=set(_TAGS),
        clean_content_tags={"script", "style", "title", "head"},
        attributes=_ATTRIBUTES,
        url_schemes={"http", "https", "mailto", "cid"},
        link_rel="noopener noreferrer nofollow",
        filter_style_properties=set(_STYLE_PROPERTIES),
        strip_comments=True,
    )
