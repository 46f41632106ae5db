"""Statistics of benchmark results: paired comparisons of pipelines over subjects and datasets.

MOABB's meta-analysis (``moabb.analysis.meta_analysis``), written with SciPy's public
tests: on each dataset a one-sided paired test over subjects
(:func:`scipy.stats.permutation_test`, exact sign flips, below ``perm_cutoff`` subjects;
:func:`scipy.stats.wilcoxon` from there), a standardised mean difference, then Stouffer's
combination over datasets weighted by the square root of their number of subjects
(:func:`scipy.stats.combine_pvalues`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["paired_pvalue", "pairwise_statistics", "standardized_difference"]

#: Largest number of subjects whose 2**n sign flips are enumerated (MOABB's limit).
EXACT_MAX_SUBJECTS = 13


def paired_pvalue(differences, *, perm_cutoff=20, n_resamples=10_000, random_state=0) -> float:
    """One-sided p-value of ``mean(differences) > 0`` for paired scores.

    Parameters
    ----------
    differences : array-like, shape (n_subjects,)
        ``score(pipeline 1) - score(pipeline 2)`` per subject.
    perm_cutoff : int
        From this many subjects the Wilcoxon signed-rank test replaces the sign-flip
        permutation test.
    n_resamples : int
        Random sign flips between :data:`EXACT_MAX_SUBJECTS` and ``perm_cutoff`` subjects
        (all ``2**n`` flips below).
    random_state : int
        Seed of the random sign flips.

    Returns
    -------
    p : float
        In (0, 1): the permutation p-value counts the observed flip and is capped at
        ``1 - 1 / n_flips``, as MOABB caps it, so Stouffer's method stays finite.

    Examples
    --------
    >>> paired_pvalue([0.1, 0.2, 0.05, 0.15])  # only the observed signs reach the sum
    0.0625
    """
    from scipy import stats

    diffs = np.asarray(differences, dtype=np.float64)
    n = diffs.size
    if n < 2 or not np.all(np.isfinite(diffs)):
        raise ValueError(
            f"differences must hold 2 or more finite paired differences, got {diffs.tolist()}."
        )
    if n >= perm_cutoff:
        if np.all(diffs == 0):
            return 0.5  # the test is undefined; the two pipelines are indistinguishable
        # MOABB's one-sided value: half the two-sided p, mirrored when the mean is negative
        p = stats.wilcoxon(diffs).pvalue / 2
        p = 1 - p if diffs.mean() < 0 else p
        tiny = np.nextafter(0.0, 1.0)
        return float(min(max(p, tiny), 1 - np.finfo(np.float64).epsneg))
    exact = n <= EXACT_MAX_SUBJECTS
    result = stats.permutation_test(
        (diffs,),
        np.sum,
        permutation_type="samples",
        alternative="greater",
        n_resamples=np.inf if exact else n_resamples,
        rng=np.random.default_rng(random_state),
    )
    n_flips = 2**n if exact else n_resamples
    return float(min(result.pvalue, (n_flips - 1) / n_flips))


def standardized_difference(differences) -> float:
    """Mean over standard deviation (ddof 1) of paired differences, MOABB's effect size.

    Constant differences give 0 when they are 0 and a signed infinity otherwise.

    Examples
    --------
    >>> standardized_difference([0.1, 0.3])
    1.414...
    """
    diffs = np.asarray(differences, dtype=np.float64)
    mean = diffs.mean()
    if np.all(diffs == diffs[0]):
        return 0.0 if mean == 0 else float(np.copysign(np.inf, mean))
    return float(mean / diffs.std(ddof=1))


def _combine(values, n_subjects):
    weights = np.sqrt(n_subjects)
    return float(np.sum(weights / weights.sum() * values))


def pairwise_statistics(results, *, perm_cutoff=20):
    """MOABB's meta-analysis of every pipeline pair, over subjects and datasets.

    Sessions are averaged within subjects; on each dataset (and evaluation, when the
    table has several) every pair of pipelines gets a one-sided paired test over
    subjects (:func:`paired_pvalue`: exact sign-flip permutation test below
    ``perm_cutoff`` subjects, Wilcoxon above) and a standardised mean difference;
    datasets are then combined with Stouffer's method, weighted by the square root of
    their number of subjects, as ``moabb.analysis.meta_analysis.find_significant_differences``
    does, but over only the datasets where both pipelines ran.

    Parameters
    ----------
    results : pandas.DataFrame
        Columns ``dataset``, ``pipeline``, ``subject`` and ``score``; optional
        ``evaluation`` (each dataset and evaluation is then one study of the
        meta-analysis).
    perm_cutoff : int
        Subjects from which the Wilcoxon test replaces the permutation test.

    Returns
    -------
    stats : pandas.DataFrame
        One row per ordered pair: ``pipe1``, ``pipe2``, ``diff`` (mean of
        ``score(pipe1) - score(pipe2)`` over subjects, datasets weighted as above),
        ``smd`` (combined standardised mean difference), ``p`` (combined one-sided
        p-value of ``pipe1 > pipe2``), ``datasets`` and ``subjects`` (total). Pairs
        that never ran on a common dataset with 2 subjects or more are absent.

    Examples
    --------
    >>> import pandas as pd
    >>> res = pd.DataFrame({"dataset": "d", "subject": [1, 2, 3, 1, 2, 3],
    ...                     "pipeline": ["a"] * 3 + ["b"] * 3,
    ...                     "score": [0.8, 0.7, 0.9, 0.6, 0.5, 0.7]})
    >>> st = pairwise_statistics(res)
    >>> st.loc[st.pipe1 == "a", ["pipe2", "diff", "subjects"]].values.tolist()
    [['b', 0.2, 3]]
    """
    from scipy import stats

    missing = [c for c in ("dataset", "pipeline", "subject", "score") if c not in results]
    if missing:
        raise ValueError(
            f"results lacks the columns {missing}; it needs dataset, pipeline, subject and "
            f"score (as written by 'neuropipe benchmark'), got {list(results.columns)}."
        )
    keys = ["dataset", "evaluation"] if "evaluation" in results.columns else ["dataset"]
    scores = results.groupby([*keys, "pipeline", "subject"], as_index=False)["score"].mean()
    rows = []
    for _, frame in scores.groupby(keys, sort=True):
        table = frame.pivot(index="subject", columns="pipeline", values="score").dropna(axis=1)
        if table.shape[0] < 2 or table.shape[1] < 2:
            continue
        for a in table.columns:
            for b in table.columns:
                if a != b:
                    diffs = (table[a] - table[b]).to_numpy()
                    rows.append(
                        {
                            "pipe1": a,
                            "pipe2": b,
                            "diff": float(diffs.mean()),
                            "smd": standardized_difference(diffs),
                            "p": paired_pvalue(diffs, perm_cutoff=perm_cutoff),
                            "nsub": table.shape[0],
                        }
                    )
    columns = ["pipe1", "pipe2", "diff", "smd", "p", "datasets", "subjects"]
    if not rows:
        return pd.DataFrame(columns=columns)
    combined = []
    for (a, b), frame in pd.DataFrame(rows).groupby(["pipe1", "pipe2"], sort=True):
        nsub = frame["nsub"].to_numpy(dtype=float)
        p = frame["p"].to_numpy()
        combined.append(
            {
                "pipe1": a,
                "pipe2": b,
                "diff": round(_combine(frame["diff"].to_numpy(), nsub), 12),
                "smd": _combine(frame["smd"].to_numpy(), nsub),
                "p": float(
                    p[0]
                    if len(p) == 1
                    else stats.combine_pvalues(p, method="stouffer", weights=np.sqrt(nsub))[1]
                ),
                "datasets": len(frame),
                "subjects": int(nsub.sum()),
            }
        )
    return pd.DataFrame(combined, columns=columns)
