"""The admins' channels screen in the workspace: every channel, its webhook URLs, its set-up."""

from __future__ import annotations

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from channels_ingest.adapters.widget.adapter import allowed_origins
from channels_ingest.models import Channel
from channels_ingest.selectors import channel_list, channel_webhook_urls
from channels_ingest.setup_notes import channel_setup_note
from helpdesk.models import Role


def widget_embed(channel: Channel) -> str:
    """The tag an admin pastes into their site's pages."""
    return (
        f'<script src="{settings.PUBLIC_BASE_URL}/static/widget/widget.js" '
        f'data-channel="{channel.pk}" async></script>'
    )


def channels_admin(request: HttpRequest, tenant_slug: str) -> HttpResponse:
    member = request.membership  # type: ignore[attr-defined]
    if not member.has_role(Role.ADMIN):
        raise Http404("Admins only.")
    channels = [
        {
            "channel": channel,
            "urls": sorted(channel_webhook_urls(channel).items()),
            "setup": channel_setup_note(channel.provider, channel.kind),
            "embed": widget_embed(channel) if channel.provider == "widget" else "",
            "origins": sorted(allowed_origins(channel.config))
            if channel.provider == "widget"
            else [],
        }
        for channel in channel_list()
    ]
    return render(
        request,
        "admin/channels.html",
        {
            "tenant": request.tenant,  # type: ignore[attr-defined]
            "member": member,
            "channels": channels,
            "section": "admin",
            "admin_tab": "channels",
        },
    )
