"""The task store: a folder of finished task results, each checked before it is reused.

Each task's result is written to ``<store>/tasks/<key>.csv`` as soon as it completes, with
the report's per-fold arrays in ``<key>.npz``
(:func:`~neuropipe.benchmark.artifact_files.save_task_artifacts`) and a ``<key>.json``
beside them that records the task's fingerprint
(:func:`~neuropipe.benchmark.fingerprint.task_fingerprint`) and checksums of the CSV and
the arrays. A stored result is reused only when its files are intact, its table has the
expected columns and its fingerprint matches the one of the run (:meth:`TaskStore.check`).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from .artifact_files import save_task_artifacts
from .results import (
    atomic_file,
    atomic_write_bytes,
    check_results_table,
    integer_subjects,
    read_results,
    write_csv_atomic,
)
from .tasks import BenchmarkTask, task_fields

__all__ = ["TASK_SCHEMA", "ResumeReport", "TaskStore"]

#: Version of the task files' layout (CSV + NPZ + JSON sidecar, rows of RESULTS_SCHEMA);
#: other versions are recomputed.
TASK_SCHEMA = 3


@dataclass
class ResumeReport:
    """What ``--resume`` found in the task store.

    Attributes
    ----------
    reused : int
        Valid stored results whose fingerprint matches: not recomputed.
    stale : list of str
        Valid results computed under another fingerprint (``"key: what changed"``).
    invalid : list of str
        Damaged or foreign task files (``"key: why"``): recomputed.
    new : int
        Tasks with no stored result.
    """

    reused: int = 0
    stale: list = field(default_factory=list)
    invalid: list = field(default_factory=list)
    new: int = 0

    @property
    def recomputed(self) -> int:
        return len(self.stale) + len(self.invalid) + self.new

    def summary(self) -> str:
        """One line, e.g. ``"Resume: 4 task(s) reused, 2 recomputed (1 stale (n_splits changed), 1 new)"``."""
        parts = []
        if self.stale:
            changed = sorted({s.split(": ", 1)[1] for s in self.stale})
            parts.append(f"{len(self.stale)} stale ({'; '.join(changed)} changed)")
        if self.invalid:
            parts.append(f"{len(self.invalid)} invalid (damaged or foreign files)")
        if self.new:
            parts.append(f"{self.new} new")
        detail = f" ({', '.join(parts)})" if parts else ""
        return f"Resume: {self.reused} task(s) reused, {self.recomputed} recomputed{detail}"


class TaskStore:
    """Folder of finished task results (one CSV and one JSON each) and a log of failures.

    Parameters
    ----------
    folder : str | Path
        Output folder; results go to ``folder/tasks/``.
    """

    def __init__(self, folder):
        self.folder = Path(folder)
        self.tasks_dir = self.folder / "tasks"
        self.tasks_dir.mkdir(parents=True, exist_ok=True)
        for pattern in (".*.tmp", ".*.tmp.npz"):  # from a run killed mid-write
            for leftover in self.tasks_dir.glob(pattern):
                leftover.unlink(missing_ok=True)

    def path(self, task: BenchmarkTask) -> Path:
        return self.tasks_dir / f"{task.key}.csv"

    def meta_path(self, task: BenchmarkTask) -> Path:
        return self.tasks_dir / f"{task.key}.json"

    def artifacts_path(self, task: BenchmarkTask) -> Path:
        """``tasks/<key>.npz``: the report's per-fold arrays of the task (read them with
        :func:`neuropipe.benchmark.artifact_files.load_artifacts`)."""
        return self.tasks_dir / f"{task.key}.npz"

    def files(self, task: BenchmarkTask) -> tuple:
        """The task's files: CSV, JSON record and arrays."""
        return self.path(task), self.meta_path(task), self.artifacts_path(task)

    def check(self, task: BenchmarkTask, fingerprint: dict | None = None):
        """Why the stored result of ``task`` cannot be reused, or None if it can.

        Returns
        -------
        problem : tuple of (str, str) | None
            ``("missing" | "invalid" | "stale", reason)``.
        """
        return self._stored(task, fingerprint)[0]

    def _stored(self, task: BenchmarkTask, fingerprint: dict | None = None):
        """``(problem, table)``: :meth:`check`'s answer and, when it is None, the stored
        table (read once, for :meth:`read`)."""
        csv, meta_path = self.path(task), self.meta_path(task)
        if not csv.exists() and not meta_path.exists():
            return ("missing", "no stored result"), None
        try:
            meta = json.loads(meta_path.read_text())
            if not isinstance(meta, dict) or meta.get("schema") != TASK_SCHEMA:
                return ("invalid", "written by another version of the task store"), None
            content = csv.read_bytes()
            if hashlib.sha256(content).hexdigest() != meta.get("csv_sha256"):
                return (
                    "invalid",
                    "the CSV does not match its checksum (truncated or edited)",
                ), None
            table = read_results(csv)
            check_results_table(table, csv.name)
            if meta.get("artifacts_sha256") is not None:
                arrays = self.artifacts_path(task).read_bytes()
                if hashlib.sha256(arrays).hexdigest() != meta["artifacts_sha256"]:
                    return ("invalid", "the fold arrays (.npz) do not match their checksum"), None
        except FileNotFoundError as exc:
            return ("invalid", f"{Path(exc.filename or '').name or 'a file'} is missing"), None
        except (OSError, ValueError) as exc:  # unreadable, bad JSON, bad table
            return ("invalid", " ".join(str(exc).split())), None
        if meta.get("task") != task_fields(task):
            return ("invalid", "the files belong to another task"), None
        if fingerprint is not None and meta.get("fingerprint") != fingerprint:
            stored = meta.get("fingerprint") or {}
            changed = [k for k in fingerprint if stored.get(k) != fingerprint[k]]
            return ("stale", ", ".join(changed) or "fingerprint"), None
        return None, table

    def done(self, task: BenchmarkTask, fingerprint: dict | None = None) -> bool:
        """Whether a valid result of ``task`` is stored (with this fingerprint, if given)."""
        return self.check(task, fingerprint) is None

    def write(
        self, task: BenchmarkTask, results: pd.DataFrame, fingerprint=None, artifacts=None
    ) -> None:
        """Write the CSV, the fold arrays (``artifacts``, a list of dicts, if given), then
        the JSON record, each atomically (temporary file, rename)."""
        content = results.to_csv(index=False).encode()
        self.meta_path(task).unlink(missing_ok=True)  # never a record beside a new CSV
        atomic_write_bytes(self.path(task), content)
        arrays_sha256 = None
        if artifacts is None:
            self.artifacts_path(task).unlink(missing_ok=True)
        else:
            arrays_sha256 = _atomic_write_artifacts(
                self.artifacts_path(task), artifacts, task_fields(task)
            )
        meta = {
            "schema": TASK_SCHEMA,
            "task": task_fields(task),
            "fingerprint": fingerprint,
            "csv_sha256": hashlib.sha256(content).hexdigest(),
            "artifacts_sha256": arrays_sha256,
            "rows": len(results),
        }
        atomic_write_bytes(self.meta_path(task), json.dumps(meta, indent=1).encode())

    def read(self, tasks) -> pd.DataFrame:
        """The stored results of ``tasks`` that are valid, concatenated."""
        stored = (self._stored(t) for t in tasks)
        frames = [table for problem, table in stored if problem is None]
        if not frames:
            return pd.DataFrame()
        return integer_subjects(pd.concat(frames, ignore_index=True))

    def write_failures(self, failures: pd.DataFrame) -> None:
        """``failures.csv`` holds this run's failed tasks; removed when there are none."""
        path = self.folder / "failures.csv"
        if failures.empty:
            path.unlink(missing_ok=True)
        else:
            write_csv_atomic(failures, path)


def _atomic_write_artifacts(path: Path, folds: list, meta: dict) -> str:
    """:func:`~neuropipe.benchmark.artifact_files.save_task_artifacts` to a temporary file
    beside ``path``, renamed over it; returns the SHA-256 of the file."""
    with atomic_file(path, suffix=".tmp.npz") as tmp:
        save_task_artifacts(tmp, folds, meta=meta)
        digest = hashlib.sha256(tmp.read_bytes()).hexdigest()
    return digest
