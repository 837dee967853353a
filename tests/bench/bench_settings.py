"""Settings of the benchmark's uvicorn and Celery processes: the project's, with a channel-layer
prefix of their own. Redis pub/sub channels are global to the Redis server (database numbers
do not separate them), so another deployment on the same Redis would otherwise hear our
``tenant.<id>`` groups and we theirs."""

import os

from helpdesk.settings import *  # noqa: F403
from helpdesk.settings import CHANNEL_LAYERS

CHANNEL_LAYERS["default"]["CONFIG"]["prefix"] = os.environ.get("BENCH_LAYER_PREFIX", "hd-bench")

if os.environ.get("BENCH_WIDGET_NO_LIMITS"):  # bench_widget sends faster than any person types
    WIDGET_RATE_LIMITS = {
        "message": ((10**9, 60), (10**9, 60)),
        "session": ((10**9, 60), (10**9, 60)),
    }
