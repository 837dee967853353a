"""Adapter tests store attachments: keep them in a temporary media root."""

from pathlib import Path

import pytest
from django.test import override_settings


@pytest.fixture(autouse=True)
def _media_root(tmp_path: Path):  # type: ignore[no-untyped-def]
    with override_settings(MEDIA_ROOT=str(tmp_path / "media")):
        yield
