"""Members of the workspace: list, invite or add, change role, deactivate."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

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

    @extend_schema(request=MemberCreateInput, responses={201: MemberOutput})
    def create(self, request: Request) -> Response:
        data = MemberCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        if Membership.objects.filter(user__email=values["email"].lower()).exists():
            raise ValidationError({"email": "This person is already a member."})
        if "password" in values:
            try:
                validate_password(values["password"])
            except DjangoValidationError as exc:
                raise ValidationError({"password": exc.messages}) from exc
        member = member_add(
            tenant=self.tenant,
            email=values["email"],
            role=values["role"],
            password=values.get("password"),
            name=values.get("name", ""),
        )
        return Response(MemberOutput(member).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=MemberPatchInput, responses=MemberOutput)
    def partial_update(self, request: Request, pk: str | None = None) -> Response:
        member = self.get_object()
        data = MemberPatchInput(data=request.data)
        data.is_valid(raise_exception=True)
        member_update(membership=member, actor=self.membership, **data.validated_data)
        return Response(MemberOutput(member).data)

    def destroy(self, request: Request, pk: str | None = None) -> Response:
        member = self.get_object()
        member_update(membership=member, actor=self.membership, is_active=False)
        return Response(status=status.HTTP_204_NO_CONTENT)
