from django.urls import path

from helpdesk.api.views import api_router
from inbox.api import TicketMessagesView, TicketRoutingTraceView, TicketViewSet
from inbox.customer_api import CustomerEraseView, CustomerExportView, CustomerTimelineView
from inbox.macro_api import MacroApplyView, MacroViewSet

router = api_router()
router.register("tickets", TicketViewSet, basename="ticket")
router.register("macros", MacroViewSet, basename="macro")

urlpatterns = [
    *router.urls,
    path("tickets/<int:ticket_id>/messages/", TicketMessagesView.as_view(), name="ticket-messages"),
    path("customers/<int:pk>/timeline/", CustomerTimelineView.as_view(), name="customer-timeline"),
    path("customers/<int:pk>/export/", CustomerExportView.as_view(), name="customer-export"),
    path("customers/<int:pk>/erase/", CustomerEraseView.as_view(), name="customer-erase"),
    path(
        "tickets/<int:ticket_id>/routing-trace/",
        TicketRoutingTraceView.as_view(),
        name="ticket-routing-trace",
    ),
    path(
        "tickets/<int:ticket_id>/macros/<int:macro_id>/apply/",
        MacroApplyView.as_view(),
        name="ticket-macro-apply",
    ),
]
