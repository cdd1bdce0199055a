"""The deployment files say what the README promises: docker-compose.yml, .env.example, Dockerfile.

No Docker engine is needed: these read the files and check their structure.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
COMPOSE_FILE = ROOT / "docker-compose.yml"
ENV_EXAMPLE = ROOT / ".env.example"
DOCKERFILE = ROOT / "Dockerfile"

APP_SERVICES = ("web", "worker", "beat")
VARIABLE_LINE = re.compile(r"^([A-Z][A-Z0-9_]*)=(.*)$")
# ${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:?err}; $$ escapes a literal $.
INTERPOLATION = re.compile(r"(?<!\$)\$\{([A-Za-z_][A-Za-z0-9_]*)")


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    data = yaml.safe_load(COMPOSE_FILE.read_text())
    assert isinstance(data, dict)
    return data


@pytest.fixture(scope="module")
def services(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return compose["services"]


def command_text(service: dict[str, Any]) -> str:
    command = service.get("command", "")
    return " ".join(command) if isinstance(command, list) else str(command)


def env_example_lines() -> list[str]:
    return ENV_EXAMPLE.read_text().splitlines()


def env_example_values() -> dict[str, str]:
    values = {}
    for line in env_example_lines():
        match = VARIABLE_LINE.match(line)
        if match:
            values[match.group(1)] = match.group(2)
    return values


def env_files(service: dict[str, Any]) -> list[str]:
    value = service.get("env_file", [])
    items = value if isinstance(value, list) else [value]
    return [item["path"] if isinstance(item, dict) else item for item in items]


def depends_on(service: dict[str, Any]) -> dict[str, str]:
    """Dependency name -> condition ("service_started" for the short list form)."""
    value = service.get("depends_on", {})
    if isinstance(value, list):
        return dict.fromkeys(value, "service_started")
    return {name: (spec or {}).get("condition", "service_started") for name, spec in value.items()}


def named_volumes_used(service: dict[str, Any]) -> set[str]:
    names = set()
    for volume in service.get("volumes", []):
        source = volume["source"] if isinstance(volume, dict) else volume.split(":", 1)[0]
        if not source.startswith((".", "/", "~")):
            names.add(source)
    return names


def test_stack_has_database_broker_app_processes_and_mail_catcher(services: dict[str, Any]) -> None:
    assert {"postgres", "redis", "web", "worker", "beat", "mailcatcher"} <= set(services)


def test_no_image_uses_latest_or_an_unpinned_tag(services: dict[str, Any]) -> None:
    for name, service in services.items():
        if "build" in service:
            continue  # built here from the Dockerfile
        image = service.get("image", "")
        assert ":" in image, f"{name}: image {image!r} has no tag"
        tag = image.rsplit(":", 1)[1]
        assert tag != "latest", f"{name}: image {image!r} uses :latest"
        assert re.search(r"\d", tag), f"{name}: tag {tag!r} pins no version"


def test_app_services_build_from_the_dockerfile(services: dict[str, Any]) -> None:
    for name in APP_SERVICES:
        assert "build" in services[name], f"{name} must be built from the Dockerfile"


def test_postgres_is_pinned_to_a_major_version_and_has_a_healthcheck(services: dict[str, Any]) -> None:
    postgres = services["postgres"]
    assert re.fullmatch(r"postgres:\d+([.-].*)?", postgres["image"])
    assert "pg_isready" in str(postgres["healthcheck"]["test"])


def test_redis_has_a_healthcheck(services: dict[str, Any]) -> None:
    assert "ping" in str(services["redis"]["healthcheck"]["test"])


def test_postgres_and_redis_keep_data_in_declared_named_volumes(
    compose: dict[str, Any], services: dict[str, Any]
) -> None:
    declared = set(compose.get("volumes") or {})
    postgres_volumes = services["postgres"]["volumes"]
    redis_volumes = services["redis"]["volumes"]
    assert any(v.endswith(":/var/lib/postgresql/data") and v.split(":")[0] in declared for v in postgres_volumes)
    assert any(v.endswith(":/data") and v.split(":")[0] in declared for v in redis_volumes)


def test_every_named_volume_is_declared_and_every_declared_one_is_used(
    compose: dict[str, Any], services: dict[str, Any]
) -> None:
    declared = set(compose.get("volumes") or {})
    used = set().union(*(named_volumes_used(s) for s in services.values()))
    assert used == declared


def test_web_runs_migrations_before_gunicorn(services: dict[str, Any]) -> None:
    command = command_text(services["web"])
    assert "manage.py migrate --noinput" in command
    assert "gunicorn fbss_clinic.wsgi:application" in command
    assert command.index("migrate") < command.index("gunicorn")
    # "&&", so gunicorn never starts on a failed migration.
    between = command[command.index("migrate") : command.index("gunicorn")]
    assert "&&" in between


def test_web_waits_for_healthy_postgres_and_redis(services: dict[str, Any]) -> None:
    deps = depends_on(services["web"])
    assert deps["postgres"] == "service_healthy"
    assert deps["redis"] == "service_healthy"


def test_web_has_a_healthcheck_on_healthz(services: dict[str, Any]) -> None:
    assert "/healthz" in str(services["web"]["healthcheck"]["test"])


def test_worker_runs_a_celery_worker_for_the_project_app(services: dict[str, Any]) -> None:
    command = command_text(services["worker"])
    assert re.search(r"\bcelery -A fbss_clinic worker\b", command)


def test_beat_runs_celery_beat_with_the_database_scheduler(services: dict[str, Any]) -> None:
    command = command_text(services["beat"])
    assert re.search(r"\bcelery -A fbss_clinic beat\b", command)
    assert "--scheduler django_celery_beat.schedulers:DatabaseScheduler" in command


def test_worker_and_beat_start_only_after_web_has_migrated(services: dict[str, Any]) -> None:
    for name in ("worker", "beat"):
        deps = depends_on(services[name])
        assert deps.get("web") == "service_healthy", f"{name} must wait for a healthy (migrated) web"
        assert deps.get("redis") == "service_healthy"


def test_services_that_need_configuration_read_the_documented_env_file(services: dict[str, Any]) -> None:
    for name in ("postgres", *APP_SERVICES):
        assert ".env" in env_files(services[name]), f"{name} must use env_file: .env"


def test_app_sends_mail_to_the_mail_catcher_by_default(services: dict[str, Any]) -> None:
    values = env_example_values()
    assert values["EMAIL_HOST"] == "mailcatcher"
    assert values["EMAIL_PORT"] == "1025"
    assert "mailpit" in services["mailcatcher"]["image"]


def test_every_env_example_variable_is_documented_by_a_comment() -> None:
    lines = env_example_lines()
    variables = [(i, m.group(1)) for i, line in enumerate(lines) if (m := VARIABLE_LINE.match(line))]
    assert variables, ".env.example defines no variables"
    for index, name in variables:
        assert index > 0 and lines[index - 1].startswith("#"), f"{name} has no comment line above it"
    names = [name for _, name in variables]
    assert len(names) == len(set(names)), "a variable is defined twice"


def test_env_example_has_no_stray_lines() -> None:
    for line in env_example_lines():
        assert not line.strip() or line.startswith("#") or VARIABLE_LINE.match(line), (
            f"not a comment or VAR=value: {line!r}"
        )


def test_every_variable_compose_interpolates_is_in_env_example() -> None:
    interpolated = set(INTERPOLATION.findall(COMPOSE_FILE.read_text()))
    assert interpolated <= set(env_example_values())


def test_env_example_covers_what_production_settings_read() -> None:
    required = {
        "DJANGO_SETTINGS_MODULE",
        "DJANGO_SECRET_KEY",
        "DJANGO_ALLOWED_HOSTS",
        "DJANGO_CSRF_TRUSTED_ORIGINS",
        "DJANGO_SECURE_SSL_REDIRECT",
        "DATABASE_URL",
        "REDIS_URL",
        "EMAIL_HOST",
        "EMAIL_PORT",
        "EMAIL_HOST_USER",
        "EMAIL_HOST_PASSWORD",
        "EMAIL_USE_TLS",
        "DEFAULT_FROM_EMAIL",
        "FBSS_PUBLIC_URL",  # the links in reminders
    }
    values = env_example_values()
    assert required <= set(values)
    assert values["DJANGO_SETTINGS_MODULE"] == "fbss_clinic.settings.production"


def test_env_example_ships_no_usable_secret_key() -> None:
    assert env_example_values()["DJANGO_SECRET_KEY"] == ""


def test_env_example_database_url_matches_the_postgres_service_credentials() -> None:
    values = env_example_values()
    expected = (
        f"postgres://{values['POSTGRES_USER']}:{values['POSTGRES_PASSWORD']}@postgres:5432/{values['POSTGRES_DB']}"
    )
    assert values["DATABASE_URL"] == expected
    assert values["REDIS_URL"].startswith("redis://redis:6379/")


def test_dockerfile_builds_on_python_311_slim_and_runs_as_a_non_root_user() -> None:
    text = DOCKERFILE.read_text()
    assert re.search(r"^FROM python:3\.11-slim", text, re.MULTILINE)
    users = re.findall(r"^USER\s+(\S+)", text, re.MULTILINE)
    assert users and users[-1] not in {"root", "0"}


def test_dockerfile_collects_static_files_at_build_time() -> None:
    assert "manage.py collectstatic --noinput" in DOCKERFILE.read_text()


def test_env_file_and_local_state_stay_out_of_the_image() -> None:
    ignored = {line.strip() for line in (ROOT / ".dockerignore").read_text().splitlines()}
    assert {".env", ".venv", ".git", "var"} <= ignored
