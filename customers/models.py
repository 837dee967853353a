"""Customer, Identity and Organization."""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from helpdesk.models import TenantOwned


class Organization(TenantOwned):
    """A company the customers belong to; its tier chooses their SLA."""

    name = models.CharField(max_length=200)
    tier = models.CharField(max_length=32, blank=True, help_text="e.g. tier1, tier2")
    plan = models.CharField(max_length=100, blank=True)
    contract = models.TextField(blank=True)
    contract_ends_on = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant", "name"], name="organization_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name


class OrganizationDomain(TenantOwned):
    """An email domain whose customers join the organization."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="domains")
    domain = models.CharField(max_length=253)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant", "domain"], name="orgdomain_unique_domain"),
        ]


class Customer(TenantOwned):
    """One person, however many channels they use."""

    name = models.CharField(max_length=200, blank=True)
    organization = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.SET_NULL, related_name="customers"
    )
    tier = models.CharField(max_length=32, blank=True, help_text="Overrides the organization's.")
    language = models.CharField(max_length=16, blank=True)
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="merged_from"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    erased_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["tenant", "organization"], name="customer_tenant_org"),
            models.Index(fields=["tenant", "merged_into"], name="customer_tenant_merged"),
        ]

    def __str__(self) -> str:
        return self.name or f"Customer {self.pk}"

    @property
    def effective_tier(self) -> str:
        if self.tier:
            return self.tier
        return self.organization.tier if self.organization_id and self.organization else ""


class IdentityKind(models.TextChoices):
    EMAIL = "email", "Email"
    PHONE = "phone", "Phone"
    WHATSAPP = "whatsapp", "WhatsApp"
    MESSENGER = "messenger", "Messenger"
    INSTAGRAM = "instagram", "Instagram"
    TELEGRAM = "telegram", "Telegram"
    CHAT_USER = "chat_user", "Chat user"
    CHAT_VISITOR = "chat_visitor", "Chat visitor"


class Identity(TenantOwned):
    """A normalized address of a customer on one kind of channel; unique within the tenant."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="identities")
    kind = models.CharField(max_length=16, choices=IdentityKind.choices)
    value = models.CharField(max_length=320)
    verified = models.BooleanField(default=False)
    source_channel_id = models.BigIntegerField(null=True, blank=True)
    first_seen_at = models.DateTimeField(default=timezone.now)
    last_seen_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "kind", "value"], name="identity_unique_value"
            ),
        ]
        indexes = [models.Index(fields=["tenant", "customer"], name="identity_tenant_customer")]

    def __str__(self) -> str:
        return f"{self.kind}:{self.value}"
