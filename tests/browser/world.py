"""Sets up the world a browser test starts from, inside the live server's database.

Run as ``python -m tests.browser.world API_BASE_URL``; prints one JSON line describing it.
"""

from __future__ import annotations

import json
import os
import sys

import django


def main(api_base_url: str) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.browser.settings")
    django.setup()
    from django.core.management import call_command

    from channels_ingest.models import Channel
    from channels_ingest.selectors import channel_webhook_urls
    from helpdesk.models import Membership, Role, Tenant, User
    from helpdesk.services import api_token_create
    from helpdesk.tenancy import tenant_scope
    from inbox.models import Macro

    call_command("seed_demo", verbosity=0)  # the demo tenant, for screenshots of a lived-in inbox
    tenant = Tenant.objects.create(slug="acme", name="Acme Support")
    people = {}
    for email, name, role in (
        ("ana@acme.test", "Ana Admin", Role.ADMIN),
        ("ben@acme.test", "Ben Agent", Role.AGENT),
        ("cleo@acme.test", "Cleo Chat", Role.AGENT),
    ):
        user = User.objects.create_user(email, password="pw-browser-1", name=name)
        seat = Membership.objects.unscoped().create(tenant=tenant, user=user, role=role)
        people[email] = seat.pk
        if role == Role.ADMIN:
            token = api_token_create(membership=seat)
    with tenant_scope(tenant):
        secret = "browser-test-secret-0123456789"
        channel = Channel.objects.create(
            tenant=tenant,
            kind="api",
            provider="api",
            name="Support API",
            config={"secret": secret, "api_base_url": api_base_url},
        )
        Macro.objects.create(
            tenant=tenant,
            name="Greeting",
            body="Hi {{ customer.first_name }}, thanks for writing to us.",
        )
        # The widget tests ask for a website chat (the workspace tests count one channel).
        widget = _widget(tenant) if os.environ.get("WIDGET_HOST_ORIGIN") else None
        print(
            json.dumps(
                {
                    "channel": channel.pk,
                    "secret": secret,
                    "inbound_url": channel_webhook_urls(channel)["inbound"],
                    "members": people,
                    "token": token,
                    "widget_channel": widget.pk if widget else None,
                }
            )
        )


def _widget(tenant):  # type: ignore[no-untyped-def]
    """A website chat allowed on this server's pages and on the host page a test serves
    (``WIDGET_HOST_ORIGIN``), embedded in the help center, which has one article."""
    from django.conf import settings

    from channels_ingest.models import Channel
    from knowledge.services import article_create, settings_update

    origins = [settings.PUBLIC_BASE_URL, os.environ["WIDGET_HOST_ORIGIN"]]
    channel = Channel.objects.create(
        tenant=tenant,
        kind="chat",
        provider="widget",
        name="Website chat",
        config={
            "allowed_origins": origins,
            "greeting": "Hi! Ask us anything.",
            "brand_color": "#6b3fd4",
        },
    )
    settings_update(tenant=tenant, title="Acme Help Center", widget_channel_id=channel.pk)
    article_create(
        tenant=tenant,
        title="Resetting your password",
        body="Open **Settings**, then *Security*, and choose Reset password.",
        status="published",
    )
    return channel


if __name__ == "__main__":
    main(sys.argv[1])
