"""Fixed-window counters in the cache: per visitor and per IP limits of the public pages."""

from __future__ import annotations

import time

from django.core.cache import cache
from django.http import HttpRequest

# Part of every counter's key; tests switch it to start from fresh counters.
namespace = "kb-rl"


def client_ip(request: HttpRequest) -> str:
    return str(request.META.get("REMOTE_ADDR", ""))[:64]


def rate_limited(*, scope: str, key: str, limit: int, window_seconds: int) -> bool:
    """Count one hit; True once ``key`` made more than ``limit`` hits in the window."""
    bucket = int(time.time() // window_seconds)
    name = f"{namespace}:{scope}:{key}:{bucket}"
    cache.add(name, 0, timeout=window_seconds + 5)
    try:
        count = int(cache.incr(name))
    except ValueError:
        cache.add(name, 1, timeout=window_seconds + 5)
        count = 1
    return count > limit
