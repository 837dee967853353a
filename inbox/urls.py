from django.urls import path

from helpdesk.api.views import api_router
from inbox.api import TicketMessagesView, TicketRoutingTraceView, TicketViewSet

router = api_router()
router.register("tickets", TicketViewSet, basename="ticket")

urlpatterns = [
    *router.urls,
    path("tickets/<int:ticket_id>/messages/", TicketMessagesView.as_view(), name="ticket-messages"),
    path(
        "tickets/<int:ticket_id>/routing-trace/",
        TicketRoutingTraceView.as_view(),
        name="ticket-routing-trace",
    ),
]
