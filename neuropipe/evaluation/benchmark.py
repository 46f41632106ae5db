"""The benchmark: every pipeline file on every bundled dataset of its paradigm.

The work is planned as independent tasks (one per dataset, paradigm, protocol, subject
and pipeline, see :mod:`neuropipe.evaluation.runner`) that run serially, with joblib or
on Dask, are stored as they finish, and resume after an interruption.
"""

from __future__ import annotations

import re
from contextlib import contextmanager
from pathlib import Path

import pandas as pd
from tqdm.auto import tqdm

from .._validation import check_option
from ..datasets import EEG_DATASETS, get_dataset
from .pipelines import load_pipelines
from .protocols import EVALUATIONS, RESULT_COLUMNS
from .runner import BenchmarkTask, TaskStore, run_tasks

__all__ = [
    "plan_benchmark",
    "run_benchmark",
    "summarize",
    "leakage_report",
    "run_decoding_benchmark",
    "run_fmri_benchmark",
    "check_scheduler_address",
    "dask_client",
]


def plan_benchmark(
    configs, datasets=None, subjects=None, protocol: str = "within-session"
) -> list[BenchmarkTask]:
    """List the tasks of a benchmark.

    Parameters
    ----------
    configs : list of dict
        Pipeline configs (see :func:`neuropipe.evaluation.pipelines.load_pipelines`).
    datasets : list of str | None
        Dataset names; default all bundled EEG datasets.
    subjects : list of int | None
        Restrict every dataset to these subjects (those it has).
    protocol : str
        A key of :data:`neuropipe.evaluation.protocols.EVALUATIONS`.

    Returns
    -------
    tasks : list of BenchmarkTask
    """
    check_option("protocol", protocol, list(EVALUATIONS))
    names = list(EEG_DATASETS) if datasets is None else list(datasets)
    found = {}
    unknown = []
    for name in dict.fromkeys(names):
        if not isinstance(name, str):
            raise TypeError(f"Dataset names must be strings, got {name!r}.")
        try:
            found[name] = get_dataset(name)
        except FileNotFoundError:  # a known dataset whose files are not there: say where
            raise
        except (ValueError, TypeError) as exc:
            unknown.append((name, " ".join(str(exc).split())))
    if unknown:
        raise ValueError(
            f"Unknown datasets {[n for n, _ in unknown]} ({unknown[0][1]}); bundled EEG "
            f"datasets are {list(EEG_DATASETS)} (see 'neuropipe datasets')."
        )
    if subjects is not None:
        available = {n: list(d.subjects) for n, d in found.items()}
        if not any(s in subs for subs in available.values() for s in subjects):
            raise ValueError(
                f"Subjects {list(subjects)} are in none of the datasets asked for; they "
                f"hold subjects {available}."
            )
    tasks = []
    for name, dataset in found.items():
        if protocol == "cross-subject" and len(dataset.subjects) < 2:
            continue
        for paradigm in dataset.paradigms:
            for config in configs:
                if paradigm not in config["paradigms"]:
                    continue
                for subject in dataset.subjects:
                    if subjects is None or subject in subjects:
                        tasks.append(
                            BenchmarkTask(
                                name,
                                paradigm,
                                protocol,
                                subject,
                                config["name"],
                                config["source"],
                            )
                        )
    return tasks


def check_scheduler_address(address):
    """Return ``address`` if it is None, ``"local"`` or ``protocol://host[:port]``.

    Examples
    --------
    >>> check_scheduler_address("tcp://127.0.0.1:8786")
    'tcp://127.0.0.1:8786'
    """
    if address in (None, "local"):
        return address
    if not isinstance(address, str) or not re.fullmatch(
        r"(tcp|tls|inproc|ucx|ws|wss)://[^\s/:]+(:\d{1,5})?/?", address
    ):
        raise ValueError(
            f"Invalid Dask scheduler address {address!r}; give 'local' or the address of a "
            f"running scheduler, e.g. tcp://127.0.0.1:8786."
        )
    return address


@contextmanager
def dask_client(address: str | None = None, n_workers: int = 2, timeout: float = 10):
    """A Dask client: on the scheduler at ``address``, or on a new local cluster.

    Parameters
    ----------
    address : str | None
        ``"tcp://host:port"`` of a running scheduler; ``None`` or ``"local"`` starts a
        ``dask.distributed.LocalCluster`` on loopback with ``n_workers`` single-threaded
        worker processes, closed on exit.
    n_workers : int
        Workers of the local cluster.
    timeout : float
        Seconds to wait for a remote scheduler before a ConnectionError.
    """
    try:
        from dask.distributed import Client, LocalCluster
    except ImportError as exc:
        raise ImportError(
            "Dask execution needs dask.distributed: pip install 'neuropipe[dask]'."
        ) from exc
    check_scheduler_address(address)
    if address in (None, "local"):
        with (
            LocalCluster(
                n_workers=n_workers,
                threads_per_worker=1,
                processes=True,
                host="127.0.0.1",
                dashboard_address=None,
            ) as cluster,
            Client(cluster) as client,
        ):
            yield client
    else:
        try:
            client = Client(address, timeout=timeout)
        except (OSError, TimeoutError) as exc:
            raise ConnectionError(
                f"Could not reach the Dask scheduler at {address} within {timeout} s "
                f"({type(exc).__name__}); start one ('dask scheduler') or check the address."
            ) from exc
        with client:
            yield client


def run_benchmark(
    pipelines_dir="pipelines",
    datasets=None,
    subjects=None,
    *,
    protocol: str = "within-session",
    output=None,
    resume: bool = False,
    n_splits: int = 5,
    random_state: int = 42,
    n_jobs: int = 1,
    scheduler=None,
    include_slow: bool = False,
    progress: bool = True,
    log_level=None,
) -> pd.DataFrame:
    """Evaluate every pipeline file in ``pipelines_dir`` on the bundled EEG datasets.

    Parameters
    ----------
    pipelines_dir : str | Path | list
        Folder(s) or file(s) of pipelines: ours (``.py``) and MOABB's (``.yml``).
    datasets, subjects : list | None
        Restrictions (see :func:`plan_benchmark`).
    protocol : str
        ``"within-session"`` (stratified k-fold per session, as MOABB),
        ``"cross-session"`` or ``"cross-subject"``.
    output : str | Path | None
        Folder where each finished task is stored (``tasks/``) and failures logged; a
        temporary folder if None.
    resume : bool
        Reuse the tasks stored in ``output`` whose files are intact and whose fingerprint
        (pipeline file, data files, protocol, folds, seed, version) matches; recompute the
        others (what was found is in ``results.attrs["resume"]``).
    n_splits : int
        Folds of the within-session cross-validation.
    random_state : int
        Seed of the folds (same seed, same folds as MOABB).
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

    Returns
    -------
    results : pandas.DataFrame
        One row per pipeline, subject and session (:data:`RESULT_COLUMNS`); the failed
        tasks, if any, are in ``results.attrs["failures"]``, the number of tasks planned
        in ``results.attrs["n_tasks"]`` and the :class:`~neuropipe.evaluation.runner.
        ResumeReport` (None without ``resume``) in ``results.attrs["resume"]``.
    """
    import tempfile

    configs = load_pipelines(pipelines_dir, include_slow=include_slow)
    tasks = plan_benchmark(configs, datasets, subjects, protocol)
    if not tasks:
        empty = pd.DataFrame(columns=RESULT_COLUMNS)
        empty.attrs.update(failures=pd.DataFrame(), n_tasks=0, resume=None)
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
    results.attrs.update(failures=failures, n_tasks=len(tasks))
    return results


def summarize(results: pd.DataFrame) -> pd.DataFrame:
    """Dataset x pipeline table: mean and std over subjects, chance level, subjects.

    Sessions are averaged within each subject first, so every subject weighs the same.
    """
    per_subject = results.groupby(["dataset", "pipeline", "subject", "scoring"], as_index=False)[
        ["score", "chance", "chance_p95", "time"]
    ].mean()
    table = per_subject.groupby(["dataset", "pipeline", "scoring"]).agg(
        score=("score", "mean"),
        std=("score", "std"),
        chance=("chance", "mean"),
        chance_p95=("chance_p95", "mean"),
        subjects=("subject", "nunique"),
        fit_time=("time", "mean"),
    )
    return table.reset_index().sort_values(["dataset", "score"], ascending=[True, False])


def leakage_report(
    pipelines_dir="pipelines", datasets=None, subjects=None, *, n_splits=5, random_state=42
) -> pd.DataFrame:
    """Score each pipeline that selects features both leak-free and HappyFeat's way.

    For every default pipeline with a feature-selection step (a ``SelectorMixin``), and
    every opt-in one whose file sets ``"leakage": True`` (the HappyFeat reproductions), on every
    subject and session of the two-class datasets of its paradigm, the same folds as
    :func:`run_benchmark` score it with selection inside each training fold (leak-free)
    and with selection fitted once on all trials (optimistic), see
    :func:`neuropipe.evaluation.leakage.optimistic_vs_leakfree`.

    Returns
    -------
    report : pandas.DataFrame
        One row per dataset and pipeline: mean ``leak_free`` and ``optimistic`` scores
        over subjects, their ``gap`` and the number of subjects.
    """
    from sklearn.model_selection import StratifiedKFold
    from sklearn.preprocessing import LabelEncoder

    from .leakage import has_selection_step, optimistic_vs_leakfree

    configs = [
        c
        for c in load_pipelines(pipelines_dir, include_slow=True)
        if has_selection_step(c["pipeline"]) and c.get("leakage", not c.get("slow", False))
    ]
    by_name = {c["name"]: c["pipeline"] for c in configs}
    rows = []
    for task in plan_benchmark(configs, datasets, subjects):
        data = get_dataset(task.dataset).load(subjects=[task.subject], paradigm=task.paradigm)
        for session, index in data.metadata.groupby("session").indices.items():
            y = LabelEncoder().fit_transform(data.y[index])
            if len(set(y)) != 2:
                continue
            cv = StratifiedKFold(n_splits, shuffle=True, random_state=random_state)
            result = optimistic_vs_leakfree(by_name[task.pipeline], data.X[index], y, cv=cv)
            rows.append(
                {
                    "dataset": task.dataset,
                    "pipeline": task.pipeline,
                    "subject": task.subject,
                    "session": session,
                    "leak_free": result["leak_free"],
                    "optimistic": result["optimistic"],
                }
            )
    if not rows:
        return pd.DataFrame(columns=["dataset", "pipeline", "leak_free", "optimistic", "gap"])
    table = (
        pd.DataFrame(rows)
        .groupby(["dataset", "pipeline"])
        .agg(
            leak_free=("leak_free", "mean"),
            optimistic=("optimistic", "mean"),
            subjects=("subject", "nunique"),
        )
    )
    table["gap"] = table["optimistic"] - table["leak_free"]
    return table.reset_index()


def run_decoding_benchmark(
    pipelines_dir="pipelines", progress: bool = True, datasets=None, include_slow: bool = False
) -> pd.DataFrame:
    """Run the pipelines of ``pipelines_dir/decoding`` on every bundled decoding dataset.

    Each dataset is split in time order by its own protocol (see
    :func:`neuropipe.evaluation.decoding.evaluate_decoding`).

    Parameters
    ----------
    pipelines_dir : str | Path
        Folder whose ``decoding/`` sub-folder holds the decoding pipeline files.
    progress : bool
        Show a progress bar.
    datasets : list of str | None
        Decoding datasets to run (default all of ``DECODING_DATASETS``).
    include_slow : bool
        Also run the decoding pipelines marked ``"slow": True``.

    Returns
    -------
    results : pandas.DataFrame
        The rows of ``evaluate_decoding`` for every dataset (``state="all"`` rows hold
        the R^2 averaged over states, the pooled nRMSE and the MAAE).
    """
    from .decoding import DECODING_DATASETS, evaluate_decoding

    folder = Path(pipelines_dir) / "decoding"
    if not folder.is_dir():
        return pd.DataFrame()
    configs = load_pipelines(folder, include_slow=include_slow)
    configs = [c for c in configs if "decoding" in c["paradigms"]]
    pipelines = {c["name"]: c["pipeline"] for c in configs}
    if not pipelines:
        return pd.DataFrame()
    names = list(DECODING_DATASETS) if datasets is None else list(datasets)
    unknown = [n for n in names if n not in DECODING_DATASETS]
    if unknown:
        raise ValueError(
            f"Unknown decoding datasets {unknown}; known are {list(DECODING_DATASETS)}."
        )
    frames = [
        evaluate_decoding(name, pipelines)
        for name in tqdm(names, desc="decoding", unit="dataset", disable=not progress)
    ]
    return pd.concat(frames, ignore_index=True)


def run_fmri_benchmark(pipelines_dir="pipelines", protocols=None, n_jobs: int = 1) -> pd.DataFrame:
    """Run the pipelines of ``pipelines_dir/fmri`` on the bundled ABIDE subset.

    Parameters
    ----------
    pipelines_dir : str | Path
        Folder whose ``fmri/`` sub-folder holds the fMRI pipeline files.
    protocols : tuple of str | None
        Default the quick set: stratified 5-fold by site and label, and leave-one-site-out
        (``python -m neuropipe.evaluation.fmri`` runs the full 10-fold table).
    n_jobs : int
        Parallel folds.

    Returns
    -------
    results : pandas.DataFrame
        One row per pipeline, protocol and fold (see
        :func:`neuropipe.evaluation.fmri.evaluate_fmri`).
    """
    from .fmri import QUICK_PROTOCOLS, evaluate_fmri

    folder = Path(pipelines_dir) / "fmri"
    if not folder.is_dir():
        return pd.DataFrame()
    pipelines = {
        c["name"]: c["pipeline"] for c in load_pipelines(folder) if "fmri" in c["paradigms"]
    }
    if not pipelines:
        return pd.DataFrame()
    return evaluate_fmri(pipelines, protocols=protocols or QUICK_PROTOCOLS, n_jobs=n_jobs)
