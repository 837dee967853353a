"""The candidates' order as an index on PostgreSQL (SQLite cannot index NULLS FIRST)."""

from typing import Any

from django.db import migrations

INDEX = "agentload_pick"


def create(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {INDEX} ON routing_agentload "
            "(tenant_id, channel_kind, active, last_assigned_at ASC NULLS FIRST, membership_id)"
        )


def drop(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("routing", "0002_routing_rules_capacity_presence")]

    operations = [migrations.RunPython(create, drop)]
