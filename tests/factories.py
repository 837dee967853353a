"""Factories for the core rows. Tenant-owned rows take their tenant explicitly."""

from __future__ import annotations

from typing import Any

import factory

from channels_ingest.models import Channel
from customers.models import Customer, Identity, Organization
from helpdesk.counters import counter_next
from helpdesk.models import ApiToken, Membership, Role, Tenant, User
from helpdesk.services import api_token_create
from inbox.models import Message, Ticket
from routing.models import Team


class TenantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Tenant

    slug = factory.Sequence(lambda n: f"tenant-{n}")
    name = factory.Sequence(lambda n: f"Tenant {n}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User

    email = factory.Sequence(lambda n: f"user{n}@example.test")
    name = factory.Sequence(lambda n: f"User {n}")
    password = factory.django.Password("pw-for-tests-1")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    tenant = factory.SubFactory(TenantFactory)
    user = factory.SubFactory(UserFactory)
    role = Role.AGENT

    @classmethod
    def _create(cls, model_class: type[Membership], *args: Any, **kwargs: Any) -> Membership:
        return model_class.objects.unscoped().create(*args, **kwargs)


def token_for(membership: Membership) -> str:
    return api_token_create(membership=membership)


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f"Org {n}")
    tier = "tier2"


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer

    name = factory.Sequence(lambda n: f"Customer {n}")


class IdentityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Identity

    kind = "email"
    value = factory.Sequence(lambda n: f"person{n}@customer.test")
    verified = True


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team

    name = factory.Sequence(lambda n: f"Team {n}")


class TicketFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Ticket

    subject = factory.Sequence(lambda n: f"Problem {n}")
    customer = factory.LazyAttribute(lambda o: CustomerFactory(tenant=o.tenant))
    number = factory.LazyAttribute(lambda o: counter_next(tenant=o.tenant, name="ticket"))


class MessageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Message

    ticket = factory.LazyAttribute(lambda o: TicketFactory(tenant=o.tenant))
    direction = "inbound"
    channel_kind = "email"
    body_text = factory.Sequence(lambda n: f"Message body {n}")


__all__ = ["ApiToken"]


class ChannelFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Channel

    kind = "api"
    provider = "api"
    name = factory.Sequence(lambda n: f"Channel {n}")
    config = factory.LazyFunction(lambda: {"secret": "s" * 32})
