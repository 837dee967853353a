"""The chat widget's public side: endpoints, visitor tokens, origin and rate guards, live relay."""
