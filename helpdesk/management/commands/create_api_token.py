from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from helpdesk.models import Membership
from helpdesk.services import api_token_create


class Command(BaseCommand):
    help = "Print a new API token for a member of a tenant (the last line of output)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug")
        parser.add_argument("email")
        parser.add_argument("--label", default="")

    def handle(self, *args: Any, **options: Any) -> None:
        membership = (
            Membership.objects.unscoped()  # a command names its tenant by slug
            .filter(tenant__slug=options["slug"], user__email=options["email"].strip().lower())
            .first()
        )
        if membership is None:
            raise CommandError(f"{options['email']} is not a member of '{options['slug']}'.")
        if not membership.is_active:
            raise CommandError(f"{options['email']} is deactivated in '{options['slug']}'.")
        self.stdout.write(api_token_create(membership=membership, label=options["label"]))
