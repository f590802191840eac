"""The benchmark report: medians of the repeats, ratios to the baselines, the targets, a
Markdown section for BENCHMARKS.md and the chart of stage time against scale."""

from __future__ import annotations

import math
import shutil
from pathlib import Path
from statistics import median

from medops.bench.dbt_costs import slowest_nodes

GIB = 2**30
MB = 1e6
START_MARKER = "<!-- medops bench: generated section, start -->"
END_MARKER = "<!-- medops bench: generated section, end -->"
CHART_NAME = "bench_stage_times.png"
# the stages of the chart and of the stage table, in the nightly order
STAGES = ("ingest", "gx_import", "gx_validation", "customer_matching", "forecasts", "publish")


def _ratio(value: float | None, baseline: float | None) -> float | None:
    if value is None or not baseline:
        return None
    return value / baseline


def _format_ingest(files: list[list[dict]]) -> dict:
    """Per format, medians over the repeats: rows, MB, seconds and the baselines."""
    formats: dict[str, dict] = {}
    for fmt in sorted({f["format"] for run in files for f in run}):
        runs = [[f for f in run if f["format"] == fmt] for run in files]
        with_duckdb = [[f for f in run if f.get("duckdb_seconds") is not None] for run in runs]
        seconds = median(sum(f["seconds"] for f in run) for run in runs)
        polars = median(sum(f.get("polars_seconds", 0.0) for f in run) for run in runs)
        ingest_duckdb_files = median(sum(f["seconds"] for f in run) for run in with_duckdb)
        duckdb = median(sum(f["duckdb_seconds"] for f in run) for run in with_duckdb)
        rows = sum(f["rows_read"] for f in runs[0])
        size = sum(f["bytes"] for f in runs[0])
        formats[fmt] = {
            "files": len(runs[0]),
            "rows": rows,
            "mb": size / MB,
            "seconds": seconds,
            "rows_per_second": rows / seconds if seconds else None,
            "mb_per_second": size / MB / seconds if seconds else None,
            "polars_seconds": polars,
            "vs_polars": _ratio(seconds, polars),
            "duckdb_files": len(with_duckdb[0]),
            "vs_duckdb_read_csv": _ratio(ingest_duckdb_files, duckdb) if duckdb else None,
        }
    return formats


def summarize_scale(scale: dict) -> dict:
    """One scale's figures: medians over its repeats, each with its baseline ratio."""
    runs = scale["repeats"]
    direct = [run["direct"] for run in runs]
    dagster = [run["dagster"] for run in runs]
    stages = {name: median(d["stages"][name] for d in direct) for name in STAGES}
    dbt_wall = median(sum(s["wall"] for s in d["dbt_split"]) for d in direct)
    startup = median(sum(s["startup_and_parse"] for s in d["dbt_split"]) for d in direct)
    groups: dict[str, float] = {}
    for name in {g for d in direct for s in d["dbt_split"] for g in s["by_group"]}:
        groups[name] = median(
            sum(s["by_group"].get(name, 0.0) for s in d["dbt_split"]) for d in direct
        )
    baseline = [d["dbt_baseline"] for d in direct]
    replay = median(b["seconds"] for b in baseline)
    dbt_comparable = median(
        sum(s["wall"] for s in d["dbt_split"]) - d["dbt_baseline"]["dbt_not_replayed_seconds"]
        for d in direct
    )
    direct_seconds = median(d["seconds"] for d in direct)
    dagster_seconds = median(g["seconds"] for g in dagster)
    step_names = sorted({k for g in dagster for k in g["steps"]})
    cockpit = scale["cockpit"]
    return {
        "scale": scale["scale"],
        "export_rows": scale["export_rows"],
        "export_mb": scale["export_bytes"] / MB,
        "nightly_run_seconds": dagster_seconds,
        "nightly_run_peak_rss_gib": median(g["peak_rss"] for g in dagster) / GIB,
        "direct_run_seconds": direct_seconds,
        "direct_run_peak_rss_gib": median(d["peak_rss"] for d in direct) / GIB,
        # reports written before the stages' peaks were sampled have none
        "stage_peak_rss_gib": {
            name: median(d["stage_peak_rss"][name] for d in direct) / GIB
            for name in direct[0].get("stage_peak_rss", {})
        },
        "dagster_overhead_seconds": dagster_seconds - direct_seconds,
        "dagster_vs_direct": _ratio(dagster_seconds, direct_seconds),
        "dagster_steps": {k: median(g["steps"].get(k, 0.0) for g in dagster) for k in step_names},
        "warehouse_gib": median(g["warehouse_bytes"] for g in dagster) / GIB,
        "published_gib": median(g["published_bytes"] for g in dagster) / GIB,
        "stages": stages,
        "ingest_by_format": _format_ingest([d["files"] for d in direct]),
        "dbt": {
            "steps": len(direct[0]["dbt_split"]),
            "wall_seconds": dbt_wall,
            "startup_and_parse_seconds": startup,
            "node_seconds_by_group": groups,
            "comparable_seconds": dbt_comparable,
            "compiled_sql_seconds": replay,
            "vs_compiled_sql": _ratio(dbt_comparable, replay),
            "models_replayed": baseline[0]["models"],
            "tests_replayed": baseline[0]["tests"],
            "slowest_nodes": slowest_nodes(Path(direct[-1]["artefacts"])),
        },
        "sla": scale["sla"]
        | {
            "vs_minute_spine": _ratio(
                scale["sla"]["clock_seconds"], scale["sla"]["minute_spine_seconds"]
            )
        },
        "cockpit": cockpit
        | {
            "vs_open_connection": _ratio(
                cockpit["warm_seconds_total"], cockpit["open_connection_seconds_total"]
            )
        },
        "sessions": scale["sessions"],
        "incremental": scale["incremental"],
    }


def ratios(summary: dict) -> list[float | None]:
    """Every ratio of a scale's summary (the smoke test checks they are finite)."""
    found = [
        summary["dagster_vs_direct"],
        summary["dbt"]["vs_compiled_sql"],
        summary["sla"]["vs_minute_spine"],
        summary["cockpit"]["vs_open_connection"],
    ]
    for fmt in summary["ingest_by_format"].values():
        found.append(fmt["vs_polars"])
        if fmt["duckdb_files"]:
            found.append(fmt["vs_duckdb_read_csv"])
    return found


def _by_scale(summaries: list[dict], scale: float) -> dict | None:
    return next((s for s in summaries if math.isclose(s["scale"], scale)), None)


def targets(summaries: list[dict]) -> list[dict]:
    """The issue's targets, each with the measured value where this run measured it."""
    rows = []

    def add(figure: str, target: str, value: float | None, met: bool | None, shown: str) -> None:
        rows.append(
            {"figure": figure, "target": target, "value": value, "met": met, "shown": shown}
        )

    def whole_run(scale: float, limit_seconds: float, target: str) -> dict | None:
        summary = _by_scale(summaries, scale)
        seconds = summary["nightly_run_seconds"] if summary else None
        shown = f"{seconds:.0f} s" if summary else "not measured"
        label = "demo scale 0.05 full run" if scale == 0.05 else f"scale {scale:g} full nightly run"
        add(label, target, seconds, None if seconds is None else seconds < limit_seconds, shown)
        return summary

    whole_run(0.05, 60, "< 60 s")
    one = whole_run(1, 180, "< 3 min")
    ten = _by_scale(summaries, 10)
    add(
        "scale 10 full nightly run",
        "< 20 min, peak RSS < 8 GiB",
        ten and ten["nightly_run_seconds"],
        ten and ten["nightly_run_seconds"] < 1200 and ten["nightly_run_peak_rss_gib"] < 8,
        f"{ten['nightly_run_seconds']:.0f} s, {ten['nightly_run_peak_rss_gib']:.1f} GiB"
        if ten
        else "not measured",
    )
    growth = one and ten and ten["nightly_run_seconds"] / one["nightly_run_seconds"]
    add(
        "cost from scale 1 to 10",
        "≤ 10×",
        growth,
        growth and growth <= 10,
        f"{growth:.1f}×" if growth else "not measured",
    )
    incremental = one and one["incremental"]
    seconds = incremental["seconds"] if incremental and "seconds" in incremental else None
    add(
        "one-day incremental at scale 1",
        "< 20 s",
        seconds,
        None if seconds is None else seconds < 20,
        "not measured" if seconds is None else f"{seconds:.1f} s",
    )
    for summary in summaries:
        tag = f" (scale {summary['scale']:g})"
        for fmt, figures in summary["ingest_by_format"].items():
            speed = 1 / figures["vs_polars"] if figures["vs_polars"] else None
            add(
                f"ingest {fmt} speed ÷ raw Polars read{tag}",
                "≥ 0.7×",
                speed,
                speed is not None and speed >= 0.7,
                f"{speed:.2f}×" if speed else "n/a",
            )
        dbt = summary["dbt"]["vs_compiled_sql"]
        add(
            f"dbt build ÷ compiled SQL run directly{tag}",
            "≤ 1.3×",
            dbt,
            dbt is not None and dbt <= 1.3,
            f"{dbt:.2f}×" if dbt else "n/a",
        )
    if one:
        warm = one["cockpit"]["queries_warm"]["p95"]
        pages = [p["warm"] for p in one["cockpit"]["pages"]]
        load = one["sessions"]
        add(
            "cockpit query warm p95, scale 1", "< 300 ms", warm, warm < 0.3, f"{warm * 1000:.0f} ms"
        )
        add(
            "cockpit page (warm), scale 1",
            "< 1 s",
            max(pages),
            max(pages) < 1,
            f"slowest {max(pages):.2f} s",
        )
        add(
            "errors with 50 sessions during publishes, scale 1",
            "0",
            load and load["errors"],
            load is not None and load["errors"] == 0,
            f"{load['errors']} ({load['sessions']} sessions)" if load else "not measured",
        )
    for row in rows:
        row["met"] = bool(row["met"]) if row["met"] is not None else None
    return rows


def chart(summaries: list[dict], path: Path) -> None:
    """Each stage's seconds against scale, both axes logarithmic."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    scales = [s["scale"] for s in summaries]
    series = {name: [s["stages"][name] for s in summaries] for name in STAGES}
    series["dbt build (all steps)"] = [s["dbt"]["wall_seconds"] for s in summaries]
    series["nightly job (Dagster)"] = [s["nightly_run_seconds"] for s in summaries]
    figure, axes = plt.subplots(figsize=(8, 5), dpi=100)
    for name, values in series.items():
        axes.plot(scales, [max(v, 1e-3) for v in values], marker="o", label=name)
    axes.set_xscale("log")
    axes.set_yscale("log")
    axes.set_xlabel("scale (1 = 30,000 customers)")
    axes.set_ylabel("seconds")
    axes.set_title("medops bench: stage time against scale")
    axes.grid(True, which="both", alpha=0.3)
    axes.legend(fontsize=8)
    figure.tight_layout()
    figure.savefig(path)
    plt.close(figure)


def _s(value: float | None, digits: int = 1) -> str:
    return "n/a" if value is None else f"{value:,.{digits}f}"


def _x(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3g}×"


def _ms(value: float | None) -> str:
    return "n/a" if value is None else f"{value * 1000:,.0f}"


def _pair(figures: dict | None, show) -> str:
    """``p50 / p95`` of a summary, each shown with ``show``."""
    if not figures:
        return "—"
    return f"{show(figures['p50'])} / {show(figures['p95'])}"


def _table(header: list[str], rule: str, rows: list[list[str]]) -> list[str]:
    return [f"| {' | '.join(header)} |", rule, *(f"| {' | '.join(row)} |" for row in rows)]


def command_of(settings: dict) -> str:
    """The ``medops bench`` command line that measured with ``settings``."""
    command = (
        f"medops bench --scales {','.join(f'{s:g}' for s in settings['scales'])} "
        f"--repeat {settings['repeat']}"
    )
    if not settings.get("incremental", True):
        command += " --no-incremental"
    return command


def include_runs(report: dict, earlier: list[dict]) -> dict:
    """``report`` with the scales of ``earlier`` reports that it did not measure itself (a
    scale measured separately, e.g. 10), each earlier run kept under ``included`` for its
    header; the scales in order."""
    measured = {scale["scale"] for scale in report["scales"]}
    merged = dict(report, scales=list(report["scales"]), included=[])
    for other in earlier:
        added = [scale for scale in other["scales"] if scale["scale"] not in measured]
        if not added:
            continue
        measured |= {scale["scale"] for scale in added}
        merged["scales"] += added
        header = {key: value for key, value in other.items() if key not in ("scales", "included")}
        header["settings"] = dict(other["settings"], scales=[s["scale"] for s in added])
        merged["included"].append(header)
    merged["scales"].sort(key=lambda scale: scale["scale"])
    return merged


def markdown(report: dict, summaries: list[dict], note: str = "") -> str:
    """The generated section of BENCHMARKS.md: one header per run (``report`` and the runs
    ``include_runs`` added), then the figures of every scale."""
    runs = [report, *report.get("included", [])]
    lines = [
        START_MARKER,
        "## The whole nightly run: `medops bench`",
        "",
        "*Generated by "
        + " and ".join(f"`{command_of(run['settings'])}`" for run in runs)
        + "; edit the command (medops/bench/), not this section.*",
        "",
    ]
    if note:
        lines += [f"**{note}**", ""]
    for run in runs:
        machine = run["machine"]
        settings = run["settings"]
        lines += [
            f"**Run of scale(s) {', '.join(f'{s:g}' for s in settings['scales'])}.** "
            f"{run['started_at']} to {run['finished_at']} (UTC), code "
            f"`{run['code_version'] or 'unknown'}`; {machine['cpus']} CPUs, "
            f"{machine['memory_gib']} GiB, Python {machine['python']}, {machine['platform']}; "
            f"load average {machine['load_average_at_start']} at the start, "
            f"{machine['load_average_at_end']} at the end. Figures are medians of "
            f"{settings['repeat']} repeat(s); exports generated with seed {settings['seed']}.",
            "",
        ]
    lines += [
        "**Method.** Per scale and repeat, on a fresh `MEDOPS_HOME` each, after an untimed "
        "`dbt parse` for that home (as a deployment parses once): (1) the nightly "
        "run's steps called directly, without Dagster, each timed (`medops.bench.pipeline`: "
        "ingest file by file, Great Expectations import and validation, `dbt build` in the "
        "three steps the job splits it into around customer matching and the forecast, "
        "publish); (2) the real nightly job, `medops run` (Dagster, its steps one after "
        "another in the run's process); "
        "the peak resident memory of each whole process tree is sampled every 0.2 s "
        "(in the direct run, also charged to the step running). "
        "Baselines: every export read again by Polars with no validation (GB18030 decoded by "
        "Python first, as Polars reads UTF-8 only) and, for UTF-8 CSVs, loaded by DuckDB's "
        "`read_csv`; the compiled SQL of every model and test dbt ran, replayed in dependency "
        "order on one DuckDB connection against a copy of the warehouse (seeds, snapshots, "
        "unit tests and Python models are left out of both sides); the business clock (two "
        "ASOF readings per ticket) against a per-minute spine on "
        f"{summaries[0]['sla']['tickets']:,} sample tickets, which must agree to the minute; "
        "each cockpit query rerun as the cockpit runs it (a cursor of the connection kept to "
        "the published file, the user's scope applied on it) against the same SQL on one open "
        "connection with the scope applied once. Cockpit pages run through "
        "Streamlit's AppTest (the app script with a logged-in session, no browser): cold = "
        "data cache cleared, warm = from the cache; each recorded query is then rerun five "
        "times (warm query figures) and again while another process publishes the marts. "
        "Sessions: people logging in a second apart and opening page after page, reading "
        "each for 5-15 s, for the given time while the marts are published twice; two of "
        "them in headless Chromium (what a person waits for, drawing included), the others "
        "speaking Streamlit's websocket protocol without drawing (50 Chromium pages would "
        "cost these 2 cores more than the server they measure). Ratio = stage time ÷ "
        "baseline time.",
        "",
        f"![stage time against scale](benchmarks/{CHART_NAME})",
        "",
        "### Targets",
        "",
        "| figure | target | measured | met |",
        "|---|---|---:|---|",
    ]
    for row in targets(summaries):
        met = {True: "yes", False: "**no**", None: "—"}[row["met"]]
        lines.append(f"| {row['figure']} | {row['target']} | {row['shown']} | {met} |")
    lines += ["", "### The nightly run by scale", ""]
    header = "| figure | " + " | ".join(f"scale {s['scale']:g}" for s in summaries) + " |"
    lines += [header, "|---|" + "---:|" * len(summaries)]

    def row(label: str, values: list[str]) -> None:
        lines.append(f"| {label} | " + " | ".join(values) + " |")

    row("export rows", [f"{s['export_rows']:,}" for s in summaries])
    row("export MB", [_s(s["export_mb"]) for s in summaries])
    row("nightly job (`medops run`), s", [_s(s["nightly_run_seconds"]) for s in summaries])
    row(
        "peak RSS of its process tree, GiB",
        [_s(s["nightly_run_peak_rss_gib"], 2) for s in summaries],
    )
    row("steps called directly, s", [_s(s["direct_run_seconds"]) for s in summaries])
    row("peak RSS called directly, GiB", [_s(s["direct_run_peak_rss_gib"], 2) for s in summaries])
    stage_names = dict.fromkeys(n for s in summaries for n in s.get("stage_peak_rss_gib", {}))
    for name in stage_names:
        row(
            f"… peak RSS during `{name}` (called directly), GiB",
            [_s(s.get("stage_peak_rss_gib", {}).get(name), 2) for s in summaries],
        )
    row(
        "Dagster overhead, s (ratio)",
        [f"{_s(s['dagster_overhead_seconds'])} ({_x(s['dagster_vs_direct'])})" for s in summaries],
    )
    for step in sorted({k for s in summaries for k in s["dagster_steps"]}):
        row(f"… Dagster step `{step}`, s", [_s(s["dagster_steps"].get(step)) for s in summaries])
    row("warehouse on disk, GiB", [_s(s["warehouse_gib"], 3) for s in summaries])
    row("published copy on disk, GiB", [_s(s["published_gib"], 3) for s in summaries])
    for name in STAGES:
        row(f"{name}, s", [_s(s["stages"][name]) for s in summaries])
    row("dbt build, 3 steps, wall s", [_s(s["dbt"]["wall_seconds"]) for s in summaries])
    row(
        "… of which start-up and parse, s",
        [_s(s["dbt"]["startup_and_parse_seconds"]) for s in summaries],
    )
    for group in sorted({g for s in summaries for g in s["dbt"]["node_seconds_by_group"]}):
        row(
            f"… node seconds: {group}",
            [_s(s["dbt"]["node_seconds_by_group"].get(group)) for s in summaries],
        )
    row(
        "dbt (replayable part) ÷ compiled SQL direct",
        [
            f"{_s(s['dbt']['comparable_seconds'])} s ÷ {_s(s['dbt']['compiled_sql_seconds'])} s = "
            f"{_x(s['dbt']['vs_compiled_sql'])}"
            for s in summaries
        ],
    )
    row(
        "one-day incremental",
        [
            s["incremental"]["status"]
            if s["incremental"]["status"] != "measured"
            else f"{_s(s['incremental']['seconds'])} s "
            f"(full build of day N {_s(s['incremental']['full_seconds'])} s)"
            for s in summaries
        ],
    )
    one_day_steps = [
        s["incremental"]["one_day"]["steps"] if s["incremental"]["status"] == "measured" else {}
        for s in summaries
    ]
    for step in sorted({k for steps in one_day_steps for k in steps}):
        row(f"… one-day step `{step}`, s", [_s(steps.get(step)) for steps in one_day_steps])
    lines += ["", "### Ingest by format (ratio = ingest ÷ baseline read of the same files)", ""]
    ingest_rows = []
    for s in summaries:
        for fmt, f in s["ingest_by_format"].items():
            duck = "n/a"
            if f["duckdb_files"]:
                duck = f"{_x(f['vs_duckdb_read_csv'])} ({f['duckdb_files']} UTF-8 files)"
            ingest_rows.append([
                f"{s['scale']:g}", fmt, str(f["files"]), f"{f['rows']:,}", _s(f["mb"]),
                _s(f["seconds"], 2), _s(f["rows_per_second"], 0), _s(f["mb_per_second"], 2),
                _x(f["vs_polars"]), duck,
            ])  # fmt: skip
    lines += _table(
        ["scale", "format", "files", "rows", "MB", "s", "rows/s", "MB/s", "÷ Polars read",
         "÷ DuckDB read_csv"],
        "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|",
        ingest_rows,
    )  # fmt: skip
    lines += ["", "### Business time: ASOF clock ÷ per-minute spine", ""]
    lines += _table(
        ["scale", "tickets", "clock s", "minute spine s", "ratio", "tickets disagreeing"],
        "|---:|---:|---:|---:|---:|---:|",
        [
            [f"{s['scale']:g}", f"{s['sla']['tickets']:,}", _s(s["sla"]["clock_seconds"], 3),
             _s(s["sla"]["minute_spine_seconds"], 3), _x(s["sla"]["vs_minute_spine"]),
             str(s["sla"]["disagreeing_tickets"])]
            for s in summaries
        ],
    )  # fmt: skip
    lines += ["", "### Cockpit pages (s, AppTest) and their queries (ms)", ""]
    lines += _table(
        ["scale", "role", "page", "page cold s", "page warm s", "queries",
         "query cold p50 / p95", "query warm p50 / p95"],
        "|---:|---|---|---:|---:|---:|---:|---:|",
        [
            [f"{s['scale']:g}", page["role"], page["page"].removeprefix("pages/"),
             _s(page["cold"], 2), _s(page["warm"], 2), str(page["cold_queries"]),
             _pair(page["query_cold"], _ms), _pair(page["query_warm"], _ms)]
            for s in summaries
            for page in s["cockpit"]["pages"]
        ],
    )  # fmt: skip
    lines += ["", "### Cockpit queries together, during publishes, and concurrent sessions", ""]
    cockpit_rows = []
    for s in summaries:
        c, load = s["cockpit"], s["sessions"] or {}
        cockpit_rows.append([
            f"{s['scale']:g}", _pair(c["queries_cold"], _ms), _pair(c["queries_warm"], _ms),
            _x(c["vs_open_connection"]), _pair(c["during_publish"]["queries"], _ms),
            str(c["during_publish"]["errors"]), str(load.get("sessions", "not run")),
            str(load.get("pages_served", "—")), _pair(load.get("page_seconds"), _s),
            _pair(load.get("browser_page_seconds"), _s), str(load.get("errors", "—")),
        ])  # fmt: skip
    lines += _table(
        ["scale", "queries cold p50 / p95 ms", "warm p50 / p95 ms", "warm ÷ open connection",
         "during publishes p50 / p95 ms", "errors during publishes", "sessions",
         "pages served", "page p50 / p95 s", "in Chromium p50 / p95 s", "session errors"],
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        cockpit_rows,
    )  # fmt: skip
    lines += ["", "### Slowest dbt nodes (largest scale)", "", "| node | s |", "|---|---:|"]
    for node in summaries[-1]["dbt"]["slowest_nodes"]:
        lines.append(f"| `{node['node']}` | {_s(node['seconds'], 2)} |")
    lines += ["", END_MARKER, ""]
    return "\n".join(lines)


def write_outputs(report: dict, out: Path, note: str = "") -> tuple[list[dict], str]:
    summaries = [summarize_scale(scale) for scale in report["scales"]]
    text = markdown(report, summaries, note)
    (out / "BENCHMARKS.section.md").write_text(text, encoding="utf-8")
    chart(summaries, out / CHART_NAME)
    return summaries, text


def update_benchmarks_md(document: Path, section: str, chart_file: Path) -> None:
    """Put ``section`` in place of the generated section of ``document`` (at the top when it
    has none yet) and the chart beside it in ``benchmarks/``."""
    text = document.read_text(encoding="utf-8")
    if START_MARKER in text and END_MARKER in text:
        before, rest = text.split(START_MARKER, 1)
        after = rest.split(END_MARKER, 1)[1].lstrip("\n")
        text = before + section + "\n" + after
    else:
        title, _, body = text.partition("\n")
        text = f"{title}\n\n{section}\n{body.lstrip()}"
    document.write_text(text, encoding="utf-8")
    shutil.copyfile(chart_file, document.parent / "benchmarks" / CHART_NAME)
