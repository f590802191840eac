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

from medops.settings import DBT_PROJECT_DIR, Paths, paths


class WarehouseResource(dg.ConfigurableResource):
    """Where the warehouse lives ($MEDOPS_HOME). Connections are opened per step and closed
    before dbt runs, because DuckDB admits one writing process at a time."""

    home: str

    @property
    def paths(self) -> Paths:
        return Paths(home=Path(self.home))

    @contextmanager
    def connect(self) -> Iterator[duckdb.DuckDBPyConnection]:
        self.paths.home.mkdir(parents=True, exist_ok=True)
        con = duckdb.connect(str(self.paths.warehouse))
        try:
            yield con
        finally:
            con.close()


# dbt runs as a subprocess; its profile reads MEDOPS_HOME, so pin the resolved home for it.
os.environ.setdefault("MEDOPS_HOME", str(paths().home))
# Python assets sit between dbt models (customer matching, forecasts), so Dagster runs dbt in
# several steps. dbt's default "eager" test selection would run a test in the step that builds
# any one of its parents, before the others exist (a relationships test on a model built later
# than its seed). "buildable" runs each test in the step that builds the last of its parents.
os.environ.setdefault("DBT_INDIRECT_SELECTION", "buildable")

# dbt is installed beside this interpreter; PATH need not include the virtualenv.
DBT_EXECUTABLE = str(Path(sys.executable).parent / "dbt")

dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)
dbt_project.prepare_if_dev()
if not dbt_project.manifest_path.exists():
    # a fresh clone has no manifest yet; the dbt assets cannot be defined without one
    dbt_project.preparer.prepare(dbt_project)


def build_resources() -> dict:
    return {
        "warehouse": WarehouseResource(home=str(paths().home)),
        "dbt": DbtCliResource(project_dir=dbt_project, dbt_executable=DBT_EXECUTABLE),
    }
