"""Every registered adapter is a complete folder: README, fixtures, tests that use them all."""

from pathlib import Path

import pytest

from channels_ingest.adapters.registry import ADAPTERS

ADAPTERS_DIR = Path(__file__).resolve().parents[1] / "channels_ingest" / "adapters"


def adapter_dirs() -> list[Path]:
    return sorted(p for p in ADAPTERS_DIR.iterdir() if (p / "adapter.py").exists())


@pytest.mark.parametrize("folder", adapter_dirs(), ids=lambda p: p.name)
def test_adapter_folder_is_complete(folder: Path) -> None:
    assert (folder / "README.md").is_file(), f"{folder.name} needs a README"
    fixtures = sorted(p.name for p in (folder / "fixtures").iterdir() if p.is_file())
    assert fixtures, f"{folder.name} has no fixtures"
    tests = "".join(p.read_text() for p in (folder / "tests").glob("test_*.py"))
    unused = [name for name in fixtures if name not in tests]
    assert unused == [], f"{folder.name}: fixtures no test uses: {unused}"


def test_every_registered_provider_has_a_folder() -> None:
    folders = {p.name for p in adapter_dirs()}
    for provider, adapter in ADAPTERS.items():
        module_folder = adapter.__class__.__module__.split(".")[2]
        assert module_folder in folders, provider
