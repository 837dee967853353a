"""Settings of the live server the browser tests drive (a subprocess running uvicorn).

The project's settings with tasks run in-process (there is no worker in a browser test) and,
when BROWSER_REDIS_URL is set, the production channel layer (Redis pub/sub) instead of the
in-memory one.
"""

import os

from helpdesk.settings import *  # noqa: F403

CELERY_TASK_ALWAYS_EAGER = True
_redis = os.environ.get("BROWSER_REDIS_URL", "")
if _redis:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {
                "hosts": [{"address": _redis}],
                "prefix": f"hd-browser-{os.getppid()}",
            },  # per test run
        }
    }
