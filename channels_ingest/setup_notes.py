"""What an admin does at the provider's end to connect a channel, by provider."""

from __future__ import annotations

SETUP_NOTES: dict[str, str] = {
    "api": (
        "POST each message as JSON to the inbound URL, signed with X-Helpdesk-Signature "
        "(sha256 HMAC of the raw body with this channel's secret). Replies are POSTed to "
        "{api_base_url}/messages, signed the same way."
    ),
    "twilio": (
        "In the Twilio console, set the number's messaging (or voice) webhook to the inbound "
        "URL with HTTP POST, and the status callback to the status URL. Signatures are checked "
        "against these exact URLs, so PUBLIC_BASE_URL must match what Twilio calls."
    ),
    "meta": (
        "In the Meta app dashboard, add the verify URL as the webhook callback with this "
        "channel's verify token, subscribe to messages, and keep the app secret in the config."
    ),
    "telegram": (
        "Call setWebhook with the inbound URL and this channel's secret token; Telegram sends it "
        "back in X-Telegram-Bot-Api-Secret-Token."
    ),
    "widget": (
        "Paste the embed tag below into the pages of an allowed origin; conversations arrive "
        "here. For signed-in users add data-user-id and data-user-hash (HMAC-SHA256 of the "
        "user id with this channel's identity_secret, computed on your server). The generic "
        "webhook URL is not used by the widget."
    ),
    "imap": "The mailbox is polled; no webhook to configure.",
}

EMAIL_NOTE = (
    "In your email provider's inbound routing, forward mail for the support address to the "
    "inbound URL, and point delivery/status webhooks at the status URL, signed with the "
    "webhook key from the config."
)


def channel_setup_note(provider: str, kind: str) -> str:
    if provider in SETUP_NOTES:
        return SETUP_NOTES[provider]
    return EMAIL_NOTE if kind == "email" else "Point the provider's webhooks at the URLs below."
