import io

import pytest
from django.core.management import CommandError, call_command
from rest_framework.test import APIClient

from helpdesk.models import Membership, Role, Tenant, User
from helpdesk.tenancy import tenant_scope
from inbox.models import Ticket, TicketStatus


@pytest.mark.django_db
def test_create_tenant_and_token_then_call_the_api() -> None:
    out = io.StringIO()
    call_command(
        "create_tenant",
        "acme",
        name="Acme",
        admin_email="Boss@Acme.test",
        admin_password="s3cret-pass",
        stdout=out,
    )
    tenant = Tenant.objects.get(slug="acme")
    assert tenant.name == "Acme"
    member = Membership.objects.unscoped().get(tenant=tenant)
    assert (member.user.email, member.role) == ("boss@acme.test", Role.ADMIN)
    assert User.objects.get(email="boss@acme.test").check_password("s3cret-pass")

    out = io.StringIO()
    call_command("create_api_token", "acme", "boss@acme.test", stdout=out)
    token = out.getvalue().strip().splitlines()[-1]
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert client.get("/api/v1/tickets/").json() == {"results": [], "next": None}


@pytest.mark.django_db
def test_create_tenant_refuses_a_taken_or_invalid_slug() -> None:
    call_command(
        "create_tenant", "acme", name="Acme", admin_email="a@a.test", admin_password="pw-123456"
    )
    with pytest.raises(CommandError, match="already exists"):
        call_command(
            "create_tenant",
            "acme",
            name="Other",
            admin_email="b@b.test",
            admin_password="pw-123456",
        )
    with pytest.raises(CommandError, match="slug"):
        call_command(
            "create_tenant",
            "Not A Slug",
            name="X",
            admin_email="c@c.test",
            admin_password="pw-123456",
        )
    assert list(Tenant.objects.values_list("name", flat=True)) == ["Acme"]
    assert not User.objects.filter(email__in=["b@b.test", "c@c.test"]).exists()


@pytest.mark.django_db
def test_create_api_token_refuses_strangers() -> None:
    call_command(
        "create_tenant", "acme", name="Acme", admin_email="a@a.test", admin_password="pw-123456"
    )
    with pytest.raises(CommandError, match="is not a member"):
        call_command("create_api_token", "acme", "nobody@a.test")
    with pytest.raises(CommandError, match="is not a member"):
        call_command("create_api_token", "nope", "a@a.test")


@pytest.mark.django_db
def test_seed_demo_builds_a_living_tenant_and_can_run_again() -> None:
    call_command("seed_demo", stdout=io.StringIO())
    call_command("seed_demo", stdout=io.StringIO())
    tenant = Tenant.objects.get(slug="demo")
    assert User.objects.get(email="admin@demo.test").check_password("demo")
    with tenant_scope(tenant):
        statuses = set(Ticket.objects.values_list("status", flat=True))
        assert statuses == set(TicketStatus.values)
        kinds = {
            k for kinds in Ticket.objects.values_list("channel_kinds", flat=True) for k in kinds
        }
        assert {
            "email",
            "whatsapp",
            "chat",
            "sms",
            "voice",
            "telegram",
            "messenger",
            "instagram",
        } <= kinds
        cross = [t for t in Ticket.objects.all() if len(t.channel_kinds) > 1]
        assert len(cross) >= 3
        assert Membership.objects.filter(role=Role.AGENT).count() >= 4
