"""Tables over a benchmark: the summary of its results (:func:`summarize`) and the leakage
report of its feature-selecting pipelines (:func:`leakage_report`)."""

from __future__ import annotations

import pandas as pd
from sklearn.model_selection import StratifiedKFold
from sklearn.preprocessing import LabelEncoder

from ..evaluation.leakage import has_selection_step, optimistic_vs_leakfree
from ..preprocessing import with_recording_info
from .cache import load_epochs
from .pipeline_files import load_pipelines
from .planning import plan_benchmark

__all__ = ["leakage_report", "summarize"]


def _overall_rows(results: pd.DataFrame) -> pd.DataFrame:
    """Rows that score a whole pipeline: all but decoding's per-state rows."""
    if "state" not in results:
        return results
    return results[results["state"].isna() | (results["state"] == "all")]


def summarize(results: pd.DataFrame) -> pd.DataFrame:
    """Dataset x evaluation x pipeline table: mean and std over subjects, chance level.

    Sessions are averaged within each subject first, so every subject weighs the same;
    fMRI rows (no subject: a fold pools many) count one unit per fold, so ``subjects`` is
    their number of folds; decoding's per-state rows are left out (``state="all"`` is the
    pipeline's score).
    """
    results = _overall_rows(results)
    unit = (
        results["subject"]
        .astype(object)
        .where(results["subject"].notna(), "fold " + results["session"].astype(str))
    )
    keys = ["dataset", "evaluation", "pipeline", "unit", "scoring"]
    per_subject = (
        results.assign(unit=unit.astype(str))
        .groupby(keys, as_index=False)[["score", "chance", "chance_p95", "time"]]
        .mean()
    )
    table = per_subject.groupby(["dataset", "evaluation", "pipeline", "scoring"]).agg(
        score=("score", "mean"),
        std=("score", "std"),
        chance=("chance", "mean"),
        chance_p95=("chance_p95", "mean"),
        subjects=("unit", "nunique"),
        fit_time=("time", "mean"),
    )
    return table.reset_index().sort_values(
        ["dataset", "evaluation", "score"], ascending=[True, True, False]
    )


def leakage_report(
    pipelines_dir="pipelines",
    datasets=None,
    subjects=None,
    *,
    n_splits=5,
    random_state=42,
    data_path=None,
) -> pd.DataFrame:
    """Score each pipeline that selects features both leak-free and HappyFeat's way.

    For every default pipeline with a feature-selection step (a ``SelectorMixin``), and
    every opt-in one whose file sets ``"leakage": True`` (the HappyFeat reproductions), on every
    subject and session of the two-class datasets of its paradigm, the same folds as
    :func:`run_benchmark` score it with selection inside each training fold (leak-free)
    and with selection fitted once on all trials (optimistic), see
    :func:`neuropipe.evaluation.leakage.optimistic_vs_leakfree`. ``data_path``: the folder
    of dataset folders to read, as :func:`run_benchmark`'s (None: the sample-data search).

    Returns
    -------
    report : pandas.DataFrame
        One row per dataset and pipeline: mean ``leak_free`` and ``optimistic`` scores
        over subjects, their ``gap`` and the number of subjects.
    """
    configs = [
        c
        for c in load_pipelines(pipelines_dir, include_slow=True)
        if has_selection_step(c["pipeline"]) and c.get("leakage", not c.get("slow", False))
    ]
    by_name = {c["name"]: c["pipeline"] for c in configs}
    rows = []
    for task in plan_benchmark(configs, datasets, subjects, data_path=data_path):
        # one load per subject for every pipeline, shared with the tasks run in this process
        data = load_epochs(task.dataset, task.paradigm, [task.subject], task.data_path)
        for session, index in data.metadata.groupby("session").indices.items():
            y = LabelEncoder().fit_transform(data.y[index])
            if len(set(y)) != 2:
                continue
            cv = StratifiedKFold(n_splits, shuffle=True, random_state=random_state)
            pipeline = with_recording_info(by_name[task.pipeline], data)
            result = optimistic_vs_leakfree(pipeline, data.X[index], y, cv=cv)
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
