"""Production settings: they refuse to start without a secret and pass Django's deploy checks."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

DOCUMENTED = {
    "DJANGO_SETTINGS_MODULE": "fbss_clinic.settings.production",
    "DJANGO_SECRET_KEY": "k" * 20 + "-production-like-secret-with-enough-entropy-0123456789",
    "DJANGO_ALLOWED_HOSTS": "clinic.example.org",
    "DJANGO_CSRF_TRUSTED_ORIGINS": "https://clinic.example.org",
    "DATABASE_URL": "postgres://fbss:secret@db.invalid:5432/fbss",
    "REDIS_URL": "redis://redis.invalid:6379/0",
}


def _manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL", "REDIS_URL"))}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_refuses_to_start_without_a_secret_key() -> None:
    env = {k: v for k, v in DOCUMENTED.items() if k != "DJANGO_SECRET_KEY"}
    result = _manage("check", env=env)
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in result.stderr


def test_production_refuses_a_short_secret_key() -> None:
    result = _manage("check", env={**DOCUMENTED, "DJANGO_SECRET_KEY": "short"})
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in result.stderr


def test_production_refuses_sqlite() -> None:
    result = _manage("check", env={**DOCUMENTED, "DATABASE_URL": "sqlite:////tmp/x.sqlite3"})
    assert result.returncode != 0
    assert "PostgreSQL" in result.stderr


def test_deploy_check_passes_without_a_warning_with_the_documented_variables() -> None:
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=DOCUMENTED)
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout


def test_the_demo_seeder_refuses_production_settings() -> None:
    result = _manage("seed_demo", env=DOCUMENTED)
    assert result.returncode != 0
    assert "refuses to run under production settings" in result.stderr
