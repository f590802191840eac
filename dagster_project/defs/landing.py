"""The landing zone: a sensor watches the drop folder and launches the nightly job on the files
that are complete, once per content.

Layout (SFTP style): ``<drop>/<system>/<file>``, one folder per source system (crm, erp,
service, ...). A file is picked up when it is complete: not named ``*.part`` / ``*.tmp`` /
``*.crdownload`` / ``*.filepart``, its size and modification time the same as at the previous
tick and older than the settle time, and, for a system that writes markers, its marker present
(``<file>.done`` beside it, or ``_SUCCESS`` in the folder). A complete file that matches no
source contract, or several, goes to ``<drop>/rejected/<date>/`` with ``<file>.reason.txt``.
Complete files are moved to ``<drop>/archive/<date>/<batch>/<system>/`` and one run ingests the
batch; its run key is the hash of the files' contents, so the same content never runs twice, and
a file whose content was archived before is not ingested again. The drop folder therefore shows
only what is still to come.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

import dagster as dg

from dagster_project.defs.schedules import nightly_warehouse_job
from ingest.contracts import SourceContract, load_contracts, matching_contracts
from ingest.load import file_sha256, legible
from medops.settings import paths

PARTIAL_SUFFIXES = (".part", ".tmp", ".crdownload", ".filepart")
DONE_SUFFIX = ".done"
SUCCESS_MARKER = "_SUCCESS"
ARCHIVE, REJECTED = "archive", "rejected"
# a batch folder is named by the first characters of the hash of its files' contents
BATCH_ID_LENGTH = 16
# what a batch keeps beside its exports; the leading "_" keeps ingest from reading them
BATCH_LISTING = "_files.json"
BATCH_MARKERS = "_markers"


def drop_folder() -> Path:
    return Path(os.environ.get("MEDOPS_DROP_DIR", paths().home / "drop"))


def settle_seconds() -> float:
    """How long a file must stay unchanged before it counts as complete."""
    return float(os.environ.get("MEDOPS_LANDING_SETTLE_SECONDS", "60"))


def marker_policy() -> dict[str, str]:
    """Systems that write a completion marker: ``MEDOPS_LANDING_MARKERS="erp=done,crm=_SUCCESS"``
    (``done``: ``<file>.done`` beside each file; ``_SUCCESS``: one per folder)."""
    pairs = [p for p in os.environ.get("MEDOPS_LANDING_MARKERS", "").split(",") if p.strip()]
    return {k.strip(): v.strip() for k, v in (pair.split("=", 1) for pair in pairs)}


@dataclass
class LandingScan:
    """One look at the drop folder."""

    ready: list[tuple[Path, SourceContract]] = field(default_factory=list)
    waiting: dict[str, str] = field(default_factory=dict)  # file -> why it is not complete
    rejected: dict[str, str] = field(default_factory=dict)  # file -> reason
    signatures: dict[str, list[int]] = field(default_factory=dict)  # file -> [size, mtime_ns]


def _is_marker(path: Path) -> bool:
    return path.name == SUCCESS_MARKER or path.name.endswith(DONE_SUFFIX)


def scan_drop(
    drop: Path,
    previous: dict[str, list[int]],
    contracts: list[SourceContract],
    now: float,
    settle: float,
    markers: dict[str, str],
) -> LandingScan:
    """Sort the drop folder's files into complete (with their contract), still to wait for, and
    to reject; ``previous`` holds the size and mtime each file had at the last look."""
    scan = LandingScan()
    systems = [
        d for d in sorted(drop.iterdir()) if d.is_dir() and d.name not in (ARCHIVE, REJECTED)
    ]
    for folder in systems:
        if folder.name.startswith((".", "_")):
            continue
        for path in sorted(p for p in folder.iterdir() if p.is_file()):
            name = f"{folder.name}/{path.name}"
            if path.name.startswith(".") or _is_marker(path):
                continue
            if path.name.lower().endswith(PARTIAL_SUFFIXES):
                scan.waiting[name] = "still being written (temporary name)"
                continue
            stat = path.stat()
            signature = [stat.st_size, stat.st_mtime_ns]
            scan.signatures[name] = signature
            if previous.get(name) != signature or now - stat.st_mtime < settle:
                scan.waiting[name] = "size or modification time still changing"
                continue
            marker = markers.get(folder.name)
            if marker == "done" and not path.with_name(path.name + DONE_SUFFIX).exists():
                scan.waiting[name] = f"waiting for its marker {legible(path.name)}{DONE_SUFFIX}"
                continue
            if marker == SUCCESS_MARKER and not (folder / SUCCESS_MARKER).exists():
                scan.waiting[name] = f"waiting for the folder's marker {SUCCESS_MARKER}"
                continue
            matching = matching_contracts(path.name, contracts)
            if len(matching) > 1:
                names = ", ".join(c.source for c in matching)
                scan.rejected[name] = f"ambiguous: matches several source contracts: {names}"
                continue
            if not matching:
                scan.rejected[name] = "matches no source contract (file name pattern)"
                continue
            scan.ready.append((path, matching[0]))
    return scan


def _move(path: Path, target_dir: Path) -> Path:
    target_dir.mkdir(parents=True, exist_ok=True)
    target = target_dir / path.name
    os.replace(path, target)
    return target


def reject(drop: Path, name: str, reason: str, today: dt.date) -> Path:
    """Move a file to rejected/<date>/ with a reason file beside it."""
    target_dir = drop / REJECTED / today.isoformat()
    moved = _move(drop / name, target_dir)
    moved.with_name(moved.name + ".reason.txt").write_text(
        f"{legible(name)}: {reason}\n", encoding="utf-8"
    )
    return moved


def archived_hashes(drop: Path) -> dict[str, Path]:
    """Content hash -> archived file, over the whole archive (each batch lists its files)."""
    known = {}
    for listing in (drop / ARCHIVE).glob(f"*/*/{BATCH_LISTING}"):
        for entry in json.loads(listing.read_text(encoding="utf-8")):
            known[entry["sha256"]] = listing.parent / entry["file"]
    return known


def archive_batch(
    drop: Path, ready: list[tuple[Path, SourceContract]], today: dt.date
) -> tuple[Path | None, str | None, dict[str, str]]:
    """Move the complete files into one archive batch; return its folder, the run key and the
    files left out as duplicates of archived content (moved to the batch's duplicates/)."""
    known = archived_hashes(drop)
    hashed = [(path, file_sha256(path)) for path, _ in ready]
    fresh = [(path, digest) for path, digest in hashed if digest not in known]
    duplicates = {
        f"{path.parent.name}/{path.name}": f"same content as {legible(str(known[digest]))}"
        for path, digest in hashed
        if digest in known
    }
    batch_hash = hashlib.sha256("".join(sorted(d for _, d in fresh)).encode()).hexdigest()
    day = drop / ARCHIVE / today.isoformat()
    for path, _ in hashed:
        if f"{path.parent.name}/{path.name}" in duplicates:
            _move(path, day / "duplicates" / path.parent.name)
    if not fresh:
        return None, None, duplicates
    batch = day / batch_hash[:BATCH_ID_LENGTH]
    listing = []
    for path, digest in fresh:
        system = path.parent.name
        _move(path, batch / system)
        done = path.with_name(path.name + DONE_SUFFIX)
        if done.exists():
            _move(done, batch / BATCH_MARKERS / system)
        listing.append({"file": f"{system}/{path.name}", "sha256": digest})
    (batch / BATCH_LISTING).write_text(json.dumps(listing, indent=1), encoding="utf-8")
    return batch, f"landing:{batch_hash}", duplicates


def _consume_success_markers(drop: Path, batch: Path, markers: dict[str, str]) -> None:
    """A folder's _SUCCESS covers the files it came with: archive it once they are taken."""
    for system, marker in markers.items():
        success = drop / system / SUCCESS_MARKER
        if marker == SUCCESS_MARKER and success.exists() and (batch / system).exists():
            _move(success, batch / BATCH_MARKERS / system)


@dg.sensor(
    job=nightly_warehouse_job,
    minimum_interval_seconds=30,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Launches the nightly job on complete files in the drop folder, once per content.",
)
def landing_sensor(context: dg.SensorEvaluationContext) -> dg.SensorResult | dg.SkipReason:
    drop = drop_folder()
    if not drop.is_dir():
        return dg.SkipReason(f"no drop folder at {drop}")
    previous = json.loads(context.cursor) if context.cursor else {}
    markers = marker_policy()
    scan = scan_drop(drop, previous, load_contracts(), time.time(), settle_seconds(), markers)
    today = dt.datetime.now().date()
    for name, reason in scan.rejected.items():
        context.log.warning(f"rejected {legible(name)}: {reason}")
        reject(drop, name, reason, today)
    for name, reason in scan.waiting.items():
        context.log.info(f"waiting for {legible(name)}: {reason}")
    batch, run_key, duplicates = archive_batch(drop, scan.ready, today)
    for name, reason in duplicates.items():
        context.log.info(f"not ingested again: {legible(name)} ({reason})")
    cursor = json.dumps({k: v for k, v in scan.signatures.items() if k in scan.waiting})
    if batch is None:
        return dg.SensorResult(skip_reason="no new complete files", cursor=cursor)
    _consume_success_markers(drop, batch, markers)
    return dg.SensorResult(
        run_requests=[
            dg.RunRequest(
                run_key=run_key,
                run_config={"ops": {"raw_exports": {"config": {"exports_dir": str(batch)}}}},
                tags={"medops/landing_batch": batch.name},
            )
        ],
        cursor=cursor,
    )
