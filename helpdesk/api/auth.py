"""API authentication: ``Authorization: Token <token>``, or the browser session.

Both resolve to ``(user, membership)``; the base view activates the membership's tenant.
"""

from __future__ import annotations

from typing import Any

from rest_framework import authentication, exceptions
from rest_framework.request import Request

from helpdesk.models import ApiToken, Membership, User
from helpdesk.services import api_token_touch


class ApiTokenAuthentication(authentication.BaseAuthentication):
    keyword = "Token"

    def authenticate(self, request: Request) -> tuple[User, Membership] | None:
        header = authentication.get_authorization_header(request).decode("latin-1")
        if not header:
            return None
        parts = header.split()
        if parts[0] != self.keyword:
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed("Use 'Authorization: Token <token>'.")
        token = (
            ApiToken.objects.unscoped()  # the token itself names its tenant
            .select_related("membership__user", "membership__tenant")
            .filter(key_hash=ApiToken.hash(parts[1]), revoked_at__isnull=True)
            .first()
        )
        if token is None:
            raise exceptions.AuthenticationFailed("Invalid or revoked token.")
        membership = token.membership
        if not membership.is_active or not membership.user.is_active:
            raise exceptions.AuthenticationFailed("This member is deactivated.")
        api_token_touch(token=token)
        return membership.user, membership

    def authenticate_header(self, request: Request) -> str:
        return self.keyword


class TenantSessionAuthentication(authentication.SessionAuthentication):
    """The workspace's own calls: the session's user in the tenant named by ``X-Tenant``."""

    def authenticate(self, request: Request) -> tuple[User, Membership] | None:
        result: Any = super().authenticate(request)
        if result is None:
            return None
        user = result[0]
        # The session names a user, not a tenant: the header picks the tenant below.
        memberships = Membership.objects.unscoped().select_related("tenant", "user")
        memberships = memberships.filter(user=user, is_active=True)  # tenant chosen below
        slug = request.headers.get("X-Tenant")
        if slug:
            memberships = memberships.filter(tenant__slug=slug)
        found = list(memberships[:2])
        if len(found) != 1:
            raise exceptions.AuthenticationFailed(
                "Name the workspace with the X-Tenant header."
                if len(found) > 1
                else "You are not a member of this workspace."
            )
        return user, found[0]
