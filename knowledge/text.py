"""Article text: Markdown to sanitized HTML and plain text; query normalization and tokens."""

from __future__ import annotations

import html
import re
import unicodedata

import markdown
import nh3
from django.utils.text import slugify

MAX_QUERY_CHARS = 200
MAX_QUERY_TERMS = 24

_ALLOWED_TAGS = {
    "a", "p", "br", "hr", "strong", "em", "b", "i", "code", "pre", "blockquote",
    "ul", "ol", "li", "h2", "h3", "h4", "h5", "h6", "table", "thead", "tbody", "tr", "th",
    "td", "img", "del", "s", "kbd", "sup", "sub",
}  # fmt: skip
_ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt", "title"}}
_TAG = re.compile(r"<[^>]+>")
_SPACE = re.compile(r"\s+")
_WORD = re.compile(r"[^\W_]+", re.UNICODE)

STOPWORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "been",
        "but",
        "by",
        "can",
        "could",
        "do",
        "does",
        "did",
        "for",
        "from",
        "has",
        "have",
        "how",
        "i",
        "if",
        "in",
        "into",
        "is",
        "it",
        "its",
        "me",
        "my",
        "of",
        "on",
        "or",
        "our",
        "should",
        "so",
        "that",
        "the",
        "their",
        "them",
        "then",
        "there",
        "these",
        "this",
        "to",
        "was",
        "we",
        "what",
        "when",
        "where",
        "which",
        "who",
        "why",
        "will",
        "with",
        "would",
        "you",
        "your",
        "yours",
        "am",
        "any",
        "there's",
        "i'm",
    ]
)


def markdown_render(body: str) -> str:
    """Markdown to HTML that is safe to show anywhere (scripts, handlers, styles removed)."""
    raw = markdown.markdown(body, extensions=["fenced_code", "tables", "sane_lists"])
    return nh3.clean(
        raw,
        tags=_ALLOWED_TAGS,
        attributes=_ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )


def html_to_text(body_html: str) -> str:
    return _SPACE.sub(" ", html.unescape(_TAG.sub(" ", body_html))).strip()


def article_slugify(title: str) -> str:
    return slugify(title)[:120].strip("-") or "article"


def query_normalize(query: str) -> str:
    """The query as logged and grouped: capped, NFKC, lower-case, words only."""
    text = unicodedata.normalize("NFKC", query[: MAX_QUERY_CHARS * 4])[:MAX_QUERY_CHARS]
    return " ".join(_WORD.findall(text.lower()))[:MAX_QUERY_CHARS]


def words(text: str) -> list[str]:
    """Letters-and-digits runs of ``text`` (safe to join into a tsquery)."""
    return _WORD.findall(text)


def stem(word: str) -> str:
    """A light English suffix stemmer (plural and common verb endings)."""
    for suffix, keep in (("ies", "y"), ("ing", ""), ("ed", ""), ("es", ""), ("s", "")):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3 and not word.endswith("ss"):
            return word[: -len(suffix)] + keep
    return word


def tokens(text: str) -> list[str]:
    """Stemmed content words of a text (stop words dropped)."""
    return [stem(w) for w in _WORD.findall(text.lower()) if w not in STOPWORDS and len(w) < 40]


def surface_forms(term: str) -> frozenset[str]:
    """Every word ``w`` with ``stem(w) == term`` that ``tokens`` keeps.

    ``stem`` removes at most one suffix (ies→y, ing, ed, es, s), so such a word is the term
    itself or the term plus one of them; each candidate is checked against ``stem`` itself.
    """
    candidates = {term, term + "ing", term + "ed", term + "es", term + "s"}
    if term.endswith("y"):
        candidates.add(term[:-1] + "ies")
    return frozenset(
        w for w in candidates if stem(w) == term and w not in STOPWORDS and len(w) < 40
    )


def word_set(text: str) -> set[str]:
    """The distinct lower-cased words of ``text`` (unstemmed)."""
    return set(_WORD.findall(text.lower()))


def has_word(lowered: str, word: str) -> bool:
    """Whether ``word`` (letters and digits) is in ``word_set`` of the lower-cased ``lowered``,
    found without splitting the text: an occurrence counts when no letter or digit touches it."""
    end = len(lowered)
    start = lowered.find(word)
    while start >= 0:
        after = start + len(word)
        if (start == 0 or not lowered[start - 1].isalnum()) and (
            after == end or not lowered[after].isalnum()
        ):
            return True
        start = lowered.find(word, start + 1)
    return False


def query_terms(query: str) -> list[str]:
    """Distinct search terms of a normalized query, capped."""
    seen: dict[str, None] = {}
    for term in tokens(query):
        seen.setdefault(term, None)
    return list(seen)[:MAX_QUERY_TERMS]


def snippet(text: str, terms: list[str], width: int = 160) -> str:
    """A window of ``text`` around the first matching term (plain text, never HTML)."""
    lowered = text.lower()
    start = 0
    for term in terms:
        found = lowered.find(term)
        if found >= 0:
            start = max(0, found - width // 4)
            break
    piece = text[start : start + width].strip()
    if start > 0:
        piece = "…" + piece
    if start + width < len(text):
        piece += "…"
    return piece
