"""Nadaraya-Watson kernel regression with a leave-one-out bandwidth.

The maths are plain functions (:func:`nadaraya_watson`, :func:`loo_bandwidth`);
:class:`NadarayaWatsonRegressor` is the scikit-learn shell used as the default
measurement model ``f(x) = E[z | x]`` of the discriminative Kalman filter.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import minimize_scalar
from scipy.spatial.distance import cdist
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted, validate_data

from .._docs import fill_doc
from .._validation import check_array_input

__all__ = ["nadaraya_watson", "loo_bandwidth", "NadarayaWatsonRegressor"]

_CHUNK = 1024


def _kernel_weights(sq_dist: np.ndarray, bandwidth: float) -> np.ndarray:
    """Row-normalised Gaussian weights, shifted by each row's minimum (no underflow)."""
    logw = -(sq_dist - sq_dist.min(axis=1, keepdims=True)) / (2.0 * bandwidth**2)
    w = np.exp(logw)
    w /= w.sum(axis=1, keepdims=True)
    return w


def nadaraya_watson(X, X_train, Y_train, bandwidth):
    """Kernel-weighted average of training targets (Gaussian kernel).

    ``f(x) = sum_i w_i(x) y_i`` with ``w_i(x)`` proportional to
    ``exp(-||x - x_i||^2 / (2 bandwidth^2))``. Weights are computed relative to the
    nearest training point, so a query far from every training point returns the
    target of its nearest neighbours instead of ``0 / 0``.

    Parameters
    ----------
    X : ndarray, shape (n_queries, n_features)
        Query points.
    X_train : ndarray, shape (n_train, n_features)
        Training inputs.
    Y_train : ndarray, shape (n_train, n_targets)
        Training targets.
    bandwidth : float
        Kernel standard deviation, in the units of ``X`` (the reference code's
        variance ``h`` is ``bandwidth ** 2``).

    Returns
    -------
    Y : ndarray, shape (n_queries, n_targets)

    Examples
    --------
    >>> import numpy as np
    >>> X_train = np.array([[0.0], [1.0]])
    >>> Y_train = np.array([[0.0], [2.0]])
    >>> nadaraya_watson(np.array([[0.5]]), X_train, Y_train, bandwidth=1.0)
    array([[1.]])
    """
    out = np.empty((X.shape[0], Y_train.shape[1]))
    # distances in bandwidth units: squares of tiny (1e-170) inputs would underflow
    X, X_train = X / bandwidth, X_train / bandwidth
    for start in range(0, X.shape[0], _CHUNK):
        sq = cdist(X[start : start + _CHUNK], X_train, "sqeuclidean")
        out[start : start + _CHUNK] = _kernel_weights(sq, 1.0) @ Y_train
    return out


def _loo_mse(shifted: np.ndarray, Y: np.ndarray, bandwidth: float, buf: np.ndarray) -> float:
    """Leave-one-out MSE; ``shifted`` holds row-min-shifted squared distances, inf diagonal."""
    np.multiply(shifted, -0.5 / bandwidth**2, out=buf)
    np.exp(buf, out=buf)
    fitted = (buf @ Y) / buf.sum(axis=1, keepdims=True)
    return float(np.mean((fitted - Y) ** 2))


def loo_bandwidth(X, Y, n_grid: int = 13):
    """Bandwidth minimising the leave-one-out squared error of :func:`nadaraya_watson`.

    A log-spaced grid around the median-distance heuristic is searched first, then
    refined with a bounded Brent search between the best grid point's neighbours
    (the leave-one-out curve can be flat, so a local search from a fixed start, as in
    the reference MATLAB code, may stop far from the minimum). The search runs in
    float32, which is ample to rank bandwidths.

    Parameters
    ----------
    X : ndarray, shape (n_samples, n_features)
        Inputs, ``n_samples >= 2``.
    Y : ndarray, shape (n_samples, n_targets)
        Targets.
    n_grid : int
        Number of grid points, spanning 1/100 to 10 times the heuristic.

    Returns
    -------
    bandwidth : float

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> X = rng.uniform(-3, 3, size=(200, 1))
    >>> Y = np.sin(X) + 0.1 * rng.standard_normal((200, 1))
    >>> 0.05 < loo_bandwidth(X, Y) < 1.0
    True
    """
    # search in units of the largest centred value (the loss is scale-equivariant), so
    # squared distances of inputs near 1e-170 or 1e100 stay within float64's range
    unit = float(np.max(np.abs(X - X.mean(axis=0)), initial=0.0)) or 1.0
    sq = cdist(X / unit, X / unit, "sqeuclidean")
    positive = sq[(sq > 0) & ~np.eye(len(X), dtype=bool)]
    if positive.size == 0:  # every input is the same point: any bandwidth is equivalent
        return 1.0
    reference = np.sqrt(np.median(positive) / 2.0)
    np.fill_diagonal(sq, np.inf)
    shifted = (sq - sq.min(axis=1, keepdims=True)).astype(np.float32)
    y_unit = float(np.max(np.abs(Y - Y.mean(axis=0)), initial=0.0)) or 1.0
    Y32, buf = (Y / y_unit).astype(np.float32), np.empty_like(shifted)  # float32: no 1e-170
    log_grid = np.log(reference) + np.linspace(np.log(1e-2), np.log(10.0), n_grid)
    losses = [_loo_mse(shifted, Y32, np.exp(g), buf) for g in log_grid]
    best = int(np.argmin(losses))
    lo, hi = log_grid[max(best - 1, 0)], log_grid[min(best + 1, n_grid - 1)]
    res = minimize_scalar(
        lambda g: _loo_mse(shifted, Y32, np.exp(g), buf),
        bounds=(lo, hi),
        method="bounded",
        options={"xatol": 1e-2},
    )
    return unit * float(np.exp(res.x if res.fun <= losses[best] else log_grid[best]))


@fill_doc
class NadarayaWatsonRegressor(RegressorMixin, BaseEstimator):
    """Nadaraya-Watson kernel regression with a Gaussian kernel.

    The default measurement model of :class:`DiscriminativeKalmanFilter`
    (the "DKF-NW" of Burkhart et al., Neural Computation 2020).

    Parameters
    ----------
    bandwidth : float | None
        Kernel standard deviation. ``None`` selects it by minimising the
        leave-one-out squared error (:func:`loo_bandwidth`).
    max_loo_samples : int | None
        Leave-one-out selection costs ``O(n^2)`` memory and time, so at most this many
        training rows (drawn at random) are used to select the bandwidth; prediction
        always uses every training row. ``None`` uses all rows.
    %(random_state)s
        The draws: the rows of the leave-one-out selection (``max_loo_samples``).

    Attributes
    ----------
    bandwidth_ : float
        Bandwidth in use.
    X_fit_ : ndarray, shape (n_samples, n_features)
        Training inputs.
    y_fit_ : ndarray, shape (n_samples, n_targets)
        Training targets (2-D).
    n_features_in_ : int
        Number of features seen in ``fit``.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> X = rng.uniform(-3, 3, size=(300, 1))
    >>> y = np.sin(X[:, 0]) + 0.1 * rng.standard_normal(300)
    >>> reg = NadarayaWatsonRegressor(random_state=0).fit(X, y)
    >>> bool(abs(reg.predict([[1.0]])[0] - np.sin(1.0)) < 0.1)
    True
    """

    def __init__(self, bandwidth=None, max_loo_samples=2000, random_state=None):
        self.bandwidth = bandwidth
        self.max_loo_samples = max_loo_samples
        self.random_state = random_state

    def fit(self, X, y):
        """Store the training set and select the bandwidth.

        Parameters
        ----------
        X : array-like, shape (n_samples, n_features)
            Inputs.
        y : array-like, shape (n_samples,) or (n_samples, n_targets)
            Targets.

        Returns
        -------
        self : NadarayaWatsonRegressor
        """
        X, y = validate_data(
            self,
            check_array_input(X),
            check_array_input(y, "y", ndim=(1, 2)),
            multi_output=True,
            y_numeric=True,
            dtype=np.float64,
            ensure_min_samples=2,
        )
        self._y_1d = y.ndim == 1
        Y = y.reshape(len(y), -1)
        if self.bandwidth is None:
            n_loo = len(X) if self.max_loo_samples is None else int(self.max_loo_samples)
            if n_loo < 2:
                raise ValueError(
                    f"'max_loo_samples' must be None or an integer >= 2, got "
                    f"{self.max_loo_samples!r}."
                )
            rows = np.arange(len(X))
            if len(X) > n_loo:
                rows = check_random_state(self.random_state).choice(len(X), n_loo, replace=False)
            self.bandwidth_ = loo_bandwidth(X[rows], Y[rows])
        else:
            bandwidth = float(self.bandwidth)
            if not np.isfinite(bandwidth) or bandwidth <= 0:
                raise ValueError(
                    f"'bandwidth' must be a positive number or None (leave-one-out), got "
                    f"{self.bandwidth!r}."
                )
            self.bandwidth_ = bandwidth
        self.X_fit_, self.y_fit_ = X, Y
        return self

    def predict(self, X):
        """Kernel-weighted average of the training targets.

        Parameters
        ----------
        X : array-like, shape (n_samples, n_features)

        Returns
        -------
        y_pred : ndarray, shape (n_samples,) or (n_samples, n_targets)
        """
        check_is_fitted(self)
        X = validate_data(self, check_array_input(X), reset=False, dtype=np.float64)
        Y = nadaraya_watson(X, self.X_fit_, self.y_fit_, self.bandwidth_)
        return Y[:, 0] if self._y_1d else Y

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags
