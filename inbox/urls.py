from django.urls import path

from helpdesk.api.views import api_router
from inbox.api import TicketMessagesView, TicketViewSet
from inbox.macro_api import MacroApplyView, MacroViewSet

router = api_router()
router.register("tickets", TicketViewSet, basename="ticket")
router.register("macros", MacroViewSet, basename="macro")

urlpatterns = [
    *router.urls,
    path("tickets/<int:ticket_id>/messages/", TicketMessagesView.as_view(), name="ticket-messages"),
    path(
        "tickets/<int:ticket_id>/macros/<int:macro_id>/apply/",
        MacroApplyView.as_view(),
        name="ticket-macro-apply",
    ),
]
