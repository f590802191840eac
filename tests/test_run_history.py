"""Dagster's SQLite run history is written at the durability MEDOPS_RUN_HISTORY_SYNC asks for."""

from __future__ import annotations

import pytest
import sqlalchemy

import dagster_project.resources  # noqa: F401  (installs the setting, as the definitions do)
from dagster_project import run_history

# SQLite's own codes for `pragma synchronous`
SQLITE_CODES = {"off": 0, "normal": 1, "full": 2}


def _synchronous(path) -> int:
    engine = sqlalchemy.create_engine(f"sqlite:///{path}", poolclass=sqlalchemy.pool.NullPool)
    with engine.connect() as connection:
        return connection.execute(sqlalchemy.text("pragma synchronous")).scalar_one()


@pytest.mark.parametrize("level", ["off", "normal", "full"])
def test_every_sqlite_connection_gets_the_configured_level(tmp_path, monkeypatch, level):
    monkeypatch.setenv(run_history.SYNC_SETTING, level)
    assert _synchronous(tmp_path / "history.db") == SQLITE_CODES[level]


def test_without_a_setting_the_history_does_not_wait_for_the_disk(tmp_path, monkeypatch):
    monkeypatch.delenv(run_history.SYNC_SETTING, raising=False)
    assert _synchronous(tmp_path / "history.db") == SQLITE_CODES["off"]


def test_a_wrong_value_is_refused_before_a_run(monkeypatch):
    monkeypatch.setenv(run_history.SYNC_SETTING, "sometimes; drop table runs")
    with pytest.raises(ValueError, match="use one of off, normal, full"):
        run_history.install()
