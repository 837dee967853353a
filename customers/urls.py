from customers.api import CustomerViewSet, OrganizationViewSet
from helpdesk.api.views import api_router

router = api_router()
router.register("customers", CustomerViewSet, basename="customer")
router.register("organizations", OrganizationViewSet, basename="organization")

urlpatterns = router.urls
