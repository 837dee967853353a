"""The API skeleton every room builds on: auth, permissions, errors, pagination, base views."""
