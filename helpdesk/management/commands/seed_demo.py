from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction
from django.utils.module_loading import autodiscover_modules

from helpdesk.demo import demo_steps
from helpdesk.models import Role, Tenant
from helpdesk.services import member_add
from helpdesk.tenancy import tenant_scope

DEMO_PEOPLE = [
    ("admin@demo.test", "Alex Admin", Role.ADMIN),
    ("maya@demo.test", "Maya Manager", Role.MANAGER),
    ("ben@demo.test", "Ben Billing", Role.AGENT),
    ("tara@demo.test", "Tara Tech", Role.AGENT),
    ("sofia@demo.test", "Sofía Soporte", Role.AGENT),
    ("chen@demo.test", "Chen Chat", Role.AGENT),
]


class Command(BaseCommand):
    help = "(Re)create the demo tenant 'demo' (admin@demo.test / demo) with realistic data."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--slug", default="demo")
        parser.add_argument("--password", default="demo")

    def handle(self, *args: Any, **options: Any) -> None:
        autodiscover_modules("demo")
        with transaction.atomic():
            Tenant.objects.filter(slug=options["slug"]).delete()
            tenant = Tenant.objects.create(
                slug=options["slug"], name="Demo Co", time_zone="America/New_York", country="US"
            )
            with tenant_scope(tenant):
                state: dict[str, Any] = {"members": {}}
                for email, name, role in DEMO_PEOPLE:
                    state["members"][email] = member_add(
                        tenant=tenant,
                        email=email,
                        role=role,
                        password=options["password"],
                        name=name,
                    )
                for step in demo_steps():
                    step(tenant, state)
        self.stdout.write(
            f"Demo tenant '{tenant.slug}' ready: sign in at /app/{tenant.slug}/ as "
            f"admin@demo.test / {options['password']}."
        )
