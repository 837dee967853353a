"""Every provider adapter, one line each."""

from __future__ import annotations

from channels_ingest.adapters.api.adapter import ApiAdapter
from channels_ingest.adapters.base import Adapter
from channels_ingest.adapters.brevo.adapter import BrevoAdapter
from channels_ingest.adapters.imap.adapter import ImapAdapter
from channels_ingest.adapters.mailersend.adapter import MailerSendAdapter
from channels_ingest.adapters.mailgun.adapter import MailgunAdapter
from channels_ingest.adapters.mailjet.adapter import MailjetAdapter
from channels_ingest.adapters.meta.adapter import MetaAdapter
from channels_ingest.adapters.postal.adapter import PostalAdapter
from channels_ingest.adapters.postmark.adapter import PostmarkAdapter
from channels_ingest.adapters.resend.adapter import ResendAdapter
from channels_ingest.adapters.sendgrid.adapter import SendGridAdapter
from channels_ingest.adapters.ses.adapter import SesAdapter
from channels_ingest.adapters.sparkpost.adapter import SparkPostAdapter
from channels_ingest.adapters.telegram.adapter import TelegramAdapter
from channels_ingest.adapters.twilio.adapter import TwilioAdapter
from channels_ingest.adapters.widget.adapter import WidgetAdapter

ADAPTERS: dict[str, Adapter] = {
    adapter.provider: adapter
    for adapter in (
        ApiAdapter(),
        MetaAdapter(),
        TelegramAdapter(),
        BrevoAdapter(),
        ImapAdapter(),
        MailerSendAdapter(),
        MailgunAdapter(),
        MailjetAdapter(),
        PostalAdapter(),
        PostmarkAdapter(),
        ResendAdapter(),
        SendGridAdapter(),
        SesAdapter(),
        SparkPostAdapter(),
        TwilioAdapter(),
        WidgetAdapter(),
    )
}


def adapter_for(provider: str) -> Adapter | None:
    return ADAPTERS.get(provider)
