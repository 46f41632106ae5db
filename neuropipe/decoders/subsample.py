"""Fit a regressor on a random subset of the training rows (for costly models such as GPs)."""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, MetaEstimatorMixin, RegressorMixin, clone
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted, validate_data

from .._docs import fill_doc
from .._validation import check_array_input, check_positive_int

__all__ = ["SubsampledRegressor"]


@fill_doc
class SubsampledRegressor(MetaEstimatorMixin, RegressorMixin, BaseEstimator):
    """Fit ``regressor`` on at most ``max_samples`` training rows drawn at random.

    A Gaussian process costs ``O(n^3)`` to fit; on a few thousand bins a subsample keeps
    it practical as the measurement model of a
    :class:`~neuropipe.decoders.DiscriminativeKalmanFilter` (the DKF-GP of Burkhart et
    al.'s follow-ups). Predictions use the regressor fitted on the subsample.

    Parameters
    ----------
    regressor : estimator
        Regressor to fit (cloned).
    max_samples : int
        Largest number of training rows used (all rows if there are fewer).
    %(random_state)s
        The draws: the training rows kept (``max_samples``).

    Attributes
    ----------
    regressor_ : estimator
        The fitted regressor.
    n_features_in_ : int
        Number of features seen in ``fit``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.gaussian_process import GaussianProcessRegressor
    >>> from sklearn.gaussian_process.kernels import RBF, WhiteKernel
    >>> rng = np.random.default_rng(0)
    >>> X = rng.uniform(-3, 3, size=(2000, 1))
    >>> y = np.sin(X[:, 0]) + 0.1 * rng.standard_normal(2000)
    >>> gp = GaussianProcessRegressor(RBF() + WhiteKernel())
    >>> model = SubsampledRegressor(gp, max_samples=100, random_state=0).fit(X, y)
    >>> len(model.regressor_.X_train_), bool(model.score(X, y) > 0.9)
    (100, True)
    """

    def __init__(self, regressor, max_samples=1000, random_state=None):
        self.regressor = regressor
        self.max_samples = max_samples
        self.random_state = random_state

    def fit(self, X, y):
        """Fit the regressor on a random subset of at most ``max_samples`` rows.

        Parameters
        ----------
        X : array-like, shape (n_samples, n_features)
        y : array-like, shape (n_samples,) or (n_samples, n_targets)

        Returns
        -------
        self : SubsampledRegressor
        """
        X, y = validate_data(
            self,
            check_array_input(X),
            check_array_input(y, "y", ndim=(1, 2)),
            multi_output=True,
            y_numeric=True,
            dtype=np.float64,
        )
        check_positive_int("max_samples", self.max_samples, minimum=1)
        rows = np.arange(len(X))
        if len(X) > self.max_samples:
            rng = check_random_state(self.random_state)
            rows = np.sort(rng.choice(len(X), self.max_samples, replace=False))
        self.regressor_ = clone(self.regressor).fit(X[rows], y[rows])
        return self

    def predict(self, X):
        """Predictions of the regressor fitted on the subsample.

        Parameters
        ----------
        X : array-like, shape (n_samples, n_features)

        Returns
        -------
        y_pred : ndarray, shape (n_samples,) or (n_samples, n_targets)
        """
        check_is_fitted(self)
        X = validate_data(self, check_array_input(X), reset=False, dtype=np.float64)
        return self.regressor_.predict(X)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True  # as the regressors it is meant for (GP, Ridge)
        return tags
