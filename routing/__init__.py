"""Routing: business hours, SLA policies, teams, skills, capacity and assignment."""
