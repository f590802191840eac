"""The reference site for analysts: dbt's docs (models, columns, tests, metrics, lineage from
source contract to mart to the cockpit page), generated as one self-contained HTML file and
served locally, with the guide's pages (docs/*.md and DECISIONLOG.md, rendered to HTML under
``guide/``) beside it; the dbt overview (``dbt/models/overview.md``) links to each of them.

``dbt docs generate --static`` writes ``static_index.html`` with the manifest and the catalog
inlined: it loads nothing from the internet (the page's only outside call is dbt's anonymous
usage tracking, which the manifest turns off: we generate with usage stats off).
"""

from __future__ import annotations

import functools
import html
import os
import re
import shutil
import subprocess
import sys
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from markdown_it import MarkdownIt

from medops.settings import DBT_PROJECT_DIR, REPO_ROOT, paths

DEFAULT_PORT = 8580
GUIDE_DIR = "guide"


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
    write_guide(out_dir / GUIDE_DIR)
    return index


def guide_sources() -> list[Path]:
    """The guide's Markdown pages: every docs/*.md and the metric definitions."""
    return [*sorted((REPO_ROOT / "docs").glob("*.md")), REPO_ROOT / "DECISIONLOG.md"]


def write_guide(guide_dir: Path) -> list[Path]:
    """Render each guide page to ``guide_dir/<name>.html`` and an ``index.html`` listing them;
    return the pages written. Links between guide pages point to their HTML; a link to another
    file of the repository (a contract, an example) keeps its text and loses its target, since
    the site serves no repository files."""
    guide_dir.mkdir(parents=True, exist_ok=True)
    sources = guide_sources()
    names = {source.name for source in sources}
    written, titles = [], {}
    for source in sources:
        text = source.read_text(encoding="utf-8")
        titles[source.stem] = _title(text, source.stem)
        body = _render(text, names)
        page = guide_dir / f"{source.stem}.html"
        page.write_text(_html_page(titles[source.stem], body), encoding="utf-8")
        written.append(page)
    items = "".join(
        f'<li><a href="{html.escape(stem)}.html">{html.escape(title)}</a></li>'
        for stem, title in titles.items()
    )
    (guide_dir / "index.html").write_text(
        _html_page("MedOps guide", f"<h1>MedOps guide</h1><ul>{items}</ul>"), encoding="utf-8"
    )
    return written


def _title(markdown: str, fallback: str) -> str:
    heading = re.search(r"^# (.+)$", markdown, re.MULTILINE)
    return heading[1].strip() if heading else fallback


def heading_anchor(title: str) -> str:
    """The anchor GitHub gives a heading: lower case, punctuation dropped, spaces to hyphens,
    so the same links work on the repository and on the site."""
    return re.sub(r"[^\w\- ]", "", title.lower()).replace(" ", "-")


def _render(markdown: str, page_names: set[str]) -> str:
    # html off: a page's text is shown, never interpreted as markup
    parser = MarkdownIt("commonmark", {"html": False}).enable("table")
    tokens = parser.parse(markdown)
    for index, token in enumerate(tokens):
        if token.type == "heading_open":
            token.attrSet("id", heading_anchor(tokens[index + 1].content))
        for child in token.children or []:
            if child.type == "link_open":
                _retarget(child, page_names)
    return parser.renderer.render(tokens, parser.options, {})


def _retarget(link, page_names: set[str]) -> None:
    href = str(link.attrGet("href") or "")
    if re.match(r"[a-z]+:|#", href):
        return  # another site or this page
    path, _, fragment = href.partition("#")
    name = path.rsplit("/", 1)[-1]
    if name in page_names:
        link.attrSet(
            "href", name.removesuffix(".md") + ".html" + (f"#{fragment}" if fragment else "")
        )
    else:
        link.attrs.pop("href", None)


def _html_page(title: str, body: str) -> str:
    return (
        '<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title><style>{_STYLE}</style></head><body>"
        '<nav><a href="../index.html#!/overview">dbt docs</a> · '
        '<a href="index.html">guide</a></nav>'
        f"<main>{body}</main></body></html>"
    )


_STYLE = (
    "body{font-family:'Noto Sans CJK SC',sans-serif;max-width:60rem;margin:2rem auto;"
    "padding:0 1rem;line-height:1.5}table{border-collapse:collapse}"
    "td,th{border:1px solid #ccc;padding:.2rem .4rem;vertical-align:top}"
    "code,pre{background:#f3f3f3}pre{padding:.5rem;overflow:auto}"
)


def serve(site_dir: Path, port: int = DEFAULT_PORT, address: str = "127.0.0.1") -> None:
    """Serve ``site_dir`` over HTTP until interrupted."""
    handler = functools.partial(_QuietHandler, directory=str(site_dir))
    with ThreadingHTTPServer((address, port), handler) as server:
        server.serve_forever()


class _QuietHandler(SimpleHTTPRequestHandler):
    """Serves the site's files without a log line per request."""

    def log_message(self, format, *args):  # noqa: A002 (the base class's name)
        return None
