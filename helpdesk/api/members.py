"""Members of the workspace: list, invite or add, change role, deactivate."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from helpdesk.api.member_extensions import (
    member_extras_apply,
    member_extras_represent,
    member_input_with_extensions,
)
from helpdesk.api.serializers import StrictSerializer
from helpdesk.api.views import TenantViewSet
from helpdesk.models import Membership, Role
from helpdesk.services import member_add, member_update


class MemberOutput(serializers.ModelSerializer):  # type: ignore[type-arg]
    email = serializers.EmailField(source="user.email")
    name = serializers.CharField(source="user.name")

    class Meta:
        model = Membership
        fields = ["id", "email", "name", "role", "is_active", "created_at"]


class MemberCreateInput(StrictSerializer):
    email = serializers.EmailField(max_length=254)
    name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    role = serializers.ChoiceField(choices=Role.choices)
    password = serializers.CharField(required=False, write_only=True, max_length=128)


class MemberPatchInput(StrictSerializer):
    name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    role = serializers.ChoiceField(choices=Role.choices, required=False)
    is_active = serializers.BooleanField(required=False)


@extend_schema(tags=["members"])
class MemberViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantViewSet):
    serializer_class = MemberOutput
    write_role = Role.ADMIN
    ordering = ("id",)

    def get_queryset(self) -> Any:
        return Membership.objects.select_related("user")

    def _out(self, members: list[Membership]) -> list[dict[str, Any]]:
        """Core fields plus what room extensions add (skills, capacity, presence)."""
        extras = member_extras_represent(members)
        return [{**MemberOutput(m).data, **extras.get(m.pk, {})} for m in members]

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(self._out(list(page or [])))

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return Response(self._out([self.get_object()])[0])

    @extend_schema(request=MemberCreateInput, responses={201: MemberOutput})
    def create(self, request: Request) -> Response:
        data = member_input_with_extensions(MemberCreateInput)(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        core = {"email", "name", "role", "password"}
        extras = {k: v for k, v in values.items() if k not in core}
        if Membership.objects.filter(user__email=values["email"].lower()).exists():
            raise ValidationError({"email": "This person is already a member."})
        if "password" in values:
            try:
                validate_password(values["password"])
            except DjangoValidationError as exc:
                raise ValidationError({"password": exc.messages}) from exc
        with transaction.atomic():
            member = member_add(
                tenant=self.tenant,
                email=values["email"],
                role=values["role"],
                password=values.get("password"),
                name=values.get("name", ""),
            )
            member_extras_apply(member, extras)
        return Response(self._out([member])[0], status=status.HTTP_201_CREATED)

    @extend_schema(request=MemberPatchInput, responses=MemberOutput)
    def partial_update(self, request: Request, pk: str | None = None) -> Response:
        member = self.get_object()
        data = member_input_with_extensions(MemberPatchInput)(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        core = {"name", "role", "is_active"}
        with transaction.atomic():
            member_update(
                membership=member,
                actor=self.membership,
                **{k: v for k, v in values.items() if k in core},
            )
            member_extras_apply(member, {k: v for k, v in values.items() if k not in core})
        return Response(self._out([member])[0])

    def destroy(self, request: Request, pk: str | None = None) -> Response:
        member = self.get_object()
        member_update(membership=member, actor=self.membership, is_active=False)
        return Response(status=status.HTTP_204_NO_CONTENT)
