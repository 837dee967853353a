from django.urls import path

from inbox import admin_views, conversation_views, views

urlpatterns = [
    path("", views.inbox_page, name="inbox"),
    path("admin/members/", admin_views.members_admin, name="admin-members"),
    path("admin/sla/", admin_views.sla_admin, name="admin-sla"),
    path("admin/macros/", admin_views.macros_admin, name="admin-macros"),
    path("tickets/rows/", views.inbox_rows, name="inbox-rows"),
    path("tickets/bulk/", views.inbox_bulk, name="inbox-bulk"),
    path("tickets/<int:ticket_id>/", conversation_views.ticket_detail, name="ticket"),
    path(
        "tickets/<int:ticket_id>/timeline/",
        conversation_views.ticket_messages_fragment,
        name="ticket-timeline",
    ),
    path("tickets/<int:ticket_id>/reply/", conversation_views.ticket_reply, name="ticket-reply"),
    path(
        "tickets/<int:ticket_id>/properties/",
        conversation_views.ticket_properties,
        name="ticket-properties",
    ),
    path(
        "tickets/<int:ticket_id>/handoff/",
        conversation_views.ticket_handoff_view,
        name="ticket-handoff",
    ),
]
