"""Univariate feature scoring and selection that lives inside cross-validation.

Scores (:func:`r2_scores`, :func:`signed_r2_scores`, :func:`fisher_scores`) are plain
functions on arrays of any feature shape. One selector, :class:`ScoreSelector`, keeps the
best-scoring features for a pluggable ``score_func``, as
:class:`sklearn.feature_selection.SelectKBest` does: it accepts spectra
``(n_epochs, n_channels, n_freqs)`` or feature matrices ``(n_samples, n_features)``, learns
its scores in ``fit`` (training folds only, when used in a
:class:`~sklearn.pipeline.Pipeline`) and returns a 2-D matrix of the kept features, whose
names :meth:`get_feature_names_out` reports (``'C3_12Hz'``). :class:`R2Selector`,
:class:`FisherSelector` and :class:`MutualInfoSelector` are that class with its score
function fixed, under the names the pipeline files and saved models use.
:class:`ROIMask` keeps every feature of the best regions of a graph-feature layout.

HappyFeat (Desbois et al. 2024) ranks features on an R² map computed on all trials and
then cross-validates on those same trials, which inflates its scores; here the selector is
one step of the pipeline, so each fold selects on its own training trials. See
:func:`neuropipe.evaluation.leakage.optimistic_vs_leakfree` for the size of the gap.
"""

from __future__ import annotations

import warnings

import numpy as np
from scipy.sparse import issparse
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.discriminant_analysis import LinearDiscriminantAnalysis
from sklearn.feature_selection import SelectorMixin, f_classif, mutual_info_classif
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer
from sklearn.utils.validation import check_is_fitted, validate_data

from neuropipe._docs import fill_doc
from neuropipe._validation import (
    _as_float_array,
    check_array_input,
    check_epochs,
    check_labels,
    check_option,
    check_positive_int,
)

__all__ = [
    "BandSelector",
    "FisherSelector",
    "MutualInfoSelector",
    "R2Selector",
    "ROIMask",
    "ScoreSelector",
    "autofeat_mask",
    "fisher_scores",
    "r2_scores",
    "selection_search",
    "signed_r2_scores",
]

_RULES = ("topk", "autofeat")


def _unit_scaled(X):
    """``X`` as float64 with each feature divided by the power of two above its largest |x|.

    R² and Fisher scores are scale-invariant; on the scaled features (|x| <= 1) the squares
    below neither overflow (values above ~1e154) nor underflow (below ~1e-154). Dividing
    by a power of two is exact, so the scores of ordinary data are unchanged to the bit.
    """
    X = np.asarray(X, dtype=np.float64)
    return X / np.ldexp(1.0, np.frexp(np.max(np.abs(X), axis=0, initial=0.0))[1])


def _sums_of_squares(X, y):
    """Between-class, within-class and total sums of squares per (unit-scaled) feature."""
    X = _unit_scaled(X)
    y = check_labels(y, X.shape[0])
    grand_mean = X.mean(axis=0)
    between = np.zeros(X.shape[1:])
    within = np.zeros(X.shape[1:])
    for label in np.unique(y):
        group = X[y == label]
        group_mean = group.mean(axis=0)
        between += group.shape[0] * (group_mean - grand_mean) ** 2
        within += ((group - group_mean) ** 2).sum(axis=0)
    return between, within, between + within


def r2_scores(X, y):
    """Coefficient of determination of the class labels for every feature.

    ``R² = SS_between / SS_total``: the share of a feature's variance explained by the
    class means. With two classes it is the squared point-biserial correlation
    (HappyFeat's ``Compute_Rsquare_Map``); its ranking matches
    :func:`sklearn.feature_selection.f_classif`. Constant features score 0.

    Parameters
    ----------
    X : ndarray, shape (n_samples, ...)
        Features of any shape per sample, e.g. ``(n_epochs, n_channels, n_freqs)``.
    y : array-like, shape (n_samples,)
        Class labels (two or more classes).

    Returns
    -------
    r2 : ndarray, shape X.shape[1:]
        Values in [0, 1].

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[0.0, 1.0], [1.0, 0.0], [2.0, 1.0], [3.0, 0.0]])
    >>> r2_scores(X, [0, 0, 1, 1]).tolist()
    [0.8, 0.0]
    """
    between, _, total = _sums_of_squares(X, y)
    return np.divide(between, total, out=np.zeros_like(between), where=total > 0)


def signed_r2_scores(X, y):
    """R² signed by the direction of the class difference, for display.

    Parameters
    ----------
    X : ndarray, shape (n_samples, ...)
        Features.
    y : array-like, shape (n_samples,)
        Labels of exactly two classes.

    Returns
    -------
    r2 : ndarray, shape X.shape[1:]
        ``sign(mean(class 2) - mean(class 1)) * R²`` with the classes in sorted order, as
        HappyFeat displays it (positive where the second class has more power).

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[3.0], [2.0], [1.0], [0.0]])
    >>> signed_r2_scores(X, ["left", "left", "right", "right"]).tolist()
    [-0.8]
    """
    X = _unit_scaled(X)
    y = check_labels(y, X.shape[0])
    classes = np.unique(y)
    if classes.size != 2:
        raise ValueError(
            f"signed_r2_scores needs exactly two classes, got {classes.size}: "
            f"{classes.tolist()}; use r2_scores for more classes."
        )
    sign = np.sign(X[y == classes[1]].mean(axis=0) - X[y == classes[0]].mean(axis=0))
    return sign * r2_scores(X, y)


def fisher_scores(X, y):
    """Fisher score of every feature: between-class over within-class sum of squares.

    ``F = sum_k n_k (mu_k - mu)^2 / sum_k n_k sigma_k^2`` (Gu, Li & Han 2011), which equals
    ``R² / (1 - R²)``: same ranking as :func:`r2_scores`, unbounded scale. A feature that
    separates the classes perfectly (no within-class spread) scores ``inf``; a constant
    feature scores 0.

    Parameters
    ----------
    X : ndarray, shape (n_samples, ...)
        Features.
    y : array-like, shape (n_samples,)
        Class labels.

    Returns
    -------
    scores : ndarray, shape X.shape[1:]

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[0.0], [1.0], [2.0], [3.0]])
    >>> fisher_scores(X, [0, 0, 1, 1]).tolist()
    [4.0]
    """
    between, within, _ = _sums_of_squares(X, y)
    scores = np.divide(between, within, out=np.full_like(between, np.inf), where=within > 0)
    scores[between == 0] = 0.0
    return scores


def autofeat_mask(scores, k=3):
    """HappyFeat's AutoFeat rule on a channels x frequencies score map.

    Rank channels by their best score over frequencies, keep the top ``k`` channels and,
    for each, the single frequency where its score peaks.

    Parameters
    ----------
    scores : ndarray, shape (n_channels, n_freqs)
        Score map (e.g. R²).
    k : int
        Number of channels, hence of features (HappyFeat: 3).

    Returns
    -------
    mask : ndarray of bool, shape (n_channels, n_freqs)
        Exactly ``min(k, n_channels)`` True entries, one per selected channel.

    Examples
    --------
    >>> import numpy as np
    >>> scores = np.array([[0.1, 0.5], [0.9, 0.2], [0.3, 0.4]])
    >>> autofeat_mask(scores, k=2).astype(int).tolist()
    [[0, 1], [1, 0], [0, 0]]
    """
    scores = _as_float_array(scores, "scores")
    if scores.ndim != 2:
        raise ValueError(
            f"autofeat_mask needs a (n_channels, n_freqs) score map, got shape {scores.shape}."
        )
    if scores.size == 0:
        raise ValueError(
            f"scores is an empty score map (shape {scores.shape}); it needs at least one "
            f"channel and one frequency."
        )
    n_nan = int(np.isnan(scores).sum())
    if n_nan:
        raise ValueError(
            f"scores contains {n_nan} NaN value(s); give every feature a score (r2_scores "
            f"and fisher_scores score constant features 0)."
        )
    k = min(check_positive_int("k", k), scores.shape[0])
    channels = np.argsort(-scores.max(axis=1), kind="stable")[:k]
    mask = np.zeros(scores.shape, dtype=bool)
    mask[channels, scores[channels].argmax(axis=1)] = True
    return mask


def _topk_mask(scores, k):
    flat = scores.ravel()
    mask = np.zeros(flat.size, dtype=bool)
    mask[np.argsort(-flat, kind="stable")[:k]] = True
    return mask.reshape(scores.shape)


def _call_score_func(score_func, X, y):
    """``score_func(X, y)`` as a float64 array; a ``(scores, pvalues)`` pair gives its scores."""
    if not callable(score_func):
        raise TypeError(
            f"'score_func' must be a callable score_func(X, y) -> scores (e.g. r2_scores, "
            f"fisher_scores, sklearn's f_classif), got {score_func!r}."
        )
    result = score_func(X, y)
    return np.asarray(result[0] if isinstance(result, tuple) else result, dtype=np.float64)


@fill_doc
class ScoreSelector(SelectorMixin, BaseEstimator):
    """Keep the ``k`` best-scoring features of spectra or feature matrices.

    The one univariate selector of neuropipe, as
    :class:`~sklearn.feature_selection.SelectKBest`: ``score_func`` scores every feature on
    the training data, ``rule`` turns the scores into a selection. :class:`R2Selector`,
    :class:`FisherSelector` and :class:`MutualInfoSelector` are this class with the score
    function fixed (R² and Fisher scores rank features alike, so they select the same).

    Parameters
    ----------
    score_func : callable, default=r2_scores
        ``score_func(X, y) -> scores`` or ``-> (scores, pvalues)`` on the flattened
        ``(n_samples, n_features)`` training data, higher is better: :func:`r2_scores`,
        :func:`fisher_scores`, :func:`sklearn.feature_selection.f_classif`,
        :func:`sklearn.feature_selection.mutual_info_classif`... A NaN score is never
        preferred to a number.
    %(selector_k_rule)s

    Attributes
    ----------
    %(selector_attributes)s

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> y = np.repeat([0, 1], 20)
    >>> X = rng.standard_normal((40, 4, 3))
    >>> X[y == 1, 2, 1] += 3.0
    >>> sel = ScoreSelector(fisher_scores, k=1).fit(X, y)
    >>> sel.transform(X).shape, np.argwhere(sel.get_support().reshape(4, 3)).tolist()
    ((40, 1), [[2, 1]])
    """

    def __init__(self, score_func=r2_scores, *, k=10, rule="topk"):
        self.score_func = score_func
        self.k = k
        self.rule = rule

    def _flatten(self, X, reset):
        """Return a 2-D view of X and the per-sample feature shape (None for 2-D input).

        2-D input is returned as given, so that ``validate_data`` records DataFrame
        column names; sparse and complex input is left to ``validate_data`` to refuse.
        """
        check_array_input(X, "X")
        shape, ndim = None, 2 if issparse(X) else np.asarray(X).ndim
        if ndim == 3:
            X = check_epochs(X, name="X", ndim=3)
            shape = X.shape[1:]
            X = X.reshape(X.shape[0], -1)
        elif ndim != 2:
            raise ValueError(
                f"X must be spectra of shape (n_samples, n_channels, n_freqs) or a feature "
                f"matrix of shape (n_samples, n_features), got a {ndim}-D array of shape "
                f"{np.asarray(X).shape}. Reshape your data: X.reshape(-1, 1) for a single feature, "
                f"X.reshape(1, -1) for a single sample."
            )
        if not reset and shape is not None and shape != self.feature_shape_:
            raise ValueError(
                f"X has features of shape {shape} per sample but {type(self).__name__} was "
                f"fitted on {self.feature_shape_}; use the same channels and frequencies."
            )
        return X, shape

    def fit(self, X, y):
        """Score every feature on (X, y) and keep the best ones.

        Parameters
        ----------
        X : ndarray, shape (n_samples, n_channels, n_freqs) or (n_samples, n_features)
            Spectra (the AutoFeat rule needs this 3-D form) or a feature matrix.
        y : array-like, shape (n_samples,)
            Class labels.

        Returns
        -------
        self
        """
        rule = check_option("rule", self.rule, _RULES)
        X, shape = self._flatten(X, reset=True)
        X, y = validate_data(self, X, y, ensure_min_samples=2)
        y = check_labels(y, X.shape[0])
        self.feature_shape_ = shape if shape is not None else (X.shape[1],)
        scores = _call_score_func(self.score_func, X, y)
        self.scores_ = scores.reshape(self.feature_shape_)
        # a NaN score (e.g. f_classif on a constant feature) is never preferred, as in
        # SelectKBest; R², Fisher and mutual-information scores have none
        ranked = np.where(np.isnan(self.scores_), -np.inf, self.scores_)
        n_features = X.shape[1]
        if isinstance(self.k, str) and self.k == "all":
            self.support_ = np.ones(n_features, dtype=bool)
            return self
        k = check_positive_int("k", self.k)
        limit = self.feature_shape_[0] if rule == "autofeat" else n_features
        if k > limit:
            what = "channels" if rule == "autofeat" else "features"
            warnings.warn(
                f"k={k} is greater than the number of {what} ({limit}); all are kept.",
                UserWarning,
                stacklevel=2,
            )
        if rule == "autofeat":
            score_map = ranked.reshape(self.feature_shape_[0], -1)
            self.support_ = autofeat_mask(score_map, min(k, limit)).ravel()
        else:
            self.support_ = _topk_mask(ranked, min(k, limit)).ravel()
        return self

    def transform(self, X):
        """Keep the selected features.

        Parameters
        ----------
        X : ndarray, shape (n_samples, n_channels, n_freqs) or (n_samples, n_features)
            Same layout as in ``fit``.

        Returns
        -------
        X_new : ndarray, shape (n_samples, n_selected)
        """
        check_is_fitted(self)
        X, _ = self._flatten(X, reset=False)
        return super().transform(X)

    def _get_support_mask(self):
        check_is_fitted(self)
        return self.support_

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True
        tags.target_tags.required = True
        return tags


@fill_doc
class R2Selector(ScoreSelector):
    """:class:`ScoreSelector` by R² (between-class over total sum of squares).

    ``ScoreSelector(r2_scores, k=k, rule=rule)`` under the name the pipeline files and saved
    models use. HappyFeat parity: ``R2Selector(k=3, rule='autofeat')`` on the ``(n, C, F)``
    output of :class:`~neuropipe.features.spectral.PSD` or
    :class:`~neuropipe.features.connectivity.NodeStrength`.

    Parameters
    ----------
    %(selector_k_rule)s

    Attributes
    ----------
    %(selector_attributes)s

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> y = np.repeat([0, 1], 20)
    >>> X = rng.standard_normal((40, 4, 3))
    >>> X[y == 1, 2, 1] += 3.0
    >>> sel = R2Selector(k=1).fit(X, y)
    >>> sel.transform(X).shape, np.argwhere(sel.get_support().reshape(4, 3)).tolist()
    ((40, 1), [[2, 1]])
    """

    score_func = staticmethod(r2_scores)

    def __init__(self, k=10, rule="topk"):
        self.k = k
        self.rule = rule


@fill_doc
class FisherSelector(ScoreSelector):
    """:class:`ScoreSelector` by Fisher score (between- over within-class sum of squares).

    ``ScoreSelector(fisher_scores, k=k, rule=rule)``: the Fisher score is
    ``R² / (1 - R²)``, so this selects what :class:`R2Selector` selects; only ``scores_``
    differ (unbounded scale).

    Parameters
    ----------
    %(selector_k_rule)s

    Attributes
    ----------
    %(selector_attributes)s

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> y = np.repeat([0, 1], 20)
    >>> X = rng.standard_normal((40, 5))
    >>> X[y == 1, 3] += 3.0
    >>> FisherSelector(k=1).fit(X, y).get_support().nonzero()[0].tolist()
    [3]
    """

    score_func = staticmethod(fisher_scores)

    def __init__(self, k=10, rule="topk"):
        self.k = k
        self.rule = rule


@fill_doc
class MutualInfoSelector(ScoreSelector):
    """:class:`ScoreSelector` by mutual information with the class label.

    Scores with :func:`sklearn.feature_selection.mutual_info_classif` (k-nearest-neighbour
    estimator), which also catches non-monotone class differences that R² misses, at a
    higher cost. Its settings are parameters of this class, so that a search can tune them.

    Parameters
    ----------
    %(selector_k_rule)s
    n_neighbors : int
        Neighbours of the mutual-information estimator.
    %(random_state)s
        The draws: the small noise the estimator adds to continuous features.

    Attributes
    ----------
    %(selector_attributes)s

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> y = np.repeat([0, 1], 30)
    >>> X = rng.standard_normal((60, 5))
    >>> X[y == 1, 0] += 4.0
    >>> MutualInfoSelector(k=1, random_state=0).fit(X, y).get_support().nonzero()[0].tolist()
    [0]
    """

    def __init__(self, k=10, rule="topk", n_neighbors=3, random_state=None):
        self.k = k
        self.rule = rule
        self.n_neighbors = n_neighbors
        self.random_state = random_state

    def score_func(self, X, y):
        """Mutual information of every feature of ``X`` with ``y``."""
        return mutual_info_classif(
            X, y, n_neighbors=self.n_neighbors, random_state=self.random_state
        )


class ROIMask(SelectorMixin, BaseEstimator):
    """Keep every feature of the ROIs that best separate the classes (a learnt region mask).

    Dey et al. (2012) restrict their per-voxel feature maps to a mask of "useful regions"
    learnt from the training data. Here each ROI is scored by the mean univariate
    statistic (``score_func``, default the ANOVA F) of its features, and all features of
    the ``k`` best ROIs are kept. Placed in a pipeline, the mask is learnt inside each CV
    training fold.

    Parameters
    ----------
    n_rois : int | None
        Number of ROIs in the feature layout of
        :class:`~neuropipe.features.graph.GraphMetrics` (column ``j`` belongs to ROI
        ``j % n_rois``). None treats every feature as its own region (then this is
        ``SelectKBest``).
    k : int
        Number of ROIs kept.
    score_func : callable
        ``score_func(X, y) -> (scores, pvalues)`` or ``-> scores``, higher is better.

    Attributes
    ----------
    scores_ : ndarray, shape (n_features,)
        Per-feature scores (NaN, e.g. for constant features, counted as 0).
    roi_scores_ : ndarray, shape (n_rois,)
        Mean score of each ROI's features.
    rois_ : ndarray of int, shape (k,)
        Indices of the kept ROIs, best first.
    support_ : ndarray of bool, shape (n_features,)
        Kept features.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> y = np.repeat([0, 1], 20)
    >>> X = rng.standard_normal((40, 6))   # 2 metrics x 3 ROIs
    >>> X[:, [1, 4]] += 2 * y[:, None]     # ROI 1 is informative in both metrics
    >>> mask = ROIMask(n_rois=3, k=1).fit(X, y)
    >>> mask.rois_, mask.get_support(indices=True)
    (array([1]), array([1, 4]))
    """

    def __init__(self, n_rois=None, k=20, score_func=f_classif):
        self.n_rois = n_rois
        self.k = k
        self.score_func = score_func

    def fit(self, X, y):
        """Score the ROIs on the training data and choose the ``k`` best.

        Parameters
        ----------
        X : ndarray, shape (n_subjects, n_features)
            Features laid out ROI-periodically, e.g. from
            :class:`~neuropipe.features.graph.GraphMetrics`.
        y : ndarray, shape (n_subjects,)
            Class labels.

        Returns
        -------
        self : ROIMask
        """
        X, y = validate_data(self, check_array_input(X), y)
        if X.shape[0] < 2:
            raise ValueError(f"ROIMask needs at least 2 subjects, got n_samples = {X.shape[0]}.")
        check_labels(y, X.shape[0])
        n_regions = X.shape[1] if self.n_rois is None else check_positive_int("n_rois", self.n_rois)
        if X.shape[1] % n_regions:
            raise ValueError(
                f"X has {X.shape[1]} features, not a multiple of n_rois={n_regions}; pass "
                f"the number of ROIs of the GraphMetrics step before this mask."
            )
        k = check_positive_int("k", self.k)
        if k > n_regions:
            raise ValueError(f"k={k} is more than the {n_regions} ROIs available; lower k.")
        self.scores_ = np.nan_to_num(_call_score_func(self.score_func, X, y), nan=0.0)
        self.roi_scores_ = self.scores_.reshape(-1, n_regions).mean(axis=0)
        self.rois_ = np.argsort(-self.roi_scores_, kind="stable")[:k]
        self.support_ = np.isin(np.arange(X.shape[1]) % n_regions, self.rois_)
        return self

    def transform(self, X):
        """Keep the features of the selected ROIs.

        Parameters
        ----------
        X : ndarray, shape (n_subjects, n_features)
            Same layout as in ``fit``.

        Returns
        -------
        X_new : ndarray, shape (n_subjects, n_selected_features)
        """
        check_is_fitted(self)
        return super().transform(check_array_input(X))

    def _get_support_mask(self):
        check_is_fitted(self)
        return self.support_


class BandSelector(TransformerMixin, BaseEstimator):
    """Keep the frequency bins of spectra that lie in one band, as a tunable pipeline step.

    A step to search over with :class:`~sklearn.model_selection.GridSearchCV` (``band``:
    the mu band, the beta band, the whole range...) between a spectral stage
    (:class:`~neuropipe.features.spectral.PSD`,
    :class:`~neuropipe.features.connectivity.NodeStrength`) and a selector, so the band is
    chosen on training trials only. The output keeps the ``(n, C, F)`` layout that the
    AutoFeat rule of :class:`R2Selector` needs.

    Parameters
    ----------
    freqs : array-like of float, shape (n_freqs,) | None
        Frequency of each input bin in Hz (``PSD(...).freqs_``); None numbers the bins
        0, 1, 2...
    band : (float, float) | None
        Edges in Hz, both included; None keeps every bin.

    Attributes
    ----------
    mask_ : ndarray of bool, shape (n_freqs,)
        Kept bins.
    freqs_ : ndarray, shape (n_kept,)
        Their frequencies.
    n_features_in_ : int
        Bins per channel (last axis) seen in ``fit``.

    Examples
    --------
    >>> import numpy as np
    >>> spectra = np.ones((4, 2, 25))
    >>> step = BandSelector(freqs=np.arange(8, 33), band=(8, 13)).fit(spectra)
    >>> step.transform(spectra).shape, step.freqs_.tolist()
    ((4, 2, 6), [8.0, 9.0, 10.0, 11.0, 12.0, 13.0])
    """

    def __init__(self, freqs=None, band=None):
        self.freqs = freqs
        self.band = band

    def _check(self, X, reset):
        check_array_input(X, "X")
        ndim = 2 if issparse(X) else np.asarray(X).ndim
        if ndim == 2:
            return validate_data(self, X, reset=reset)
        if ndim != 3:
            raise ValueError(
                f"X must be spectra of shape (n_samples, n_channels, n_freqs) or "
                f"(n_samples, n_freqs), got a {ndim}-D array of shape {np.asarray(X).shape}. "
                f"Reshape your data: X.reshape(1, -1) for a single sample."
            )
        return check_epochs(X, name="X", ndim=3)

    def fit(self, X, y=None):
        """Find the bins of ``band``.

        Parameters
        ----------
        X : ndarray, shape (n_samples, n_channels, n_freqs) or (n_samples, n_freqs)
            Spectra.
        y : None
            Ignored.

        Returns
        -------
        self : BandSelector
        """
        X = self._check(X, reset=True)
        n_freqs = X.shape[-1]
        freqs = np.arange(n_freqs) if self.freqs is None else np.asarray(self.freqs, float)
        if freqs.shape != (n_freqs,):
            raise ValueError(
                f"'freqs' has {freqs.size} frequencies but X has {n_freqs} bins on its last "
                f"axis; pass the frequencies of the spectral stage (PSD(...).freqs_)."
            )
        if self.band is None:
            mask = np.ones(n_freqs, dtype=bool)
        else:
            try:
                low, high = (float(edge) for edge in self.band)
            except (TypeError, ValueError) as exc:
                raise ValueError(
                    f"'band' must be a (low, high) pair in Hz or None, got {self.band!r}."
                ) from exc
            mask = (freqs >= low - 1e-9) & (freqs <= high + 1e-9)
            if not mask.any():
                raise ValueError(
                    f"'band' {self.band!r} holds none of the frequencies {freqs.tolist()}; "
                    f"give a band within {freqs.min():g}-{freqs.max():g} Hz."
                )
        self.n_features_in_ = n_freqs
        self.mask_ = mask
        self.freqs_ = freqs[mask]
        return self

    def transform(self, X):
        """Keep the bins of ``band``.

        Parameters
        ----------
        X : ndarray, shape (n_samples, n_channels, n_freqs) or (n_samples, n_freqs)
            Spectra with the bins seen in ``fit``.

        Returns
        -------
        X_new : ndarray, shape (n_samples, n_channels, n_kept) or (n_samples, n_kept)
        """
        check_is_fitted(self)
        X = self._check(X, reset=False)
        if X.shape[-1] != self.n_features_in_:
            raise ValueError(
                f"X has {X.shape[-1]} frequency bins, but BandSelector is expecting "
                f"{self.n_features_in_} bins as input."
            )
        return X[..., self.mask_]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True
        return tags


def _log10(X):
    return np.log10(X)


def selection_search(
    freqs,
    *,
    bands=(None, (8.0, 13.0), (13.0, 32.0)),
    ks=(3, 10, 30),
    rules=("autofeat", "topk"),
    log=(False, True),
    cv=3,
    scoring="roc_auc",
    random_state=42,
):
    """HappyFeat's manual feature choices as an inner cross-validated search.

    A :class:`~sklearn.model_selection.GridSearchCV` over band (:class:`BandSelector`),
    linear or log10 power, selection rule (AutoFeat or top-k R², :class:`R2Selector`) and
    number of features, ending in a Ledoit-Wolf shrinkage LDA; put it after a spectral
    stage (``PSD``, ``NodeStrength``) in a pipeline, so that the search sees the training
    trials of each outer fold only.

    Parameters
    ----------
    freqs : array-like of float, shape (n_freqs,)
        Frequencies of the spectra's bins in Hz.
    bands : sequence of (float, float) | None
        Candidate bands (None: all bins).
    ks : sequence of int
        Candidate numbers of features (of channels for AutoFeat).
    rules : sequence of {"autofeat", "topk"}
        Candidate selection rules.
    log : sequence of bool
        Whether to take log10 of the power (before scoring).
    cv : int
        Inner stratified folds, shuffled with ``random_state``.
    scoring : str
        Inner score (a scikit-learn scorer name); ``"accuracy"`` for more than two classes.
    random_state : int | None
        Seed of the inner folds.

    Returns
    -------
    search : GridSearchCV

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> X, y = rng.gamma(2.0, size=(30, 4, 25)) + 0.1, np.repeat([0, 1], 15)
    >>> X[y == 1, 2, 3] *= 4.0
    >>> search = selection_search(np.arange(8, 33), ks=[1], rules=["topk"]).fit(X, y)
    >>> search.best_estimator_["select"].support_.reshape(4, 25)[2, 3]
    np.True_
    """
    steps = Pipeline(
        [
            ("band", BandSelector(freqs=np.asarray(freqs, dtype=float))),
            ("log", "passthrough"),
            ("select", R2Selector(k=3, rule="autofeat")),
            ("lda", LinearDiscriminantAnalysis(solver="lsqr", shrinkage="auto")),
        ]
    )
    log_steps = [FunctionTransformer(_log10) if flag else "passthrough" for flag in log]
    grid = {
        "band__band": [None if b is None else tuple(b) for b in bands],
        "log": log_steps,
        "select__rule": list(rules),
        "select__k": list(ks),
    }
    splitter = StratifiedKFold(cv, shuffle=True, random_state=random_state)
    return GridSearchCV(steps, grid, cv=splitter, scoring=scoring)
