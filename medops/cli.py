"""The `medops` command: generate demo exports, ingest, run the pipeline, serve the cockpit."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import click

from medops.settings import DBT_PROJECT_DIR, REPO_ROOT, paths

COCKPIT_ENTRY = REPO_ROOT / "dashboards" / "app.py"


def _pin_home() -> None:
    """Resolve MEDOPS_HOME once so dbt and Dagster, run as children, agree with us."""
    os.environ["MEDOPS_HOME"] = str(paths().home)
    os.environ.setdefault("DAGSTER_HOME", str(paths().home / "dagster"))
    Path(os.environ["DAGSTER_HOME"]).mkdir(parents=True, exist_ok=True)


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
def run(exports: Path | None) -> None:
    """Run the whole pipeline in-process: ingest, dbt build, publish."""
    import dagster as dg

    # the dbt assets are defined from dbt's manifest: parse first so it matches the models
    subprocess.run(
        [str(Path(sys.executable).parent / "dbt"), "parse", "--quiet"],
        cwd=DBT_PROJECT_DIR,
        check=True,
    )
    from dagster_project.definitions import defs

    exports = (exports or paths().exports).resolve()
    job = defs.resolve_job_def("nightly_warehouse")
    result = job.execute_in_process(
        run_config={"ops": {"raw_exports": {"config": {"exports_dir": str(exports)}}}},
        instance=dg.DagsterInstance.get(),
    )
    if not result.success:
        raise click.ClickException("pipeline failed; see the log above")
    click.echo(f"warehouse built; cockpit data published to {paths().published}")


@main.command()
@click.option("--provider", type=click.Choice(["amap", "baidu"]), required=True)
@click.option(
    "--limit",
    type=int,
    default=2000,
    show_default=True,
    help="At most this many requests to the provider in this run (the rest wait for the next).",
)
def geocode(provider: str, limit: int) -> None:
    """Geocode customers not located by check-ins with an online map API (optional).

    Needs MEDOPS_AMAP_KEY or MEDOPS_BAIDU_AK and the company's consent to send customer
    addresses to the provider. Answers are cached in the warehouse (geo_cache.online_geocodes)
    and used by the next `medops run`; an address is never asked twice.
    """
    import duckdb

    from medops.geo.online import GeocoderError, OnlineGeocoder

    try:
        con = duckdb.connect(str(paths().warehouse))
        geocoder = OnlineGeocoder(con, provider)
        pending = con.execute(
            "select distinct accounts.address, coalesce(accounts.city, '')"
            " from intermediate.int_geo__locations as locations"
            " join staging.stg_crm__accounts as accounts"
            " on locations.location_type = 'customer'"
            " and locations.location_id = accounts.account_id"
            " where locations.coordinate_precision not in ('point', 'street')"
            " and accounts.address is not null"
        ).fetchall()
        found = looked_at = 0
        for address, city in pending:
            if geocoder.requests >= limit:
                break
            looked_at += 1
            found += geocoder.geocode(address, city or None).coordinate_precision in (
                "point",
                "street",
            )
    except (GeocoderError, duckdb.Error) as error:
        raise click.ClickException(str(error)) from error
    click.echo(
        f"{provider}: {len(pending):,} addresses without a point; {looked_at:,} looked up "
        f"({geocoder.requests:,} asked, the rest from the cache), {found:,} at a point or street"
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
