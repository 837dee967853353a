"""Multilingual line patterns that mark quoted history and signatures in email text.

Every predicate here looks at one line (or a few joined lines) and never at the
whole message; callers keep the lines short, so no pattern can run away.
"""

from __future__ import annotations

import re
from enum import Enum

# Lines longer than this are ordinary content: headers and signatures are short.
MAX_MARKER_LINE = 300

# Words that open an attribution line: "On <date>, <name> wrote:".
_OPENER = (
    r"on|am|le|el|em|il|op|den|d\.|på|w\s+dniu|dnia|dne|in\s+data|il\s+giorno"
    r"|no\s+dia|el\s+d[ií]a|quoting|citando|zitat\s+von"
)
# The verb that closes it, in the languages clients localise it to.
_WROTE = (
    r"wrote|writes|has\s+written|schrieb|schreef|a\s+[ée]crit|escribi[óo]|escreveu"
    r"|ha\s+scritto|scrisse|skrev|kirjoitti|napisa[łl](?:\(a\)|a)?|napsal(?:\(a\))?"
    r"|pisze|написал(?:\(\u0430\)|\u0430)?|пишет|yazd[\u0131i]|[íi]rta|έγραψε"
)
# CJK scripts have no word boundaries around the verb.
_WROTE_CJK = r"写道|작성|のメッセージ"

_OPENER_START = re.compile(rf"^(?:{_OPENER})(?!\w)", re.IGNORECASE)
_WROTE_END = re.compile(rf"(?:(?<!\w)(?:{_WROTE})|{_WROTE_CJK})\s*[:\uff1a]?$", re.IGNORECASE)
_WROTE_COLON_END = re.compile(rf"(?:(?<!\w)(?:{_WROTE})|{_WROTE_CJK})\s*[:\uff1a]$", re.IGNORECASE)
_WROTE_ANY = re.compile(rf"(?<!\w)(?:{_WROTE})(?!\w)|{_WROTE_CJK}", re.IGNORECASE)
_ADDRESS_COLON_END = re.compile(r">\s*\)?\s*[:\uff1a]$")
_COLON_END = re.compile(r"[:\uff1a]$")
_EMAIL = re.compile(r"[\w.+'-]{1,64}@[\w-]{1,63}(?:\.[\w-]{1,63})+")
_DIGIT = re.compile(r"\d")
_TIME_OR_YEAR = re.compile(r"\d{1,2}[:.]\d{2}|(?<!\d)(?:19|20)\d{2}(?!\d)")

QUOTED = re.compile(r"^[ \t]*>")
SIGNATURE_DELIMITER = re.compile(r"^--[ \t\u00a0]*$")
UNDERSCORE_RULE = re.compile(r"^[ \t]*_{2,}[ \t]*$")
SEPARATOR = re.compile(r"^[ \t]*(?:[-_=*~\u2014\u2013][ \t]*){2,}$")
SIGN_OFF_DASH_NAME = re.compile(r"^-[A-Z][\w.'\u2019-]*(?: [A-Z][\w.'\u2019-]*){0,3}$")

_ORIGINAL_MESSAGE = re.compile(
    r"^[-=_*~ ]*(?:"
    r"original message|forwarded message|begin forwarded message"
    r"|ursprüngliche nachricht|weitergeleitete nachricht"
    r"|anfang der weitergeleiteten nachricht"
    r"|message d'origine|message original|message transf[ée]r[ée]"
    r"|d[ée]but du message r[ée]exp[ée]di[ée]"
    r"|mensaje original|mensaje reenviado|inicio del mensaje reenviado"
    r"|mensagem original|mensagem encaminhada|in[íi]cio da mensagem reencaminhada"
    r"|messaggio originale|messaggio inoltrato|inizio messaggio inoltrato"
    r"|oorspronkelijk bericht|origineel bericht|doorgestuurd bericht"
    r"|begin doorgestuurd bericht"
    r"|oprindelig besked|videresendt besked|opprinnelig melding|videresendt melding"
    r"|ursprungligt meddelande|vidarebefordrat meddelande"
    r"|alkuperäinen viesti|välitetty viesti"
    r"|исходное сообщение|пересылаемое сообщение|пересланное сообщение"
    r"|wiadomość oryginalna|wiadomość przekazana"
    r")[ :]*[-=_*~ ]*$",
    re.IGNORECASE,
)

# Client signatures ("Sent from my iPhone") that end the new text.
_MOBILE_SIGNATURE = re.compile(
    r"^(?:"
    r"(?i:sent from my)\s+\S[^,;!?]{0,40}"
    r"|(?i:sent (?:from|with|via|using))\s+(?-i:[A-Z])[^,;!?]{0,40}"
    r"|(?i:get outlook for|download outlook for)\s+\S[^,;!?]{0,20}"
    r"|(?i:envoy[ée] (?:de|depuis) mon)\s+\S[^,;!?]{0,40}"
    r"|(?i:envoy[ée] (?:à partir de|depuis|de|avec))\s+(?-i:[A-Z])[^,;!?]{0,40}"
    r"|(?i:obtenir outlook pour|t[ée]l[ée]chargez outlook pour)\s+\S[^,;!?]{0,20}"
    r"|(?i:von meinem)\s+\S[^,;!?]{0,30}\s+(?i:gesendet)"
    r"|(?i:gesendet von meinem)\s+\S[^,;!?]{0,40}"
    r"|(?i:gesendet (?:von|mit))\s+(?-i:[A-Z])[^,;!?]{0,40}"
    r"|(?i:holen sie sich outlook für)\s+\S[^,;!?]{0,20}"
    r"|(?i:enviado desde mi)\s+\S[^,;!?]{0,40}"
    r"|(?i:enviado desde)\s+(?-i:[A-Z])[^,;!?]{0,40}"
    r"|(?i:obtener outlook para|descargar outlook para)\s+\S[^,;!?]{0,20}"
    r"|(?i:enviad[oa] (?:do|de) meu)\s+\S[^,;!?]{0,40}"
    r"|(?i:enviad[oa] (?:do|de|a partir do))\s+(?-i:[A-Z])[^,;!?]{0,40}"
    r"|(?i:obter o outlook para)\s+\S[^,;!?]{0,20}"
    r"|(?i:inviato da(?:l mio)?|inviato dal mio)\s+\S[^,;!?]{0,40}"
    r"|(?i:inviato con)\s+(?-i:[A-Z])[^,;!?]{0,40}"
    r"|(?i:scarica outlook per|ottieni outlook per)\s+\S[^,;!?]{0,20}"
    r"|(?i:verzonden vanaf mijn|verstuurd vanaf mijn|verzonden van mijn)\s+\S[^,;!?]{0,40}"
    r"|(?i:verzonden (?:vanaf|met|via))\s+(?-i:[A-Z])[^,;!?]{0,40}"
    r"|(?i:outlook voor)\s+\S+\s+(?i:downloaden)"
    r"|(?i:sendt fra min|skickat från min|sendt fra mi)\s+\S[^,;!?]{0,40}"
    r"|(?i:sendt fra|skickat från)\s+(?-i:[A-Z])[^,;!?]{0,40}"
    r"|(?i:отправлено \u0441)\s+\S[^,;!?]{0,40}"
    r"|(?i:wysłane z)\s+\S[^,;!?]{0,40}"
    r")$"
)
_TRAILING_LINK = re.compile(r"\s*[<(\[]?https?://[^\s>)\]]*[>)\]]?$")


class Field(Enum):
    """The kind of a header line in a quoted header block."""

    FROM = "from"
    DATE = "date"
    TO = "to"
    CC = "cc"
    SUBJECT = "subject"


def _names(joined: str) -> tuple[str, ...]:
    return tuple(joined.split("|"))


# Header names as Outlook, Apple Mail, Gmail and webmails localise them.
_FIELD_NAMES: dict[Field, tuple[str, ...]] = {
    Field.FROM: _names(
        "from|von|de|da|van|fra|från|od|от|lähettäjä|feladó|kimden|afzender|absender"
        "|remitente|expéditeur|mittente"
    ),
    Field.DATE: _names(
        "sent|date|datum|gesendet|envoyé|envoyé le|envoye|enviado|enviado el|enviada"
        "|enviada em|enviado em|inviato|inviato il|data|verzonden|verstuurd|sendt|skickat"
        "|dato|wysłano|отправлено|дата|lähetetty|päivämäärä|message du|fecha|sent at"
    ),
    Field.TO: _names("to|an|à|a|para|aan|til|till|do|кому|vastaanottaja|címzett|kime|destinataire"),
    Field.CC: _names("cc|bcc|kopie|kopie an|copie|copie à|cópia|copia|kopio|копия|dw|cco|kopia"),
    Field.SUBJECT: _names(
        "subject|betreff|objet|sujet|asunto|assunto|oggetto|onderwerp|emne|ämne|temat"
        "|тема|aihe|tárgy|konu"
    ),
}
_FIELD_BY_NAME = {name: kind for kind, names in _FIELD_NAMES.items() for name in names}
_FIELD_LINE = re.compile(
    r"^[ \t]*[*_]{0,2}([^\W\d_]+(?:[ .'-][^\W\d_]+){0,2})[*_]{0,2}[ \t\u00a0]*[:\uff1a]"
)


def is_blank(line: str) -> bool:
    """Whitespace only, counting invisible formatting characters as whitespace."""
    return not line.strip(" \t\u00a0\u200b\u200c\u200e\u200f\ufeff\ue000")


def is_quoted(line: str) -> bool:
    return QUOTED.match(line) is not None


def is_separator(line: str) -> bool:
    """A rule of dashes, underscores or similar (an HTML <hr> renders as one)."""
    return len(line) <= MAX_MARKER_LINE and SEPARATOR.match(line) is not None


def header_field(line: str) -> Field | None:
    """The header kind of "From: …", "Betreff: …", "*Sent:* …", if the line is one."""
    if len(line) > MAX_MARKER_LINE:
        return None
    match = _FIELD_LINE.match(line)
    if match is None:
        return None
    name = " ".join(match.group(1).replace("\u00a0", " ").lower().split())
    return _FIELD_BY_NAME.get(name)


def has_email(line: str) -> bool:
    return len(line) <= MAX_MARKER_LINE and _EMAIL.search(line) is not None


def could_start_attribution(line: str) -> bool:
    """The first of several wrapped attribution lines: a date or address, no full stop."""
    text = line.strip()
    if not text or len(text) > MAX_MARKER_LINE or text[-1] in ".!?":
        return False
    return bool(_OPENER_START.match(text) or _EMAIL.search(text) or _TIME_OR_YEAR.search(text))


def is_original_message(line: str) -> bool:
    """A separator line such as "-----Original Message-----" or "Begin forwarded message:"."""
    text = line.strip()
    return len(text) <= 80 and _ORIGINAL_MESSAGE.match(text) is not None


def is_mobile_signature(line: str) -> bool:
    """A client signature line: "Sent from my iPhone", "Von meinem iPhone gesendet"…"""
    text = line.strip()
    if not text or len(text) > 160:
        return False
    text = _TRAILING_LINK.sub("", text)
    return _MOBILE_SIGNATURE.match(text) is not None


def is_attribution(text: str) -> bool:
    """A complete "On <date>, <name> wrote:" line, possibly joined from wrapped lines."""
    text = text.strip("-=* \t\u00a0")
    if not text or len(text) > 2 * MAX_MARKER_LINE:
        return False
    has_email = _EMAIL.search(text) is not None
    if not has_email and _DIGIT.search(text) is None:
        return False
    if _OPENER_START.match(text) and (
        _WROTE_END.search(text) or (_WROTE_ANY.search(text) and _COLON_END.search(text))
    ):
        return True  # "On … wrote", "Am 02.04.2012 18:26, schrieb Megan:"
    if _WROTE_COLON_END.search(text):
        return True
    # "Am 13.12.2017 schrieb Name <a@b.c>:", "30.09.2017, 18.30, Name <a@b.c>:"
    return has_email and _ADDRESS_COLON_END.search(text) is not None


def looks_like_attribution(line: str) -> bool:
    """A weaker test for the line right above a quote block (a truncated header)."""
    text = line.strip()
    if not text or len(text) > MAX_MARKER_LINE:
        return False
    if _EMAIL.search(text) is None and _TIME_OR_YEAR.search(text) is None:
        return False
    return bool(_OPENER_START.match(text) or _WROTE_ANY.search(text) or _COLON_END.search(text))
