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
        print(
            json.dumps(
                {
                    "channel": channel.pk,
                    "secret": secret,
                    "inbound_url": channel_webhook_urls(channel)["inbound"],
                    "members": people,
                    "token": token,
                }
            )
        )


if __name__ == "__main__":
    main(sys.argv[1])
