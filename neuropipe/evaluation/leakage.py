"""How much does selecting features on all trials inflate a cross-validated score?

HappyFeat ranks features on the R² map of all trials, then cross-validates a classifier
on those same trials: the test folds have already voted on which features to use.
:func:`optimistic_vs_leakfree` scores one pipeline both ways on the same folds.
"""

from __future__ import annotations

import numpy as np
from sklearn.base import clone
from sklearn.feature_selection import SelectorMixin
from sklearn.frozen import FrozenEstimator
from sklearn.model_selection import check_cv, cross_val_score
from sklearn.pipeline import FeatureUnion, Pipeline

from neuropipe._validation import check_labels

__all__ = ["has_selection_step", "optimistic_vs_leakfree"]


def _freeze_selectors(fitted):
    """Unfitted copy of ``fitted`` whose selection steps are frozen in their fitted state.

    Returns the copy and the number of frozen selectors.
    """
    if isinstance(fitted, SelectorMixin):
        return FrozenEstimator(fitted), 1
    if isinstance(fitted, Pipeline):
        steps, count = _freeze_list(fitted.steps)
        copy = clone(fitted)
        copy.steps = steps
        return copy, count
    if isinstance(fitted, FeatureUnion):
        parts, count = _freeze_list(fitted.transformer_list)
        copy = clone(fitted)
        copy.transformer_list = parts
        return copy, count
    if isinstance(fitted, str) or fitted is None:  # 'passthrough' / 'drop'
        return fitted, 0
    return clone(fitted), 0


def _freeze_list(named):
    frozen, total = [], 0
    for name, step in named:
        copy, count = _freeze_selectors(step)
        frozen.append((name, copy))
        total += count
    return frozen, total


def has_selection_step(pipeline) -> bool:
    """Whether ``pipeline`` has a feature-selection step (a ``SelectorMixin``), also nested."""
    return _freeze_selectors(pipeline)[1] > 0


def optimistic_vs_leakfree(pipeline, X, y, cv=5, scoring="roc_auc"):
    """Cross-validated score with selection on all trials (optimistic) and in each fold.

    *Leak-free*: the whole pipeline, feature selection included, is refitted on the
    training trials of every fold (``cross_val_score``). *Optimistic*, as HappyFeat does
    it: the pipeline is first fitted on **all** trials, its feature-selection steps (every
    :class:`~sklearn.feature_selection.SelectorMixin`, e.g.
    :class:`~neuropipe.selection.R2Selector`, also inside nested pipelines and feature
    unions) are frozen with the features they picked, and only the other steps are refitted
    per fold. Both use the same folds.

    Parameters
    ----------
    pipeline : Pipeline
        Unfitted pipeline with at least one selection step.
    X : ndarray, shape (n_epochs, n_channels, n_times)
        Epochs (or whatever the pipeline takes).
    y : array-like, shape (n_epochs,)
        Class labels.
    cv : int | cross-validation generator | iterable
        Folds, as in :func:`sklearn.model_selection.cross_val_score` (an int is a
        stratified k-fold without shuffling). The splits are drawn once and used for both
        scores.
    scoring : str | callable
        Scikit-learn scorer (ROC-AUC by default, as MOABB for two classes).

    Returns
    -------
    result : dict
        ``'optimistic'`` and ``'leak_free'`` (mean scores), ``'gap'`` (optimistic minus
        leak-free), ``'optimistic_scores'`` and ``'leak_free_scores'`` (per fold,
        ndarray of shape (n_splits,)).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.discriminant_analysis import LinearDiscriminantAnalysis
    >>> from sklearn.pipeline import make_pipeline
    >>> from neuropipe.selection import R2Selector
    >>> rng = np.random.default_rng(0)
    >>> X, y = rng.standard_normal((40, 2000)), np.repeat([0, 1], 20)  # pure noise
    >>> pipe = make_pipeline(R2Selector(k=5), LinearDiscriminantAnalysis())
    >>> res = optimistic_vs_leakfree(pipe, X, y, cv=5)
    >>> bool(res["optimistic"] > 0.8 and res["leak_free"] < 0.7)
    True
    """
    y = check_labels(y, len(X))
    splits = list(check_cv(cv, y, classifier=True).split(X, y))
    if not has_selection_step(pipeline):
        raise ValueError(
            "The pipeline has no feature-selection step (a SelectorMixin such as "
            "R2Selector), so selecting on all trials cannot leak; add one, e.g. "
            "make_pipeline(PSD(sfreq), R2Selector(k=3), LinearDiscriminantAnalysis())."
        )
    frozen = _freeze_selectors(clone(pipeline).fit(X, y))[0]
    leak_free = cross_val_score(clone(pipeline), X, y, cv=splits, scoring=scoring)
    optimistic = cross_val_score(frozen, X, y, cv=splits, scoring=scoring)
    return {
        "optimistic": float(np.mean(optimistic)),
        "leak_free": float(np.mean(leak_free)),
        "gap": float(np.mean(optimistic) - np.mean(leak_free)),
        "optimistic_scores": optimistic,
        "leak_free_scores": leak_free,
    }
