"""`medops bench`: every scale, every repeat, every stage, its baselines; medians reported.

Per scale: the exports are generated once per seed and reused. Per repeat: the nightly run
called directly (``medops.bench.pipeline``, each stage timed) on a fresh home, then the real
nightly job (``medops run``: Dagster, a process per step) on another fresh home; the peak
memory of each whole process tree is sampled. Then, once per scale: the dbt baseline on the
direct run's warehouse, the business-time baseline, the cockpit's queries (cold, warm, on an
open connection, during publishes), the concurrent sessions, and the one-day incremental run
where it exists.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import statistics
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from medops.bench import dbt_costs
from medops.bench.proctree import run_measured
from medops.bench.sla import compare_sla
from medops.settings import DBT_PROJECT_DIR

PYTHON = sys.executable
MEDOPS = str(Path(sys.executable).parent / "medops")
SLA_SAMPLE_TICKETS = 2000
STEP_STATS_SCRIPT = """
import json, dagster as dg
with dg.DagsterInstance.get() as instance:
    run = instance.get_run_records(limit=1)[0].dagster_run
    print(json.dumps({s.step_key: s.end_time - s.start_time
                      for s in instance.get_run_step_stats(run.run_id)
                      if s.start_time and s.end_time}))
"""


def exports_for(out: Path, scale: float, seed: int, log: Callable[[str], None]) -> Path:
    """The export drop of ``scale`` and ``seed``, generated the first time only."""
    from medops.generator import generate_exports

    folder = out / "exports" / f"scale-{scale:g}-seed-{seed}"
    marker = folder / "_generated.json"
    if not marker.exists():
        log(f"scale {scale:g}: generating exports (seed {seed}) ...")
        shutil.rmtree(folder, ignore_errors=True)
        summary = generate_exports(folder, scale=scale, seed=seed, dirty_rate=0.005)
        marker.write_text(json.dumps({"files": summary["files"], "seconds": summary["seconds"]}))
    return folder


def fresh_home(home: Path) -> Path:
    shutil.rmtree(home, ignore_errors=True)
    home.mkdir(parents=True)
    return home


def _env(home: Path) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key != "DAGSTER_HOME"}
    return env | {"MEDOPS_HOME": str(home), "DAGSTER_HOME": str(home / "dagster")}


def _size(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) if path.exists() else 0


def parse_for(home: Path) -> None:
    """dbt's parse state for ``home``, made before the timed run as a deployment makes it once
    (the state holds the warehouse's path: a run in a home it was not made for parses the whole
    project again in its first dbt step, which no nightly run of a deployment does)."""
    subprocess.run(
        [str(Path(PYTHON).parent / "dbt"), "parse", "--quiet"],
        cwd=DBT_PROJECT_DIR,
        env=_env(home),
        check=True,
    )


def direct_run(home: Path, exports: Path, result: Path) -> dict:
    parse_for(home)
    code, seconds, peak = run_measured(
        [PYTHON, "-m", "medops.bench.pipeline", str(home), str(exports), str(result)],
        env=_env(home),
    )
    if code != 0:
        raise RuntimeError(f"the direct run failed (exit {code}); see the output above")
    outcome = json.loads(result.read_text())
    artefacts = result.parent / f"{result.stem}_dbt"
    outcome["dbt_split"] = [
        dbt_costs.step_split(
            step["seconds"],
            json.loads((artefacts / f"{step['step']}.run_results.json").read_text()),
            json.loads((artefacts / f"{step['step']}.manifest.json").read_text()),
        )
        for step in outcome["dbt_steps"]
    ]
    return outcome | {"process_seconds": seconds, "peak_rss": peak, "artefacts": str(artefacts)}


def dagster_run(home: Path, exports: Path, log_file: Path) -> dict:
    parse_for(home)
    with open(log_file, "wb") as output:
        code, seconds, peak = run_measured(
            [MEDOPS, "run", "--exports", str(exports)],
            env=_env(home),
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    if code != 0:
        raise RuntimeError(f"medops run failed (exit {code}); its output is in {log_file}")
    steps = json.loads(
        subprocess.run(
            [PYTHON, "-c", STEP_STATS_SCRIPT],
            env=_env(home),
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    )
    return {
        "seconds": seconds,
        "peak_rss": peak,
        "steps": steps,
        "warehouse_bytes": (home / "warehouse.duckdb").stat().st_size,
        "published_bytes": (home / "published.duckdb").stat().st_size,
        "home_bytes": _size(home),
    }


def _python_module(module: str, *args: str, env: dict) -> None:
    code = subprocess.run([PYTHON, "-m", module, *args], env=env).returncode
    if code != 0:
        raise RuntimeError(f"{module} failed (exit {code}); its output is above")


def measure_scale(
    out: Path,
    scale: float,
    repeat: int,
    seed: int,
    sessions: int,
    session_seconds: float,
    log: Callable[[str], None],
    incremental: bool = True,
    keep_home: bool = False,
) -> dict:
    exports = exports_for(out, scale, seed, log)
    work = out / "work" / f"scale-{scale:g}"
    work.mkdir(parents=True, exist_ok=True)
    files = [f for f in exports.rglob("*") if f.is_file() and "_answer_key" not in f.parts]
    generated = json.loads((exports / "_generated.json").read_text())
    repeats = []
    for run in range(1, repeat + 1):
        log(f"scale {scale:g}, repeat {run}/{repeat}: nightly run called directly ...")
        direct = direct_run(fresh_home(work / "direct_home"), exports, work / f"direct-{run}.json")
        log(f"scale {scale:g}, repeat {run}/{repeat}: dbt baseline (compiled SQL) ...")
        direct["dbt_baseline"] = dbt_costs.replay_compiled(
            work / "direct_home" / "warehouse.duckdb",
            Path(direct["artefacts"]),
            work / "replay",
        )
        log(f"scale {scale:g}, repeat {run}/{repeat}: nightly job (medops run, Dagster) ...")
        dagster = dagster_run(
            fresh_home(work / "dagster_home"), exports, work / f"dagster-{run}.log"
        )
        repeats.append({"direct": direct, "dagster": dagster})
    log(f"scale {scale:g}: business-time baseline ...")
    sla = compare_sla(work / "direct_home", SLA_SAMPLE_TICKETS)
    shutil.rmtree(work / "direct_home")
    home = work / "dagster_home"
    log(f"scale {scale:g}: cockpit queries ...")
    _python_module("medops.bench.cockpit", str(home), str(work / "cockpit.json"), env=_env(home))
    cockpit = json.loads((work / "cockpit.json").read_text())
    load = None
    if sessions:
        log(f"scale {scale:g}: {sessions} cockpit sessions for {session_seconds:g} s ...")
        _python_module(
            "medops.bench.sessions",
            str(home),
            str(work / "sessions.json"),
            str(sessions),
            str(session_seconds),
            env=_env(home),
        )
        load = json.loads((work / "sessions.json").read_text())
    one_day = {"status": "not measured (--no-incremental)"}
    if incremental:
        log(f"scale {scale:g}: one-day incremental run after a full build of day N ...")
        # imported here: the incremental measurement times its runs with this module's dagster_run
        from medops.bench.incremental import measure_incremental

        one_day = measure_incremental(exports, work / "incremental")
        shutil.rmtree(work / "incremental")
    if not keep_home:
        shutil.rmtree(home)  # a warehouse per scale: 10 GB and more at scale 10
    measured = {
        "scale": scale,
        "export_files": len(files) - 1,
        "export_rows": sum(generated["files"].values()),
        "export_bytes": sum(f.stat().st_size for f in files),
        "repeats": repeats,
        "sla": sla,
        "cockpit": cockpit,
        "sessions": load,
        "incremental": one_day,
    }
    # kept as soon as the scale is done: a long run that stops later keeps its earlier scales
    (work / "scale.json").write_text(json.dumps(measured, indent=1, default=str))
    return measured


def machine() -> dict:
    import platform

    import psutil

    load = os.getloadavg()
    return {
        "cpus": os.cpu_count(),
        "memory_gib": round(psutil.virtual_memory().total / 2**30, 1),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "load_average_at_start": [round(x, 1) for x in load],
    }


def code_version() -> str | None:
    from medops.publish import code_version as version

    return version()


def run_bench(
    scales: list[float],
    repeat: int,
    out: Path,
    seed: int = 42,
    sessions: int = 50,
    session_seconds: float = 120,
    log: Callable[[str], None] = print,
    incremental: bool = True,
    keep_homes: bool = False,
) -> dict:
    out.mkdir(parents=True, exist_ok=True)
    started = dt.datetime.now(dt.UTC)
    report = {
        "started_at": started.isoformat(timespec="seconds"),
        "code_version": code_version(),
        "machine": machine(),
        "settings": {
            "scales": scales,
            "repeat": repeat,
            "seed": seed,
            "sessions": sessions,
            "session_seconds": session_seconds,
            "incremental": incremental,
        },
        "scales": [
            measure_scale(
                out, scale, repeat, seed, sessions, session_seconds, log, incremental, keep_homes
            )
            for scale in scales
        ],
    }
    report["machine"]["load_average_at_end"] = [round(x, 1) for x in os.getloadavg()]
    report["finished_at"] = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    (out / "report.json").write_text(json.dumps(report, indent=1, default=str))
    return report


def median(values: list[float]) -> float:
    return statistics.median(values)
