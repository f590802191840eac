"""Runs whose process died (SIGKILL, a reboot, an out-of-memory kill) would stay STARTED in the
run history for good: the default run launcher cannot tell Dagster's run monitoring that its
worker is gone. This finds them by the process id their RUN_START event recorded and marks them
failed, so the history is true and a re-execution from failure can start."""

from __future__ import annotations

import os
from pathlib import Path

import dagster as dg

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def _process_started_at(pid: int) -> float | None:
    """When the process ``pid`` started (epoch seconds), None if there is no such process."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return None
    except OSError:
        return _alive_without_proc(pid)
    # the command name (field 2) may hold spaces: count fields from its closing parenthesis
    start_ticks = int(stat.rsplit(")", 1)[1].split()[19])
    boot = next(
        int(line.split()[1])
        for line in Path("/proc/stat").read_text().splitlines()
        if line.startswith("btime")
    )
    return boot + start_ticks / CLOCK_TICKS


def _alive_without_proc(pid: int) -> float | None:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None
    except PermissionError:
        pass
    return 0.0


def worker_is_gone(pid: int, run_started_at: float) -> bool:
    """The run's process has exited, or its id now belongs to a process started later."""
    started = _process_started_at(pid)
    return started is None or started > run_started_at + 1


def fail_dead_runs(instance: dg.DagsterInstance) -> list[str]:
    """Mark every STARTED run whose process is gone as failed; return their run ids. Runs are
    executed on this host (the default run launcher), so their process ids are this host's."""
    failed = []
    for run in instance.get_runs(filters=dg.RunsFilter(statuses=[dg.DagsterRunStatus.STARTED])):
        starts = instance.get_records_for_run(
            run.run_id, of_type=dg.DagsterEventType.RUN_START
        ).records
        if not starts:
            continue
        entry = starts[0].event_log_entry
        pid = entry.dagster_event.pid
        if pid is None or not worker_is_gone(pid, entry.timestamp):
            continue
        instance.report_run_failed(
            run,
            f"the run's process (pid {pid}) is gone: killed or the host restarted. "
            "Re-execute it from failure.",
        )
        failed.append(run.run_id)
    return failed


@dg.sensor(
    minimum_interval_seconds=60,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Marks runs whose process died as failed (they would stay STARTED forever).",
)
def dead_run_sweeper(context: dg.SensorEvaluationContext) -> dg.SkipReason:
    failed = fail_dead_runs(context.instance)
    return dg.SkipReason(f"marked failed: {failed}" if failed else "no dead runs")
