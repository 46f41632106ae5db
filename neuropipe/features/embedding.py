"""Choosing the order and lag of the augmented covariance embedding without a brute-force grid.

Two ways, both fitted on the training epochs only, so both nest safely in cross-validation
and in a :class:`sklearn.pipeline.Pipeline`:

* :class:`AutoAugmentedCovariances` picks the lag from the first minimum of the average auto
  mutual information and the order from Cao's averaged false nearest neighbours (the
  dynamical-systems view of the augmented covariance: lag = embedding delay, order = embedding
  dimension). It needs no labels.
* :class:`neuropipe.model_selection.EmbeddingSearchCV` searches order x lag x classifier
  settings by successive halving over the cross-validation splits (a model-selection search,
  so it lives in :mod:`neuropipe.model_selection`).
"""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, MetaEstimatorMixin, TransformerMixin
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted

from neuropipe._docs import fill_doc, public_module
from neuropipe._epochs import EpochsMixin
from neuropipe._validation import check_epochs, check_positive_int
from neuropipe.features.augmented import (
    AugmentedCovariances,
    n_embedded_samples,
)

__all__ = [
    "auto_mutual_information",
    "first_minimum_lag",
    "cao_e1",
    "cao_order",
    "AutoAugmentedCovariances",
]


def _series(X, max_series, random_state):
    """Epochs x channels as rows of univariate series, subsampled to ``max_series`` rows."""
    series = X.reshape(-1, X.shape[-1])
    if max_series is not None and series.shape[0] > max_series:
        rows = check_random_state(random_state).choice(series.shape[0], max_series, False)
        series = series[np.sort(rows)]
    return series


def auto_mutual_information(X, max_lag, n_bins=16):
    """Auto mutual information of each channel, averaged over channels and epochs.

    Each epoch-channel series is cut into ``n_bins`` equal-width bins between its minimum and
    maximum, and ``I(x(t); x(t + k))`` is estimated from the joint histogram (natural log).

    Parameters
    ----------
    X : ndarray, shape (n_epochs, n_channels, n_times)
        Epochs.
    max_lag : int
        Largest lag, in samples; must be below ``n_times``.
    n_bins : int
        Histogram bins per series.

    Returns
    -------
    ami : ndarray, shape (max_lag + 1,)
        ``ami[k]`` is the average mutual information at lag ``k``; ``ami[0]`` is the entropy.

    Examples
    --------
    >>> import numpy as np
    >>> from scipy.signal import lfilter
    >>> noise = np.random.default_rng(0).standard_normal((20, 1, 500))
    >>> X = lfilter([1], [1, -2 * 0.98 * np.cos(2 * np.pi / 40), 0.98**2], noise)
    >>> first_minimum_lag(auto_mutual_information(X, 20))  # a quarter of the 40-sample period
    10
    """
    X = check_epochs(X)
    n_times = X.shape[-1]
    max_lag = check_positive_int("max_lag", max_lag)
    n_bins = check_positive_int("n_bins", n_bins, minimum=2)
    if max_lag >= n_times:
        raise ValueError(
            f"'max_lag' ({max_lag}) must be lower than the {n_times} samples per epoch."
        )
    series = X.reshape(-1, n_times)
    low = series.min(axis=1, keepdims=True)
    span = np.ptp(series, axis=1, keepdims=True)
    span[span == 0] = 1.0
    codes = np.minimum(((series - low) / span * n_bins).astype(np.intp), n_bins - 1)
    offsets = (np.arange(series.shape[0]) * n_bins * n_bins)[:, None]
    ami = np.empty(max_lag + 1)
    for lag in range(max_lag + 1):
        joint_codes = offsets + codes[:, : n_times - lag] * n_bins + codes[:, lag:]
        joint = np.bincount(joint_codes.ravel(), minlength=series.shape[0] * n_bins * n_bins)
        joint = joint.reshape(-1, n_bins, n_bins) / (n_times - lag)
        outer = joint.sum(axis=2)[:, :, None] * joint.sum(axis=1)[:, None, :]
        nz = joint > 0
        terms = np.zeros_like(joint)
        terms[nz] = joint[nz] * np.log(joint[nz] / outer[nz])
        ami[lag] = terms.sum(axis=(1, 2)).mean()
    return ami


def first_minimum_lag(ami):
    """First local minimum of an auto mutual information curve (lag >= 1).

    Parameters
    ----------
    ami : ndarray, shape (max_lag + 1,)
        Output of :func:`auto_mutual_information`.

    Returns
    -------
    lag : int
        The first ``k >= 1`` with ``ami[k] <= ami[k + 1]``; the lag of the smallest value when
        the curve decreases all the way to ``max_lag``.

    Examples
    --------
    >>> first_minimum_lag(np.array([2.0, 1.0, 0.5, 0.6, 0.2]))
    2
    """
    ami = np.asarray(ami, dtype=float)
    for lag in range(1, ami.size - 1):
        if ami[lag] <= ami[lag + 1]:
            return lag
    return int(np.argmin(ami[1:])) + 1


def cao_e1(X, lag, max_order, theiler=None, max_series=64, random_state=None):
    """Cao's ``E1(d)`` curve, averaged over channels and epochs.

    For each univariate series and dimension ``d``, every delay vector
    ``y_i(d) = (x_i, x_{i + lag}, ..., x_{i + (d - 1) lag})`` is paired with its nearest
    neighbour in max-norm (outside the Theiler window), and ``a(i, d)`` is the ratio of their
    distance in dimension ``d + 1`` to that in dimension ``d``. ``E(d)`` is the mean of
    ``a(i, d)`` and ``E1(d) = E(d + 1) / E(d)``, which stops changing once ``d`` reaches the
    embedding dimension (Cao 1997). All dimensions use the same delay vectors.

    Parameters
    ----------
    X : ndarray, shape (n_epochs, n_channels, n_times)
        Epochs.
    lag : int
        Embedding delay, in samples.
    max_order : int
        Largest dimension ``d`` for which ``E1(d)`` is returned.
    theiler : int | None
        Neighbours closer than this in time are excluded; ``None`` uses ``lag``.
    max_series : int | None
        At most this many epoch-channel series, drawn at random, are used (the cost is
        quadratic in ``n_times`` per series); ``None`` uses all.
    random_state : int | RandomState | None
        Draw of the series.

    Returns
    -------
    e1 : ndarray, shape (max_order,)
        ``e1[d - 1]`` is ``E1(d)``.

    References
    ----------
    .. [1] L. Cao, "Practical method for determining the minimum embedding dimension of a
       scalar time series", Physica D 110:43-50, 1997.

    Examples
    --------
    >>> import numpy as np
    >>> x, y, henon = 0.1, 0.0, []
    >>> for _ in range(1100):
    ...     x, y = 1 - 1.4 * x * x + y, 0.3 * x
    ...     henon.append(x)
    >>> e1 = cao_e1(np.array(henon[100:])[None, None], lag=1, max_order=5)
    >>> cao_order(e1)  # the Henon map embeds in 2 dimensions
    2
    """
    X = check_epochs(X)
    lag = check_positive_int("lag", lag)
    max_order = check_positive_int("max_order", max_order)
    theiler = lag if theiler is None else check_positive_int("theiler", theiler, minimum=0)
    n_times = X.shape[-1]
    n_points = n_times - (max_order + 1) * lag
    if n_points < 2 * theiler + 2:
        raise ValueError(
            f"lag={lag} and max_order={max_order} leave {n_points} delay vectors in epochs of "
            f"{n_times} samples, too few for a nearest-neighbour search; lower them."
        )
    e = np.zeros(max_order + 1)
    idx = np.arange(n_points)
    excluded = np.abs(idx[:, None] - idx[None, :]) <= theiler
    for series in _series(X, max_series, random_state):
        dist = np.abs(series[:n_points, None] - series[None, :n_points])
        for d in range(1, max_order + 2):
            neighbour = np.argmin(np.where(excluded | (dist == 0), np.inf, dist), axis=1)
            coord = series[d * lag : d * lag + n_points]
            grown = np.maximum(dist, np.abs(coord[:, None] - coord[None, :]))
            ratio = grown[idx, neighbour] / np.maximum(dist[idx, neighbour], 1e-300)
            e[d - 1] += ratio.mean()
            dist = grown
    return e[1:] / e[:-1]


def cao_order(e1, threshold=0.9):
    """Embedding order from Cao's ``E1`` curve.

    Parameters
    ----------
    e1 : ndarray, shape (max_order,)
        Output of :func:`cao_e1`.
    threshold : float
        ``E1`` is taken to have saturated at the first ``d`` where it reaches this value.

    Returns
    -------
    order : int
        The first ``d`` with ``E1(d) >= threshold``: ``E1`` stops changing for ``d > d0`` and
        ``d0 + 1`` is Cao's minimum embedding dimension. ``max_order`` when the curve never
        saturates.

    Examples
    --------
    >>> cao_order(np.array([0.3, 0.95, 0.99, 1.0]))
    2
    """
    e1 = np.asarray(e1, dtype=float)
    saturated = np.flatnonzero(e1 >= threshold)
    if saturated.size == 0:
        return e1.size
    return int(saturated[0] + 1)


@public_module("neuropipe.features")
@fill_doc
class AutoAugmentedCovariances(EpochsMixin, MetaEstimatorMixin, TransformerMixin, BaseEstimator):
    """Augmented covariances with lag and order chosen by embedding criteria on training data.

    ``fit`` sets the lag to the first minimum of the auto mutual information averaged over
    channels and training epochs (:func:`auto_mutual_information`), then the order from Cao's
    averaged false nearest neighbours at that lag (:func:`cao_e1`, :func:`cao_order`), and fits
    an :class:`~neuropipe.features.augmented.AugmentedCovariances` with them. The order is then
    lowered, if needed, so that the embedding fits the epochs and ``max_dim``.

    Parameters
    ----------
    max_order : int, default=10
        Largest order considered.
    max_lag : int, default=30
        Largest lag considered, in samples.
    estimator : {"cov", "scm", "oas", "lwf"}, default="cov"
        Covariance estimator of the augmented covariances.
    embedding : {"moabb", "hankel"}, default="moabb"
        Samples kept by each delayed copy; see
        :func:`~neuropipe.features.augmented.augmented_covariances`.
    n_bins : int, default=16
        Histogram bins of the mutual information estimate.
    threshold : float, default=0.9
        Saturation level of Cao's ``E1`` curve.
    max_dim : int | None, default=None
        Cap on ``n_channels * order``.
    max_series : int | None, default=64
        Epoch-channel series drawn (``random_state``) for Cao's method.
    %(random_state)s

    Attributes
    ----------
    lag_ : int
        Selected lag.
    order_ : int
        Selected order.
    ami_ : ndarray, shape (max_lag + 1,)
        Average auto mutual information.
    e1_ : ndarray, shape (max_order,)
        Cao's ``E1`` curve at ``lag_``.
    augmenter_ : AugmentedCovariances
        The fitted transformer.
    %(epochs_attributes)s

    Examples
    --------
    >>> import numpy as np
    >>> X = np.random.default_rng(0).standard_normal((8, 2, 300))
    >>> auto = AutoAugmentedCovariances(max_order=4, max_lag=10, random_state=0).fit(X)
    >>> auto.transform(X).shape == (8, 2 * auto.order_, 2 * auto.order_)
    True
    """

    def __init__(
        self,
        max_order=10,
        max_lag=30,
        estimator="cov",
        embedding="moabb",
        n_bins=16,
        threshold=0.9,
        max_dim=None,
        max_series=64,
        random_state=None,
    ):
        self.max_order = max_order
        self.max_lag = max_lag
        self.estimator = estimator
        self.embedding = embedding
        self.n_bins = n_bins
        self.threshold = threshold
        self.max_dim = max_dim
        self.max_series = max_series
        self.random_state = random_state

    def fit(self, X, y=None):
        """Choose the lag and order on ``X`` and fit the augmented covariances.

        Parameters
        ----------
        %(X_epochs)s
        %(y_ignored)s

        Returns
        -------
        self : AutoAugmentedCovariances
        """
        X = self._fit_epochs(X)
        _, n_channels, n_times = X.shape
        max_order = check_positive_int("max_order", self.max_order)
        max_lag = min(check_positive_int("max_lag", self.max_lag), n_times // 4)
        self.ami_ = auto_mutual_information(X, max(max_lag, 1), self.n_bins)
        self.lag_ = first_minimum_lag(self.ami_)
        max_order = min(max_order, max(1, (n_times // 2) // self.lag_ - 1))
        self.e1_ = cao_e1(
            X, self.lag_, max_order, max_series=self.max_series, random_state=self.random_state
        )
        order = cao_order(self.e1_, self.threshold)
        max_dim = np.inf if self.max_dim is None else check_positive_int("max_dim", self.max_dim)
        while order > 1 and (
            n_channels * order > max_dim
            or not _feasible(n_channels, n_times, order, self.lag_, self.estimator, self.embedding)
        ):
            order -= 1
        self.order_ = order
        self.augmenter_ = AugmentedCovariances(
            self.order_, self.lag_, self.estimator, self.embedding
        ).fit(X)
        return self

    def transform(self, X):
        """Augmented covariance matrices with the selected lag and order.

        Parameters
        ----------
        %(X_epochs_fitted)s

        Returns
        -------
        covmats : ndarray, shape (n_epochs, n_channels * order_, n_channels * order_)
        """
        check_is_fitted(self)
        return self.augmenter_.transform(X)


def _feasible(n_channels, n_times, order, lag, estimator, embedding):
    """Whether the embedding keeps enough samples for a non-singular covariance."""
    n_kept = n_embedded_samples(n_times, order, lag, embedding)
    if estimator in ("cov", "scm"):
        return n_kept > n_channels * order
    return n_kept >= 2
