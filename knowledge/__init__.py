"""Self-service: the help center, articles, knowledge search and deflection signals."""
