"""Writes owned by the core: tenants, members and tokens (counters: ``helpdesk.counters``)."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from helpdesk.errors import Conflict, DomainError
from helpdesk.models import ApiToken, Membership, Role, Tenant, User
from helpdesk.tenancy import tenant_scope


class TenantExists(Conflict):
    pass


@transaction.atomic
def tenant_create(
    *, slug: str, name: str, admin_email: str, admin_password: str, time_zone: str = "UTC"
) -> Tenant:
    if Tenant.objects.filter(slug=slug).exists():
        raise TenantExists(f"A tenant with slug '{slug}' already exists.")
    tenant = Tenant(slug=slug, name=name, time_zone=time_zone)
    tenant.full_clean()
    tenant.save()
    with tenant_scope(tenant):
        member_add(tenant=tenant, email=admin_email, password=admin_password, role=Role.ADMIN)
    return tenant


def member_add(
    *, tenant: Tenant, email: str, role: str, password: str | None = None, name: str = ""
) -> Membership:
    """Add a user (created if new) to the tenant with a role."""
    email = email.strip().lower()
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User.objects.create_user(email, password, name=name)
    elif password:
        user.set_password(password)
        user.save(update_fields=["password"])
    # The tenant is named explicitly; callers may run before any scope exists.
    membership, _ = Membership.objects.unscoped().update_or_create(
        tenant=tenant, user=user, defaults={"role": role, "is_active": True}
    )
    return membership


def api_token_create(*, membership: Membership, label: str = "") -> str:
    """Create a token for the member and return the raw value (shown once)."""
    raw, key_hash = ApiToken.generate()
    # The token takes its tenant from the membership it is bound to.
    ApiToken.objects.unscoped().create(
        tenant_id=membership.tenant_id, membership=membership, key_hash=key_hash, label=label
    )
    return raw


def api_token_touch(*, token: ApiToken) -> None:
    """Record use, at most once a minute per token to keep reads cheap."""
    now = timezone.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        # Authentication runs before the tenant scope is set; the pk names one row.
        ApiToken.objects.unscoped().filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now


class LastAdmin(DomainError):
    pass


@transaction.atomic
def member_update(
    *,
    membership: Membership,
    actor: Membership | None,
    name: str | None = None,
    role: str | None = None,
    is_active: bool | None = None,
) -> Membership:
    """Change a member; the workspace always keeps one active admin."""
    demotes = role is not None and role != Role.ADMIN
    leaves = is_active is False
    if membership.role == Role.ADMIN and (demotes or leaves):
        admins = Membership.objects.filter(role=Role.ADMIN, is_active=True).exclude(
            pk=membership.pk
        )
        if not admins.exists():
            raise LastAdmin("The workspace needs at least one active admin.", field="role")
    if name is not None:
        membership.user.name = name
        membership.user.save(update_fields=["name"])
    fields = []
    if role is not None:
        membership.role = role
        fields.append("role")
    if is_active is not None:
        membership.is_active = is_active
        fields.append("is_active")
    if fields:
        membership.save(update_fields=fields)
    return membership
