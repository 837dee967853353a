"""Channels: provider adapters, verified webhooks, durable inbound events and delivery."""
