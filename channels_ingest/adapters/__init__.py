"""Provider adapters: one folder per provider, one line each in ``registry.py``."""
