import pytest

from customers.models import Customer
from helpdesk.tenancy import TenantScopeError, tenant_current_or_none, tenant_scope
from tests.factories import CustomerFactory, TenantFactory


@pytest.mark.django_db
def test_scoped_manager_refuses_to_query_without_a_tenant() -> None:
    with pytest.raises(TenantScopeError, match="No tenant is active"):
        list(Customer.objects.all())
    with pytest.raises(TenantScopeError):
        Customer.objects.filter(name="x").exists()


@pytest.mark.django_db
def test_scoped_manager_sees_only_the_active_tenant() -> None:
    a, b = TenantFactory(), TenantFactory()
    with tenant_scope(a):
        mine = CustomerFactory(tenant=a, name="Mine")
    with tenant_scope(b):
        CustomerFactory(tenant=b, name="Theirs")
        assert list(Customer.objects.values_list("name", flat=True)) == ["Theirs"]
        assert Customer.objects.filter(pk=mine.pk).first() is None
    with tenant_scope(a):
        assert list(Customer.objects.values_list("name", flat=True)) == ["Mine"]
    assert Customer.objects.unscoped().count() == 2


@pytest.mark.django_db
def test_nested_scopes_restore_the_outer_tenant() -> None:
    a, b = TenantFactory(), TenantFactory()
    assert tenant_current_or_none() is None
    with tenant_scope(a):
        with tenant_scope(b):
            assert tenant_current_or_none() == b
        assert tenant_current_or_none() == a
    assert tenant_current_or_none() is None


@pytest.mark.django_db
def test_create_takes_the_active_tenant() -> None:
    a = TenantFactory()
    with tenant_scope(a):
        customer = Customer.objects.create(name="Implicit")
    assert customer.tenant_id == a.pk


# The inbound-event sweeper scans due events across every tenant.
GLOBAL_INDEXES = {"inboundevent_due"}


def test_every_tenant_owned_model_uses_the_scoped_manager() -> None:
    from django.apps import apps

    from helpdesk.models import TenantOwned
    from helpdesk.tenancy import TenantManager

    owned = [m for m in apps.get_models() if issubclass(m, TenantOwned)]
    assert len(owned) >= 15
    for model in owned:
        assert isinstance(model._default_manager, TenantManager), model
        for index in [*model._meta.indexes, *model._meta.constraints]:
            fields = getattr(index, "fields", ())
            if index.name in GLOBAL_INDEXES or len(fields) < 2:
                continue
            assert fields[0] == "tenant", f"{model.__name__}.{index.name} must lead with tenant"
