"""The admins' channels screen in the workspace: every channel, its webhook URLs, its set-up."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from channels_ingest.selectors import channel_list, channel_webhook_urls
from channels_ingest.setup_notes import channel_setup_note
from helpdesk.models import Role


def channels_admin(request: HttpRequest, tenant_slug: str) -> HttpResponse:
    member = request.membership  # type: ignore[attr-defined]
    if not member.has_role(Role.ADMIN):
        raise Http404("Admins only.")
    channels = [
        {
            "channel": channel,
            "urls": sorted(channel_webhook_urls(channel).items()),
            "setup": channel_setup_note(channel.provider, channel.kind),
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
