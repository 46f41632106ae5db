"""Run a benchmark: the planned tasks through the task store, on the chosen backend.

:func:`run_tasks` runs tasks (serially, with joblib or on a Dask cluster, see
:mod:`neuropipe.benchmark.execution`) and stores each result as it completes
(:class:`~neuropipe.benchmark.store.TaskStore`). An interrupted run resumes without redoing
finished tasks, but a task is reused only when its files are intact, its table has the
expected columns and its fingerprint (:func:`~neuropipe.benchmark.fingerprint.task_fingerprint`)
matches the one of the run; the others are recomputed, and the run says how many of each. A
task that fails is recorded with its error and the others go on. :func:`run_benchmark`
plans the tasks of every family asked for (:mod:`neuropipe.benchmark.planning`) and runs
them in one table (:data:`~neuropipe.evaluation.protocols.RESULTS_SCHEMA`).
"""

from __future__ import annotations

import tempfile

import pandas as pd
from tqdm.auto import tqdm

from ..evaluation.protocols import RESULTS_SCHEMA
from .execution import completed
from .fingerprint import task_fingerprint
from .planning import plan_families
from .store import ResumeReport, TaskStore
from .tasks import prepare_task, task_fields

__all__ = ["run_benchmark", "run_tasks"]


def run_tasks(
    tasks,
    store: TaskStore,
    *,
    n_splits: int = 5,
    random_state: int | None = None,
    n_jobs: int = 1,
    scheduler=None,
    resume: bool = False,
    progress: bool = True,
    log_level=None,
):
    """Run tasks, storing each result as it completes.

    Parameters
    ----------
    tasks : list of BenchmarkTask
    store : TaskStore
    n_splits : int
        Folds of the protocols that take a number of folds (EEG within-session).
    random_state : int | None
        Seed of every task's folds; None: each paradigm's documented seed (EEG 42, fMRI 0).
        Each task gets its splitter and seed once
        (:func:`~neuropipe.benchmark.tasks.prepare_task`): identical on every backend.
    n_jobs : int
        joblib workers when no ``scheduler`` is given.
    scheduler : dask.distributed.Client | None
        Run the tasks on this Dask cluster instead.
    resume : bool
        Reuse the tasks whose result is stored, intact and computed with the same
        fingerprint (:func:`task_fingerprint`); recompute the others. Otherwise every
        task is recomputed.
    progress : bool
        Show a progress bar.
    log_level : str | int | None
        neuropipe's and MNE's log level in the workers (default ``"WARNING"``).

    Returns
    -------
    results : pandas.DataFrame
        All tasks' rows (sorted), including those reused from a previous run;
        ``results.attrs["resume"]`` is the :class:`ResumeReport` (None without resume).
    failures : pandas.DataFrame
        One row per failed task: its fields and the error (also in ``failures.csv``,
        which is removed when no task failed).
    """
    # the splitter and seed of each task, built once from the run's options
    tasks = [prepare_task(t, n_splits, random_state) for t in tasks]
    cache = {}
    fingerprints = {t: task_fingerprint(t, cache=cache) for t in tasks}
    report = ResumeReport() if resume else None
    todo = []
    for task in tasks:
        if not resume:
            todo.append(task)
            continue
        problem = store.check(task, fingerprints[task])
        if problem is None:
            report.reused += 1
            continue
        todo.append(task)
        kind, reason = problem
        if kind == "missing":
            report.new += 1
        else:
            getattr(report, kind).append(f"{task.key}: {reason}")
    failures = []
    bar = tqdm(
        total=len(tasks),
        initial=len(tasks) - len(todo),
        desc="benchmark",
        unit="task",
        disable=not progress,
    )
    with bar:
        outcomes = completed(todo, n_splits, random_state, n_jobs, scheduler, log_level)
        for task, results, error in outcomes:
            if error is None:
                store.write(task, results, fingerprints[task], results.attrs.get("artifacts"))
            else:
                for stale in store.files(task):
                    stale.unlink(missing_ok=True)  # an old result must not pass for this run's
                failures.append({**task_fields(task), "subject": task.subject, "error": error})
                bar.write(f"FAILED {task.key}: {error}")
            bar.update(1)
    failures = pd.DataFrame(failures, columns=[*task_fields(tasks[0]), "error"] if tasks else None)
    store.write_failures(failures)
    results = store.read(tasks)
    if not results.empty:
        results = results.sort_values(
            ["dataset", "evaluation", "subject", "session", "pipeline"], kind="stable"
        ).reset_index(drop=True)
    results.attrs["resume"] = report
    return results, failures


def run_benchmark(
    pipelines_dir="pipelines",
    datasets=None,
    subjects=None,
    *,
    protocol: str = "within-session",
    families=("eeg",),
    fmri_protocols=None,
    output=None,
    resume: bool = False,
    n_splits: int = 5,
    random_state: int | None = None,
    n_jobs: int = 1,
    scheduler=None,
    include_slow: bool = False,
    progress: bool = True,
    log_level=None,
    plans: dict | None = None,
    data_path=None,
) -> pd.DataFrame:
    """Evaluate every pipeline file in ``pipelines_dir`` on the bundled datasets.

    Parameters
    ----------
    pipelines_dir : str | Path | list
        Folder(s) or file(s) of EEG pipelines: ours (``.py``) and MOABB's (``.yml``); the
        fMRI and decoding pipelines are read from the first folder's ``fmri/`` and
        ``decoding/``.
    datasets, subjects : list | None
        Restrictions (see :func:`plan_benchmark`); ``datasets`` may name datasets of any
        family (``"abide-pcp-cc200"``, ``"flint2012"``...); ``subjects`` restricts EEG.
    protocol : str
        A registered protocol (:func:`neuropipe.evaluation.paradigms.protocol_names`),
        run by its paradigm; the other paradigms run their default protocols. EEG's:
        ``"within-session"`` (stratified k-fold per session, as MOABB),
        ``"cross-session"``, ``"cross-subject"`` or ``"pseudo-online"`` (leave one run
        out, a sliding window over the held-out run, see
        :mod:`neuropipe.evaluation.pseudo_online`).
    families : sequence of str
        The paradigms to run (:func:`neuropipe.evaluation.paradigms.paradigm_names`:
        ``"eeg"``, ``"fmri"``, ``"decoding"``), through the same runner.
    fmri_protocols : sequence of str | None
        fMRI protocols (default the fMRI paradigm's ``default_protocols``: stratified
        5-fold by site and label, and leave-one-site-out, seed 0 as in ``docs/fmri.md``).
    output : str | Path | None
        Folder where each finished task is stored (``tasks/``) and failures logged; a
        temporary folder if None.
    resume : bool
        Reuse the tasks stored in ``output`` whose files are intact and whose fingerprint
        (pipeline file, data files, protocol, folds, seed, version) matches; recompute the
        others (what was found is in ``results.attrs["resume"]``).
    n_splits : int
        Folds of the EEG within-session cross-validation.
    random_state : int | None
        Seed of every paradigm's folds; default each paradigm's documented seed: EEG 42
        (same seed, same folds as MOABB), fMRI 0 (``docs/fmri.md``).
    n_jobs : int
        Parallel tasks (joblib); results do not depend on it.
    scheduler : dask.distributed.Client | None
        Run the tasks on this Dask cluster (see :func:`dask_client`).
    include_slow : bool
        Also run pipelines marked ``"slow": True``.
    progress : bool
        Show a progress bar.
    log_level : str | None
        neuropipe's and MNE's log level while the tasks run (default ``"WARNING"``).
    plans : dict | None
        The tasks to run, as :func:`plan_families` returns them (then ``datasets``,
        ``subjects``, ``protocol``, ``families``, ``fmri_protocols``, ``include_slow`` and
        ``data_path`` are not used: the tasks carry their data path).
    data_path : str | Path | None
        A folder of dataset folders (as a checkout's ``data/``): every registered dataset
        with a sample-data folder is read from ``data_path/<folder>``, and only there (an
        error naming the folder when it is missing); user specs (TOML, BIDS, ``moabb:``)
        are not affected. Part of each task's data digest: another data path recomputes
        the tasks on ``resume``. None: the search of :mod:`neuropipe.datasets.paths`
        (``$NEUROPIPE_DATA``, else the clone's ``data/``, else ``~/neuropipe_data``).

    Returns
    -------
    results : pandas.DataFrame
        Rows of :data:`~neuropipe.evaluation.protocols.RESULTS_SCHEMA` (``family`` tells
        them apart): EEG one per pipeline, subject and session; fMRI one per pipeline,
        protocol and fold; decoding one per pipeline and dataset (``state="all"``) plus one
        per state. The failed tasks, if any, are in ``results.attrs["failures"]``, the
        number of tasks planned in ``results.attrs["n_tasks"]`` (per family in
        ``results.attrs["planned"]``) and the :class:`~neuropipe.benchmark.store.ResumeReport` (None without ``resume``) in ``results.attrs["resume"]``.
    """
    if plans is None:
        plans = plan_families(
            pipelines_dir,
            datasets,
            subjects,
            families=families,
            protocol=protocol,
            fmri_protocols=fmri_protocols,
            include_slow=include_slow,
            data_path=data_path,
        )
    planned = {family: len(tasks) for family, tasks in plans.items()}
    tasks = [task for family_tasks in plans.values() for task in family_tasks]
    if not tasks:
        empty = pd.DataFrame(columns=RESULTS_SCHEMA)
        empty.attrs.update(failures=pd.DataFrame(), n_tasks=0, planned=planned, resume=None)
        return empty
    store = TaskStore(output if output is not None else tempfile.mkdtemp(prefix="neuropipe-"))
    results, failures = run_tasks(
        tasks,
        store,
        n_splits=n_splits,
        random_state=random_state,
        n_jobs=n_jobs,
        scheduler=scheduler,
        resume=resume,
        progress=progress,
        log_level=log_level,
    )
    results.attrs.update(failures=failures, n_tasks=len(tasks), planned=planned)
    return results
