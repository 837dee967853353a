"""Demo channels and cross-channel conversations in every status."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.utils import timezone

from channels_ingest.adapters.widget.adapter import origin_normalize
from channels_ingest.models import Channel
from helpdesk.demo import demo_step
from helpdesk.models import Tenant
from inbox.models import DeliveryStatus, Direction, Priority, TicketStatus
from inbox.services import message_record, ticket_open, ticket_update

CHANNELS: list[tuple[str, str, str, dict[str, Any]]] = [
    ("email", "mailgun", "Support email", {"address": "support@demo.test"}),
    ("sms", "twilio", "SMS line", {"phone_number": "+14155550000"}),
    ("whatsapp", "twilio", "WhatsApp", {"phone_number": "whatsapp:+14155550001"}),
    ("voice", "twilio", "Phone line", {"phone_number": "+14155550002"}),
    ("messenger", "meta", "Facebook page", {"page_id": "1029384756"}),
    ("instagram", "meta", "Instagram", {"instagram_id": "17841400000000000"}),
    ("telegram", "telegram", "Telegram bot", {}),
    (
        "chat",
        "widget",
        "Website chat",
        {
            "allowed_origins": ["http://127.0.0.1:8000", "http://localhost:8000"],
            "greeting": "Hi! Ask us anything about your account, billing or the product.",
            "pre_chat_fields": ["name", "email"],
        },
    ),
]

In, Out, Note = Direction.INBOUND, Direction.OUTBOUND, Direction.NOTE

# customer, subject, status, priority, team, assignee, [(hours ago, direction, kind, text, by)]
CONVERSATIONS: list[
    tuple[str, str, str, int, str | None, str | None, list[tuple[float, str, str, str, str | None]]]
] = [
    (
        "Priya Raman",
        "Invoice charged twice for October",
        TicketStatus.OPEN,
        Priority.URGENT,
        "Billing",
        "ben@demo.test",
        [
            (
                30,
                In,
                "email",
                "Hi, our October invoice INV-2291 was charged twice on the company card. Can you refund one of them?",
                None,
            ),
            (
                28,
                Out,
                "email",
                "Hi Priya, thanks for flagging this. I can see both charges and have asked our payments team to reverse one.",
                "ben@demo.test",
            ),
            (
                2,
                In,
                "whatsapp",
                "Hi again, any news on the refund? Our finance team is asking.",
                None,
            ),
        ],
    ),
    (
        "Marcus Webb",
        "SSO login fails after IdP certificate rotation",
        TicketStatus.NEW,
        Priority.HIGH,
        "Technical",
        None,
        [
            (
                1.5,
                In,
                "email",
                "Since we rotated our Okta signing certificate this morning nobody can sign in. Error: SAML response signature invalid.",
                None,
            ),
        ],
    ),
    (
        "Lucía Fernández",
        "No puedo descargar mis facturas",
        TicketStatus.PENDING,
        Priority.NORMAL,
        "Spanish desk",
        "sofia@demo.test",
        [
            (
                50,
                In,
                "whatsapp",
                "Hola, no puedo descargar las facturas desde el panel. Sale un error 500.",
                None,
            ),
            (
                49,
                Out,
                "whatsapp",
                "Hola Lucía, ¿podrías decirme qué navegador usas? Lo revisamos enseguida.",
                "sofia@demo.test",
            ),
        ],
    ),
    (
        "Tom Becker",
        "Export to CSV cuts off umlauts",
        TicketStatus.OPEN,
        Priority.NORMAL,
        "Technical",
        "tara@demo.test",
        [
            (
                20,
                In,
                "telegram",
                "CSV export shows 'MÃ¼ller' instead of 'Müller'. Is there a UTF-8 option?",
                None,
            ),
            (
                19,
                Note,
                "",
                "Known issue with Excel and BOM-less UTF-8. Engineering ticket ENG-482.",
                "tara@demo.test",
            ),
            (
                18,
                Out,
                "telegram",
                "Thanks Tom! Excel needs a byte-order mark; we are adding it. Meanwhile import via Data > From Text.",
                "tara@demo.test",
            ),
            (
                3,
                In,
                "email",
                "Following up by email with a sample file, the import workaround works but is clumsy.",
                None,
            ),
        ],
    ),
    (
        "Aisha Bello",
        "How do I add a second admin?",
        TicketStatus.SOLVED,
        Priority.LOW,
        None,
        "chen@demo.test",
        [
            (72, In, "chat", "Hi! How can I give my colleague admin rights?", None),
            (
                71.9,
                Out,
                "chat",
                "Hi Aisha, go to Settings > Members, click the colleague and choose the Admin role.",
                "chen@demo.test",
            ),
            (71.8, In, "chat", "Perfect, done. Thanks!", None),
        ],
    ),
    (
        "Kenji Watanabe",
        "Order #4471 arrived damaged",
        TicketStatus.OPEN,
        Priority.HIGH,
        None,
        None,
        [
            (
                5,
                In,
                "messenger",
                "My order #4471 arrived with a cracked screen. Photos attached. What now?",
                None,
            ),
        ],
    ),
    (
        "Chloé Martin",
        "Changement d'adresse de livraison",
        TicketStatus.NEW,
        Priority.NORMAL,
        None,
        None,
        [
            (
                0.5,
                In,
                "instagram",
                "Bonjour, je voudrais changer l'adresse de livraison de ma commande.",
                None,
            ),
        ],
    ),
    (
        "Rafael Souza",
        "Pagamento via Pix não confirmado",
        TicketStatus.ON_HOLD,
        Priority.NORMAL,
        "Billing",
        "ben@demo.test",
        [
            (
                26,
                In,
                "whatsapp",
                "Olá, paguei via Pix ontem e o pedido ainda aparece como pendente.",
                None,
            ),
            (
                25,
                Out,
                "whatsapp",
                "Olá Rafael, estamos confirmando com o banco. Retorno em breve.",
                "ben@demo.test",
            ),
        ],
    ),
    (
        "Dana Whitfield",
        "Called about cancelling subscription",
        TicketStatus.CLOSED,
        Priority.NORMAL,
        "Billing",
        "maya@demo.test",
        [
            (
                24 * 60,
                In,
                "voice",
                "Voicemail: I'd like to cancel my subscription at the end of the month, please call me back.",
                None,
            ),
            (
                24 * 60 - 2,
                Out,
                "sms",
                "Hi Dana, this is Maya from Demo Co. Your subscription will end on the 30th; no further charges.",
                "maya@demo.test",
            ),
        ],
    ),
    (
        "Olu Adeyemi",
        "API rate limit increase for launch",
        TicketStatus.OPEN,
        Priority.HIGH,
        "Technical",
        "tara@demo.test",
        [
            (
                8 * 24,
                In,
                "email",
                "We launch next week and expect 5x traffic. Can our API limit go from 100 to 500 req/s?",
                None,
            ),
            (
                8 * 24 - 3,
                Out,
                "email",
                "Hi Olu, happy to help. Could you share your expected peak and the endpoints involved?",
                "tara@demo.test",
            ),
            (
                4,
                In,
                "chat",
                "Hey, following up from the email thread about the rate limit, launch is on Tuesday.",
                None,
            ),
        ],
    ),
    (
        "Priya Raman",
        "Add three seats to our plan",
        TicketStatus.SOLVED,
        Priority.NORMAL,
        "Billing",
        "ben@demo.test",
        [
            (
                24 * 14,
                In,
                "email",
                "Please add three more seats to our Enterprise plan from next month.",
                None,
            ),
            (
                24 * 14 - 1,
                Out,
                "email",
                "Done, Priya: three seats added, prorated on the next invoice.",
                "ben@demo.test",
            ),
        ],
    ),
    (
        "Lucía Fernández",
        "Cambio de plan a anual",
        TicketStatus.NEW,
        Priority.LOW,
        None,
        None,
        [
            (0.2, In, "email", "Buenos días, ¿qué descuento tiene el plan anual?", None),
        ],
    ),
]


def _local(config: dict[str, Any]) -> dict[str, Any]:
    """The website chat also works on this server's own pages (the help center)."""
    if "allowed_origins" not in config:
        return config
    origin = origin_normalize(settings.PUBLIC_BASE_URL)
    origins = list(dict.fromkeys([*config["allowed_origins"], *([origin] if origin else [])]))
    return {**config, "allowed_origins": origins}


@demo_step(order=30)
def seed_conversations(tenant: Tenant, state: dict[str, Any]) -> None:
    channels = {
        kind: Channel.objects.create(
            tenant=tenant, kind=kind, provider=provider, name=name, config=_local(config)
        )
        for kind, provider, name, config in CHANNELS
    }
    state["channels"] = channels
    now = timezone.now()
    members, customers, teams = state["members"], state["customers"], state["teams"]
    for name, subject, status, priority, team, assignee, messages in CONVERSATIONS:
        customer = customers[name]
        first_kind = messages[0][2]
        ticket = ticket_open(
            tenant=tenant,
            customer=customer,
            subject=subject,
            channel_kind=first_kind,
            channel_id=channels[first_kind].pk,
            priority=priority,
            at=now - timedelta(hours=messages[0][0]),
        )
        for hours, direction, kind, text, by in messages:
            message_record(
                ticket=ticket,
                direction=direction,
                body_text=text,
                channel_kind=kind,
                channel_id=channels[kind].pk if kind else None,
                customer=customer if direction == In else None,
                author=members[by] if by else None,
                status=DeliveryStatus.RECEIVED
                if direction == In
                else (DeliveryStatus.DELIVERED if direction == Out else DeliveryStatus.RECEIVED),
                at=now - timedelta(hours=hours),
            )
        ticket_update(
            ticket=ticket,
            actor=None,
            status=status,
            assignee=members[assignee] if assignee else None,
            team=teams[team] if team else None,
        )
