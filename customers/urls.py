from customers.api import CustomerViewSet
from helpdesk.api.views import api_router

router = api_router()
router.register("customers", CustomerViewSet, basename="customer")

urlpatterns = router.urls
