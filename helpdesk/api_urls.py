from helpdesk.api.members import MemberViewSet
from helpdesk.api.views import api_router

router = api_router()
router.register("members", MemberViewSet, basename="member")

urlpatterns = router.urls
