"""Resources shared by the asset modules: the warehouse file and the dbt project."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg
import duckdb
from dagster_dbt import DbtCliResource, DbtProject

from dagster_project import run_history
from medops.engine import Engine, current_engine
from medops.settings import DBT_PROJECT_DIR, Paths, paths

LOCK_RETRIES = 3
LOCK_RETRY_SECONDS = 20


class WarehouseResource(dg.ConfigurableResource):
    """Where the warehouse lives: ``home``, or $MEDOPS_HOME read when a step runs (the steps of
    a run share one process, which may run jobs for several homes, as the tests do).
    Connections are opened per step and closed before dbt runs, because DuckDB admits one
    writing process at a time."""

    home: str | None = None

    @property
    def paths(self) -> Paths:
        return Paths(home=Path(self.home)) if self.home else paths()

    @property
    def engine(self) -> Engine:
        """The engine that builds the dbt models (MEDOPS_ENGINE, read when a step runs)."""
        return current_engine(self.paths)

    @contextmanager
    def connect(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A writing connection. A lock held by another process (a second run, an analyst's
        shell) is transient: the step is retried by Dagster with a growing wait."""
        self.paths.home.mkdir(parents=True, exist_ok=True)
        try:
            con = duckdb.connect(str(self.paths.warehouse))
        except duckdb.IOException as error:
            if "lock" not in str(error).lower():
                raise
            raise dg.RetryRequested(
                max_retries=LOCK_RETRIES, seconds_to_wait=LOCK_RETRY_SECONDS
            ) from error
        try:
            yield con
        finally:
            con.close()


# every process that loads these definitions writes Dagster's run history (see run_history)
run_history.install()

# dbt runs as a subprocess; its profile reads MEDOPS_HOME, so pin the resolved home for it.
os.environ.setdefault("MEDOPS_HOME", str(paths().home))
# Python assets sit between dbt models (customer matching, forecasts), so Dagster runs dbt in
# several steps. dbt's default "eager" test selection would run a test in the step that builds
# any one of its parents, before the others exist (a relationships test on a model built later
# than its seed). "buildable" runs each test in the step that builds the last of its parents.
os.environ.setdefault("DBT_INDIRECT_SELECTION", "buildable")

# dbt is installed beside this interpreter, and PATH need not include the virtualenv
# (`.venv/bin/dagster dev` started by a service manager has the system PATH only).
VENV_BIN = Path(sys.executable).parent
DBT_EXECUTABLE = str(VENV_BIN / "dbt")
# dagster-dbt's own preparer (the `dbt parse` that `dagster dev` runs on load) calls whichever
# `dbt` is on PATH: put this virtualenv's first, for this process and the run workers it starts.
if os.environ.get("PATH", "").split(os.pathsep)[0] != str(VENV_BIN):
    os.environ["PATH"] = os.pathsep.join([str(VENV_BIN), os.environ.get("PATH", "")])

dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)
dbt_project.prepare_if_dev()
if not dbt_project.manifest_path.exists():
    # a fresh clone has no manifest yet; the dbt assets cannot be defined without one
    dbt_project.preparer.prepare(dbt_project)


class WarehouseDbtResource(DbtCliResource):
    """dagster-dbt's dbt CLI resource without its in-process dbt adapter. Before each dbt
    command dagster-dbt loads dbt's adapter in this process (the project's macros parsed again:
    about 2.7 s, four times a night) to serve two opt-in fetches, row counts and column
    metadata, which this project does not use. dbt itself runs as before, in its own process.
    (An override of a private method: `tests/test_definitions.py` fails if dagster-dbt renames
    it, so an upgrade cannot silently bring the cost back.)"""

    def _initialize_dbt_core_adapter(self, args):  # noqa: ARG002
        return None


def model_relation(key: dg.AssetKey) -> str:
    """A dbt model's or seed's `schema.name` (its asset key is its schema and name)."""
    return ".".join(key.path)


def build_resources() -> dict:
    return {
        "warehouse": WarehouseResource(),
        "dbt": WarehouseDbtResource(project_dir=dbt_project, dbt_executable=DBT_EXECUTABLE),
    }
