"""HTML email bodies as plain text, with the standard library's html.parser.

Blocks become lines, paragraphs are separated by a blank line, ``<br>`` is a
newline and quoted history (``<blockquote>``, Gmail/Yahoo/Thunderbird quote
containers) is rendered as ``>`` lines. For reply extraction the renderer also
stops at Outlook's reply header container and leaves out signature containers.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

# A private-use character: a visual rule above a possible quoted header block.
SOFT_SEPARATOR = "\ue000"


def _tags(names: str) -> frozenset[str]:
    return frozenset(names.split())


_BLOCK = _tags(
    "address article aside blockquote body caption center dd details dialog div dl dt "
    "fieldset figcaption figure footer form h1 h2 h3 h4 h5 h6 header html li main nav ol p "
    "pre section summary table tbody tfoot thead tr ul"
)
_PARAGRAPH = _tags("h1 h2 h3 h4 h5 h6 ol p pre ul")
_HIDDEN = _tags("head script style template title xml")
_VOID = _tags("area base br col embed hr img input link meta param source track wbr")
_QUOTE_CLASSES = (
    "gmail_quote",
    "gmail_quote_container",
    "yahoo_quoted",
    "moz-cite-prefix",
    "protonmail_quote",
)
_SIGNATURE_CLASSES = ("gmail_signature", "moz-signature")
_SIGNATURE_IDS = ("signature", "ms-outlook-mobile-signature")
_CUT_IDS = ("divrplyfwdmsg", "appendonsend", "olk_src_body_section")
_CUT_RULE_IDS = ("stopspelling", "zwchr")
_MAX_QUOTE_MARKS = 8  # deeper quotes keep this many ">" marks
_SPACES = re.compile(r"[ \t\n\r\f\v]+")
# A "<" not closed by ">" before the next "<" is text; escaping it keeps the
# parser linear on broken input (it rescans unterminated tags otherwise).
_STRAY_LT = re.compile(r"<(?=[^<>]*(?:<|$))")

_QUOTE, _HIDE, _PRE, _PARA, _WORD = 1, 2, 4, 8, 16


class _Renderer(HTMLParser):
    def __init__(self, for_reply: bool) -> None:
        super().__init__(convert_charrefs=True)
        self._for_reply = for_reply
        self._lines: list[str] = []
        self._parts: list[str] = []
        self._stack: list[tuple[str, int, int]] = []  # tag, effects, lines before it
        self._quote = 0
        self._hidden = 0
        self._pre = 0
        self._lists: list[int] = []  # next item number, 0 for bullets
        self._open: dict[str, int] = {}  # open elements per tag name
        self._started = False  # the current line has more than spaces
        self._visible = False  # the current line has more than whitespace
        self._stopped = False

    # -- parser callbacks --------------------------------------------------
    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self._stopped:
            return
        found = {name: (value or "") for name, value in attrs}
        classes = found.get("class", "").lower().split()
        ident = found.get("id", "").lower()
        style = found.get("style", "").lower().replace(" ", "")
        if self._for_reply and self._starts_quoted_history(tag, ident, classes):
            self._flush()
            self._stopped = True
            return
        if tag in _VOID:
            self._void(tag)
            return
        effects = self._effects(tag, found, classes, ident, style)
        if tag in _PARAGRAPH:
            effects |= _WORD if _is_word_line(classes) else _PARA
        if tag in _BLOCK or effects & _QUOTE:
            self._flush()
            if effects & _PARA:
                self._paragraph()
        if self._for_reply and tag == "div" and "border-top" in style and "solid" in style:
            self._emit(SOFT_SEPARATOR)
        self._stack.append((tag, effects, len(self._lines)))
        self._open[tag] = self._open.get(tag, 0) + 1
        self._apply(effects, +1)
        if tag == "li":
            self._list_item()
        elif tag in ("ol", "ul"):
            self._lists.append(1 if tag == "ol" else 0)
        elif tag in ("td", "th") and self._parts:
            self._parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if self._stopped or not self._open.get(tag):
            return  # a stray end tag
        closing = True
        while closing:
            name, effects, lines_before = self._stack.pop()
            self._open[name] -= 1
            closing = name != tag
            if name in _BLOCK or effects & _QUOTE:
                empty = len(self._lines) == lines_before
                self._flush(keep_empty=bool(effects & _WORD) and empty and not self._hidden)
                if effects & _PARA:
                    self._paragraph()
            if name in ("ol", "ul") and self._lists:
                self._lists.pop()
            self._apply(effects, -1)

    def handle_data(self, data: str) -> None:
        if self._stopped or self._hidden:
            return
        if self._pre:
            chunks = data.replace("\r\n", "\n").split("\n")
            for chunk in chunks[:-1]:
                self._append(chunk)
                self._flush(keep_empty=True)
            self._append(chunks[-1])
            return
        text = _SPACES.sub(" ", data)
        if not self._started:
            text = text.lstrip(" ")
        self._append(text)

    # -- helpers ---------------------------------------------------------------
    def _starts_quoted_history(self, tag: str, ident: str, classes: list[str]) -> bool:
        if any(ident.endswith(cut) for cut in _CUT_IDS) or "outlookmessageheader" in classes:
            return True
        return tag == "hr" and ident in _CUT_RULE_IDS

    def _effects(
        self, tag: str, found: dict[str, str], classes: list[str], ident: str, style: str
    ) -> int:
        effects = 0
        if tag in _HIDDEN:
            effects |= _HIDE
        if tag == "pre":
            effects |= _PRE
        quote_class = any(name.endswith(_QUOTE_CLASSES) for name in classes)
        if (
            quote_class
            or ident.startswith("yahoo_quoted")
            or (
                tag == "blockquote"
                and (found.get("type", "").lower() == "cite" or "border:none" not in style)
            )
        ):
            effects |= _QUOTE
        if self._for_reply and (
            any(name in _SIGNATURE_CLASSES for name in classes)
            or ident in _SIGNATURE_IDS
            or found.get("data-smartmail") == "gmail_signature"
        ):
            effects |= _HIDE
        return effects

    def _apply(self, effects: int, step: int) -> None:
        if effects & _QUOTE:
            self._quote += step
        if effects & _HIDE:
            self._hidden += step
        if effects & _PRE:
            self._pre += step

    def _append(self, text: str) -> None:
        if text:
            self._parts.append(text)
            self._started = self._started or bool(text.strip(" "))
            self._visible = self._visible or bool(text.strip())

    def _void(self, tag: str) -> None:
        if self._hidden:
            return
        if tag == "br":
            if self._visible:
                self._flush()
            else:
                self._parts = []
                self._started = False
                self._emit("")
        elif tag == "hr":
            self._flush()
            self._emit(SOFT_SEPARATOR if self._for_reply else "---")

    def _list_item(self) -> None:
        if not self._lists:
            self._append("- ")
            return
        number = self._lists[-1]
        indent = "  " * (len(self._lists) - 1)
        if number:
            self._lists[-1] = number + 1
            self._append(f"{indent}{number}. ")
        else:
            self._append(f"{indent}- ")

    def _prefix(self) -> str:
        return "> " * min(self._quote, _MAX_QUOTE_MARKS)

    def _emit(self, text: str) -> None:
        self._lines.append((self._prefix() + text).rstrip())

    def _flush(self, keep_empty: bool = False) -> None:
        text = "".join(self._parts)
        self._parts = []
        self._started = self._visible = False
        if text.strip():
            self._emit(text.replace("\u00a0", " "))
        elif keep_empty or "\u00a0" in text:
            self._emit("")  # a non-breaking space keeps an empty line open

    def _paragraph(self) -> None:
        if self._lines and _content(self._lines[-1]):
            self._emit("")

    def text(self) -> str:
        self.close()
        self._flush()
        lines: list[str] = []
        for line in self._lines:
            if not _content(line) and lines and not _content(lines[-1]):
                continue  # one blank line is enough
            lines.append(line)
        while lines and not _content(lines[-1]):
            lines.pop()
        while lines and not _content(lines[0]):
            lines.pop(0)
        return "\n".join(lines)


def _content(line: str) -> bool:
    return bool(line.strip("> \t"))


def _is_word_line(classes: list[str]) -> bool:
    """Word-generated paragraphs (class MsoNormal…): one line each, even when empty."""
    return any(name.startswith("mso") for name in classes)


def html_to_text(html: str) -> str:
    """Plain text of an HTML body: paragraphs split by blank lines, quotes as ``>``."""
    renderer = _Renderer(for_reply=False)
    renderer.feed(_STRAY_LT.sub("&lt;", html))
    return renderer.text()


def render_reply_html(html: str) -> str:
    """Like html_to_text, but stopping at Outlook's quoted header and without signatures."""
    renderer = _Renderer(for_reply=True)
    renderer.feed(_STRAY_LT.sub("&lt;", html))
    return renderer.text()
