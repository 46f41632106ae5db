"""Chance levels of scores: theoretical, at p < 0.05, and of a majority-class guess."""

from __future__ import annotations

import numpy as np
from scipy import stats

__all__ = ["chance_level"]


def chance_level(y, scoring: str, alpha: float = 0.05, *, y_train=None) -> tuple[float, float]:
    """Return the chance score and the score a no-information model exceeds with
    probability ``alpha`` on these targets.

    Parameters
    ----------
    y : array-like, shape (n_samples,) or (n_samples, n_states)
        Targets scored (all tested trials, or the test fold).
    scoring : {"roc_auc", "accuracy", "r2"}
        The score.
    alpha : float
        Significance level.
    y_train : array-like, shape (n_train,) | None
        For ``"accuracy"`` only: the training labels of the fold. The chance level is then
        the accuracy on ``y`` of always predicting the majority class of ``y_train`` (ties
        go to the smallest label, as ``DummyClassifier(strategy="most_frequent")``), the
        no-information baseline of a fold whose label mix differs from the training one
        (fMRI protocols).

    Returns
    -------
    chance : float
        0.5 for ROC-AUC; the majority-class proportion of ``y`` (or the training-majority
        accuracy, with ``y_train``) for accuracy; 0 for R² (predicting the mean).
    threshold : float
        Upper ``1 - alpha`` quantile under no information: for ROC-AUC the normal
        approximation of the Mann-Whitney statistic (sd ``sqrt((n1+n2+1)/(12 n1 n2))``);
        for accuracy the binomial quantile (Combrisson & Jerbi, 2015); NaN for R².

    Examples
    --------
    >>> chance, threshold = chance_level([0] * 23 + [1] * 22, "roc_auc")
    >>> chance, round(threshold, 3)
    (0.5, 0.643)
    >>> chance_level([0, 1, 1, 1], "accuracy", y_train=[0, 0, 1])[0]
    0.25
    """
    if scoring == "r2":
        return 0.0, float("nan")
    _, counts = np.unique(np.asarray(y), return_counts=True)
    n = int(counts.sum())
    if scoring == "roc_auc":
        if counts.size != 2:
            raise ValueError(f"ROC-AUC chance needs two classes, got {counts.size}.")
        n1, n2 = counts
        sd = np.sqrt((n1 + n2 + 1) / (12.0 * n1 * n2))
        return 0.5, float(0.5 + stats.norm.ppf(1 - alpha) * sd)
    if scoring == "accuracy":
        if y_train is None:
            p = counts.max() / n
        else:
            classes, train_counts = np.unique(np.asarray(y_train), return_counts=True)
            p = float(np.mean(np.asarray(y) == classes[np.argmax(train_counts)]))
        return float(p), float(stats.binom.ppf(1 - alpha, n, p) / n)
    raise ValueError(
        f"Invalid value for 'scoring': 'roc_auc', 'accuracy' or 'r2', got {scoring!r}."
    )
