"""The database connection as every process gets it from settings."""

import pytest
from django.db import connection

from fbss_clinic.settings.base import database_from_env


@pytest.mark.django_db
def test_postgresql_runs_without_jit():
    assert connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == "off"


def test_sqlite_gets_no_postgresql_options(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "sqlite:///demo.sqlite3")
    config = database_from_env("sqlite:///unused.sqlite3")
    assert "options" not in config["OPTIONS"] and config["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
