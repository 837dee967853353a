"""The inbox: tickets, messages and the agent workspace."""
