"""ASGI entry point: HTTP through Django, WebSockets through Channels.

Agents' sockets are checked against ALLOWED_HOSTS; the chat widget's sockets come from
customers' sites and are checked against their channel's allowed origins by the consumer.
"""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpdesk.settings")
django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402
from django.urls import path  # noqa: E402
from django.utils.module_loading import import_string  # noqa: E402

from helpdesk.consumers import AgentConsumer  # noqa: E402
from helpdesk.lean_http import LeanHTTP  # noqa: E402

# Named, not imported: the widget belongs to a room above this one.
VisitorConsumer = import_string("channels_ingest.widget.consumer.VisitorConsumer")
WebhookLane = import_string("channels_ingest.webhook_lane.WebhookLane")

agent_sockets = AllowedHostsOriginValidator(AuthMiddlewareStack(AgentConsumer.as_asgi()))
application = ProtocolTypeRouter(
    {
        # Provider webhooks skip sessions, users, CSRF and messages and keep their
        # database connections between requests; on PostgreSQL most are answered on the
        # event loop, their inserts shared.
        "http": WebhookLane(LeanHTTP(django_asgi_app, prefixes=("/webhooks/",))),
        "websocket": URLRouter(
            [
                path("ws/widget/<int:channel_id>/", VisitorConsumer.as_asgi()),
                path("ws/agent/", agent_sockets),
            ]
        ),
    }
)
