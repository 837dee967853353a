from channels_ingest.api import ChannelViewSet
from helpdesk.api.views import api_router

router = api_router()
router.register("channels", ChannelViewSet, basename="channel")

urlpatterns = router.urls
