from django.apps import AppConfig


class RoutingConfig(AppConfig):
    name = "routing"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from helpdesk.api.member_extensions import MemberExtension, member_extension_register
        from routing.api import member_apply, member_input_fields, member_represent

        member_extension_register(
            MemberExtension(
                name="routing",
                input_fields=member_input_fields,
                represent=member_represent,
                apply=member_apply,
            )
        )
