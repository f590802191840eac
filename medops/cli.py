"""The `medops` command: generate demo exports, ingest, run the pipeline, serve the cockpit."""

from __future__ import annotations

import datetime as dt
import functools
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click

from dashboards.access import ROLES
from medops.settings import (
    DBT_PROJECT_DIR,
    REPO_ROOT,
    SettingsError,
    paths,
)

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


contracts_option = click.option(
    "--contracts",
    "contract_folders",
    multiple=True,
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="Also use the contracts (*.yml) in this folder; repeatable.",
)


def _contracts(folders: tuple[Path, ...]) -> list:
    """The bundled contracts, MEDOPS_CONTRACTS_DIR's and the folders given; a broken contract
    is a clear error, not a traceback."""
    from ingest.contracts import ContractError, contract_dirs, load_contracts

    try:
        return load_contracts(contract_dirs(list(folders)))
    except ContractError as exc:
        raise click.ClickException(str(exc)) from exc


def _report_line(report, check: bool) -> str:
    verb = {"loaded": "load", "rejected": "reject", "skipped": "skip"}[report.status]
    status = f"would {verb}" if check else report.status
    line = f"{status:12} {report.file}"
    if report.source:
        line += f" -> {report.source}"
    if report.status == "loaded":
        line += (
            f": read {report.rows_read}, loaded {report.rows_loaded}, "
            f"quarantined {report.rows_quarantined}"
        )
    if report.export_date:
        line += f", exported {report.export_date} (from the {report.export_date_from})"
    if report.reasons and report.status != "rejected":
        line += "  " + ", ".join(f"{k} x{v}" for k, v in report.reasons.items())
    if report.message:
        line += f"  ({report.message})"
    return ("WARNING " if report.warnings else "") + line


@main.command()
@click.argument("path", type=click.Path(exists=True, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="One JSON object per file.")
@contracts_option
@click.option(
    "--check",
    is_flag=True,
    help="Dry run: per file, the contract it matches and the rows that would load or be "
    "quarantined, with reasons. Nothing is written.",
)
def ingest(path: Path, as_json: bool, contract_folders: tuple[Path, ...], check: bool) -> None:
    """Load a file or a folder of exports into the warehouse's raw layer."""
    import duckdb

    from ingest.load import check_path, ingest_path

    contracts = _contracts(contract_folders)
    home = paths()
    if check:
        # the ledger says which files would be skipped; without a readable warehouse, none
        try:
            con = duckdb.connect(str(home.warehouse), read_only=True)
        except duckdb.Error:
            con = None
        try:
            reports = check_path(path, contracts, con)
        finally:
            if con is not None:
                con.close()
    else:
        home.home.mkdir(parents=True, exist_ok=True)
        con = duckdb.connect(str(home.warehouse))
        try:
            reports = ingest_path(con, path, contracts)
        finally:
            con.close()
    for report in reports:
        if as_json:
            click.echo(json.dumps(report.as_dict(), ensure_ascii=False))
        else:
            click.echo(_report_line(report, check))
    if any(r.status == "rejected" for r in reports):
        sys.exit(3)


@main.group()
def contract() -> None:
    """Source contracts: draft one for a new export."""


@contract.command("draft")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Where to write the draft (default ./<file name>.draft.yml).",
)
@contracts_option
def contract_draft(file: Path, out: Path | None, contract_folders: tuple[Path, ...]) -> None:
    """Write a draft YAML contract for an export FILE from its headers and values."""
    from ingest.contracts import ContractError
    from ingest.draft import draft_contract, render
    from ingest.readers import UnreadableFileError

    try:
        draft = draft_contract(file, contract_folders)
    except (ContractError, UnreadableFileError) as exc:
        raise click.ClickException(f"{file.name}: {exc}") from exc
    except Exception as exc:  # a file no reader understands: say so, without a traceback
        raise click.ClickException(
            f"{file.name}: cannot draft a contract ({type(exc).__name__}: {exc})"
        ) from exc
    out = out or Path(f"{file.stem}.draft.yml")
    out.write_text(render(draft), encoding="utf-8")
    matched = draft.source.source if draft.source else "no known source"
    click.echo(
        f"{file.name}: {len(draft.columns)} columns, {draft.rows:,} rows; most likely feeds "
        f"{matched}; draft written to {out}"
    )
    for lack in draft.lacks:
        click.echo(f"  lacks {lack}")


def _manifest_is_current() -> bool:
    """dbt's manifest is newer than every file of the dbt project, so a parse would change
    nothing (it saves a dbt start-up, several seconds, on each run)."""
    manifest = DBT_PROJECT_DIR / "target" / "manifest.json"
    if not manifest.exists():
        return False
    parsed = manifest.stat().st_mtime
    for folder, subfolders, files in os.walk(DBT_PROJECT_DIR):
        if Path(folder) == DBT_PROJECT_DIR:  # dbt's own output, not the project
            subfolders[:] = [d for d in subfolders if d not in ("target", "logs", "dbt_packages")]
        if any(os.stat(os.path.join(folder, name)).st_mtime > parsed for name in files):
            return False
    return True


@main.command()
@click.option(
    "--exports",
    type=click.Path(exists=True, path_type=Path),
    default=None,
    help="Folder of exports (default $MEDOPS_HOME/exports).",
)
@click.option("--verbose", is_flag=True, help="Print the full Dagster and dbt log here.")
@click.option(
    "--resume",
    is_flag=True,
    help="Re-execute the last nightly run from its failure when it failed or was killed (the "
    "steps that succeeded are kept); start a new run when it succeeded.",
)
@click.option(
    "--full",
    is_flag=True,
    help="Rebuild every dbt model, not only those downstream of the sources that changed "
    "since the last publish (after a manual dbt run against the warehouse, say).",
)
def run(exports: Path | None, verbose: bool, resume: bool, full: bool) -> None:
    """Run the nightly job: ingest, dbt build with its tests, blocking checks, publish.

    It runs as the Dagster daemon runs it (the job's own executor: its steps one after another
    in one process, one warehouse writer at a time) and is recorded in Dagster's run history
    ($DAGSTER_HOME)."""
    import dagster as dg

    from medops.engine import current_engine
    from medops.spark import SparkSetupError

    try:
        current_engine(paths()).check()
    except (SettingsError, SparkSetupError) as error:
        raise click.ClickException(str(error)) from None
    # the dbt assets are defined from dbt's manifest: parse first so it matches the models
    if not _manifest_is_current():
        subprocess.run(
            [str(Path(sys.executable).parent / "dbt"), "parse", "--quiet"],
            cwd=DBT_PROJECT_DIR,
            check=True,
        )
    from dagster_project.defs.recovery import fail_dead_runs
    from dagster_project.defs.sensors import record_failed_build
    from dagster_project.launch import last_nightly_run, resume_nightly, run_nightly

    exports = (exports or paths().exports).resolve()
    log_file = paths().home / "logs" / f"run-{dt.datetime.now():%Y%m%dT%H%M%S}.log"
    with dg.DagsterInstance.get() as instance:
        for run_id in fail_dead_runs(instance):
            click.echo(f"marked run {run_id} failed: its process had died")
        last = last_nightly_run(instance) if resume else None
        if last is not None and last.status != dg.DagsterRunStatus.SUCCESS:
            click.echo(f"re-executing run {last.run_id} from its failure")
            launch = functools.partial(resume_nightly, instance, last.run_id)
        else:
            launch = functools.partial(run_nightly, instance, exports, full=full)
        if verbose:
            result = launch()
        else:
            click.echo(f"running the nightly job; full log in {log_file}")
            with _output_to(log_file):
                result = launch()
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
@click.option("--from", "first_day", type=click.DateTime(formats=["%Y-%m-%d"]), required=True)
@click.option("--to", "last_day", type=click.DateTime(formats=["%Y-%m-%d"]), required=True)
@click.option(
    "--no-build", is_flag=True, help="Load the batches only; the next nightly run rebuilds."
)
@click.pass_context
def backfill(
    ctx: click.Context, first_day: dt.datetime, last_day: dt.datetime, no_build: bool
) -> None:
    """Load the landing archive's batches of the days FROM..TO again (the daily partitions of
    the asset archived_exports, in one run), then run the nightly job to rebuild and publish.

    Files already loaded with the same content are skipped: it restores what a warehouse is
    missing (lost, or restored from an older backup) and retries files rejected under an older
    contract."""
    import tempfile

    import dagster as dg

    if last_day < first_day:
        raise click.ClickException("--to is before --from")
    from dagster_project.launch import run_backfill

    first, last = f"{first_day:%Y-%m-%d}", f"{last_day:%Y-%m-%d}"
    with dg.DagsterInstance.get() as instance:
        with _output_to(paths().home / "logs" / f"backfill-{dt.datetime.now():%Y%m%dT%H%M%S}.log"):
            result = run_backfill(instance, first, last)
    if not result.success:
        raise click.ClickException(
            f"backfill run {result.run_id} of {first}..{last} failed; see the Dagster UI"
        )
    # one materialization per day of the range, each with the run's figures
    materialization = result.asset_materializations_for_node("archived_exports")[0]
    metadata = {key: value.value for key, value in materialization.metadata.items()}
    click.echo(
        f"backfill run {result.run_id}: {metadata['batches']} archived batches of {first}..{last} "
        f"loaded again, files {metadata['files']}"
    )
    if not no_build:
        with tempfile.TemporaryDirectory() as no_new_exports:
            ctx.invoke(run, exports=Path(no_new_exports), verbose=False, resume=False)


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
@click.option(
    "--address",
    default=lambda: os.environ.get("MEDOPS_COCKPIT_ADDRESS", "127.0.0.1"),
    show_default="127.0.0.1 or $MEDOPS_COCKPIT_ADDRESS",
    help="Interface to listen on; put a TLS reverse proxy in front (see docs/cockpit-access.md) "
    "rather than opening it to the network.",
)
@click.option("--headless/--browser", default=True, show_default=True)
def serve(port: int, address: str, headless: bool) -> None:
    """Serve the cockpit (Streamlit) on http://ADDRESS:PORT (localhost by default)."""
    raise SystemExit(subprocess.call(_streamlit_command(port, address, headless)))


def _streamlit_command(port: int, address: str, headless: bool) -> list[str]:
    return [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(COCKPIT_ENTRY),
        "--server.address",
        address,
        "--server.port",
        str(port),
        "--server.headless",
        str(headless).lower(),
        "--browser.gatherUsageStats",
        "false",
    ]


@main.group(name="users")
def users_group() -> None:
    """Manage the cockpit's users ($MEDOPS_USERS_FILE, default $MEDOPS_HOME/users.yaml)."""


@users_group.command(name="add")
@click.argument("username")
@click.option("--name", required=True, help="Display name, e.g. 张伟.")
@click.option(
    "--role",
    required=True,
    type=click.Choice(list(ROLES)),
)
@click.option("--employee-id", default=None, help="The user's 工号 in the CRM org hierarchy.")
@click.option("--unit-id", default=None, help="An org unit (region, province unit or team) id.")
@click.option("--email", default=None, help="SSO (OIDC) email that logs this user in.")
@click.option(
    "--password-stdin", is_flag=True, help="Read the password from stdin instead of a prompt."
)
@click.option("--sso-only", is_flag=True, help="No password: log in through SSO only.")
def users_add(
    username: str,
    name: str,
    role: str,
    employee_id: str | None,
    unit_id: str | None,
    email: str | None,
    password_stdin: bool,
    sso_only: bool,
) -> None:
    """Add a user (or replace one of the same name); the password is stored bcrypt-hashed."""
    from dashboards import users

    if sso_only:
        password = None
    elif password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        users.add_user(username, name, role, password, employee_id, unit_id, email)
    except ValueError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"user {username} ({role}) saved to {users.users_file()}")


@users_group.command(name="list")
def users_list() -> None:
    """List the users: name, role, org link, SSO email, disabled or not."""
    from dashboards import users

    for user in users.load_users().values():
        link = user.employee_id or user.unit_id or "-"
        state = "disabled" if user.disabled else "active"
        click.echo(
            f"{user.username:20} {user.role:17} {link:12} {user.email or '-':28} "
            f"{state:8} {user.name}"
        )


@users_group.command(name="disable")
@click.argument("username")
@click.option("--enable", is_flag=True, help="Enable the user again instead.")
def users_disable(username: str, enable: bool) -> None:
    """Disable a user: they cannot log in, and an open session ends at its next page run."""
    from dashboards import users

    try:
        users.set_disabled(username, not enable)
    except KeyError as error:
        raise click.ClickException(f"no user {username}") from error
    click.echo(f"user {username} {'enabled' if enable else 'disabled'}")


def _scales(_ctx, _param, value: str) -> list[float]:
    try:
        scales = [float(part) for part in value.split(",") if part.strip()]
    except ValueError as error:
        raise click.BadParameter(f"a comma-separated list of numbers, not {value!r}") from error
    if not scales or any(scale <= 0 for scale in scales):
        raise click.BadParameter("give at least one scale, each above 0")
    return sorted(scales)


@main.command()
@click.option(
    "--scales",
    default="0.1,1,10",
    show_default=True,
    callback=_scales,
    help="Comma-separated export scales (1 = 30,000 customers).",
)
@click.option("--repeat", type=click.IntRange(min=1), default=3, show_default=True)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Folder for exports, work files and the report (default $MEDOPS_HOME/bench).",
)
@click.option("--seed", type=int, default=42, show_default=True)
@click.option(
    "--sessions",
    type=click.IntRange(min=0),
    default=50,
    show_default=True,
    help="Concurrent cockpit sessions in headless Chromium (0: none).",
)
@click.option("--session-seconds", type=float, default=120, show_default=True)
@click.option(
    "--write-benchmarks",
    is_flag=True,
    help="Also replace the generated section of the repository's BENCHMARKS.md and its chart.",
)
@click.option(
    "--incremental/--no-incremental",
    default=True,
    show_default=True,
    help="Also measure the one-day incremental run (two more nightly runs per scale).",
)
@click.option(
    "--keep-homes",
    is_flag=True,
    help="Keep each scale's home of the nightly job (warehouse and published copy) under "
    "--out/work/scale-S/dagster_home, e.g. for the browser page benchmark.",
)
@click.option(
    "--include",
    "included",
    multiple=True,
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help="An earlier run's report.json: its scales that this run does not measure are added "
    "to the report (e.g. scale 10, measured separately). Repeatable.",
)
@click.option("--note", default="", help="A line to print above the figures (e.g. the load).")
def bench(
    scales: list[float],
    repeat: int,
    out: Path | None,
    seed: int,
    sessions: int,
    session_seconds: float,
    write_benchmarks: bool,
    incremental: bool,
    keep_homes: bool,
    included: tuple[Path, ...],
    note: str,
) -> None:
    """Measure the nightly run stage by stage at each scale, against DuckDB, Polars and the
    compiled SQL, and the cockpit's queries and sessions; write report.json, a BENCHMARKS.md
    section and a chart to --out (see BENCHMARKS.md, "Method")."""
    from medops.bench.report import CHART_NAME, include_runs, update_benchmarks_md, write_outputs
    from medops.bench.runner import run_bench

    out = (out or paths().home / "bench").resolve()
    try:
        earlier = [json.loads(path.read_text(encoding="utf-8")) for path in included]
        include_runs({"scales": []}, earlier)
    except (json.JSONDecodeError, KeyError, TypeError) as error:
        raise click.ClickException(
            f"--include: not a report.json of medops bench ({error})"
        ) from None
    try:
        report = run_bench(
            scales, repeat, out, seed, sessions, session_seconds, click.echo, incremental,
            keep_homes,
        )  # fmt: skip
    except RuntimeError as error:
        raise click.ClickException(str(error)) from error
    _, section = write_outputs(include_runs(report, earlier), out, note)
    if write_benchmarks:
        update_benchmarks_md(REPO_ROOT / "BENCHMARKS.md", section, out / CHART_NAME)
    click.echo(
        f"report: {out / 'report.json'}, {out / 'BENCHMARKS.section.md'}, {out / CHART_NAME}"
    )


@main.command()
@click.option("--port", type=int, default=8580, show_default=True)
@click.option("--address", default="127.0.0.1", show_default=True)
@click.option("--no-serve", is_flag=True, help="Generate the site only.")
@click.option(
    "--compile/--no-compile",
    "compile_sql",
    default=True,
    show_default=True,
    help="Include each model's compiled SQL (--no-compile: about half the time).",
)
def docs(port: int, address: str, no_serve: bool, compile_sql: bool) -> None:
    """Generate the analysts' reference site (dbt docs: models, columns, tests, metrics, and the
    lineage from each source to the cockpit pages) and serve it on http://ADDRESS:PORT."""
    from medops import docs_site

    _pin_home()
    click.echo("generating the docs site (dbt docs generate) ...")
    try:
        index = docs_site.generate(compile_sql=compile_sql)
    except docs_site.DocsError as error:
        raise click.ClickException(f"dbt docs generate failed:\n{error}") from None
    click.echo(f"site written to {index}")
    if no_serve:
        return
    click.echo(f"docs on http://{address}:{port}  (Ctrl+C stops it)")
    try:
        docs_site.serve(index.parent, port, address)
    except KeyboardInterrupt:
        pass


@main.command()
@click.argument("metric_names", nargs=-1)
@click.option("--by", "group_by", multiple=True, help="Dimension, e.g. metric_time__month.")
@click.option(
    "--where",
    "filters",
    multiple=True,
    help="DIMENSION=VALUE (repeat for several values), e.g. quota_month__region_name=华东.",
)
@click.option("--from", "time_from", type=click.DateTime(["%Y-%m-%d"]), default=None)
@click.option("--to", "time_to", type=click.DateTime(["%Y-%m-%d"]), default=None)
@click.option("--sql", "show_sql", is_flag=True, help="Print the SQL instead of running it.")
def metrics(metric_names, group_by, filters, time_from, time_to, show_sql) -> None:
    """Query the semantic layer: the metrics of dbt/models/semantic on the warehouse. Without
    names, list the metrics and their 口径."""
    from medops import semantic

    try:
        if not metric_names:
            for name, metric in semantic.metric_definitions().items():
                click.echo(f"{name}  {metric['label']}\n    {metric['description']}")
            return
        chosen: dict[str, list[str]] = {}
        for item in filters:
            dimension, sep, value = item.partition("=")
            if not sep:
                raise click.BadParameter(f"{item!r} is not DIMENSION=VALUE", param_hint="--where")
            chosen.setdefault(dimension, []).append(value)
        query = semantic.MetricQuery(
            tuple(metric_names),
            tuple(group_by),
            chosen,
            time_from.date() if time_from else None,
            time_to.date() if time_to else None,
        )
        if show_sql:
            click.echo(semantic.compile_sql(query)[0])
            return
        frame = semantic.query_metrics(paths().warehouse, query)
    except semantic.SemanticLayerError as error:
        raise click.ClickException(str(error)) from None
    click.echo(frame.to_string(index=False))


@main.command("metadata-check")
@click.option(
    "--with-warehouse/--manifest-only",
    default=True,
    show_default=True,
    help="Also compare each model's documented columns with the warehouse's (when built).",
)
def metadata_check(with_warehouse: bool) -> None:
    """Check the dbt project's metadata (run `dbt parse` first): every model and column
    described, every mart with an enforced contract and a primary-key test."""
    from medops import metadata

    try:
        manifest = metadata.load_manifest()
    except FileNotFoundError as error:
        raise click.ClickException(str(error)) from None
    columns = None
    if with_warehouse and paths().warehouse.exists():
        columns = metadata.warehouse_columns(paths().warehouse)
    found = metadata.problems(manifest, columns)
    for line in found:
        click.echo(line)
    if found:
        raise click.ClickException(f"{len(found)} metadata problem(s)")
    click.echo("metadata complete: every model and column described, every mart keyed")


@main.group()
def report() -> None:
    """Reports for finance (Excel)."""


@report.command("monthly")
@click.option(
    "--month",
    required=True,
    type=click.DateTime(["%Y-%m"]),
    help="The month to pack, YYYY-MM (a closed month; see --from-marts).",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Workbook to write [default: $MEDOPS_HOME/reports/monthly-YYYY-MM.xlsx].",
)
@click.option(
    "--from-marts",
    is_flag=True,
    help="Pack a month not yet closed from the current marts (its figures can still change).",
)
def report_monthly(month: dt.datetime, out: Path | None, from_marts: bool) -> None:
    """The month-end pack: aging by bucket and org unit, DSO trend, overdue list with late
    fees, compliance exceptions and the deal-to-cash summary, in one workbook."""
    from medops.monthly_report import ReportError, write_monthly_pack

    first = month.date().replace(day=1)
    out = out or paths().home / "reports" / f"monthly-{first:%Y-%m}.xlsx"
    try:
        written = write_monthly_pack(paths().warehouse, first, out, from_marts)
    except ReportError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"wrote {written}")


@main.command()
@click.option("--scale", type=float, default=0.05, show_default=True)
@click.option("--seed", type=int, default=42, show_default=True)
@click.option("--port", type=int, default=8501, show_default=True)
@click.option("--no-serve", is_flag=True, help="Build only; do not start the cockpit.")
@click.pass_context
def demo(ctx: click.Context, scale: float, seed: int, port: int, no_serve: bool) -> None:
    """Generate demo exports, run the pipeline, and serve the cockpit: one progress line per
    step, the cockpit's URL (and the demo login) last."""
    exports = paths().exports
    click.echo("[1/4] demo exports ...")
    if not any(exports.glob("*/*")):
        ctx.invoke(generate, scale=scale, seed=seed, dirty_rate=0.005, out=exports)
    click.echo("[2/4] ingest, dbt build, publish (a few minutes) ...")
    ctx.invoke(run, exports=exports, verbose=False)
    click.echo("[3/4] demo login ...")
    login = _demo_login()
    if no_serve:
        click.echo(login)
        return
    click.echo("[4/4] starting the cockpit ...")
    url = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [*_streamlit_command(port, "127.0.0.1", headless=True), "--logger.level", "warning"],
        stdout=subprocess.DEVNULL,  # Streamlit's own banner would bury the URL
    )
    if _wait_healthy(url, server):
        click.echo(f"{login}\ncockpit on {url}  (Ctrl+C stops it)")
    raise SystemExit(server.wait())


def _demo_login() -> str:
    """A demo executive user, created with a random password when the users file has none."""
    import secrets

    from dashboards import users

    if users.load_users():
        return f"log in with a user of {users.users_file()} (`medops users list`)"
    password = secrets.token_urlsafe(12)
    users.add_user("demo", "演示用户", "executive", password)
    return f"log in as demo / {password} (saved hashed in {users.users_file()})"


def _wait_healthy(url: str, server: subprocess.Popen, timeout: float = 60) -> bool:
    import time
    import urllib.request

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and server.poll() is None:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2):
                return True
        except OSError:
            time.sleep(0.5)
    return False
