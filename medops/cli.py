"""The `medops` command: generate demo exports, ingest, run the pipeline, serve the cockpit."""

from __future__ import annotations

import contextlib
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import click

from dashboards.access import ROLES
from medops.settings import DBT_PROJECT_DIR, REPO_ROOT, paths

COCKPIT_ENTRY = REPO_ROOT / "dashboards" / "app.py"


def _pin_home() -> None:
    """Resolve MEDOPS_HOME once so dbt and Dagster, run as children, agree with us."""
    os.environ["MEDOPS_HOME"] = str(paths().home)
    os.environ.setdefault("DAGSTER_HOME", str(paths().home / "dagster"))
    Path(os.environ["DAGSTER_HOME"]).mkdir(parents=True, exist_ok=True)
    # an empty instance config: the defaults, without Dagster's warning that it is missing
    (Path(os.environ["DAGSTER_HOME"]) / "dagster.yaml").touch(exist_ok=True)


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
@click.option(
    "--log-level",
    type=click.Choice(["DEBUG", "INFO", "WARNING", "ERROR"]),
    default="INFO",
    show_default=True,
    help="Dagster's console log level (`medops demo` runs with ERROR, dbt's lines kept back).",
)
def run(exports: Path | None, log_level: str = "INFO") -> None:
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
    # Below INFO, dbt's own progress lines (which dagster-dbt echoes to stdout) are kept in
    # memory and shown only if the run fails.
    quiet = log_level in ("WARNING", "ERROR")
    captured = io.StringIO()
    with contextlib.redirect_stdout(captured) if quiet else contextlib.nullcontext():
        result = job.execute_in_process(
            run_config={
                "ops": {"raw_exports": {"config": {"exports_dir": str(exports)}}},
                "loggers": {"console": {"config": {"log_level": log_level}}},
            },
            instance=dg.DagsterInstance.get(),
            raise_on_error=False,
        )
    if not result.success:
        if quiet:
            click.echo("\n".join(captured.getvalue().splitlines()[-60:]))
        raise click.ClickException("pipeline failed; see the log above")
    click.echo(f"warehouse built; cockpit data published to {paths().published}")


@main.command()
@click.option("--port", type=int, default=8501, show_default=True)
@click.option(
    "--address",
    default=lambda: os.environ.get("MEDOPS_COCKPIT_ADDRESS", "127.0.0.1"),
    show_default="127.0.0.1 or $MEDOPS_COCKPIT_ADDRESS",
    help="Interface to listen on; put a TLS reverse proxy in front (see README) rather than "
    "opening it to the network.",
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
    ctx.invoke(run, exports=exports, log_level="ERROR")
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
