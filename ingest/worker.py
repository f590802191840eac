"""Read and conform files in a worker process that is killed at the contract's deadline.

A hostile or broken file (millions of columns on one line, an unclosed quote that swallows the
rest of the file, a bug or panic in a library) must not hang or crash the nightly run: the
parent gives the worker ``limits.seconds`` per file and turns a timeout, a crash or an error
into a rejection with its reason, and the next file loads (in a new worker if the old one had
to be killed). The worker is a fresh interpreter (``python -m ingest.worker``): it shares no
threads, locks or DuckDB connection with the parent and does not depend on how the parent was
started. Requests and answers travel pickled over its stdin and a private copy of its stdout
(anything a library prints goes to stderr instead).
"""

from __future__ import annotations

import atexit
import os
import pickle
import select
import subprocess
import sys
import threading
from pathlib import Path

from ingest.conform import Conformed, SchemaError, conform
from ingest.contracts import SourceContract
from ingest.readers import UnreadableFileError, read_export


def read_and_conform(path: Path, contract: SourceContract) -> tuple[str, int, Conformed]:
    """The file's encoding, its data rows read, and its rows conformed to the contract."""
    rows = read_export(path, contract)
    try:
        conformed = conform(rows.frame, contract, rows.excel_epoch)
    except SchemaError as exc:
        raise UnreadableFileError(str(exc), rows.frame.height, rows.encoding) from exc
    return rows.encoding, rows.frame.height, conformed


class IsolatedReader:
    """``read_and_conform`` in a worker process, one file at a time, with a deadline each.

    The worker starts on first use and serves every later file; it is replaced only after a
    timeout or a crash, and exits when this process closes it or dies (its stdin ends).
    """

    def __init__(self) -> None:
        self._process: subprocess.Popen | None = None
        self._lock = threading.Lock()

    def close(self) -> None:
        if self._process is not None:
            self._process.kill()
            self._process.wait()
            self._process.stdin.close()
            self._process.stdout.close()
            self._process = None

    def read(self, path: Path, contract: SourceContract) -> tuple[str, int, Conformed]:
        """Like ``read_and_conform``; UnreadableFileError when the worker cannot finish."""
        with self._lock:
            return self._read(path, contract)

    def _read(self, path: Path, contract: SourceContract) -> tuple[str, int, Conformed]:
        if self._process is None or self._process.poll() is not None:
            self.close()
            self._process = subprocess.Popen(
                [sys.executable, "-m", "ingest.worker"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
            )
        process = self._process
        seconds = contract.limits.seconds
        try:
            pickle.dump((path, contract), process.stdin, protocol=pickle.HIGHEST_PROTOCOL)
            process.stdin.flush()
            ready, _, _ = select.select([process.stdout], [], [], seconds)
            if not ready:
                self.close()
                raise UnreadableFileError(
                    f"reading took longer than {seconds:g} s (limits.seconds); "
                    "the file was not loaded"
                )
            kind, payload = pickle.load(process.stdout)
        except (BrokenPipeError, EOFError, pickle.UnpicklingError):
            exit_code = process.wait()
            self.close()
            raise UnreadableFileError(
                f"the reader process died (exit code {exit_code}) reading this file: "
                "probably out of memory"
            ) from None
        if kind == "rejected":
            raise UnreadableFileError(*payload)
        return payload


# One worker per process, shared by every ingest in it (the nightly run, a test session).
shared_reader = IsolatedReader()
atexit.register(shared_reader.close)


def main() -> None:
    answers = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    requests = sys.stdin.buffer
    while True:
        try:
            path, contract = pickle.load(requests)
        except EOFError:
            return
        try:
            outcome = ("read", read_and_conform(path, contract))
        except UnreadableFileError as exc:
            outcome = ("rejected", (str(exc), exc.rows_read, exc.encoding))
        except Exception as exc:  # a bug or a library's panic: the file is rejected, not the run
            outcome = ("rejected", (f"the reader failed: {type(exc).__name__}: {exc}",))
        pickle.dump(outcome, answers, protocol=pickle.HIGHEST_PROTOCOL)
        answers.flush()


if __name__ == "__main__":
    main()
