"""Customer, Identity and Organization."""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from helpdesk.models import Membership, TenantOwned


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


class IdentityOrigin(models.TextChoices):
    """How we learned an identity; ``hint`` and ``provided`` rows are claims, not sightings."""

    SENDER = "sender", "Seen sending on a channel"
    PROVIDED = "provided", "Given alongside a message (typed email, caller id)"
    HINT = "hint", "Found in a message's text"
    AGENT = "agent", "Added by an agent or an import"


WEAK_ORIGINS = (IdentityOrigin.PROVIDED, IdentityOrigin.HINT)


class Identity(TenantOwned):
    """A normalized address of a customer on one kind of channel; unique within the tenant.

    Phone and WhatsApp values are both E.164; resolution looks a number up under both kinds.
    ``match_key`` holds the provider alias key of an email (suggestions only).
    """

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="identities")
    kind = models.CharField(max_length=16, choices=IdentityKind.choices)
    value = models.CharField(max_length=320)
    verified = models.BooleanField(default=False)
    origin = models.CharField(
        max_length=8, choices=IdentityOrigin.choices, default=IdentityOrigin.AGENT
    )
    match_key = models.CharField(max_length=320, blank=True)
    source_channel_id = models.BigIntegerField(null=True, blank=True)
    first_seen_at = models.DateTimeField(default=timezone.now)
    last_seen_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "kind", "value"], name="identity_unique_value"
            ),
        ]
        indexes = [
            models.Index(fields=["tenant", "customer"], name="identity_tenant_customer"),
            models.Index(
                fields=["tenant", "match_key"],
                name="identity_match_key",
                condition=~Q(match_key=""),
            ),
        ]

    @property
    def is_weak(self) -> bool:
        """An unverified claim nobody has been seen using yet."""
        return not self.verified and self.origin in WEAK_ORIGINS

    def __str__(self) -> str:
        return f"{self.kind}:{self.value}"


class SuggestionStatus(models.TextChoices):
    OPEN = "open", "Open"
    ACCEPTED = "accepted", "Merged"
    DISMISSED = "dismissed", "Dismissed"


class MergeSuggestion(TenantOwned):
    """Two customers who may be one person; ``customer`` is the lower id of the pair.

    ``confidence`` is a percentage; ``evidence`` lists what pointed at it, newest last.
    """

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="+")
    other = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="+")
    confidence = models.PositiveSmallIntegerField()
    evidence = models.JSONField(default=list)
    status = models.CharField(
        max_length=10, choices=SuggestionStatus.choices, default=SuggestionStatus.OPEN
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    resolved_by = models.ForeignKey(
        Membership, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "customer", "other"], name="mergesuggestion_unique_pair"
            ),
            models.CheckConstraint(
                condition=Q(customer__lt=F("other")), name="mergesuggestion_ordered_pair"
            ),
        ]
        indexes = [
            models.Index(fields=["tenant", "other"], name="mergesuggestion_other"),
        ]

    def __str__(self) -> str:
        return f"{self.customer_id}~{self.other_id} ({self.confidence}%)"


class AuditAction(models.TextChoices):
    MERGE = "merge", "Merged"
    UNMERGE = "unmerge", "Merge undone"
    EXPORT = "export", "Exported"
    ERASE = "erase", "Erased"


class CustomerAudit(TenantOwned):
    """Who did what to a customer record, when and why; merges keep what they moved.

    For a merge ``customer`` is the survivor and ``other`` the merged-away customer;
    ``detail`` holds row ids and field names, never personal content.
    """

    action = models.CharField(max_length=8, choices=AuditAction.choices)
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="+")
    other = models.ForeignKey(
        Customer, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    actor = models.ForeignKey(
        Membership, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.CharField(max_length=500, blank=True)
    detail = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=timezone.now)
    undone_at = models.DateTimeField(null=True, blank=True)
    undone_by = models.ForeignKey(
        Membership, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        indexes = [
            models.Index(fields=["tenant", "customer", "created_at"], name="audit_customer"),
            models.Index(fields=["tenant", "other", "action"], name="audit_other"),
        ]

    def __str__(self) -> str:
        return f"{self.action} {self.customer_id}"
