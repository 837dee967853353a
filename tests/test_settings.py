"""Production settings: refuse to start without secrets; `check --deploy` is clean with TLS."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run_manage(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {
        k: v
        for k, v in os.environ.items()
        if k
        not in {"DEBUG", "SECRET_KEY", "HTTPS", "FIELD_ENCRYPTION_KEY", "DATABASE_URL", "REDIS_URL"}
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_debug_off_without_secret_key_refuses_to_start() -> None:
    result = run_manage("check", DEBUG="0")
    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off." in result.stderr


def test_check_deploy_is_clean_with_https_and_a_strong_key() -> None:
    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DEBUG="0",
        HTTPS="1",
        SECRET_KEY="k8#Vd2!pQz7@Lm4$Xr9^Tw1&Yb6*Nc3(Hs5)Gf0-Ju8+Ea2=Oi7",
        FIELD_ENCRYPTION_KEY="7jZ0d3KQ1nH6mJb2fVv0Yb9bq3m1F0Hc2uXn7E2rGk4=",
        ALLOWED_HOSTS="helpdesk.example.com",
    )
    assert result.returncode == 0, result.stderr + result.stdout
    assert "System check identified no issues" in result.stdout
