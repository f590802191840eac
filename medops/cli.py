"""The `medops` command: generate demo exports, ingest, run the pipeline, serve the cockpit."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click

from medops.settings import DBT_PROJECT_DIR, REPO_ROOT, paths

COCKPIT_ENTRY = REPO_ROOT / "dashboards" / "app.py"
DAGSTER_INSTANCE_SETTINGS = REPO_ROOT / "deploy" / "dagster.yaml"


def _pin_home() -> None:
    """Resolve MEDOPS_HOME once so dbt and Dagster, run as children, agree with us; give a new
    DAGSTER_HOME the deployment's instance settings (run queue, run monitoring)."""
    os.environ["MEDOPS_HOME"] = str(paths().home)
    os.environ.setdefault("DAGSTER_HOME", str(paths().home / "dagster"))
    dagster_home = Path(os.environ["DAGSTER_HOME"])
    dagster_home.mkdir(parents=True, exist_ok=True)
    if not (dagster_home / "dagster.yaml").exists():
        shutil.copyfile(DAGSTER_INSTANCE_SETTINGS, dagster_home / "dagster.yaml")


@contextmanager
def _output_to(log_file: Path) -> Iterator[None]:
    """Send this process's and its children's stdout and stderr to ``log_file`` (dbt prints
    thousands of lines; the run's steps are child processes, so Python-level redirection would
    not reach them)."""
    log_file.parent.mkdir(parents=True, exist_ok=True)
    sys.stdout.flush()
    sys.stderr.flush()
    saved = os.dup(1), os.dup(2)
    with open(log_file, "ab") as log:
        os.dup2(log.fileno(), 1)
        os.dup2(log.fileno(), 2)
    try:
        yield
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os.dup2(saved[0], 1)
        os.dup2(saved[1], 2)
        os.close(saved[0])
        os.close(saved[1])


@click.group()
def main() -> None:
    """MedOps: sales, receivables and service analytics for medical-device companies."""
    _pin_home()


@main.command()
@click.option("--scale", type=float, default=0.01, show_default=True, help="1 = 30,000 customers.")
@click.option("--seed", type=int, default=42, show_default=True)
@click.option(
    "--dirty-rate",
    type=float,
    default=0.005,
    show_default=True,
    help="Share of rows per file with planted data-quality problems.",
)
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    default=None,
    help="Folder for the exports (default $MEDOPS_HOME/exports).",
)
def generate(scale: float, seed: int, dirty_rate: float, out: Path | None) -> None:
    """Write a realistic, deterministic set of CRM, ERP and service exports."""
    from medops.generator import generate_exports

    out = out or paths().exports
    summary = generate_exports(out, scale=scale, seed=seed, dirty_rate=dirty_rate)
    rows = sum(summary["files"].values())
    click.echo(
        f"wrote {len(summary['files'])} files, {rows:,} rows to {out} in {summary['seconds']:.1f} s"
    )


@main.command()
@click.argument("path", type=click.Path(exists=True, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="One JSON object per file.")
def ingest(path: Path, as_json: bool) -> None:
    """Load a file or a folder of exports into the warehouse's raw layer."""
    import duckdb

    from ingest.load import ingest_path

    home = paths()
    home.home.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(home.warehouse))
    try:
        reports = ingest_path(con, path)
    finally:
        con.close()
    for report in reports:
        if as_json:
            click.echo(json.dumps(report.as_dict(), ensure_ascii=False))
            continue
        line = (
            f"{report.status:8} {report.file}: read {report.rows_read}, "
            f"loaded {report.rows_loaded}, quarantined {report.rows_quarantined}"
        )
        if report.reasons:
            line += "  " + ", ".join(f"{k} x{v}" for k, v in report.reasons.items())
        if report.message:
            line += f"  ({report.message})"
        click.echo(line)
    if any(r.status == "rejected" for r in reports):
        sys.exit(3)


@main.command()
@click.option(
    "--exports",
    type=click.Path(exists=True, path_type=Path),
    default=None,
    help="Folder of exports (default $MEDOPS_HOME/exports).",
)
@click.option("--verbose", is_flag=True, help="Print the full Dagster and dbt log here.")
def run(exports: Path | None, verbose: bool) -> None:
    """Run the nightly job: ingest, dbt build with its tests, blocking checks, publish.

    It runs as the Dagster daemon runs it (each step in its own process, one warehouse writer
    at a time) and is recorded in Dagster's run history ($DAGSTER_HOME)."""
    import dagster as dg

    # the dbt assets are defined from dbt's manifest: parse first so it matches the models
    subprocess.run(
        [str(Path(sys.executable).parent / "dbt"), "parse", "--quiet"],
        cwd=DBT_PROJECT_DIR,
        check=True,
    )
    from dagster_project.defs.recovery import fail_dead_runs
    from dagster_project.defs.sensors import record_failed_build
    from dagster_project.launch import run_nightly

    exports = (exports or paths().exports).resolve()
    log_file = paths().home / "logs" / f"run-{dt.datetime.now():%Y%m%dT%H%M%S}.log"
    with dg.DagsterInstance.get() as instance:
        for run_id in fail_dead_runs(instance):
            click.echo(f"marked run {run_id} failed: its process had died")
        if verbose:
            result = run_nightly(instance, exports)
        else:
            click.echo(f"running the nightly job; full log in {log_file}")
            with _output_to(log_file):
                result = run_nightly(instance, exports)
        if not result.success:
            failures = record_failed_build(instance, result.run_id)
            click.echo(f"run {result.run_id} failed; the published copy was left as it was:")
            for failure in failures:
                click.echo("  - " + failure.replace("\n", "\n    "))
            raise SystemExit(1)
    click.echo(
        f"run {result.run_id}: warehouse built, checks passed, published to {paths().published}"
    )


@main.command()
@click.option(
    "--to",
    "to",
    type=click.DateTime(formats=["%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d"]),
    default=None,
    help="Restore the newest copy published at or before this time (default: the one before "
    "the current copy).",
)
@click.option("--list", "list_only", is_flag=True, help="List the kept copies; change nothing.")
def rollback(to: dt.datetime | None, list_only: bool) -> None:
    """Put back an earlier published copy of the marts (the last 7 are kept), atomically."""
    from medops.publish import RollbackError, current_copy_id, published_copies
    from medops.publish import rollback as restore

    home = paths()
    if list_only:
        current = current_copy_id(home)
        for copy in published_copies(home):
            marker = "*" if copy.copy_id == current else " "
            failed = len(copy.audit["checks"]["failed"])
            click.echo(
                f"{marker} {copy.published_at:%Y-%m-%d %H:%M:%S}  run {copy.audit['run_id'][:8]}"
                f"  {len(copy.audit['files'])} files  {copy.audit['checks']['total']} checks"
                f" ({failed} warnings)  code {copy.audit['code_version'] or '?'}"
            )
        return
    try:
        copy = restore(home, to)
    except RollbackError as error:
        raise click.ClickException(str(error)) from error
    click.echo(
        f"published copy of {copy.published_at:%Y-%m-%d %H:%M:%S} (run {copy.audit['run_id']}) "
        "restored"
    )


@main.command()
@click.option("--port", type=int, default=8501, show_default=True)
@click.option("--headless/--browser", default=True, show_default=True)
def serve(port: int, headless: bool) -> None:
    """Serve the cockpit (Streamlit) on http://localhost:PORT."""
    command = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(COCKPIT_ENTRY),
        "--server.port",
        str(port),
        "--server.headless",
        str(headless).lower(),
        "--browser.gatherUsageStats",
        "false",
    ]
    raise SystemExit(subprocess.call(command))


@main.command()
@click.option("--scale", type=float, default=0.05, show_default=True)
@click.option("--seed", type=int, default=42, show_default=True)
@click.option("--port", type=int, default=8501, show_default=True)
@click.option("--no-serve", is_flag=True, help="Build only; do not start the cockpit.")
@click.pass_context
def demo(ctx: click.Context, scale: float, seed: int, port: int, no_serve: bool) -> None:
    """Generate demo exports, run the pipeline, and serve the cockpit."""
    exports = paths().exports
    if not any(exports.glob("*/*")):
        ctx.invoke(generate, scale=scale, seed=seed, dirty_rate=0.005, out=exports)
    ctx.invoke(run, exports=exports)
    if not no_serve:
        click.echo(f"cockpit on http://localhost:{port}")
        ctx.invoke(serve, port=port, headless=True)
