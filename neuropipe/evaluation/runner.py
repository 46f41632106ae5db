"""Run independent benchmark tasks serially, with joblib, or on a Dask cluster.

A task is one (dataset, paradigm, protocol, subject, pipeline). Its result is written to
``<store>/tasks/<key>.csv`` as soon as it completes, so an interrupted run resumes
without redoing finished tasks; a task that fails is recorded with its error and the
others go on. Every task seeds its own folds, so the results do not depend on the
backend or on the order in which tasks finish.
"""

from __future__ import annotations

import re
import traceback
from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path

import pandas as pd
from tqdm.auto import tqdm

__all__ = ["BenchmarkTask", "execute_task", "run_tasks", "TaskStore"]


@dataclass(frozen=True)
class BenchmarkTask:
    """One unit of work.

    Attributes
    ----------
    dataset, paradigm : str
        Bundled dataset and the MOABB paradigm whose epoching to use.
    protocol : str
        ``"within-session"``, ``"cross-session"`` or ``"cross-subject"``.
    subject : int
        The subject evaluated (held out, for cross-subject).
    pipeline : str
        Pipeline name, as in its file.
    source : str
        Path of the pipeline file, loaded by the worker that runs the task.
    """

    dataset: str
    paradigm: str
    protocol: str
    subject: int
    pipeline: str
    source: str

    @property
    def key(self) -> str:
        """File-name-safe identifier of the task."""
        raw = f"{self.dataset}__{self.paradigm}__{self.protocol}__S{self.subject:03d}__{self.pipeline}"
        return re.sub(r"[^A-Za-z0-9_.-]+", "-", raw)


@lru_cache(maxsize=16)
def _pipelines_of(source: str) -> dict:
    from .pipelines import load_pipeline_file

    return {c["name"]: c["pipeline"] for c in load_pipeline_file(source)}


@lru_cache(maxsize=2)
def _load(dataset: str, paradigm: str, subjects: tuple):
    from ..datasets import get_dataset

    return get_dataset(dataset).load(subjects=list(subjects), paradigm=paradigm)


def execute_task(task: BenchmarkTask, n_splits: int = 5, random_state: int = 42):
    """Run one task and return ``(task, results DataFrame or None, error text or None)``."""
    import mne

    from ..datasets import get_dataset
    from .protocols import evaluate

    mne.set_log_level("ERROR")
    try:
        pipeline = {task.pipeline: _pipelines_of(task.source)[task.pipeline]}
        kwargs = {"random_state": random_state}
        if task.protocol == "cross-subject":
            data = _load(task.dataset, task.paradigm, tuple(get_dataset(task.dataset).subjects))
            kwargs["subjects"] = [task.subject]
        else:
            data = _load(task.dataset, task.paradigm, (task.subject,))
        if task.protocol == "within-session":
            kwargs["n_splits"] = n_splits
        return task, evaluate(task.protocol, pipeline, data, task.dataset, **kwargs), None
    except Exception as exc:  # reported with the task; the other tasks go on
        detail = "".join(traceback.format_exception_only(type(exc), exc)).strip()
        return task, None, detail


class TaskStore:
    """Folder of finished task results (one CSV each) and a log of failures.

    Parameters
    ----------
    folder : str | Path
        Output folder; results go to ``folder/tasks/``.
    """

    def __init__(self, folder):
        self.folder = Path(folder)
        self.tasks_dir = self.folder / "tasks"
        self.tasks_dir.mkdir(parents=True, exist_ok=True)

    def path(self, task: BenchmarkTask) -> Path:
        return self.tasks_dir / f"{task.key}.csv"

    def done(self, task: BenchmarkTask) -> bool:
        return self.path(task).exists()

    def write(self, task: BenchmarkTask, results: pd.DataFrame) -> None:
        """Write atomically (temporary file, then rename), so a kill never leaves half a file."""
        tmp = self.path(task).with_suffix(".tmp")
        results.to_csv(tmp, index=False)
        tmp.replace(self.path(task))

    def read(self, tasks) -> pd.DataFrame:
        frames = [pd.read_csv(self.path(t), dtype={"session": str}) for t in tasks if self.done(t)]
        return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def _completed(tasks, n_splits, random_state, n_jobs, scheduler):
    """Yield task outcomes as they complete, on the chosen backend."""
    if scheduler is not None:
        from dask.distributed import as_completed

        futures = [
            scheduler.submit(execute_task, t, n_splits, random_state, pure=False) for t in tasks
        ]
        for future in as_completed(futures):
            yield future.result()
        return
    from joblib import Parallel, delayed

    jobs = (delayed(execute_task)(t, n_splits, random_state) for t in tasks)
    yield from Parallel(n_jobs=n_jobs, return_as="generator_unordered")(jobs)


def run_tasks(
    tasks,
    store: TaskStore,
    *,
    n_splits: int = 5,
    random_state: int = 42,
    n_jobs: int = 1,
    scheduler=None,
    resume: bool = False,
    progress: bool = True,
):
    """Run tasks, storing each result as it completes.

    Parameters
    ----------
    tasks : list of BenchmarkTask
    store : TaskStore
    n_splits, random_state : int
        Folds and their seed (identical on every backend).
    n_jobs : int
        joblib workers when no ``scheduler`` is given.
    scheduler : dask.distributed.Client | None
        Run the tasks on this Dask cluster instead.
    resume : bool
        Skip tasks whose result is already in ``store``; otherwise they are recomputed.
    progress : bool
        Show a progress bar.

    Returns
    -------
    results : pandas.DataFrame
        All tasks' rows (sorted), including those from a previous run when resuming.
    failures : pandas.DataFrame
        One row per failed task: its fields and the error.
    """
    tasks = list(tasks)
    todo = [t for t in tasks if not (resume and store.done(t))]
    failures = []
    bar = tqdm(
        total=len(tasks),
        initial=len(tasks) - len(todo),
        desc="benchmark",
        unit="task",
        disable=not progress,
    )
    with bar:
        for task, results, error in _completed(todo, n_splits, random_state, n_jobs, scheduler):
            if error is None:
                store.write(task, results)
            else:
                failures.append({**asdict(task), "error": error})
                bar.write(f"FAILED {task.key}: {error}")
            bar.update(1)
    failures = pd.DataFrame(failures)
    if not failures.empty:
        failures.to_csv(store.folder / "failures.csv", index=False)
    results = store.read(tasks)
    if not results.empty:
        results = results.sort_values(
            ["dataset", "evaluation", "subject", "session", "pipeline"], kind="stable"
        ).reset_index(drop=True)
    return results, failures
