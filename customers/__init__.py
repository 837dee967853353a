"""Customers: people, their identities on every channel, and their organizations."""
