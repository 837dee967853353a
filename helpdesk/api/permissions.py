"""Role checks: agent < manager < admin."""

from __future__ import annotations

from typing import Any

from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from helpdesk.models import Membership, Role

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


class IsMember(BasePermission):
    """Any active member; views may demand a role for writes with ``write_role``."""

    message = "This needs a higher role in the workspace."

    def has_permission(self, request: Request, view: Any) -> bool:
        membership = request.auth
        if not isinstance(membership, Membership):
            return False
        role = getattr(view, "read_role", Role.AGENT)
        if request.method not in SAFE_METHODS:
            role = getattr(view, "write_role", role)
        return membership.has_role(role)
