"""Normalization of customer identities across channels.

Every identity is stored as ``(kind, normalized value)``. The functions here are
pure (no Django, no I/O) so that webhooks, imports and the API agree on one
canonical value per person.

Decisions:

* Email addresses are NFC-normalized and lower-cased as a whole. IDN domains are
  stored in Unicode form: ``xn--`` labels are decoded, so ``x@xn--mnchen-3ya.de``
  and ``X@MÜNCHEN.de`` both become ``x@münchen.de``. Length limits are counted
  in UTF-8 octets, as SMTP counts them. Quoted local parts and address literals
  are rejected.
* Phone numbers are accepted when phonenumbers calls them *possible* (length
  rules), not only when *valid*, because carrier metadata lags behind newly
  opened ranges. Numbers that are possible only as local numbers (no area
  code) are rejected: they cannot be turned into E.164.
* Mexico, Argentina and Brazil mobiles have two E.164 spellings in the wild.
  The canonical one is the spelling phonenumbers accepts as valid today:
  ``+52`` without the ``1``, ``+54 9`` for mobiles, ``+55`` with the ninth digit.
  ``normalize_phone`` always returns the canonical spelling;
  ``phone_variants`` lists the others for lookups of legacy rows.
* The identity value of a phone is the E.164 number only; an extension is kept
  on :class:`Phone` for display and dialing but does not split identities.
"""

from __future__ import annotations

import codecs
import hashlib
import hmac
import re
import unicodedata
from dataclasses import dataclass
from email.utils import parseaddr
from enum import StrEnum
from functools import cache, lru_cache

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumber, PhoneNumberFormat, PhoneNumberType

__all__ = [
    "IdentityKind",
    "InvalidIdentity",
    "Phone",
    "canonical_phone",
    "email_alias_key",
    "email_domain",
    "extract_contact_hints",
    "is_anonymous_caller",
    "normalize_email",
    "normalize_identity",
    "normalize_phone",
    "normalize_platform_id",
    "normalize_whatsapp_id",
    "phone_variants",
    "verify_widget_user",
    "widget_user_hash",
]


class IdentityKind(StrEnum):
    EMAIL = "email"
    PHONE = "phone"
    WHATSAPP = "whatsapp"
    MESSENGER = "messenger"
    INSTAGRAM = "instagram"
    TELEGRAM = "telegram"
    CHAT_USER = "chat_user"  # user id verified by the widget HMAC
    CHAT_VISITOR = "chat_visitor"  # anonymous widget session token


_SHOWN_VALUE_MAX = 80


class InvalidIdentity(ValueError):
    """A raw identity value that cannot be normalized."""

    def __init__(self, kind: str, reason: str, value: object = "") -> None:
        self.kind = kind
        self.reason = reason
        self.value = value if isinstance(value, str) else repr(value)
        shown = self.value
        if len(shown) > _SHOWN_VALUE_MAX:
            shown = shown[:_SHOWN_VALUE_MAX] + "…"
        super().__init__(f"invalid {kind} {shown!r}: {reason}")

    def __reduce__(self) -> tuple[type[InvalidIdentity], tuple[str, str, str]]:
        return (self.__class__, (self.kind, self.reason, self.value))


def _require_str(kind: str, raw: object) -> str:
    if not isinstance(raw, str):
        raise InvalidIdentity(kind, f"expected a string, got {type(raw).__name__}", raw)
    return raw


# --------------------------------------------------------------------- email

_EMAIL_MAX = 254
_LOCAL_MAX = 64
_LABEL_MAX = 63
_EMAIL_INPUT_MAX = 1000  # bounds the work done on hostile input
_LOCAL_ASCII = frozenset("abcdefghijklmnopqrstuvwxyz0123456789!#$%&'*+/=?^_`{|}~-.")
_DOMAIN_ASCII = frozenset("abcdefghijklmnopqrstuvwxyz0123456789-")
_GMAIL_DOMAINS = frozenset({"gmail.com", "googlemail.com"})


def _fold(text: str) -> str:
    # lower() can produce decomposed sequences (e.g. "İ"), so compose again
    return unicodedata.normalize("NFC", unicodedata.normalize("NFC", text).lower())


def _is_unicode_word_char(ch: str) -> bool:
    return unicodedata.category(ch)[0] in "LMN"


def _strip_display_name(text: str) -> str:
    """``"Name" <addr>`` -> ``addr``; bare addresses pass through untouched."""
    if "<" not in text and ">" not in text:
        return text
    _, addr = parseaddr(text)
    # parseaddr silently repairs some garbage; only trust a verbatim extraction
    if not addr or not text.endswith(">") or f"<{addr}>" not in text:
        raise InvalidIdentity("email", "malformed display-name form", text)
    return addr


def _check_chars(text: str) -> None:
    for ch in text:
        category = unicodedata.category(ch)
        if category[0] == "C":
            raise InvalidIdentity("email", "contains a control character", text)
        if category[0] == "Z" or ch.isspace():
            raise InvalidIdentity("email", "contains whitespace", text)


def _check_local(local: str, address: str) -> None:
    if not local:
        raise InvalidIdentity("email", "empty local part", address)
    if len(local.encode()) > _LOCAL_MAX:
        raise InvalidIdentity("email", f"local part longer than {_LOCAL_MAX} octets", address)
    if local.startswith(".") or local.endswith("."):
        raise InvalidIdentity("email", "local part starts or ends with a dot", address)
    if ".." in local:
        raise InvalidIdentity("email", "consecutive dots", address)
    for ch in local:
        if ch not in _LOCAL_ASCII and (ch.isascii() or not _is_unicode_word_char(ch)):
            raise InvalidIdentity("email", f"character {ch!r} not allowed in local part", address)


def _decode_label(label: str, address: str) -> str:
    if not label.startswith("xn--"):
        return label
    try:
        decoded = codecs.decode(label[4:].encode("ascii"), "punycode")
    except (UnicodeError, ValueError):
        raise InvalidIdentity("email", f"bad punycode label {label!r}", address) from None
    if not isinstance(decoded, str) or decoded.isascii():
        raise InvalidIdentity("email", f"bad punycode label {label!r}", address)
    return _fold(decoded)


def _check_label(label: str, address: str) -> None:
    if label.startswith("-") or label.endswith("-"):
        raise InvalidIdentity("email", "domain label starts or ends with '-'", address)
    for ch in label:
        if ch not in _DOMAIN_ASCII and (ch.isascii() or not _is_unicode_word_char(ch)):
            raise InvalidIdentity("email", f"character {ch!r} not allowed in domain", address)
    ascii_length = len(label) if label.isascii() else 4 + len(label.encode("punycode"))
    if ascii_length > _LABEL_MAX:
        raise InvalidIdentity("email", f"domain label longer than {_LABEL_MAX}", address)


def _normalize_domain(domain: str, address: str) -> str:
    if not domain:
        raise InvalidIdentity("email", "empty domain", address)
    if ".." in domain:
        raise InvalidIdentity("email", "consecutive dots", address)
    labels = domain.split(".")
    if len(labels) < 2:
        raise InvalidIdentity("email", "domain has no dot", address)
    if "" in labels:
        raise InvalidIdentity("email", "domain starts or ends with a dot", address)
    decoded = [_decode_label(label, address) for label in labels]
    for label in decoded:
        _check_label(label, address)
    if decoded[-1].isdigit():
        raise InvalidIdentity("email", "numeric top-level domain", address)
    return ".".join(decoded)


def normalize_email(raw: str) -> str:
    """Canonical form of an email address: NFC, lower-case, Unicode domain."""
    text = _require_str("email", raw).strip()
    if len(text) > _EMAIL_INPUT_MAX:
        raise InvalidIdentity("email", "input too long", text)
    if text[:7].lower() == "mailto:":
        text = text[7:].split("?", 1)[0]
    text = _fold(_strip_display_name(text))
    if not text:
        raise InvalidIdentity("email", "empty", raw)
    _check_chars(text)
    if "@" not in text:
        raise InvalidIdentity("email", "no @", text)
    if text.count("@") > 1:
        raise InvalidIdentity("email", "more than one @", text)
    local, domain = text.split("@")
    _check_local(local, text)
    address = f"{local}@{_normalize_domain(domain, text)}"
    if len(address.encode()) > _EMAIL_MAX:
        raise InvalidIdentity("email", f"longer than {_EMAIL_MAX} octets", address)
    return address


def email_domain(email: str) -> str:
    """Normalized domain of an address (Unicode form)."""
    return normalize_email(email).rsplit("@", 1)[1]


def email_alias_key(email: str) -> str:
    """Key shared by provider aliases of one mailbox. Suggest merges only.

    ``+tag`` is dropped for every domain; Gmail also ignores dots in the local
    part and treats googlemail.com as gmail.com.
    """
    local, domain = normalize_email(email).rsplit("@", 1)
    plus = local.find("+")
    if plus > 0:
        local = local[:plus]
    if domain in _GMAIL_DOMAINS:
        local = local.replace(".", "") or local
        domain = "gmail.com"
    return f"{local}@{domain}"


# --------------------------------------------------------------------- phone

_PHONE_INPUT_MAX = 64
_E164_MAX_DIGITS = 15
_PHONE_PREFIXES = ("tel:", "whatsapp:")
_EXTENSION_TAIL = re.compile(r"(?:;ext=|\s*(?:extension|ext\.?|x|#)\s*)\d{1,10}\s*$", re.I)
_PHONE_BODY = re.compile(r"[+\d\s().\-/]+")
_SEPARATORS = re.compile(r"[\s().\-/]+")

# Words carriers and CPaaS providers send instead of a withheld caller id.
_ANONYMOUS_WORDS = frozenset(
    {
        "anonymous",
        "restricted",
        "unknown",
        "private",
        "unavailable",
        "blocked",
        "withheld",
        "no caller id",
    }
)
# Twilio turns such words into keypad digits: ANONYMOUS, RESTRICTED, BLOCKED,
# UNKNOWN, UNAVAILABLE.
_ANONYMOUS_DIGITS = frozenset({"266696687", "7378742833", "2562533", "8656696", "86282452253"})


def is_anonymous_caller(raw: str) -> bool:
    """True for empty, withheld or placeholder caller ids."""
    if not isinstance(raw, str):
        return True
    text = raw.strip().lower()
    for scheme in ("tel:", "sip:", "sips:", "whatsapp:"):
        if text.startswith(scheme):
            text = text[len(scheme) :]
            break
    text = text.split("@", 1)[0].strip()  # sip:anonymous@anonymous.invalid
    if text in _ANONYMOUS_WORDS or not text:
        return True
    digits = _SEPARATORS.sub("", text).removeprefix("+")
    return digits in _ANONYMOUS_DIGITS


@dataclass(frozen=True)
class Phone:
    e164: str
    extension: str | None = None


def _e164(number: PhoneNumber) -> str:
    return phonenumbers.format_number(number, PhoneNumberFormat.E164)


def _national(number: PhoneNumber) -> str:
    return phonenumbers.national_significant_number(number)


def _with_national(number: PhoneNumber, national: str) -> PhoneNumber:
    return PhoneNumber(country_code=number.country_code, national_number=int(national))


def _is_mobile(number: PhoneNumber) -> bool:
    return phonenumbers.is_valid_number(number) and phonenumbers.number_type(number) in (
        PhoneNumberType.MOBILE,
        PhoneNumberType.FIXED_LINE_OR_MOBILE,
    )


def _mexico_pair(number: PhoneNumber) -> tuple[PhoneNumber, PhoneNumber] | None:
    """(+52 XXXXXXXXXX, +52 1 XXXXXXXXXX): the ``1`` was dropped in 2019."""
    national = _national(number)
    if len(national) == 11 and national.startswith("1"):
        short = _with_national(number, national[1:])
    elif len(national) == 10:
        short = number
    else:
        return None
    if not _is_mobile(short):
        return None
    return short, _with_national(short, "1" + _national(short))


def _argentina_pair(number: PhoneNumber) -> tuple[PhoneNumber, PhoneNumber] | None:
    """(+54 9 AREA SUBSCRIBER, +54 AREA SUBSCRIBER): the 9 marks a mobile."""
    national = _national(number)
    if len(national) == 11 and national.startswith("9"):
        mobile = number
    elif len(national) == 10:
        mobile = _with_national(number, "9" + national)
    else:
        return None
    if not _is_mobile(mobile):
        return None
    return mobile, _with_national(mobile, _national(mobile)[1:])


def _brazil_pair(number: PhoneNumber) -> tuple[PhoneNumber, PhoneNumber] | None:
    """(+55 AA 9XXXX-XXXX, +55 AA XXXX-XXXX) for mobiles from before the ninth digit."""
    national = _national(number)
    if len(national) == 11 and national[2] == "9" and national[3] in "6789":
        area, subscriber = national[:2], national[3:]
    elif len(national) == 10 and national[2] in "6789":
        area, subscriber = national[:2], national[2:]
    else:
        return None
    nine = _with_national(number, f"{area}9{subscriber}")
    eight = _with_national(number, f"{area}{subscriber}")
    # an 8-digit number valid on its own is a different line (e.g. radio)
    if phonenumbers.is_valid_number(eight) or not _is_mobile(nine):
        return None
    return nine, eight


_VARIANT_RULES = {52: _mexico_pair, 54: _argentina_pair, 55: _brazil_pair}


def _variant_pair(number: PhoneNumber) -> tuple[PhoneNumber, PhoneNumber] | None:
    rule = _VARIANT_RULES.get(number.country_code or 0)
    return rule(number) if rule else None


def _parse_e164(e164: str) -> PhoneNumber:
    text = _require_str("phone", e164).strip()
    if not text.startswith("+") or len(text) > _PHONE_INPUT_MAX:
        raise InvalidIdentity("phone", "not an E.164 number", text)
    try:
        return phonenumbers.parse(text, None)
    except NumberParseException as exc:
        raise InvalidIdentity("phone", f"unparseable: {exc}", text) from None


def canonical_phone(e164: str) -> str:
    """The one E.164 spelling used for storage (see module docstring)."""
    number = _parse_e164(e164)
    pair = _variant_pair(number)
    return _e164(pair[0] if pair else number)


@lru_cache(maxsize=4096)  # every message of a known sender looks its number up
def phone_variants(e164: str) -> tuple[str, ...]:
    """Canonical spelling first, then the other known spellings of the same mobile."""
    number = _parse_e164(e164)
    pair = _variant_pair(number)
    if pair is None:
        return (_e164(number),)
    return (_e164(pair[0]), _e164(pair[1]))


def _strip_phone_prefix(text: str) -> str:
    lowered = text.lower()
    for prefix in _PHONE_PREFIXES:
        if lowered.startswith(prefix):
            return text[len(prefix) :].strip()
    return text


def _parse_phone(text: str, default_region: str | None) -> PhoneNumber:
    body = _EXTENSION_TAIL.sub("", text)
    if not _PHONE_BODY.fullmatch(body):
        raise InvalidIdentity("phone", "unexpected characters", text)
    region = default_region.upper() if default_region else None
    try:
        return phonenumbers.parse(text, region)
    except NumberParseException as exc:
        raise InvalidIdentity("phone", f"unparseable: {exc}", text) from None


_IMPOSSIBLE_REASONS = {
    phonenumbers.ValidationResult.INVALID_COUNTRY_CODE: "unknown country code",
    phonenumbers.ValidationResult.TOO_SHORT: "too short",
    phonenumbers.ValidationResult.TOO_LONG: "too long",
    phonenumbers.ValidationResult.INVALID_LENGTH: "impossible length",
    phonenumbers.ValidationResult.IS_POSSIBLE_LOCAL_ONLY: "local number without area code",
}


def normalize_phone(raw: str, *, default_region: str | None) -> Phone:
    """Canonical E.164 phone (plus extension) from caller ids, URIs or typed text."""
    return _phone_normalized(_require_str("phone", raw), default_region)


@lru_cache(maxsize=4096)  # senders write again and again; parsing costs ~0.1 ms a time
def _phone_normalized(raw: str, default_region: str | None) -> Phone:
    text = raw.strip()
    if not text:
        raise InvalidIdentity("phone", "empty", raw)
    if len(text) > _PHONE_INPUT_MAX:
        raise InvalidIdentity("phone", f"longer than {_PHONE_INPUT_MAX} characters", text)
    if is_anonymous_caller(text):
        raise InvalidIdentity("phone", "withheld or anonymous caller id", text)
    number = _parse_phone(_strip_phone_prefix(text), default_region)
    pair = _variant_pair(number)
    canonical = pair[0] if pair else number
    reason = phonenumbers.is_possible_number_with_reason(canonical)
    if reason != phonenumbers.ValidationResult.IS_POSSIBLE:
        raise InvalidIdentity("phone", _IMPOSSIBLE_REASONS.get(reason, "impossible"), text)
    e164 = _e164(canonical)
    if len(e164) > _E164_MAX_DIGITS + 1:
        raise InvalidIdentity("phone", f"more than {_E164_MAX_DIGITS} digits", text)
    if e164[1:] in _ANONYMOUS_DIGITS:
        raise InvalidIdentity("phone", "withheld or anonymous caller id", text)
    return Phone(e164=e164, extension=number.extension or None)


_WA_ID = re.compile(r"\+?[0-9]{6,15}")


def normalize_whatsapp_id(wa_id: str) -> str:
    """WhatsApp Cloud API ``wa_id`` (digits, no '+') -> canonical E.164."""
    text = _require_str("whatsapp", wa_id).strip()
    if text[:9].lower() == "whatsapp:":
        text = text[9:].strip()
    if not _WA_ID.fullmatch(text):
        raise InvalidIdentity("whatsapp", "expected 6-15 digits", wa_id)
    try:
        return normalize_phone("+" + text.lstrip("+"), default_region=None).e164
    except InvalidIdentity as exc:
        raise InvalidIdentity("whatsapp", exc.reason, wa_id) from None


# ------------------------------------------------------------ platform ids

_PAGE_SCOPED_ID = re.compile(r"[0-9]{1,32}")
_TELEGRAM_ID = re.compile(r"[0-9]{1,19}")
_VISITOR_TOKEN = re.compile(r"[A-Za-z0-9_-]{8,128}")
_CHAT_USER_MAX = 255
_INT64_MAX = 2**63 - 1


def _page_scoped_id(kind: IdentityKind, text: str) -> str:
    if not _PAGE_SCOPED_ID.fullmatch(text):
        raise InvalidIdentity(kind, "expected 1-32 digits", text)
    return text


def _telegram_id(text: str) -> str:
    # Users (the only customers) have positive ids; negative ids are group chats.
    if not _TELEGRAM_ID.fullmatch(text):
        raise InvalidIdentity(IdentityKind.TELEGRAM, "expected a positive integer", text)
    value = int(text)
    if not 0 < value <= _INT64_MAX:
        raise InvalidIdentity(IdentityKind.TELEGRAM, "outside 1..2**63-1", text)
    return str(value)


def _chat_user_id(text: str) -> str:
    if not text or len(text) > _CHAT_USER_MAX:
        raise InvalidIdentity(IdentityKind.CHAT_USER, "expected 1-255 characters", text)
    if not text.isprintable():
        raise InvalidIdentity(IdentityKind.CHAT_USER, "contains unprintable characters", text)
    return text


def _visitor_token(text: str) -> str:
    if not _VISITOR_TOKEN.fullmatch(text):
        raise InvalidIdentity(
            IdentityKind.CHAT_VISITOR, "expected 8-128 characters of [A-Za-z0-9_-]", text
        )
    return text


def normalize_platform_id(kind: IdentityKind, raw: str) -> str:
    """Messenger/Instagram scoped ids, Telegram user ids and widget ids."""
    try:
        kind = IdentityKind(kind)
    except ValueError:
        raise InvalidIdentity("identity", f"unknown kind {kind!r}", raw) from None
    text = _require_str(kind, raw).strip()
    if kind in (IdentityKind.MESSENGER, IdentityKind.INSTAGRAM):
        return _page_scoped_id(kind, text)
    if kind is IdentityKind.TELEGRAM:
        return _telegram_id(text)
    if kind is IdentityKind.CHAT_USER:
        return _chat_user_id(text)
    if kind is IdentityKind.CHAT_VISITOR:
        return _visitor_token(text)
    raise InvalidIdentity(str(kind), "not a platform id kind", text)


def normalize_identity(
    kind: IdentityKind | str, raw: str, *, default_region: str | None = None
) -> str:
    """Normalized value for any identity kind."""
    try:
        identity_kind = IdentityKind(kind)
    except ValueError:
        raise InvalidIdentity("identity", f"unknown kind {kind!r}", raw) from None
    if identity_kind is IdentityKind.EMAIL:
        return normalize_email(raw)
    if identity_kind is IdentityKind.PHONE:
        return normalize_phone(raw, default_region=default_region).e164
    if identity_kind is IdentityKind.WHATSAPP:
        return normalize_whatsapp_id(raw)
    return normalize_platform_id(identity_kind, raw)


# ------------------------------------------------------ widget verification


def widget_user_hash(secret: str, user_id: str) -> str:
    """HMAC-SHA256 hex of the user id, computed by the customer's backend."""
    return hmac.new(secret.encode(), user_id.encode(), hashlib.sha256).hexdigest()


_HEX_SHA256 = re.compile(r"[0-9a-fA-F]{64}")


def verify_widget_user(secret: str, user_id: str, user_hash: str) -> bool:
    """Constant-time check of a widget user hash; False on any malformed input."""
    if not all(isinstance(value, str) and value for value in (secret, user_id, user_hash)):
        return False
    if not _HEX_SHA256.fullmatch(user_hash):
        return False
    try:
        expected = widget_user_hash(secret, user_id)
    except UnicodeError:
        return False
    return hmac.compare_digest(expected, user_hash.lower())


# ------------------------------------------------------------ contact hints

_HINT_TEXT_MAX = 20_000
# A local part must start at a delimiter so that an over-long one is skipped
# instead of being cut to its last 64 characters.
_EMAIL_CANDIDATE = re.compile(r"(?<![\w.!#$%&*+/=?^~@-])[\w.!#$%&*+/=?^~-]{1,64}@[\w.-]{1,253}")
_FAX_LABEL = re.compile(r"(?<![/\w])(?:tele)?fax\b[\s.:]*$", re.I)
_TRAILING_PUNCTUATION = ".!?-_"


def _bounded(text: str) -> str:
    """The first ``_HINT_TEXT_MAX`` characters, without a token cut in half."""
    if len(text) <= _HINT_TEXT_MAX:
        return text
    if text[_HINT_TEXT_MAX].isspace():
        return text[:_HINT_TEXT_MAX]
    cut = max(text.rfind(sep, 0, _HINT_TEXT_MAX) for sep in " \t\r\n")
    return text[: max(cut, 0)]


def _email_hints(text: str) -> list[tuple[int, int, str]]:
    found = []
    for match in _EMAIL_CANDIDATE.finditer(text):
        candidate = match.group().rstrip(_TRAILING_PUNCTUATION)
        try:
            found.append((match.start(), match.end(), normalize_email(candidate)))
        except InvalidIdentity:
            continue
    return found


def _is_fax(text: str, start: int) -> bool:
    line_start = text.rfind("\n", max(0, start - 40), start) + 1
    return bool(_FAX_LABEL.search(text, max(line_start, start - 40), start))


@cache
def _fewest_digits(region: str | None) -> int:
    """The fewest digits of any number a ``VALID`` match can be: one written with its
    country code (of any region), or a national number of ``region``."""
    lengths = []
    for code, regions in phonenumbers.COUNTRY_CODE_TO_REGION_CODE.items():
        for name in regions:
            meta = (
                phonenumbers.PhoneMetadata.metadata_for_nongeo_region(code)
                if name == phonenumbers.REGION_CODE_FOR_NON_GEO_ENTITY
                else phonenumbers.PhoneMetadata.metadata_for_region(name)
            )
            general = meta.general_desc if meta is not None else None
            if general is not None and general.possible_length:
                shortest = min(general.possible_length)
                lengths.append(len(str(code)) + shortest)
                if name == region:
                    lengths.append(shortest)
    return min(lengths)


def _phone_hints(
    text: str, default_region: str | None, taken: list[tuple[int, int, str]]
) -> list[tuple[int, int, str]]:
    region = default_region.upper() if default_region else None
    if sum(char.isdigit() for char in text) < _fewest_digits(region):
        return []  # too few digits for any number: most messages, without the matcher's cost
    matcher = phonenumbers.PhoneNumberMatcher(text, region, leniency=phonenumbers.Leniency.VALID)
    found = []
    for match in matcher:
        overlaps = any(match.start < end and start < match.end for start, end, _ in taken)
        if overlaps or _is_fax(text, match.start):
            continue
        number = match.number
        pair = _variant_pair(number)
        e164 = _e164(pair[0] if pair else number)
        if e164[1:] not in _ANONYMOUS_DIGITS:
            found.append((match.start, match.end, e164))
    return found


def extract_contact_hints(
    text: str, *, default_region: str | None
) -> list[tuple[IdentityKind, str]]:
    """Normalized emails and phones mentioned in free text, in order of appearance.

    Only the first 20,000 characters are scanned. Numbers labelled as fax are
    skipped.
    """
    if not isinstance(text, str) or not text:
        return []
    text = _bounded(text)
    emails = _email_hints(text)
    phones = _phone_hints(text, default_region, emails)
    tagged = [(start, IdentityKind.EMAIL, value) for start, _, value in emails]
    tagged += [(start, IdentityKind.PHONE, value) for start, _, value in phones]
    tagged.sort(key=lambda item: item[0])
    hints: list[tuple[IdentityKind, str]] = []
    for _, kind, value in tagged:
        if (kind, value) not in hints:
            hints.append((kind, value))
    return hints
