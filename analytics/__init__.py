"""Analytics: surveys, metric definitions, dashboards and exports (read-only over the rest)."""
