"""Chance levels of classification scores, theoretical and at p < 0.05."""

from __future__ import annotations

import numpy as np
from scipy import stats

__all__ = ["chance_level"]


def chance_level(y, scoring: str, alpha: float = 0.05) -> tuple[float, float]:
    """Return the chance score and the score a no-information classifier exceeds with
    probability ``alpha`` on these labels.

    Parameters
    ----------
    y : array-like, shape (n_samples,)
        Labels scored (all trials of the evaluated session).
    scoring : {"roc_auc", "accuracy"}
        The score.
    alpha : float
        Significance level.

    Returns
    -------
    chance : float
        0.5 for ROC-AUC; the majority-class proportion for accuracy.
    threshold : float
        Upper ``1 - alpha`` quantile under no information: for ROC-AUC the normal
        approximation of the Mann-Whitney statistic (sd ``sqrt((n1+n2+1)/(12 n1 n2))``);
        for accuracy the binomial quantile (Combrisson & Jerbi, 2015).

    Examples
    --------
    >>> chance, threshold = chance_level([0] * 23 + [1] * 22, "roc_auc")
    >>> chance, round(threshold, 3)
    (0.5, 0.643)
    """
    _, counts = np.unique(np.asarray(y), return_counts=True)
    n = int(counts.sum())
    if scoring == "roc_auc":
        if counts.size != 2:
            raise ValueError(f"ROC-AUC chance needs two classes, got {counts.size}.")
        n1, n2 = counts
        sd = np.sqrt((n1 + n2 + 1) / (12.0 * n1 * n2))
        return 0.5, float(0.5 + stats.norm.ppf(1 - alpha) * sd)
    if scoring == "accuracy":
        p = counts.max() / n
        return float(p), float(stats.binom.ppf(1 - alpha, n, p) / n)
    raise ValueError(f"Invalid value for 'scoring': 'roc_auc' or 'accuracy', got {scoring!r}.")
