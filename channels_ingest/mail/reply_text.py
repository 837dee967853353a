"""The customer's new text of an inbound email, without quoted history or signature.

Plain text is read line by line, top to bottom. Quote blocks (``>`` lines and the
"On … wrote:" line above them) are dropped wherever they are, so text written
below or between quotes is kept. Markers that start old, unquoted material end
the new text: a quoted header block ("From:/Sent:/To:/Subject:" in many
languages), "-----Original Message-----", an unquoted attribution line, the
"-- " signature delimiter, a rule of underscores and client signatures such as
"Sent from my iPhone". HTML is rendered to text first, blockquotes as ``>`` lines.
"""

from __future__ import annotations

from channels_ingest.mail import quote_markers as qm
from channels_ingest.mail.html_text import SOFT_SEPARATOR, html_to_text, render_reply_html

__all__ = ["extract_reply", "extract_reply_html", "html_to_text"]

_MAX_HEADER_LINES = 3  # an attribution wrapped over at most this many lines
_HEADER_WINDOW = 9  # lines scanned for a header block
_LAZY_QUOTE_MIN = 60  # a quoted line this long may wrap onto an unquoted line


def extract_reply(text: str) -> str:
    """The new text of a plain-text email body."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return _finish(_new_lines(lines))


def extract_reply_html(html: str) -> str:
    """The new text of an HTML email body, as plain text."""
    return extract_reply(render_reply_html(html))


def _new_lines(lines: list[str]) -> list[str]:
    kept: list[str] = []
    gap = False  # something was dropped since the last kept line
    attributed = False  # the quote block ahead already had its attribution removed
    i = 0
    while i < len(lines):
        line = lines[i]
        if qm.is_quoted(line):
            if not attributed:
                _drop_attribution_above(kept)
            attributed = False
            i = _quote_block_end(lines, i)
            gap = True
            continue
        if qm.is_blank(line):
            if not gap:
                kept.append(SOFT_SEPARATOR if SOFT_SEPARATOR in line else "")
            i += 1
            continue
        size = _attribution_size(lines, i)
        if size:
            after = _next_non_blank(lines, i + size)
            if after < len(lines) and qm.is_quoted(lines[after]):
                i = after
                gap = attributed = True
                continue
            break
        if _ends_new_text(lines, i, kept):
            break
        if gap:
            _trim_blank_tail(kept)
            if kept:
                kept.append("")
            gap = False
        kept.append(line.rstrip())
        i += 1
    return kept


def _ends_new_text(lines: list[str], i: int, kept: list[str]) -> bool:
    line = lines[i]
    if len(line) > qm.MAX_MARKER_LINE:
        return False
    return (
        qm.SIGNATURE_DELIMITER.match(line) is not None
        or qm.UNDERSCORE_RULE.match(line) is not None
        or qm.is_original_message(line)
        or qm.is_mobile_signature(line)
        or _is_header_block(lines, i, kept)
    )


def _after_separator(kept: list[str]) -> bool:
    for line in reversed(kept):
        if line.strip() == SOFT_SEPARATOR:
            return True
        if not qm.is_blank(line):
            return qm.is_separator(line)
    return False


def _is_header_block(lines: list[str], i: int, kept: list[str]) -> bool:
    """From:/Sent:/To:/Subject: (or localised) lines starting at ``i``."""
    first = qm.header_field(lines[i])
    if first is None or first is qm.Field.CC:
        return False
    kinds: set[qm.Field] = {first}
    has_email = qm.has_email(lines[i])
    loose = 0
    for line in lines[i + 1 : i + _HEADER_WINDOW]:
        if qm.is_blank(line):
            break
        kind = qm.header_field(line)
        if kind is None:
            loose += 1
            if loose > 2:
                break
            continue
        loose = 0
        kinds.add(kind)
        has_email = has_email or qm.has_email(line)
    if qm.Field.FROM in kinds and len(kinds) >= 2 and _after_separator(kept):
        return True  # a shorter block right under a rule (an Outlook <hr> or border)
    return len(kinds) >= 3 and (qm.Field.SUBJECT in kinds or has_email)


def _attribution_size(lines: list[str], i: int) -> int:
    """How many lines from ``i`` form an "On … wrote:" attribution (0 if none)."""
    first = lines[i].strip()
    if len(first) > qm.MAX_MARKER_LINE:
        return 0
    if qm.is_attribution(first):
        return 1
    if not qm.could_start_attribution(first):
        return 0
    parts = [first]
    for nxt in range(i + 1, min(i + _MAX_HEADER_LINES, len(lines))):
        extra = lines[nxt].strip()
        if not extra or len(extra) > qm.MAX_MARKER_LINE or qm.is_quoted(extra):
            return 0
        parts.append(extra)
        if qm.is_attribution(" ".join(parts)):
            return len(parts)
    return 0


def _drop_attribution_above(kept: list[str]) -> None:
    """Remove the attribution line(s) kept just above a quote block."""
    end = len(kept)
    while end and qm.is_blank(kept[end - 1]) and len(kept) - end < 3:
        end -= 1
    if not end or qm.is_blank(kept[end - 1]):
        return
    start = end
    while start and end - start < _MAX_HEADER_LINES and not qm.is_blank(kept[start - 1]):
        start -= 1
    for first in range(start, end - 1):
        joined = " ".join(line.strip() for line in kept[first:end])
        if qm.could_start_attribution(kept[first]) and qm.is_attribution(joined):
            del kept[first:]
            return
    if qm.looks_like_attribution(kept[end - 1]):
        del kept[end - 1 :]


def _quote_block_end(lines: list[str], i: int) -> int:
    """Index after the quote block starting at ``i`` (blank lines inside included)."""
    n = len(lines)
    while i < n:
        line = lines[i]
        if qm.is_quoted(line):
            i += 1
            continue
        if qm.is_blank(line):
            after = _next_non_blank(lines, i)
            if after < n and qm.is_quoted(lines[after]):
                i = after
                continue
            return i
        if _wrapped_quote_tail(lines, i):
            i += 1
            continue
        return i
    return n


def _wrapped_quote_tail(lines: list[str], i: int) -> bool:
    """An unquoted line that ends a long quoted line a client wrapped without ">"."""
    previous = lines[i - 1].rstrip()
    if not qm.is_quoted(previous) or len(previous) < _LAZY_QUOTE_MIN:
        return False
    if i + 1 >= len(lines) or not qm.is_quoted(lines[i + 1]):
        return False
    text = lines[i].lstrip()
    return text[:1].islower() or previous[-1] not in ".!?:"


def _next_non_blank(lines: list[str], i: int) -> int:
    while i < len(lines) and qm.is_blank(lines[i]):
        i += 1
    return i


def _trim_blank_tail(kept: list[str]) -> None:
    while kept and (qm.is_blank(kept[-1]) or kept[-1].strip() == SOFT_SEPARATOR):
        kept.pop()


def _finish(kept: list[str]) -> str:
    """Drop trailing rules, blank lines and a lone "-Name" sign-off."""
    kept = [line for line in kept if line.strip() != SOFT_SEPARATOR]
    while True:
        _trim_blank_tail(kept)
        if kept and qm.is_separator(kept[-1]):
            kept.pop()
            continue
        if (
            len(kept) >= 2
            and qm.is_blank(kept[-2])
            and qm.SIGN_OFF_DASH_NAME.match(kept[-1].strip())
        ):
            kept.pop()
            continue
        break
    start = 0
    while start < len(kept) and qm.is_blank(kept[start]):
        start += 1
    return "\n".join(line.rstrip() for line in kept[start:])
