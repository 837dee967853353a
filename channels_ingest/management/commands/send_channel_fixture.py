from typing import Any

import requests
from django.core.management.base import BaseCommand, CommandError, CommandParser

from channels_ingest.replay import (
    ReplayError,
    replay_channel,
    replay_fixture_path,
    replay_request,
)
from helpdesk.tenancy import tenant_scope


class Command(BaseCommand):
    help = (
        "Post an adapter fixture to a running server, signed as the provider signs it. "
        "FIXTURE is a path or a file name in the channel's adapter fixtures folder."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("fixture")
        target = parser.add_mutually_exclusive_group(required=True)
        target.add_argument("--channel", type=int, help="channel id")
        target.add_argument("--webhook-url", default="", help="one of the channel's webhook URLs")
        parser.add_argument(
            "--url",
            default="http://127.0.0.1:8000",
            help="the server to post to (default http://127.0.0.1:8000); the signature covers "
            "the channel's public webhook URL (PUBLIC_BASE_URL)",
        )
        parser.add_argument("--purpose", default="", help="webhook purpose (default: from name)")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            channel = replay_channel(
                channel_id=options["channel"], webhook_url=options["webhook_url"]
            )
            with tenant_scope(channel.tenant):
                fixture = replay_fixture_path(channel=channel, fixture=options["fixture"])
                request = replay_request(
                    channel=channel, fixture=fixture, purpose=options["purpose"]
                )
        except ReplayError as exc:
            raise CommandError(str(exc)) from exc
        target = options["url"].rstrip("/") + request.path
        try:
            response = requests.post(target, data=request.body, headers=request.headers, timeout=30)
        except requests.RequestException as exc:
            raise CommandError(f"Could not reach {target}: {exc}") from exc
        self.stdout.write(f"POST {target} ({request.purpose}, {fixture.name})")
        self.stdout.write(f"{response.status_code} {response.text[:2000]}")
        if response.status_code >= 300:
            raise CommandError(f"The server answered {response.status_code}.")
