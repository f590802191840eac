"""The reference site for analysts: dbt's docs (models, columns, tests, metrics, lineage from
source contract to mart to the cockpit page), generated as one self-contained HTML file and
served locally.

``dbt docs generate --static`` writes ``static_index.html`` with the manifest and the catalog
inlined: it loads nothing from the internet (the page's only outside call is dbt's anonymous
usage tracking, which the manifest turns off: we generate with usage stats off).
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import sys
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from medops.settings import DBT_PROJECT_DIR, paths

DEFAULT_PORT = 8580


class DocsError(Exception):
    """dbt could not generate the site; the message carries dbt's own error lines."""


def _dbt_command() -> str:
    return str(Path(sys.executable).parent / "dbt")


def generate(out_dir: Path | None = None, compile_sql: bool = True) -> Path:
    """Generate the site into ``out_dir`` (default ``$MEDOPS_HOME/docs``) and return its
    ``index.html``. Column types come from the warehouse when one has been built; without one
    the site still has every model, column description, test, metric and exposure. Without
    ``compile_sql`` the models' compiled SQL is left out (half the time)."""
    out_dir = out_dir or paths().home / "docs"
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / "dbt_target"
    command = [_dbt_command(), "docs", "generate", "--static", "--target-path", str(target)]
    if not paths().warehouse.exists():
        command.append("--empty-catalog")
    if not compile_sql:
        command.append("--no-compile")
    env = {
        **os.environ,
        "MEDOPS_HOME": str(paths().home),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }
    commands = [command]
    if not compile_sql:
        # without compiling, dbt reads the manifest from the target path: parse writes it there
        commands.insert(0, [_dbt_command(), "parse", "--target-path", str(target)])
    for step in commands:
        result = subprocess.run(
            step, cwd=DBT_PROJECT_DIR, env=env, capture_output=True, text=True, check=False
        )
        if result.returncode != 0:
            errors = [line for line in result.stdout.splitlines() if "rror" in line]
            raise DocsError("\n".join(errors[-10:]) or result.stdout[-2000:])
    index = out_dir / "index.html"
    shutil.copyfile(target / "static_index.html", index)
    return index


def serve(site_dir: Path, port: int = DEFAULT_PORT, address: str = "127.0.0.1") -> None:
    """Serve ``site_dir`` over HTTP until interrupted."""
    handler = functools.partial(_QuietHandler, directory=str(site_dir))
    with ThreadingHTTPServer((address, port), handler) as server:
        server.serve_forever()


class _QuietHandler(SimpleHTTPRequestHandler):
    """Serves the site's files without a log line per request."""

    def log_message(self, format, *args):  # noqa: A002 (the base class's name)
        return None
