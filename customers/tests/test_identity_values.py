import hashlib
import hmac
import pickle
import unicodedata

import pytest

from customers.identity_values import (
    IdentityKind,
    InvalidIdentity,
    Phone,
    canonical_phone,
    email_alias_key,
    email_domain,
    extract_contact_hints,
    is_anonymous_caller,
    normalize_email,
    normalize_identity,
    normalize_phone,
    normalize_platform_id,
    normalize_whatsapp_id,
    phone_variants,
    verify_widget_user,
    widget_user_hash,
)

# ----------------------------------------------------------------- kinds


def test_identity_kind_values():
    assert [kind.value for kind in IdentityKind] == [
        "email",
        "phone",
        "whatsapp",
        "messenger",
        "instagram",
        "telegram",
        "chat_user",
        "chat_visitor",
    ]
    assert IdentityKind("chat_visitor") is IdentityKind.CHAT_VISITOR
    assert f"{IdentityKind.PHONE}" == "phone"


# ------------------------------------------------------------ exception


def test_invalid_identity_message_names_kind_reason_and_value():
    error = InvalidIdentity("email", "no @", "nobody")
    assert str(error) == "invalid email 'nobody': no @"
    assert (error.kind, error.reason, error.value) == ("email", "no @", "nobody")
    assert isinstance(error, ValueError)


def test_invalid_identity_truncates_long_values_to_80_chars():
    error = InvalidIdentity("phone", "too long", "9" * 200)
    assert str(error) == "invalid phone '" + "9" * 80 + "…': too long"
    assert error.value == "9" * 200


def test_invalid_identity_escapes_control_characters_and_pickles():
    error = InvalidIdentity("email", "contains a control character", "a\nb")
    assert str(error) == "invalid email 'a\\nb': contains a control character"
    copy = pickle.loads(pickle.dumps(error))
    assert str(copy) == str(error)
    assert copy.reason == "contains a control character"


# ----------------------------------------------------------------- email


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("anna@example.com", "anna@example.com"),
        ("  ANNA@EXAMPLE.COM \n", "anna@example.com"),
        ("Anna.Mueller@Beispiel.DE", "anna.mueller@beispiel.de"),
        ('"Müller, Anna" <Anna@Beispiel.DE>', "anna@beispiel.de"),
        ("Anna Müller <anna@beispiel.de>", "anna@beispiel.de"),
        ("<anna@beispiel.de>", "anna@beispiel.de"),
        ("mailto:Bob@Example.com?subject=Hi", "bob@example.com"),
        ("MAILTO:bob@example.com", "bob@example.com"),
        ("o'brien+tag@example.ie", "o'brien+tag@example.ie"),
        ("anna@xn--mnchen-3ya.de", "anna@münchen.de"),
        ("anna@MÜNCHEN.DE", "anna@münchen.de"),
        ("Ünïcode@Exämple.org", "ünïcode@exämple.org"),
        ("ivan@пример.рф", "ivan@пример.рф"),
        ("ivan@xn--e1afmkfd.xn--p1ai", "ivan@пример.рф"),
        ("a@b.co", "a@b.co"),
    ],
)
def test_normalize_email(raw, expected):
    assert normalize_email(raw) == expected


def test_normalize_email_composes_nfd_to_nfc():
    nfd = unicodedata.normalize("NFD", "René@Example.com")
    nfc = unicodedata.normalize("NFC", "rené@example.com")
    assert len(nfd) == len(nfc) + 1
    assert normalize_email(nfd) == nfc
    assert normalize_email(nfd) == normalize_email("RENÉ@EXAMPLE.COM")


def test_normalize_email_length_limits_are_inclusive():
    local_64 = "a" * 64
    assert normalize_email(f"{local_64}@x.com") == f"{local_64}@x.com"
    domain = ".".join(["b" * 63, "c" * 63, "d" * 63, "e" * 60])
    address = f"a@{domain}"
    assert len(address) == 254
    assert normalize_email(address) == address


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("anna.example.com", "no @"),
        ("a@@x.com", "more than one @"),
        ("a@b@x.com", "more than one @"),
        ("@x.com", "empty local part"),
        ("anna@", "empty domain"),
        ("an na@x.com", "contains whitespace"),
        ("anna@x .com", "contains whitespace"),
        ("anna\u00a0@x.com", "contains whitespace"),
        ("anna@x.com\x00", "contains a control character"),
        ("an\u200bna@x.com", "contains a control character"),
        ("a..b@x.com", "consecutive dots"),
        ("anna@x..com", "consecutive dots"),
        (".anna@x.com", "local part starts or ends with a dot"),
        ("anna.@x.com", "local part starts or ends with a dot"),
        ("anna@localhost", "domain has no dot"),
        ("anna@.x.com", "domain starts or ends with a dot"),
        ("anna@x.com.", "domain starts or ends with a dot"),
        ("anna@-x.com", "domain label starts or ends with '-'"),
        ("anna@x_y.com", "character '_' not allowed in domain"),
        ("anna@[192.0.2.1]", "character '[' not allowed in domain"),
        ("anna@192.0.2.1", "numeric top-level domain"),
        ("anna@xn--zz.com", "bad punycode label 'xn--zz'"),
        ('"an na"@x.com', "contains whitespace"),
        ('"anna"@x.com', "character '\"' not allowed in local part"),
        ("an(na)@x.com", "character '(' not allowed in local part"),
        ("Anna <anna@x.de> trailing", "malformed display-name form"),
        ("Anna <anna@x.de", "malformed display-name form"),
        ("a" * 65 + "@x.com", "local part longer than 64 octets"),
        ("ü" * 33 + "@x.com", "local part longer than 64 octets"),
        ("a@" + "b" * 64 + ".com", "domain label longer than 63"),
        ("a@" + ".".join(["b" * 63, "c" * 63, "d" * 63, "e" * 62]), "longer than 254 octets"),
        ("a" * 1001 + "@x.com", "input too long"),
    ],
)
def test_normalize_email_rejects(raw, reason):
    with pytest.raises(InvalidIdentity) as caught:
        normalize_email(raw)
    assert caught.value.kind == "email"
    assert caught.value.reason == reason


def test_normalize_email_rejects_non_strings():
    with pytest.raises(InvalidIdentity, match="expected a string, got NoneType"):
        normalize_email(None)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("john.doe@gmail.com", "johndoe@gmail.com"),
        ("J.O.H.N.Doe+Newsletter@Gmail.com", "johndoe@gmail.com"),
        ("john.doe@googlemail.com", "johndoe@gmail.com"),
        ("John.Doe+x+y@GoogleMail.com", "johndoe@gmail.com"),
        ("john.doe+support@example.com", "john.doe@example.com"),
        ("john.doe@example.com", "john.doe@example.com"),
        ("j.doe@outlook.com", "j.doe@outlook.com"),
        ("+only@example.com", "+only@example.com"),
        ('"John" <John.Doe+x@Example.COM>', "john.doe@example.com"),
    ],
)
def test_email_alias_key(raw, expected):
    assert email_alias_key(raw) == expected


def test_email_alias_key_does_not_change_normalized_value():
    assert normalize_email("john.doe+x@gmail.com") == "john.doe+x@gmail.com"
    assert email_alias_key("john.doe+x@gmail.com") == email_alias_key("johndoe@googlemail.com")


def test_email_domain():
    assert email_domain("Anna@Beispiel.DE") == "beispiel.de"
    assert email_domain("a@xn--mnchen-3ya.de") == "münchen.de"
    assert email_domain('"A" <a@Sub.Example.co.uk>') == "sub.example.co.uk"
    with pytest.raises(InvalidIdentity, match="no @"):
        email_domain("nothing")


# ----------------------------------------------------------------- phone


@pytest.mark.parametrize(
    ("raw", "region", "expected"),
    [
        ("+49 151 2345 6789", None, Phone("+4915123456789", None)),
        ("+4915123456789", "US", Phone("+4915123456789", None)),
        ("0151 23456789", "DE", Phone("+4915123456789", None)),
        ("0151 23456789", "de", Phone("+4915123456789", None)),
        ("+49 (0)151 23456789", None, Phone("+4915123456789", None)),
        ("0049 151 23456789", "DE", Phone("+4915123456789", None)),
        ("(030) 1234567-89", "DE", Phone("+4930123456789", None)),
        ("(212) 555-0100", "US", Phone("+12125550100", None)),
        ("212.555.0100", "US", Phone("+12125550100", None)),
        ("+1 212 555 0100", None, Phone("+12125550100", None)),
        ("020 7946 0958", "GB", Phone("+442079460958", None)),
        ("07911 123456", "GB", Phone("+447911123456", None)),
        ("+44 7911 123456", None, Phone("+447911123456", None)),
        ("+39 06 1234 5678", None, Phone("+390612345678", None)),
        ("+1 212 555 0100 ext. 23", None, Phone("+12125550100", "23")),
        ("+1 212 555 0100 ext 23", None, Phone("+12125550100", "23")),
        ("(212) 555-0100 x23", "US", Phone("+12125550100", "23")),
        ("+1 212 555 0100 extension 23", None, Phone("+12125550100", "23")),
        ("+12125550100;ext=23", None, Phone("+12125550100", "23")),
        ("tel:+1-212-555-0100", None, Phone("+12125550100", None)),
        ("tel:+1-212-555-0100;ext=23", None, Phone("+12125550100", "23")),
        ("TEL:+49-151-23456789", None, Phone("+4915123456789", None)),
        ("whatsapp:+4915123456789", None, Phone("+4915123456789", None)),
        ("WhatsApp:+14155238886", None, Phone("+14155238886", None)),
        ("٠١٥١ ٢٣٤٥٦٧٨٩", "DE", Phone("+4915123456789", None)),
        ("  +49 151 2345 6789  ", None, Phone("+4915123456789", None)),
    ],
)
def test_normalize_phone(raw, region, expected):
    assert normalize_phone(raw, default_region=region) == expected


def test_the_same_german_mobile_from_three_channels_is_one_identity():
    sms = normalize_phone("+49 151 2345 6789", default_region=None).e164
    whatsapp = normalize_whatsapp_id("4915123456789")
    signature = normalize_phone("0151 23456789", default_region="DE").e164
    assert sms == whatsapp == signature == "+4915123456789"


@pytest.mark.parametrize(
    ("raw", "region", "expected"),
    [
        ("+5215512345678", None, "+525512345678"),
        ("+52 1 55 1234 5678", None, "+525512345678"),
        ("+525512345678", None, "+525512345678"),
        ("+541123456789", None, "+5491123456789"),
        ("011 15 2345-6789", "AR", "+5491123456789"),
        ("+551187654321", None, "+5511987654321"),
        ("+55 11 98765-4321", None, "+5511987654321"),
        ("+55 11 3456-7890", None, "+551134567890"),
    ],
)
def test_normalize_phone_returns_canonical_spelling(raw, region, expected):
    assert normalize_phone(raw, default_region=region).e164 == expected


@pytest.mark.parametrize(
    ("raw", "region", "reason"),
    [
        ("", None, "empty"),
        ("   ", "US", "empty"),
        ("Anonymous", None, "withheld or anonymous caller id"),
        ("RESTRICTED", None, "withheld or anonymous caller id"),
        ("private", "DE", "withheld or anonymous caller id"),
        ("+266696687", None, "withheld or anonymous caller id"),
        ("+86282452253", None, "withheld or anonymous caller id"),
        ("+8656696", None, "withheld or anonymous caller id"),
        ("sip:anonymous@anonymous.invalid", None, "withheld or anonymous caller id"),
        ("4915123456789", None, "unparseable: (0) Missing or invalid default region."),
        ("0151 23456789", None, "unparseable: (0) Missing or invalid default region."),
        ("+999 1234567", None, "unparseable: (0) Could not interpret numbers after plus-sign."),
        ("1-800-FLOWERS", "US", "unexpected characters"),
        ("AMAZON", None, "unexpected characters"),
        ("+49 151 2345 6789 call me", None, "unexpected characters"),
        ("tel:+1-212-555-0100;isub=1", None, "unexpected characters"),
        ("555 0100", "US", "local number without area code"),
        ("+1 212 555", None, "too short"),
        ("+1 212 555 0100 99", None, "too long"),
        ("+4915123456789012", None, "more than 15 digits"),
        (
            "+49 151 2345 6789 0123 4567",
            None,
            "unparseable: (4) The string supplied is too long to be a phone number.",
        ),
        ("+5215512", None, "too short"),
        ("+1" + "2" * 70, None, "longer than 64 characters"),
    ],
)
def test_normalize_phone_rejects(raw, region, reason):
    with pytest.raises(InvalidIdentity) as caught:
        normalize_phone(raw, default_region=region)
    assert caught.value.kind == "phone"
    assert caught.value.reason == reason


def test_normalize_phone_strips_before_the_length_check():
    padded = "+1 212 555 0100" + " " * 60
    assert normalize_phone(padded, default_region=None).e164 == "+12125550100"


def test_normalize_phone_accepts_possible_but_not_yet_valid_numbers():
    # +1 999 is an unassigned area code: possible by length, not valid
    assert normalize_phone("+1 999 555 0100", default_region=None) == Phone("+19995550100")


def test_normalize_phone_rejects_non_strings():
    with pytest.raises(InvalidIdentity, match="expected a string, got int"):
        normalize_phone(4915123456789, default_region=None)


def test_phone_is_frozen():
    phone = Phone("+4915123456789", None)
    with pytest.raises(AttributeError):
        phone.e164 = "+1"
    assert Phone("+4915123456789") == phone


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "   ",
        "anonymous",
        "Anonymous",
        "ANONYMOUS",
        "restricted",
        "unknown",
        "Private",
        "unavailable",
        "Blocked",
        "withheld",
        "+266696687",
        "266696687",
        "+7378742833",
        "+2562533",
        "+8656696",
        "+86282452253",
        "+86 282 452 253",
        "tel:anonymous",
        "sip:anonymous@anonymous.invalid",
        "sip:+266696687@example.com",
        "whatsapp:unknown",
    ],
)
def test_is_anonymous_caller_true(raw):
    assert is_anonymous_caller(raw) is True


@pytest.mark.parametrize(
    "raw",
    [
        "+4915123456789",
        "+12125550100",
        "tel:+12125550100",
        "+8656696687",  # an ordinary, valid mainland China number
        "+26669668",
        "anonymously",
        "Anna",
    ],
)
def test_is_anonymous_caller_false(raw):
    assert is_anonymous_caller(raw) is False


def test_is_anonymous_caller_treats_none_as_anonymous():
    assert is_anonymous_caller(None) is True


@pytest.mark.parametrize(
    ("wa_id", "expected"),
    [
        ("4915123456789", "+4915123456789"),
        ("14155238886", "+14155238886"),
        ("+4915123456789", "+4915123456789"),
        ("whatsapp:+4915123456789", "+4915123456789"),
        (" 447911123456 ", "+447911123456"),
        ("5215512345678", "+525512345678"),
        ("525512345678", "+525512345678"),
        ("5491123456789", "+5491123456789"),
        ("541123456789", "+5491123456789"),
        ("551187654321", "+5511987654321"),
        ("5511987654321", "+5511987654321"),
    ],
)
def test_normalize_whatsapp_id(wa_id, expected):
    assert normalize_whatsapp_id(wa_id) == expected


@pytest.mark.parametrize(
    ("wa_id", "reason"),
    [
        ("", "expected 6-15 digits"),
        ("49 151 23456789", "expected 6-15 digits"),
        ("49-151-23456789", "expected 6-15 digits"),
        ("4915123456789abc", "expected 6-15 digits"),
        ("12345", "expected 6-15 digits"),
        ("1234567890123456", "expected 6-15 digits"),
        ("266696687", "withheld or anonymous caller id"),
        ("999123456789", "unparseable: (0) Could not interpret numbers after plus-sign."),
        ("4912", "expected 6-15 digits"),
        ("1212555", "too short"),
        ("4915123456789012", "expected 6-15 digits"),
    ],
)
def test_normalize_whatsapp_id_rejects(wa_id, reason):
    with pytest.raises(InvalidIdentity) as caught:
        normalize_whatsapp_id(wa_id)
    assert caught.value.kind == "whatsapp"
    assert caught.value.reason == reason


# ------------------------------------------------------- phone variants


@pytest.mark.parametrize(
    ("e164", "variants"),
    [
        # Mexico: the mobile "1" after +52 was dropped in 2019
        ("+525512345678", ("+525512345678", "+5215512345678")),
        ("+5215512345678", ("+525512345678", "+5215512345678")),
        ("+523312345678", ("+523312345678", "+5213312345678")),
        # Argentina: "9" after +54 marks a mobile
        ("+5491123456789", ("+5491123456789", "+541123456789")),
        ("+541123456789", ("+5491123456789", "+541123456789")),
        ("+5493514123456", ("+5493514123456", "+543514123456")),
        ("+543514123456", ("+5493514123456", "+543514123456")),
        # Brazil: ninth digit for mobiles
        ("+5511987654321", ("+5511987654321", "+551187654321")),
        ("+551187654321", ("+5511987654321", "+551187654321")),
        ("+5521987654321", ("+5521987654321", "+552187654321")),
        ("+556198765432", ("+5561998765432", "+556198765432")),
    ],
)
def test_phone_variants(e164, variants):
    assert phone_variants(e164) == variants
    assert canonical_phone(e164) == variants[0]


@pytest.mark.parametrize(
    "e164",
    [
        "+4915123456789",
        "+12125550100",
        "+447911123456",
        "+551134567890",  # Brazilian landline: no ninth digit
        "+5511912345678",  # new mobile range: the 8-digit form would be a landline
        "+551173456789",  # 8-digit number that is valid on its own
        "+528001234567",  # Mexican toll-free
        "+548001234567",  # Argentine toll-free
    ],
)
def test_phone_variants_single_form(e164):
    assert phone_variants(e164) == (e164,)
    assert canonical_phone(e164) == e164


def test_canonical_phone_is_stable_over_all_variants():
    for e164 in ("+5215512345678", "+541123456789", "+551187654321"):
        variants = phone_variants(e164)
        assert {canonical_phone(v) for v in variants} == {variants[0]}
        assert all(phone_variants(v) == variants for v in variants)


def test_canonical_phone_accepts_formatted_e164():
    assert canonical_phone("+52 1 55 1234 5678") == "+525512345678"
    assert phone_variants(" +49 151 2345 6789 ") == ("+4915123456789",)


@pytest.mark.parametrize("bad", ["4915123456789", "", "+", "+abc", "+1" + "2" * 70])
def test_canonical_phone_rejects_non_e164(bad):
    with pytest.raises(InvalidIdentity):
        canonical_phone(bad)
    with pytest.raises(InvalidIdentity):
        phone_variants(bad)


# --------------------------------------------------------- platform ids


@pytest.mark.parametrize(
    ("kind", "raw", "expected"),
    [
        (IdentityKind.MESSENGER, "1254459154682919", "1254459154682919"),
        (IdentityKind.MESSENGER, " 7 ", "7"),
        (IdentityKind.INSTAGRAM, "17841400008460056", "17841400008460056"),
        (IdentityKind.INSTAGRAM, "9" * 32, "9" * 32),
        (IdentityKind.TELEGRAM, "123456789", "123456789"),
        (IdentityKind.TELEGRAM, "0042", "42"),
        (IdentityKind.TELEGRAM, "9223372036854775807", "9223372036854775807"),
        (IdentityKind.CHAT_USER, "  user-42  ", "user-42"),
        (IdentityKind.CHAT_USER, "Anna Müller #7", "Anna Müller #7"),
        (IdentityKind.CHAT_USER, "x" * 255, "x" * 255),
        (IdentityKind.CHAT_VISITOR, "3f2b8c1e-9d4a-4b7e-8c2f-1a2b3c4d5e6f", None),
        (IdentityKind.CHAT_VISITOR, "abcdEFGH", "abcdEFGH"),
        (IdentityKind.CHAT_VISITOR, "v_" + "A" * 126, "v_" + "A" * 126),
        ("messenger", "42", "42"),
    ],
)
def test_normalize_platform_id(kind, raw, expected):
    assert normalize_platform_id(kind, raw) == (raw if expected is None else expected)


@pytest.mark.parametrize(
    ("kind", "raw", "reason"),
    [
        (IdentityKind.MESSENGER, "", "expected 1-32 digits"),
        (IdentityKind.MESSENGER, "12a4", "expected 1-32 digits"),
        (IdentityKind.MESSENGER, "-1254", "expected 1-32 digits"),
        (IdentityKind.MESSENGER, "١٢٣", "expected 1-32 digits"),
        (IdentityKind.INSTAGRAM, "9" * 33, "expected 1-32 digits"),
        (IdentityKind.INSTAGRAM, "1 2", "expected 1-32 digits"),
        (IdentityKind.TELEGRAM, "", "expected a positive integer"),
        (IdentityKind.TELEGRAM, "-1001234567890", "expected a positive integer"),
        (IdentityKind.TELEGRAM, "+42", "expected a positive integer"),
        (IdentityKind.TELEGRAM, "12.5", "expected a positive integer"),
        (IdentityKind.TELEGRAM, "@durov", "expected a positive integer"),
        (IdentityKind.TELEGRAM, "0", "outside 1..2**63-1"),
        (IdentityKind.TELEGRAM, "9223372036854775808", "outside 1..2**63-1"),
        (IdentityKind.TELEGRAM, "1" * 20, "expected a positive integer"),
        (IdentityKind.CHAT_USER, "", "expected 1-255 characters"),
        (IdentityKind.CHAT_USER, "   ", "expected 1-255 characters"),
        (IdentityKind.CHAT_USER, "x" * 256, "expected 1-255 characters"),
        (IdentityKind.CHAT_USER, "user\n42", "contains unprintable characters"),
        (IdentityKind.CHAT_USER, "user\x0042", "contains unprintable characters"),
        (IdentityKind.CHAT_VISITOR, "short", "expected 8-128 characters of [A-Za-z0-9_-]"),
        (IdentityKind.CHAT_VISITOR, "A" * 129, "expected 8-128 characters of [A-Za-z0-9_-]"),
        (IdentityKind.CHAT_VISITOR, "abc.defgh", "expected 8-128 characters of [A-Za-z0-9_-]"),
        (IdentityKind.CHAT_VISITOR, "abc defgh", "expected 8-128 characters of [A-Za-z0-9_-]"),
        (IdentityKind.CHAT_VISITOR, "äbcdefgh", "expected 8-128 characters of [A-Za-z0-9_-]"),
        (IdentityKind.EMAIL, "a@b.co", "not a platform id kind"),
        (IdentityKind.PHONE, "+4915123456789", "not a platform id kind"),
        ("fax", "123", "unknown kind 'fax'"),
    ],
)
def test_normalize_platform_id_rejects(kind, raw, reason):
    with pytest.raises(InvalidIdentity) as caught:
        normalize_platform_id(kind, raw)
    assert caught.value.reason == reason


# -------------------------------------------------------------- dispatch


@pytest.mark.parametrize(
    ("kind", "raw", "region", "expected"),
    [
        (IdentityKind.EMAIL, "Anna@Beispiel.DE", None, "anna@beispiel.de"),
        ("email", '"A" <A@B.CO>', None, "a@b.co"),
        (IdentityKind.PHONE, "0151 23456789", "DE", "+4915123456789"),
        ("phone", "+1 212 555 0100 ext. 23", None, "+12125550100"),
        ("phone", "+5215512345678", None, "+525512345678"),
        (IdentityKind.WHATSAPP, "4915123456789", None, "+4915123456789"),
        ("whatsapp", "551187654321", None, "+5511987654321"),
        (IdentityKind.MESSENGER, "1254459154682919", None, "1254459154682919"),
        ("instagram", "17841400008460056", None, "17841400008460056"),
        ("telegram", "123456789", None, "123456789"),
        ("chat_user", " user-42 ", None, "user-42"),
        ("chat_visitor", "visitor_abcdef12", None, "visitor_abcdef12"),
    ],
)
def test_normalize_identity(kind, raw, region, expected):
    assert normalize_identity(kind, raw, default_region=region) == expected


def test_normalize_identity_default_region_is_none():
    assert normalize_identity("phone", "+49 151 2345 6789") == "+4915123456789"
    with pytest.raises(InvalidIdentity, match="Missing or invalid default region"):
        normalize_identity("phone", "0151 23456789")


@pytest.mark.parametrize("kind", ["fax", "", "EMAIL", "sms"])
def test_normalize_identity_unknown_kind(kind):
    with pytest.raises(InvalidIdentity) as caught:
        normalize_identity(kind, "x@y.com")
    assert caught.value.reason == f"unknown kind {kind!r}"


def test_normalize_identity_propagates_kind_specific_errors():
    with pytest.raises(InvalidIdentity, match="no @"):
        normalize_identity("email", "not-an-email")
    with pytest.raises(InvalidIdentity, match="withheld"):
        normalize_identity("phone", "anonymous")


# ---------------------------------------------------------- widget HMAC

SECRET = "whsec_9f8e7d6c5b4a"


def test_widget_user_hash_matches_independent_hmac():
    expected = hmac.new(SECRET.encode(), b"user-42", hashlib.sha256).hexdigest()
    assert widget_user_hash(SECRET, "user-42") == expected
    assert len(expected) == 64


def test_widget_user_hash_rfc4231_vector():
    assert widget_user_hash("Jefe", "what do ya want for nothing?") == (
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
    )


def test_widget_user_hash_utf8():
    expected = hmac.new("ü".encode(), "Müller".encode(), hashlib.sha256).hexdigest()
    assert widget_user_hash("ü", "Müller") == expected


def test_verify_widget_user_accepts_genuine_hash():
    genuine = hmac.new(SECRET.encode(), b"user-42", hashlib.sha256).hexdigest()
    assert verify_widget_user(SECRET, "user-42", genuine) is True
    assert verify_widget_user(SECRET, "user-42", genuine.upper()) is True


def test_verify_widget_user_rejects_forgeries():
    genuine = widget_user_hash(SECRET, "user-42")
    flipped = genuine[:-1] + ("0" if genuine[-1] != "0" else "1")
    assert verify_widget_user(SECRET, "user-42", flipped) is False
    assert verify_widget_user(SECRET, "user-43", genuine) is False
    assert verify_widget_user("other-secret", "user-42", genuine) is False
    assert verify_widget_user(SECRET, "user-42", hashlib.sha256(b"user-42").hexdigest()) is False


@pytest.mark.parametrize(
    ("secret", "user_id", "user_hash"),
    [
        (SECRET, "user-42", ""),
        (SECRET, "user-42", None),
        (SECRET, None, "0" * 64),
        (None, "user-42", "0" * 64),
        ("", "user-42", "0" * 64),
        (SECRET, "", "0" * 64),
        (SECRET, "user-42", "z" * 64),
        (SECRET, "user-42", "0" * 63),
        (SECRET, "user-42", "0" * 65),
        (SECRET, "user-42", "é" * 64),
        (SECRET, "user-42", b"0" * 64),
        (SECRET, "user-42", 42),
        ("\ud800", "user-42", "0" * 64),
        (SECRET, "\udfff", "0" * 64),
    ],
)
def test_verify_widget_user_malformed_input_is_false(secret, user_id, user_hash):
    assert verify_widget_user(secret, user_id, user_hash) is False


def test_verify_widget_user_does_not_strip_whitespace():
    genuine = widget_user_hash(SECRET, "user-42")
    assert verify_widget_user(SECRET, " user-42", genuine) is False
    assert verify_widget_user(SECRET, "user-42", f" {genuine}") is False


# -------------------------------------------------------- contact hints

GERMAN_SIGNATURE = """Hallo zusammen,

meine neue Adresse ist anna.mueller@Beispiel.de, bitte rufen Sie mich an.

Mit freundlichen Grüßen
Anna Müller
Kundenservice | Beispiel GmbH
Musterstraße 12, 10115 Berlin
Tel.: +49 30 1234567-89
Mobil: 0151 23456789
Fax: +49 30 1234567-99
E-Mail: Anna.Mueller@beispiel.de
Rechnung vom 2024-05-01, Kundennummer 123456789
"""

ENGLISH_SIGNATURE = """Thanks for the quick reply!
--
John Smith | Head of Support
Example Corp. <Support@Example.com>
Office: (212) 555-0100 ext. 23 · Cell: +1 646-555-0199
Tel/Fax: 212.555.0142
Fax: 212-555-0143
Order #4815162342, ticket 2024-0042.
my personal email is John.Smith+tickets@Gmail.com."""


def test_extract_contact_hints_german_signature():
    assert extract_contact_hints(GERMAN_SIGNATURE, default_region="DE") == [
        (IdentityKind.EMAIL, "anna.mueller@beispiel.de"),
        (IdentityKind.PHONE, "+4930123456789"),
        (IdentityKind.PHONE, "+4915123456789"),
    ]


def test_extract_contact_hints_english_signature():
    assert extract_contact_hints(ENGLISH_SIGNATURE, default_region="US") == [
        (IdentityKind.EMAIL, "support@example.com"),
        (IdentityKind.PHONE, "+12125550100"),
        (IdentityKind.PHONE, "+16465550199"),
        (IdentityKind.PHONE, "+12125550142"),
        (IdentityKind.EMAIL, "john.smith+tickets@gmail.com"),
    ]


def test_extract_contact_hints_without_region_only_finds_international_numbers():
    assert extract_contact_hints(ENGLISH_SIGNATURE, default_region=None) == [
        (IdentityKind.EMAIL, "support@example.com"),
        (IdentityKind.PHONE, "+16465550199"),
        (IdentityKind.EMAIL, "john.smith+tickets@gmail.com"),
    ]


def test_extract_contact_hints_chat_message():
    text = "hi, my email is X@Y.com and my whatsapp is +54 11 2345-6789!"
    assert extract_contact_hints(text, default_region="AR") == [
        (IdentityKind.EMAIL, "x@y.com"),
        (IdentityKind.PHONE, "+5491123456789"),
    ]


def test_extract_contact_hints_needs_numbers_valid_today():
    # VALID leniency: legacy spellings that are no longer valid are not picked up
    text = "whatsapp +52 1 55 1234 5678 or +52 55 1234 5678"
    assert extract_contact_hints(text, default_region=None) == [
        (IdentityKind.PHONE, "+525512345678"),
    ]


def test_extract_contact_hints_deduplicates_in_order_of_appearance():
    text = "Call 0151 23456789 or +49 151 2345 6789; mail a@b.de or A@B.DE, then 0151/23456789."
    assert extract_contact_hints(text, default_region="DE") == [
        (IdentityKind.PHONE, "+4915123456789"),
        (IdentityKind.EMAIL, "a@b.de"),
    ]


def test_extract_contact_hints_ignores_invalid_candidates():
    text = "not an email: a..b@x.com, user@localhost, @handle; number 12345; call +266696687"
    assert extract_contact_hints(text, default_region="US") == []


def test_extract_contact_hints_skips_over_long_local_parts_instead_of_cutting_them():
    assert extract_contact_hints("a" * 100 + "@example.com", default_region=None) == []


def test_extract_contact_hints_empty_and_non_text():
    assert extract_contact_hints("", default_region="DE") == []
    assert extract_contact_hints(None, default_region="DE") == []


def test_extract_contact_hints_scans_only_the_first_20000_characters():
    head = "x@y.com " + " " * 19_992
    text = head + "late@example.com +49 151 2345 6789 " + "z" * 5_000
    assert extract_contact_hints(text, default_region="DE") == [(IdentityKind.EMAIL, "x@y.com")]


def test_extract_contact_hints_does_not_cut_a_value_at_the_limit():
    text = " " * 19_990 + "anna@example.com +49 151 2345 6789"
    assert text[:20_000].endswith("anna@examp")
    assert extract_contact_hints(text, default_region="DE") == []
    shorter = " " * 19_980 + "anna@example.com +49 151 2345 6789"
    assert extract_contact_hints(shorter, default_region="DE") == [
        (IdentityKind.EMAIL, "anna@example.com"),
    ]


def test_extract_contact_hints_is_bounded_on_hostile_input():
    hostile = "1" * 100_000 + "a" * 100_000 + "@" * 100_000
    assert extract_contact_hints(hostile, default_region="DE") == []


def test_extract_contact_hints_finds_the_shortest_numbers_the_digit_floor_allows():
    # Niue numbers have four digits: with the country code, or national in Niue.
    assert extract_contact_hints("ring +683 4002", default_region="US") == [
        (IdentityKind.PHONE, "+6834002")
    ]
    assert extract_contact_hints("ring 4002", default_region="NU") == [
        (IdentityKind.PHONE, "+6834002")
    ]
    # Five digits are no number outside Niue: the text is not scanned at all.
    assert extract_contact_hints("Order 40021", default_region="US") == []
