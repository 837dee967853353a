"""Reply extraction: new text kept, quotes and signatures dropped, per client and language."""

from __future__ import annotations

import time

import pytest

from channels_ingest.mail.reply_text import extract_reply, extract_reply_html, html_to_text

REPLY = "Thanks, the refund arrived.\n\nCan you close the ticket?"


def _text(*lines: str) -> str:
    return "\n".join(lines)


# -- plain text: client styles -------------------------------------------------

CLIENT_STYLES = {
    "gmail": _text(
        REPLY,
        "",
        "On Mon, Apr 2, 2012 at 6:26 PM, Support <support@example.com> wrote:",
        "",
        "> Your refund is on its way.",
        ">",
        "> Best, Support",
    ),
    "gmail_wrapped_attribution": _text(
        REPLY,
        "",
        "On Mon, Aug 26, 2019 at 4:37 PM The Example Support Team <",
        "a-really-long-support-address@example.com> wrote:",
        "",
        "> Your refund is on its way.",
    ),
    "attribution_over_three_lines": _text(
        REPLY,
        "",
        "On Dec 16, 2011, at 12:47 PM, Corey Example",
        "<corey@example.com>",
        "wrote:",
        "",
        "> Your refund is on its way.",
    ),
    "outlook_desktop": _text(
        REPLY,
        "",
        "________________________________",
        "From: Support <support@example.com>",
        "Sent: Monday, April 2, 2012 5:44 PM",
        "To: Customer <customer@example.org>",
        "Subject: RE: Refund",
        "",
        "Your refund is on its way.",
    ),
    "outlook_header_without_rule": _text(
        REPLY,
        "",
        "From: Support [mailto:support@example.com]",
        "Sent: Monday, April 2, 2012 5:44 PM",
        "To: Customer",
        "Subject: RE: Refund",
        "",
        "Your refund is on its way.",
    ),
    "outlook_bold_header": _text(
        REPLY,
        "",
        " ------------------------------",
        "",
        "*From:* Support [mailto:support@example.com]",
        "*Sent:* Monday, April 2, 2012 5:44 PM",
        "*To:* customer@example.org",
        "*Subject:* Refund",
        "",
        "Your refund is on its way.",
    ),
    "original_message": _text(
        REPLY,
        "",
        "-----Original Message-----",
        "From: Support <support@example.com>",
        "Sent: Mon, Apr 2, 2012 5:49 pm",
        "",
        "Your refund is on its way.",
    ),
    "outlook_mobile": _text(
        REPLY,
        "",
        "Get Outlook for iOS<https://aka.ms/o0ukef>",
        "________________________________",
        "From: Support <support@example.com>",
        "Sent: Thursday, September 26, 2019 11:35:12 AM",
        "To: Customer <customer@example.org>",
        "Subject: Refund",
        "",
        "Your refund is on its way.",
    ),
    "apple_mail": _text(
        REPLY,
        "",
        "> On 22 Aug 2015, at 19:21, Support <support@example.com> wrote:",
        ">",
        "> Your refund is on its way.",
    ),
    "iphone": _text(
        REPLY,
        "",
        "Sent from my iPhone",
        "",
        "On Apr 3, 2012, at 4:19 PM, Support <support@example.com> wrote:",
        "",
        "> Your refund is on its way.",
    ),
    "blackberry": _text(
        REPLY,
        "Sent from my BlackBerry® wireless device",
        "",
        "-----Original Message-----",
        "From: Support <support@example.com>",
        "Date: Mon, 2 Apr 2012 17:44:22",
        "To: customer@example.org",
        "Subject: Refund",
        "",
        "Your refund is on its way.",
    ),
    "yahoo": _text(
        REPLY,
        "",
        "",
        "----- Original Message -----",
        'From: "Support" <support@example.com>',
        "To: customer@example.org",
        "Sent: Monday, April 2, 2012 5:44 PM",
        "Subject: Refund",
        "",
        "Your refund is on its way.",
    ),
    "forwarded": _text(
        REPLY,
        "",
        "---------- Forwarded message ---------",
        "From: Support <support@example.com>",
        "Date: Mon, Dec 15, 2024 at 3:00 PM",
        "Subject: Refund",
        "",
        "Your refund is on its way.",
    ),
    "apple_forward": _text(
        REPLY,
        "",
        "Begin forwarded message:",
        "",
        "From: Support <support@example.com>",
        "Subject: Refund",
    ),
    "quote_without_attribution": _text(
        REPLY,
        "",
        "> Your refund is on its way.",
        "> Best, Support",
    ),
    "dash_dash_signature": _text(REPLY, "", "-- ", "Jane Customer", "ACME Ltd."),
    "dash_dash_without_space": _text(REPLY, "--", "Jane Customer"),
    "sent_from_app": _text(
        REPLY,
        "",
        "Sent from TypeApp<http://www.typeapp.com/r?b=2621>",
        "On Jun 17, 2017, at 14:15, Support <support@example.com> wrote:",
        "Your refund is on its way.",
    ),
    "mailing_list_footer": _text(
        REPLY,
        "",
        "_______________________________________________",
        "support-users mailing list",
        "support-users@lists.example.com",
    ),
    "unquoted_attribution": _text(
        REPLY,
        "",
        '30.09.2017, 18.30, "Support Team" <support@example.com>:',
        "",
        "Your refund is on its way.",
    ),
    "zoho": _text(
        REPLY,
        "",
        "---- On Wed, 24 Feb 2021 14:02:50 +0530 support@example.com wrote ----",
        "",
        "Your refund is on its way.",
    ),
    "truncated_attribution_above_quote": _text(
        REPLY,
        "",
        "On Monday, December 15, 2024, at 3:45:32 PM EST, Support <support@example.com> wro",
        "> Your refund is on its way.",
    ),
}


@pytest.mark.parametrize("body", CLIENT_STYLES.values(), ids=list(CLIENT_STYLES))
def test_client_styles_keep_only_the_new_text(body: str) -> None:
    assert extract_reply(body) == REPLY


# -- plain text: languages -----------------------------------------------------

LANGUAGES = {
    "de_gmail": "Am Mi., 13. Dez. 2017 um 21:11 Uhr schrieb Max Muster <max@beispiel.de>:",
    "de_thunderbird": "Am 02.04.2012 18:26, schrieb Max Muster:",
    "de_apple": "Am 13.12.2017 um 21:11 schrieb Max Muster <max@beispiel.de>:",
    "fr_gmail": "Le lun. 15 nov. 2021 à 19:42, Jean Dupont <jean@exemple.fr> a écrit :",
    "es_gmail": "El lun., 15 nov. 2021 a las 19:42, Juan Pérez (<juan@ejemplo.es>) escribió:",
    "pt_gmail": "Em seg., 15 de nov. de 2021 às 19:42, João Silva <joao@exemplo.pt> escreveu:",
    "it_gmail": "Il giorno lun 15 nov 2021 alle ore 19:42 Mario <mario@esempio.it> ha scritto:",
    "it_apple": "Il giorno 15 nov 2021, alle ore 19:42, Mario Rossi <mario@esempio.it> ha scritto:",
    "nl_gmail": "Op ma 15 nov. 2021 om 19:42 schreef Jan Jansen <jan@voorbeeld.nl>:",
    "nl_thunderbird": "Op 15-11-2021 om 19:42 schreef Jan Jansen:",
    "pl_gmail": "W dniu 09.01.2017 o 11:59, Jan Kowalski <jan@przyklad.pl> napisał:",
    "da_gmail": "tir. 18. apr. 2017 kl. 13:09 skrev Jens Hansen <jens@eksempel.dk>:",
    "sv_apple": "Den 5 maj 2020 kl. 10:00 skrev Sven Svensson <sven@exempel.se>:",
    "de_name_only": "Max Muster <max@beispiel.de> schrieb:",
    "zh_gmail": "在 2014年6月26日，Alex <a@example.com>写道：",
}


@pytest.mark.parametrize("attribution", LANGUAGES.values(), ids=list(LANGUAGES))
def test_localised_attribution_lines(attribution: str) -> None:
    quoted = _text(REPLY, "", attribution, "", "> Ihre Erstattung ist unterwegs.")
    unquoted = _text(REPLY, "", attribution, "", "Ihre Erstattung ist unterwegs.")
    assert extract_reply(quoted) == REPLY
    assert extract_reply(unquoted) == REPLY


def test_attribution_wrapped_before_the_verb() -> None:
    body = _text(
        REPLY,
        "",
        "Il giovedì, 8 dicembre 2016, Assistenza <assistenza@esempio.it>",
        "ha scritto:",
        "> Ciao",
    )
    assert extract_reply(body) == REPLY


HEADER_BLOCKS = {
    "de": (
        "Von: Support <s@beispiel.de>",
        "Gesendet: Montag, 5. Dezember 2016 17:00",
        "An: kunde@beispiel.de",
        "Betreff: AW: Erstattung",
    ),
    "fr": (
        "De : Support <s@exemple.fr>",
        "Envoyé : lundi 5 décembre 2016 17:00",
        "À : client@exemple.fr",
        "Objet : RE: Remboursement",
    ),
    "fr_webmail": (
        "De : Support<mailto:s@exemple.fr>",
        "Envoyé le :jeudi 15 décembre",
        "À : client@exemple.fr",
        "Objet :Remboursement",
    ),
    "es": (
        "De: Soporte <s@ejemplo.es>",
        "Enviado: lunes, 5 de diciembre de 2016 17:00",
        "Para: cliente@ejemplo.es",
        "Asunto: RE: Reembolso",
    ),
    "pt": (
        "De: Suporte <s@exemplo.pt>",
        "Enviada em: segunda-feira, 5 de dezembro de 2016",
        "Para: cliente@exemplo.pt",
        "Assunto: RE: Reembolso",
    ),
    "it": (
        "Da: Assistenza <s@esempio.it>",
        "Inviato: lunedì 5 dicembre 2016 17:00",
        "A: cliente@esempio.it",
        "Oggetto: R: Rimborso",
    ),
    "nl": (
        "Van: Support [mailto:s@voorbeeld.nl]",
        "Verzonden: maandag 5 december 2016 17:00",
        "Aan: klant@voorbeeld.nl",
        "Onderwerp: RE: Terugbetaling",
    ),
    "da": (
        "Fra: Support <s@eksempel.dk>",
        "Dato: 04.07.2024 17.45 (GMT+01:00)",
        "Til: kunde@eksempel.dk",
        "Emne: Refusion",
    ),
}


@pytest.mark.parametrize("header", HEADER_BLOCKS.values(), ids=list(HEADER_BLOCKS))
def test_localised_outlook_header_blocks(header: tuple[str, ...]) -> None:
    body = _text(REPLY, "", *header, "", "Die alte Nachricht.")
    assert extract_reply(body) == REPLY


SEPARATORS = [
    "-----Ursprüngliche Nachricht-----",
    "-------- Message d'origine --------",
    "-------- Mensaje original --------",
    "-------- Mensagem original --------",
    "-------- Messaggio originale --------",
    "-------- Oorspronkelijk bericht --------",
    "-------- Weitergeleitete Nachricht --------",
    "---------- Message transféré ---------",
    "-----original message-----",
]


@pytest.mark.parametrize("separator", SEPARATORS)
def test_localised_original_message_separators(separator: str) -> None:
    body = _text(REPLY, "", separator, "Die alte Nachricht.")
    assert extract_reply(body) == REPLY


MOBILE_SIGNATURES = [
    "Sent from my iPhone",
    "Sent from my Verizon Wireless BlackBerry",
    "Sent from my Galaxy",
    "Sent from Mail for Windows",
    "Sent from Yahoo Mail on Android",
    "Sent with Sparrow (http://www.sparrowmailapp.com/?sig)",
    "Get Outlook for Android",
    "Von meinem iPhone gesendet",
    "Gesendet von meinem iPad",
    "Gesendet von Outlook für Android<https://aka.ms/AAb9ysg>",
    "Envoyé de mon iPhone",
    "Envoyé à partir de Outlook pour iOS<https://aka.ms/o0ukef>",
    "Enviado desde mi iPhone",
    "Enviado do meu iPhone",
    "Inviato da iPhone",
    "Inviato dal mio Samsung Galaxy",
    "Verzonden vanaf mijn iPhone",
    "Sendt fra min iPhone",
]


@pytest.mark.parametrize("signature", MOBILE_SIGNATURES)
def test_mobile_signatures_end_the_new_text(signature: str) -> None:
    body = _text(REPLY, "", signature, "", "Old message that was not quoted.")
    assert extract_reply(body) == REPLY


# -- plain text: what must stay --------------------------------------------------


def test_empty_body() -> None:
    assert extract_reply("") == ""
    assert extract_reply("\n \n\t\n") == ""


def test_body_that_is_only_a_quote() -> None:
    body = _text("On Mon, Apr 2, 2012 at 6:26 PM, Support <s@example.com> wrote:", "> Hi", ">")
    assert extract_reply(body) == ""


def test_reply_written_below_the_quote_is_kept() -> None:
    body = _text(
        "On 04/02/2012 06:26 PM, Support wrote:",
        "> Did the refund arrive?",
        "Yes, yesterday.",
        "",
        "Jane",
    )
    assert extract_reply(body) == "Yes, yesterday.\n\nJane"


def test_inline_answers_between_quotes_are_kept() -> None:
    body = _text(
        "Hi,",
        "On Tue, 2011-03-01 at 18:02 +0530, Support wrote:",
        "> Which plan are you on?",
        "",
        "The yearly one.",
        "",
        "> And since when?",
        "",
        "Since March.",
        "",
        "> Thanks",
    )
    assert extract_reply(body) == "Hi,\n\nThe yearly one.\n\nSince March."


def test_quoted_line_wrapped_without_marker_stays_in_the_quote() -> None:
    body = _text(
        REPLY,
        "",
        "On Mon, Apr 2, 2012 at 6:26 PM, Support <s@example.com> wrote:",
        "> Lorem ipsum dolor sit amet, consectetur adipiscing elit. Nullam pharetra d",
        "ignissim odio?",
        ">",
        "> Vestibulum nec dui luctus.",
    )
    assert extract_reply(body) == REPLY


def test_wrote_in_a_sentence_is_kept() -> None:
    body = _text(
        "I wrote to you yesterday about the invoice.",
        "As my colleague wrote: the second charge is a duplicate.",
        "On Monday my bank wrote back to me.",
    )
    assert extract_reply(body) == body


def test_lines_starting_with_on_are_kept() -> None:
    body = _text(
        "On the surface, this looks fine.",
        "",
        "On 12 May we paid the invoice: see the attachment.",
        "On average, it takes two days.",
    )
    assert extract_reply(body) == body


def test_dashes_inside_text_are_not_a_signature() -> None:
    body = _text(
        "Here is a fix -- this is not a signature.",
        "-- first point to check",
        "---",
        "Done.",
    )
    assert extract_reply(body) == body


def test_sentence_starting_with_sent_from_is_kept() -> None:
    body = _text("Here it is.", "", "Sent from my desk, is much easier than my phone.")
    assert extract_reply(body) == body


def test_header_like_lines_in_content_are_kept() -> None:
    body = _text(
        "Please book this trip:",
        "From: Berlin",
        "To: Paris",
        "Date: 12 May",
        "",
        "Thanks!",
    )
    assert extract_reply(body) == body


def test_whitespace_inside_kept_lines_is_preserved() -> None:
    body = "\n\n  Hello,\n\n    indented   code\n\n\nBye\n\n> quoted\n"
    assert extract_reply(body) == "  Hello,\n\n    indented   code\n\n\nBye"


def test_windows_line_endings() -> None:
    body = (
        "Thanks!\r\n\r\nOn Tue, Sep 25, 2012 at 8:59 AM, Support <s@example.com> wrote:\r\n> Hi\r\n"
    )
    assert extract_reply(body) == "Thanks!"


def test_dash_name_sign_off_is_dropped() -> None:
    body = _text(
        "Oh thanks.", "", "-Jane Customer", "", "On 01/03/11 7:07 PM, Support wrote:", "> Hi"
    )
    assert extract_reply(body) == "Oh thanks."


# -- HTML ------------------------------------------------------------------------------

HTML_STYLES = {
    "gmail": (
        '<div dir="ltr">Thanks, the refund arrived.<div><br></div>'
        "<div>Can you close the ticket?</div></div><br>"
        '<div class="gmail_quote"><div dir="ltr" class="gmail_attr">On Mon, Apr 2, 2012 at'
        ' 6:26 PM Support &lt;<a href="mailto:s@example.com">s@example.com</a>&gt; wrote:<br>'
        '</div><blockquote class="gmail_quote">Your refund is on its way.</blockquote></div>'
    ),
    "apple_mail": (
        "<div>Thanks, the refund arrived.</div><div><br></div>"
        "<div>Can you close the ticket?</div><div><br>"
        "<div>On 3 Apr 2012, at 16:19, Support &lt;s@example.com&gt; wrote:</div><br>"
        '<blockquote type="cite"><div>Your refund is on its way.</div></blockquote></div>'
    ),
    "outlook_web": (
        "<div>Thanks, the refund arrived.</div><div><br></div>"
        "<div>Can you close the ticket?</div>"
        '<div id="appendonsend"></div><hr style="display:inline-block;width:98%">'
        '<div id="divRplyFwdMsg" dir="ltr"><b>From:</b> Support<br><b>Sent:</b> Monday'
        "</div><div>Your refund is on its way.</div>"
    ),
    "outlook_desktop": (
        "<html><head><style>p.MsoNormal {margin:0cm}</style></head><body>"
        '<div class="WordSection1"><p class="MsoNormal">Thanks, the refund arrived.<o:p></o:p></p>'
        '<p class="MsoNormal"><o:p>&nbsp;</o:p></p>'
        '<p class="MsoNormal">Can you close the ticket?<o:p></o:p></p>'
        '<p class="MsoNormal"><o:p>&nbsp;</o:p></p>'
        '<div style="border:none;border-top:solid #E1E1E1 1.0pt;padding:3.0pt 0cm 0cm 0cm">'
        '<p class="MsoNormal"><b>Von:</b> Support &lt;s@beispiel.de&gt;<br>'
        "<b>Gesendet:</b> Montag, 5. Dezember 2016 17:00<br><b>An:</b> Kunde</p></div>"
        '<p class="MsoNormal">Ihre Erstattung ist unterwegs.</p></div></body></html>'
    ),
    "thunderbird": (
        "Thanks, the refund arrived.<br><br>Can you close the ticket?<br>"
        '<div class="moz-cite-prefix">On 26.06.2014 14:41, Support\n wrote:<br></div>'
        '<blockquote type="cite"><div>Your refund is on its way.</div></blockquote>'
    ),
    "yahoo": (
        "<div>Thanks, the refund arrived.</div><div><br></div>"
        "<div>Can you close the ticket?</div>"
        '<div class="yahoo_quoted"><div>On Monday, April 2, 2012 5:44 PM, Support'
        " &lt;s@example.com&gt; wrote:</div><div>Your refund is on its way.</div></div>"
    ),
    "hotmail_rule": (
        "Thanks, the refund arrived.<br><br>Can you close the ticket?<br>"
        '<hr id="stopSpelling">Date: Thu, 26 Jun 2014 13:53:45 +0400<br>Subject: Refund<br>'
        "From: s@example.com<br>To: c@example.org<br><br>Your refund is on its way."
    ),
    "paragraphs": (
        "<p>Thanks, the refund arrived.</p><p>Can you close the ticket?</p>"
        "<p>26.06.2014, 14:41, &quot;Support&quot; &lt;s@example.com&gt;:</p>"
        "<blockquote>Your refund is on its way.</blockquote>"
    ),
    "gmail_signature": (
        "<div>Thanks, the refund arrived.</div><div><br></div>"
        "<div>Can you close the ticket?</div>"
        '<div><br></div><div class="gmail_signature">Jane Customer<br>ACME Ltd.</div>'
    ),
}


@pytest.mark.parametrize("html", HTML_STYLES.values(), ids=list(HTML_STYLES))
def test_html_client_styles_keep_only_the_new_text(html: str) -> None:
    assert extract_reply_html(html) == REPLY


def test_html_reply_below_gmail_quote_is_kept() -> None:
    html = (
        '<div class="gmail_quote">On Mon, Apr 2, 2012 at 6:26 PM Support wrote:<br>'
        '<blockquote class="gmail_quote">Did the refund arrive?</blockquote></div>'
        "<div>Yes, yesterday.</div>"
    )
    assert extract_reply_html(html) == "Yes, yesterday."


def test_html_indentation_blockquote_is_not_a_quote() -> None:
    html = (
        "<div>Steps:</div>"
        '<blockquote style="margin:0 0 0 40px;border:none;padding:0px">'
        "<div>1. Log in</div></blockquote>"
    )
    assert extract_reply_html(html) == "Steps:\n1. Log in"


def test_html_empty_and_quote_only() -> None:
    assert extract_reply_html("") == ""
    assert extract_reply_html('<blockquote type="cite">Hi</blockquote>') == ""


def test_html_to_text_layout() -> None:
    html = (
        "<html><head><title>T</title><style>p {color: red}</style></head><body>"
        "<script>alert(1)</script>"
        "<p>First  paragraph\nwrapped.</p><p>Second<br>line &amp; more&nbsp;text</p>"
        "<ul><li>one</li><li>two</li></ul><ol><li>a</li><li>b</li></ol>"
        "<pre>  keep\n    this</pre>"
        "<blockquote>quoted<br>text</blockquote>"
        "<table><tr><td>cell 1</td><td>cell 2</td></tr></table>"
        "</body></html>"
    )
    assert html_to_text(html) == _text(
        "First paragraph wrapped.",
        "",
        "Second",
        "line & more text",
        "",
        "- one",
        "- two",
        "",
        "1. a",
        "2. b",
        "",
        "  keep",
        "    this",
        "",
        "> quoted",
        "> text",
        "cell 1 cell 2",
    )


def test_html_to_text_word_paragraphs_are_single_lines() -> None:
    html = (
        '<p class="MsoNormal">Hi.</p><p class="MsoNormal"><o:p>&nbsp;</o:p></p>'
        '<p class="MsoNormal">Thanks,</p><p class="MsoNormal">Alex</p>'
    )
    assert html_to_text(html) == "Hi.\n\nThanks,\nAlex"


def test_html_to_text_keeps_broken_markup_as_text() -> None:
    assert html_to_text("a < b and c <d") == "a < b and c <d"
    assert html_to_text("<div>x</span></div><p>y") == "x\n\ny"


# -- speed ---------------------------------------------------------------------------------

PATHOLOGICAL = {
    "one_long_line": "a" * 100_000,
    "quote_markers": ">" * 100_000,
    "on_on_on": "On " * 33_000,
    "attribution_starts": "On 1 May 2020, Support\n" * 4_500,
    "header_lines": "From: a@example.com\n" * 5_000,
    "dashes": "-" * 100_000,
    "at_signs": "a@" * 50_000,
    "spaces": " " * 100_000 + "x",
    "wrapped_quotes": ("> " + "y" * 70 + "\nz\n") * 1_300,
    "alternating_quotes": "> q\na\n" * 20_000,
    "quoted_blank_runs": "> a\n\n" * 30_000,
}


# Linear work on these inputs takes well under a second; catastrophic backtracking takes
# minutes. The bound is loose so a loaded CI machine cannot make the test flaky.
BACKTRACKING_BOUND = 15.0


@pytest.mark.parametrize("body", PATHOLOGICAL.values(), ids=list(PATHOLOGICAL))
def test_pathological_plain_text_is_fast(body: str) -> None:
    started = time.perf_counter()
    extract_reply(body)
    assert time.perf_counter() - started < BACKTRACKING_BOUND


PATHOLOGICAL_HTML = {
    "unclosed_angles": "<" * 100_000,
    "unclosed_tags": "<div " * 20_000,
    "unclosed_comments": "<!--" * 25_000,
    "nested_divs": "<div>" * 20_000 + "x",
    "nested_quotes": "<blockquote>x" * 8_000,
    "line_breaks": "<br>" * 25_000,
    "inline_runs": "<b>a</b>" * 12_000,
    "stray_end_tags": "<div>" * 10_000 + "</span>" * 10_000,
    "alternating_quotes": "<blockquote>q</blockquote><div>a</div>" * 2_500,
}


@pytest.mark.parametrize("html", PATHOLOGICAL_HTML.values(), ids=list(PATHOLOGICAL_HTML))
def test_pathological_html_is_fast(html: str) -> None:
    started = time.perf_counter()
    extract_reply_html(html)
    html_to_text(html)
    assert time.perf_counter() - started < BACKTRACKING_BOUND
