from helpdesk.api.views import api_router
from routing.api import (
    BusinessHoursViewSet,
    RoutingRuleViewSet,
    SkillViewSet,
    SlaPolicyViewSet,
    TeamViewSet,
)

router = api_router()
router.register("business-hours", BusinessHoursViewSet, basename="business-hours")
router.register("sla-policies", SlaPolicyViewSet, basename="sla-policy")
router.register("teams", TeamViewSet, basename="team")
router.register("skills", SkillViewSet, basename="skill")
router.register("routing-rules", RoutingRuleViewSet, basename="routing-rule")

urlpatterns = router.urls
