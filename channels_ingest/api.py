"""Channels API: connect a provider, get the webhook URLs to paste into its console."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from channels_ingest.adapters.registry import ADAPTERS, adapter_for
from channels_ingest.models import Channel
from channels_ingest.selectors import channel_list, channel_webhook_urls
from channels_ingest.services import channel_create, channel_update
from helpdesk.api.serializers import StrictSerializer
from helpdesk.api.views import TenantViewSet
from helpdesk.models import Role
from inbox.models import ChannelKind


class ChannelOutput(serializers.ModelSerializer):  # type: ignore[type-arg]
    config = serializers.SerializerMethodField()
    webhook_urls = serializers.SerializerMethodField()

    class Meta:
        model = Channel
        fields = [
            "id",
            "kind",
            "provider",
            "name",
            "config",
            "webhook_urls",
            "is_active",
            "created_at",
        ]

    def get_config(self, channel: Channel) -> dict[str, Any]:
        """Plain settings as they are; secrets only as whether they are set."""
        adapter = adapter_for(channel.provider)
        secret = adapter.secret_fields if adapter else frozenset(channel.config)
        return {
            key: ({"set": bool(value)} if key in secret else value)
            for key, value in sorted(channel.config.items())
        }

    def get_webhook_urls(self, channel: Channel) -> dict[str, str]:
        return channel_webhook_urls(channel)


class ChannelCreateInput(StrictSerializer):
    kind = serializers.ChoiceField(choices=ChannelKind.choices)
    provider = serializers.ChoiceField(choices=sorted(ADAPTERS))
    name = serializers.CharField(max_length=200)
    config = serializers.DictField(required=False, default=dict)


class ChannelPatchInput(StrictSerializer):
    name = serializers.CharField(max_length=200, required=False)
    config = serializers.DictField(required=False)
    is_active = serializers.BooleanField(required=False)


@extend_schema(tags=["channels"])
class ChannelViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantViewSet):
    serializer_class = ChannelOutput
    write_role = Role.ADMIN
    ordering = ("id",)

    def get_queryset(self) -> Any:
        return channel_list()

    @extend_schema(request=ChannelCreateInput, responses={201: ChannelOutput})
    def create(self, request: Request) -> Response:
        data = ChannelCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        channel = channel_create(tenant=self.tenant, **data.validated_data)
        return Response(ChannelOutput(channel).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=ChannelPatchInput, responses=ChannelOutput)
    def partial_update(self, request: Request, pk: int | None = None) -> Response:
        channel = self.get_object()
        data = ChannelPatchInput(data=request.data)
        data.is_valid(raise_exception=True)
        channel_update(channel=channel, **data.validated_data)
        return Response(ChannelOutput(channel).data)

    def destroy(self, request: Request, pk: int | None = None) -> Response:
        """Channels are switched off, not deleted: their messages keep pointing at them."""
        channel_update(channel=self.get_object(), is_active=False)
        return Response(status=status.HTTP_204_NO_CONTENT)
