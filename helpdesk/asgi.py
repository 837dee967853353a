"""ASGI entry point: HTTP through Django, WebSockets through Channels."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpdesk.settings")
django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402
from django.urls import path  # noqa: E402

from helpdesk.consumers import AgentConsumer  # noqa: E402
from helpdesk.lean_http import LeanHTTP  # noqa: E402

application = ProtocolTypeRouter(
    {
        # Provider webhooks skip sessions, users, CSRF and messages and keep their
        # database connections between requests.
        "http": LeanHTTP(django_asgi_app, prefixes=("/webhooks/",)),
        "websocket": AllowedHostsOriginValidator(
            AuthMiddlewareStack(URLRouter([path("ws/agent/", AgentConsumer.as_asgi())]))
        ),
    }
)
