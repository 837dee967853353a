"""Inbound email helpers: separating a customer's new text from quoted history."""
