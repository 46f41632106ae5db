"""What the report can use of a results table, and the fMRI figures it states in words.

:func:`usable_rows` keeps the rows of a results table the report can draw (a finite score
in its scoring's range, one row per key) and says what it left out and why, so the table,
the figures and the headline are computed from the same rows. :func:`fmri_summary` is the
one summary of fMRI folds used both by ``neuropipe benchmark``'s screen table
(:func:`neuropipe.evaluation.fmri.summarize_fmri`) and by the report: pooled accuracy
against pooled chance, with its p < 0.05 threshold and, where the predictions were stored,
sensitivity and specificity.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from ..evaluation.fmri import summarize_fmri

__all__ = ["SCORE_RANGES", "usable_rows", "fmri_summary", "sensitivity_specificity"]

#: Range of each scoring's values; a score outside it cannot come from that metric.
SCORE_RANGES = {
    "roc_auc": (0.0, 1.0),
    "accuracy": (0.0, 1.0),
    "balanced_accuracy": (0.0, 1.0),
    "f1": (0.0, 1.0),
    "r2": (-np.inf, 1.0),
}

#: Columns that identify one result: two rows with the same values are one result twice.
KEY_COLUMNS = ("dataset", "evaluation", "pipeline", "subject", "session", "state")


def _key_text(table: pd.DataFrame, columns) -> pd.Series:
    return table[list(columns)].astype(str).agg(" / ".join, axis=1)


def usable_rows(table: pd.DataFrame, source: str) -> tuple[pd.DataFrame, list[str]]:
    """The rows of a results table the report can use, and a sentence per problem.

    Left out: rows whose ``score`` is NaN or infinite, rows whose score lies outside its
    scoring's range (:data:`SCORE_RANGES`, e.g. an accuracy of 1.3), rows whose ``chance``
    or ``chance_p95`` is infinite, and rows whose key (:data:`KEY_COLUMNS` present) is
    repeated with different scores. A row repeated exactly is kept once.

    Parameters
    ----------
    table : pandas.DataFrame
        A results table (``dataset``, ``pipeline``, ``score``, ...).
    source : str
        Its name in the sentences, e.g. ``"results.csv"``.

    Returns
    -------
    rows : pandas.DataFrame
        The usable rows (index reset).
    problems : list of str
        One sentence per kind of row left out: how many, why and the first keys.

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"dataset": "d", "pipeline": ["a", "a", "b", "c"],
    ...                   "subject": [1, 1, 1, 1], "scoring": "roc_auc",
    ...                   "score": [0.7, 0.7, float("nan"), 1.4]})
    >>> rows, problems = usable_rows(t, "results.csv")
    >>> rows["pipeline"].tolist()
    ['a']
    >>> for p in problems: print(p)
    results.csv: 1 row(s) with a NaN or infinite score left out (d / b / 1).
    results.csv: 1 row(s) with a score outside its scoring's range left out (d / c / 1: roc_auc 1.4).
    results.csv: 1 row(s) repeated exactly, kept once (d / a / 1).
    """
    keys = [c for c in KEY_COLUMNS if c in table.columns]
    table = table.reset_index(drop=True)  # a concatenated table repeats index labels
    problems = []

    def drop(mask, why, detail=None):
        nonlocal table
        if mask.any():
            shown = _key_text(table[mask], keys).head(3).tolist()
            if detail is not None:
                shown = [f"{k}: {d}" for k, d in zip(shown, detail[mask].head(3))]
            more = ", ..." if mask.sum() > 3 else ""
            problems.append(
                f"{source}: {int(mask.sum())} row(s) {why} left out ({', '.join(shown)}{more})."
            )
            table = table[~mask]

    score = pd.to_numeric(table["score"], errors="coerce")
    drop(~np.isfinite(score), "with a NaN or infinite score")
    score = pd.to_numeric(table["score"], errors="coerce")
    if "scoring" in table.columns:
        bounds = table["scoring"].map(SCORE_RANGES)
        known = bounds.notna()
        low = bounds[known].map(lambda b: b[0]).astype(float)
        high = bounds[known].map(lambda b: b[1]).astype(float)
        outside = pd.Series(False, index=table.index)
        outside[known] = (score[known] < low) | (score[known] > high)
        detail = table["scoring"].astype(str) + " " + score.map("{:.3g}".format).astype(str)
        drop(outside, "with a score outside its scoring's range", detail)
    for column in ("chance", "chance_p95"):
        if column in table.columns:
            values = pd.to_numeric(table[column], errors="coerce")
            drop(np.isinf(values), f"with an infinite {column}")
    if keys:
        repeated = table.duplicated(keys, keep=False)
        clashes = table[repeated].groupby(keys, dropna=False)["score"].transform("nunique") > 1
        conflicting = pd.Series(False, index=table.index)
        conflicting[clashes[clashes].index] = True
        drop(conflicting, "sharing their key with rows of another score")
        exact = table.duplicated(keys, keep="first")
        if exact.any():
            shown = _key_text(table[exact], keys).head(3).tolist()
            problems.append(
                f"{source}: {int(exact.sum())} row(s) repeated exactly, kept once "
                f"({', '.join(shown)}{', ...' if exact.sum() > 3 else ''})."
            )
            table = table[~exact]
    return table.reset_index(drop=True), problems


def sensitivity_specificity(y_true, y_pred, labels) -> tuple[float, float]:
    """Share of the positive class (``labels[-1]``, e.g. ABIDE's ASD) and of the other
    class (``labels[0]``, controls) predicted as such.

    Examples
    --------
    >>> sensitivity_specificity([1, 1, 0, 0], [1, 0, 0, 0], [0, 1])
    (0.5, 1.0)
    """
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    positive, negative = y_true == labels[-1], y_true == labels[0]
    sensitivity = float(np.mean(y_pred[positive] == labels[-1])) if positive.any() else np.nan
    specificity = float(np.mean(y_pred[negative] == labels[0])) if negative.any() else np.nan
    return sensitivity, specificity


def fmri_summary(table: pd.DataFrame, alpha: float = 0.05) -> pd.DataFrame:
    """One row per pipeline x protocol of fMRI folds: the numbers the report states.

    The means and chance are those of :func:`neuropipe.evaluation.fmri.summarize_fmri`
    (the screen table of ``neuropipe benchmark``): ``pooled`` accuracy over all test
    subjects and ``chance`` the pooled accuracy of predicting each training fold's
    majority class, so screen and report give one chance figure. ``chance_p95`` is the
    pooled accuracy a no-information model exceeds with probability ``alpha`` (binomial
    quantile over the test subjects) and ``above_chance`` whether ``pooled`` passes it.
    Tables without a ``samples`` column weigh every fold equally (one subject each).

    Parameters
    ----------
    table : pandas.DataFrame
        fMRI rows of a results table (one per pipeline and fold).
    alpha : float
        Significance level of ``chance_p95``.

    Returns
    -------
    summary : pandas.DataFrame
        ``pipeline``, ``evaluation``, ``folds``, ``score_mean``, ``score_std``, ``pooled``,
        ``chance``, ``chance_p95``, ``above_chance``, ``subjects`` and ``fit_cpu_s`` (total
        CPU seconds of the fits), best pooled accuracy first within each protocol.

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"pipeline": "p", "evaluation": "leave-site-out",
    ...                   "score": [0.6, 0.7], "chance": [0.5, 0.6], "samples": [50, 50],
    ...                   "time": [1.0, 2.0]})
    >>> row = fmri_summary(t).iloc[0]
    >>> [round(float(row[c]), 3) for c in ("pooled", "chance", "chance_p95")]
    [0.65, 0.55, 0.63]
    >>> bool(row["above_chance"])
    True
    """
    table = table.copy()
    if "evaluation" not in table:
        table["evaluation"] = ""
    if "samples" not in table or table["samples"].isna().any():
        table["samples"] = 1
    if "chance" not in table:
        table["chance"] = np.nan
    if "time" not in table:
        table["time"] = np.nan
    table["samples"] = table["samples"].astype(int)
    summary = summarize_fmri(table)
    subjects = table.groupby(["pipeline", "evaluation"], sort=False)["samples"].sum()
    summary["subjects"] = [subjects[(p, e)] for p, e in zip(summary.pipeline, summary.evaluation)]
    summary["chance_p95"] = [
        stats.binom.ppf(1 - alpha, n, c) / n if np.isfinite(c) else np.nan
        for n, c in zip(summary["subjects"], summary["chance"])
    ]
    summary["above_chance"] = summary["pooled"] > summary["chance_p95"]
    summary = summary.rename(columns={"time": "fit_cpu_s"})
    columns = ["pipeline", "evaluation", "folds", "score_mean", "score_std", "pooled"]
    columns += ["chance", "chance_p95", "above_chance", "subjects", "fit_cpu_s"]
    return summary[columns].sort_values(
        ["evaluation", "pooled"], ascending=[True, False], ignore_index=True
    )
