"""Plan identity look-ups for a tenant of about a hundred identities, not the average one.

A prepared statement's generic plan estimates ``tenant_id = $1`` as the table's rows divided
by its tenants. Among many small tenants that average is a handful of rows, and the planner
then scans all of a large tenant's identities (filtering by kind and value) rather than probe
the unique index. A fixed ratio of distinct tenants to rows (one per hundred) keeps that
estimate at a hundred rows whatever the mix; plans with a literal tenant id still use the
tenant's own frequency where ANALYZE found it.
"""

from django.db import migrations


def _statistics(sql: str):  # type: ignore[no-untyped-def]
    def apply(apps, schema_editor):  # type: ignore[no-untyped-def]
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql)
            schema_editor.execute("ANALYZE customers_identity")

    return apply


class Migration(migrations.Migration):
    dependencies = [("customers", "0003_identity_origin_suggestions_audit")]

    operations = [
        migrations.RunPython(
            _statistics(
                "ALTER TABLE customers_identity ALTER COLUMN tenant_id SET (n_distinct = -0.01)"
            ),
            _statistics("ALTER TABLE customers_identity ALTER COLUMN tenant_id RESET (n_distinct)"),
        )
    ]
