"""The benchmark: every pipeline file on every bundled dataset of its paradigm.

The work is a list of independent tasks, one per (dataset, paradigm, subject), each
evaluating all matching pipelines within session; tasks run serially or with joblib.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from joblib import Parallel, delayed
from tqdm.auto import tqdm

from ..datasets import EEG_DATASETS, get_dataset
from .pipelines import load_pipelines
from .within_session import RESULT_COLUMNS, evaluate_within_session

__all__ = [
    "BenchmarkTask",
    "plan_benchmark",
    "run_task",
    "run_benchmark",
    "summarize",
    "leakage_report",
    "run_decoding_benchmark",
]


@dataclass(frozen=True)
class BenchmarkTask:
    """One unit of work: all ``pipelines`` on one subject of one dataset and paradigm."""

    dataset: str
    paradigm: str
    subject: int
    pipelines: tuple


def plan_benchmark(configs, datasets=None, subjects=None) -> list[BenchmarkTask]:
    """List the tasks of a benchmark.

    Parameters
    ----------
    configs : list of dict
        Pipeline configs (see :func:`neuropipe.evaluation.pipelines.load_pipelines`).
    datasets : list of str | None
        Dataset names; default all bundled EEG datasets.
    subjects : list of int | None
        Restrict every dataset to these subjects (those it has).

    Returns
    -------
    tasks : list of BenchmarkTask
    """
    names = list(EEG_DATASETS) if datasets is None else list(datasets)
    unknown = [n for n in names if n not in EEG_DATASETS]
    if unknown:
        raise ValueError(f"Unknown datasets {unknown}; bundled are {list(EEG_DATASETS)}.")
    tasks = []
    for name in names:
        dataset = get_dataset(name)
        for paradigm in dataset.paradigms:
            pipelines = tuple(c["name"] for c in configs if paradigm in c["paradigms"])
            if not pipelines:
                continue
            for subject in dataset.subjects:
                if subjects is None or subject in subjects:
                    tasks.append(BenchmarkTask(name, paradigm, subject, pipelines))
    return tasks


def run_task(task: BenchmarkTask, configs, n_splits=5, random_state=42) -> pd.DataFrame:
    """Load one subject and evaluate the task's pipelines within session."""
    import mne

    mne.set_log_level("ERROR")
    by_name = {c["name"]: c["pipeline"] for c in configs}
    data = get_dataset(task.dataset).load(subjects=[task.subject], paradigm=task.paradigm)
    pipelines = {name: by_name[name] for name in task.pipelines}
    return evaluate_within_session(
        pipelines, data, task.dataset, n_splits=n_splits, random_state=random_state
    )


def run_benchmark(
    pipelines_dir="pipelines",
    datasets=None,
    subjects=None,
    *,
    n_splits: int = 5,
    random_state: int = 42,
    n_jobs: int = 1,
    include_slow: bool = False,
    progress: bool = True,
) -> pd.DataFrame:
    """Evaluate every pipeline file in ``pipelines_dir`` on the bundled EEG datasets.

    Parameters
    ----------
    pipelines_dir : str | Path
        Folder of MOABB-format pipeline files.
    datasets, subjects : list | None
        Restrictions (see :func:`plan_benchmark`).
    n_splits : int
        Folds of the within-session cross-validation.
    random_state : int
        Seed of the folds (same seed, same folds as MOABB).
    n_jobs : int
        Parallel tasks (joblib); results do not depend on it.
    include_slow : bool
        Also run pipelines marked ``"slow": True``.
    progress : bool
        Show a progress bar.

    Returns
    -------
    results : pandas.DataFrame
        One row per pipeline, subject and session (:data:`RESULT_COLUMNS`).
    """
    configs = load_pipelines(Path(pipelines_dir), include_slow=include_slow)
    tasks = plan_benchmark(configs, datasets, subjects)
    if not tasks:
        return pd.DataFrame(columns=RESULT_COLUMNS)
    jobs = (delayed(run_task)(t, configs, n_splits, random_state) for t in tasks)
    outputs = Parallel(n_jobs=n_jobs, return_as="generator")(jobs)
    frames = list(
        tqdm(outputs, total=len(tasks), desc="benchmark", unit="task", disable=not progress)
    )
    return pd.concat(frames, ignore_index=True)


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

    For every pipeline with a feature-selection step (a ``SelectorMixin``), on every
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

    configs = [c for c in load_pipelines(Path(pipelines_dir)) if has_selection_step(c["pipeline"])]
    rows = []
    for task in plan_benchmark(configs, datasets, subjects):
        data = get_dataset(task.dataset).load(subjects=[task.subject], paradigm=task.paradigm)
        for session, index in data.metadata.groupby("session").indices.items():
            y = LabelEncoder().fit_transform(data.y[index])
            if len(set(y)) != 2:
                continue
            cv = StratifiedKFold(n_splits, shuffle=True, random_state=random_state)
            for name in task.pipelines:
                pipeline = next(c["pipeline"] for c in configs if c["name"] == name)
                result = optimistic_vs_leakfree(pipeline, data.X[index], y, cv=cv)
                rows.append(
                    {
                        "dataset": task.dataset,
                        "pipeline": name,
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


def run_decoding_benchmark(pipelines_dir="pipelines", progress: bool = True) -> pd.DataFrame:
    """Run the pipelines of ``pipelines_dir/decoding`` on every bundled decoding dataset.

    Each dataset is split in time order by its own protocol (see
    :func:`neuropipe.evaluation.decoding.evaluate_decoding`).

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
    configs = [c for c in load_pipelines(folder) if "decoding" in c["paradigms"]]
    pipelines = {c["name"]: c["pipeline"] for c in configs}
    if not pipelines:
        return pd.DataFrame()
    frames = [
        evaluate_decoding(name, pipelines)
        for name in tqdm(DECODING_DATASETS, desc="decoding", unit="dataset", disable=not progress)
    ]
    return pd.concat(frames, ignore_index=True)
