"""Demo help center: two categories, articles in English and Spanish, a few searches."""

from __future__ import annotations

from typing import Any

from helpdesk.demo import demo_step
from helpdesk.models import Tenant
from knowledge.services import article_create, category_create, settings_update

CATEGORIES = [
    ("Account & billing", "account-billing", "Sign-in, passwords, invoices and plans."),
    ("Orders & delivery", "orders-delivery", "Tracking, returns and delivery times."),
]

# category slug, English (title, body), Spanish (title, body) or None
ARTICLES: list[tuple[str, tuple[str, str], tuple[str, str] | None]] = [
    (
        "account-billing",
        (
            "How do I reset my password?",
            "If you forgot your password:\n\n1. Open the **sign-in** page and choose "
            "*Forgot password*.\n2. Enter the email address of your account.\n3. Follow the "
            "link we email you within a few minutes; it is valid for one hour.\n\nNo email? "
            "Check your spam folder, or contact us and we will verify your identity.",
        ),
        (
            "¿Cómo restablezco mi contraseña?",
            "Si olvidaste tu contraseña:\n\n1. Abre la página de **inicio de sesión** y elige "
            "*Olvidé mi contraseña*.\n2. Escribe el correo de tu cuenta.\n3. Sigue el enlace "
            "que te enviamos; es válido durante una hora.",
        ),
    ),
    (
        "account-billing",
        (
            "Where can I download my invoices?",
            "Invoices are under **Settings → Billing → Invoices**. Each invoice can be "
            "downloaded as a PDF. Admins receive a copy by email when a payment succeeds.",
        ),
        (
            "¿Dónde descargo mis facturas?",
            "Las facturas están en **Ajustes → Facturación → Facturas** y se descargan en PDF.",
        ),
    ),
    (
        "account-billing",
        (
            "Changing or cancelling your plan",
            "You can upgrade at any time; the difference is prorated. Downgrades and "
            "cancellations take effect at the end of the billing period. Go to "
            "**Settings → Billing → Plan**.",
        ),
        None,
    ),
    (
        "orders-delivery",
        (
            "Where is my order?",
            "Every shipped order has a tracking link in the confirmation email and under "
            "**Orders** in your account. Tracking can take 24 hours to show the first scan.\n\n"
            "| Region | Usual delivery |\n|---|---|\n| EU | 2-4 working days |\n"
            "| US | 3-6 working days |",
        ),
        (
            "¿Dónde está mi pedido?",
            "Cada pedido enviado tiene un enlace de seguimiento en el correo de confirmación "
            "y en **Pedidos** dentro de tu cuenta.",
        ),
    ),
    (
        "orders-delivery",
        (
            "How do I return an item?",
            "You have 30 days to return an item in its original condition. Start the return "
            "from **Orders → Return an item**, print the label and drop the parcel at any "
            "partner point. Refunds reach your card 5-10 days after we receive it.",
        ),
        None,
    ),
]


@demo_step(order=40)
def seed_knowledge(tenant: Tenant, state: dict[str, Any]) -> None:
    chat = state.get("channels", {}).get("chat")  # the demo's website chat, when seeded
    settings_update(
        tenant=tenant,
        title=f"{tenant.name} Help Center",
        brand_color="#1f7a5c",
        widget_channel_id=chat.pk if chat is not None else None,
    )
    categories = {
        slug: category_create(
            tenant=tenant, name=name, slug=slug, description=description, position=position
        )
        for position, (name, slug, description) in enumerate(CATEGORIES)
    }
    articles = []
    for slug, (title, body), spanish in ARTICLES:
        english = article_create(
            tenant=tenant, title=title, body=body, category=categories[slug],
            status="published", locale="en",
        )  # fmt: skip
        articles.append(english)
        if spanish is not None:
            article_create(
                tenant=tenant, title=spanish[0], body=spanish[1], status="published",
                locale="es", translation_of=english,
            )  # fmt: skip
    article_create(
        tenant=tenant,
        title="Two-factor authentication (draft)",
        body="Coming soon: how to turn on two-factor authentication.",
        category=categories["account-billing"],
        status="draft",
        locale="en",
    )
    state["kb_articles"] = articles
