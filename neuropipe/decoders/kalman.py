"""Linear-Gaussian Kalman filter decoder fitted by least squares.

Model (Wu et al. 2003, the baseline of the DKF paper): ``z_t = A z_{t-1} + N(0, Gamma)``
and ``x_t = H z_t + N(0, Lambda)``, all four matrices by least squares on a training
sequence. :func:`kalman_filter` runs the filter; :class:`KalmanFilterRegressor` is the
scikit-learn shell.
"""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.utils.validation import check_is_fitted

from .._validation import (
    _as_float_array,
    check_magnitude,
    check_option,
    check_positive_int,
    check_spd,
)
from ._filter import (
    FilterPredictMixin,
    checked_state_model,
    column_scale,
    fit_state_model,
    information_filter,
    information_step,
    prior_step,
    validate_fit_data,
)

__all__ = [
    "fit_state_model",
    "fit_observation_model",
    "kalman_filter",
    "derivative_states",
    "KalmanFilterRegressor",
]


def fit_observation_model(X, Z):
    """Least-squares observation model ``x_t = H z_t + N(0, Lambda)``.

    Parameters
    ----------
    X : ndarray, shape (n_bins, n_features)
        Neural features (centre them first if the model needs an intercept).
    Z : ndarray, shape (n_bins, n_states)
        States of the same bins.

    Returns
    -------
    H : ndarray, shape (n_features, n_states)
    Lambda : ndarray, shape (n_features, n_features)
        Mean outer product of the residuals.

    Examples
    --------
    >>> import numpy as np
    >>> Z = np.array([[1.0], [2.0], [3.0]])
    >>> H, Lambda = fit_observation_model(2 * Z, Z)
    >>> H
    array([[2.]])
    """
    H = np.linalg.lstsq(Z, X, rcond=None)[0].T
    resid = X - Z @ H.T
    Lambda = resid.T @ resid / len(resid)
    return H, 0.5 * (Lambda + Lambda.T)


def kalman_filter(X, A, Gamma, H, Lambda, S, steady_state=False):
    """Filtered state means and covariances of a linear-Gaussian state-space model.

    The state of the first bin has the prior ``N(0, S)`` (no prediction step before the
    first update, as in the DKF paper's ``KalmanPredict.m``); every later bin is
    predicted with ``A``, ``Gamma`` and updated with ``x_t``. Computed in information
    form, which costs ``O(n_states^3)`` per bin after a one-off ``O(n_features^3)``.

    Parameters
    ----------
    X : ndarray, shape (n_bins, n_features)
        Observations in time order.
    A, Gamma : ndarray, shape (n_states, n_states)
        State transition matrix and process noise covariance.
    H : ndarray, shape (n_features, n_states)
        Observation matrix.
    Lambda : ndarray, shape (n_features, n_features)
        Observation noise covariance (positive definite).
    S : ndarray, shape (n_states, n_states)
        Prior covariance of the first state.
    steady_state : bool
        Switch to the constant (steady-state) gain once the filtered covariance has
        converged; equal to the full recursion to a relative ``1e-12``.

    Returns
    -------
    means : ndarray, shape (n_bins, n_states)
    covs : ndarray, shape (n_bins, n_states, n_states)

    Examples
    --------
    >>> import numpy as np
    >>> one = np.eye(1)
    >>> means, covs = kalman_filter(np.array([[1.0]]), one, one, one, one, one)
    >>> float(means[0, 0]), float(covs[0, 0, 0])
    (0.5, 0.5)
    """
    gain = np.linalg.solve(Lambda, H)  # Lambda^-1 H, shape (n_features, n_states)
    return information_filter(
        X @ gain, H.T @ gain, A, Gamma, np.linalg.inv(S), steady_state=steady_state
    )


def derivative_states(Z, n_derivatives):
    """Stack states with their time derivatives (central differences, per bin).

    ``[z, dz, d2z, ...]``: with velocity states, ``n_derivatives=1`` adds the
    acceleration. Central differences (``numpy.gradient``) keep the augmented state's
    process noise non-singular, which backward differences would not (``z_t - z_{t-1}``
    is fixed by ``z_t`` and the previous state). Used on training states only.

    Parameters
    ----------
    Z : ndarray, shape (n_bins, n_states)
    n_derivatives : int

    Returns
    -------
    Z_aug : ndarray, shape (n_bins, n_states * (n_derivatives + 1))

    Examples
    --------
    >>> import numpy as np
    >>> derivative_states(np.array([[0.0], [1.0], [4.0]]), 1)
    array([[0., 1.],
           [1., 2.],
           [4., 3.]])
    """
    blocks = [Z]
    for _ in range(n_derivatives):
        blocks.append(np.gradient(blocks[-1], axis=0))
    return np.hstack(blocks)


class KalmanFilterRegressor(FilterPredictMixin, RegressorMixin, BaseEstimator):
    """Kalman filter decoder: a linear-Gaussian state-space model fitted by least squares.

    ``fit`` estimates ``A``, ``Gamma`` from the state transitions (``z_t`` on
    ``z_{t-1}``), ``H``, ``Lambda`` from the observations (``x_t`` on ``z_t``) and the
    stationary covariance ``S`` of the states. ``predict`` runs the filter over ``X`` as
    one time-ordered sequence and returns the filtered means.

    Parameters
    ----------
    fit_intercept : bool
        Centre ``X`` and ``y`` on their training means (an intercept in both models).
        ``False`` reproduces the DKF paper's Kalman filter, whose features were
        z-scored on the whole session beforehand.
    n_derivatives : int
        Augment the state with this many time derivatives of ``y`` (with velocity
        states, 1 adds acceleration; :func:`derivative_states`). ``predict`` returns the
        original states only.
    steady_state : bool
        Use the steady-state gain once the filtered covariance has converged (faster;
        equal to the full filter to a relative ``1e-12``).

    Attributes
    ----------
    A_ : ndarray, shape (n_aug, n_aug)
        State transition matrix (``n_aug = n_states * (n_derivatives + 1)``).
    Gamma_ : ndarray, shape (n_aug, n_aug)
        Process noise covariance.
    H_ : ndarray, shape (n_features, n_aug)
        Observation matrix.
    Lambda_ : ndarray, shape (n_features, n_features)
        Observation noise covariance.
    S_ : ndarray, shape (n_aug, n_aug)
        Sample covariance of the training states (prior of the first bin).
    state_mean_ : ndarray, shape (n_states,)
        Training mean of ``y`` (zeros if ``fit_intercept=False``).
    feature_mean_ : ndarray, shape (n_features,)
        Training mean of ``X`` (zeros if ``fit_intercept=False``).
    n_features_in_ : int
        Number of features seen in ``fit``.

    See Also
    --------
    DiscriminativeKalmanFilter : the same state model with a learned ``p(z | x)``.

    Notes
    -----
    Predictions depend on the order of the rows of ``X``: a filter carries its state
    from one row to the next. ``predict(X)`` equals :meth:`init_state` followed by
    :meth:`step` on each row (to a relative ``1e-12``), the causal online use.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> z = np.zeros((600, 2))
    >>> for t in range(1, 600):
    ...     z[t] = 0.95 * z[t - 1] + 0.3 * rng.standard_normal(2)
    >>> X = z @ rng.standard_normal((2, 8)) + rng.standard_normal((600, 8))
    >>> kf = KalmanFilterRegressor().fit(X[:500], z[:500])
    >>> bool(kf.score(X[500:], z[500:]) > 0.7)
    True
    >>> means, covs = kf.predict(X[500:], return_cov=True)
    >>> means.shape, covs.shape
    ((100, 2), (100, 2, 2))
    >>> state = kf.init_state()
    >>> online = np.array([kf.step(x) for x in X[500:]])
    >>> bool(np.max(np.abs(online - means)) < 1e-12)
    True
    """

    def __init__(self, fit_intercept=True, n_derivatives=0, steady_state=False):
        self.fit_intercept = fit_intercept
        self.n_derivatives = n_derivatives
        self.steady_state = steady_state

    def fit(self, X, y):
        """Estimate the state and observation models.

        Parameters
        ----------
        X : array-like, shape (n_bins, n_features)
            Neural features, rows in time order.
        y : array-like, shape (n_bins,) or (n_bins, n_states)
            States (e.g. cursor velocity) of the same bins.

        Returns
        -------
        self : KalmanFilterRegressor
        """
        X, Y, self._y_1d = validate_fit_data(self, X, y, observation_model=True)
        self.__dict__.pop("_online", None)  # the online state of the previous model
        check_positive_int("n_derivatives", self.n_derivatives, minimum=0)
        check_option("steady_state", self.steady_state, [False, True])
        if self.fit_intercept:
            self.feature_mean_, self.state_mean_ = X.mean(axis=0), Y.mean(axis=0)
        else:
            self.feature_mean_, self.state_mean_ = np.zeros(X.shape[1]), np.zeros(Y.shape[1])
        # the model is fitted in standardised units (it is equivariant to a diagonal
        # rescaling of X and y), so features or states near 1e-155 do not underflow
        Xc, Zc = X - self.feature_mean_, Y - self.state_mean_
        self.feature_scale_ = column_scale(Xc)
        Zs = derivative_states(Zc / column_scale(Zc), self.n_derivatives)
        self.state_scale_ = column_scale(Zc)
        aug_scale = column_scale(Zs)
        Zs = Zs / aug_scale
        Xs = Xc / self.feature_scale_
        A, Gamma, S = checked_state_model(Zs)
        H, Lambda = fit_observation_model(Xs, Zs)
        check_spd(
            Lambda,
            name="The observation noise covariance Lambda",
            fix="remove constant or collinear features (e.g. sklearn VarianceThreshold or PCA) "
            "or use more training bins than features.",
            reference=np.atleast_2d(np.cov(Xs, rowvar=False)),
        )
        self._model = (A, Gamma, H, Lambda, S)
        # public matrices in the units of X and y
        Dz = np.tile(self.state_scale_, self.n_derivatives + 1) * aug_scale
        Dx = self.feature_scale_
        self._aug_scale = Dz
        self.A_ = A * Dz[:, None] / Dz[None, :]
        self.Gamma_ = Gamma * Dz[:, None] * Dz[None, :]
        self.H_ = H * Dx[:, None] / Dz[None, :]
        self.Lambda_ = Lambda * Dx[:, None] * Dx[None, :]
        self.S_ = S * Dz[:, None] * Dz[None, :]
        return self

    def _filter(self, X):
        Xs = (X - self.feature_mean_) / self.feature_scale_
        return kalman_filter(Xs, *self._model, steady_state=self.steady_state)

    def _state_units(self):
        return self._aug_scale[: len(self.state_mean_)]

    def init_state(self):
        """Reset the online filter before a new sequence of :meth:`step` calls.

        The first step starts from the stationary prior, as :meth:`predict` does.

        Returns
        -------
        self : KalmanFilterRegressor
        """
        check_is_fitted(self)
        A, Gamma, H, Lambda, S = self._model
        gain = np.linalg.solve(Lambda, H)  # as kalman_filter computes it
        # mean, covariance, steady-state transition (once converged, with steady_state)
        self._online = (None, None, None, gain, H.T @ gain, np.linalg.inv(S))
        return self

    def step(self, x, return_cov=False):
        """Advance the online filter by one bin (causal: uses this bin and the past only).

        Parameters
        ----------
        x : array-like, shape (n_features,)
            Neural features of the new bin.
        return_cov : bool
            Also return the filtered covariance.

        Returns
        -------
        mean : ndarray, shape (n_states,)
            Filtered state, the row :meth:`predict` gives for this bin.
        cov : ndarray, shape (n_states, n_states)
            Filtered covariance. Only if ``return_cov``.
        """
        if not hasattr(self, "_online"):
            raise RuntimeError("No filter state: call init_state() before the first step().")
        x = _as_float_array(x, "x")
        if x.shape != (self.n_features_in_,):
            raise ValueError(
                f"x must be one bin of shape ({self.n_features_in_},), got shape {x.shape}."
            )
        if not np.all(np.isfinite(x)):
            raise ValueError("x contains NaN or infinite values; drop or impute the bin.")
        check_magnitude(x, "x")
        mu, sigma, J, gain, P, S_inv = self._online
        A, Gamma = self._model[:2]
        b = ((x - self.feature_mean_) / self.feature_scale_) @ gain
        if mu is None:
            mu, sigma = prior_step(b, P, S_inv)
        elif J is not None:  # steady state, as information_filter continues
            mu = b @ sigma.T + J @ mu
        else:
            new_mu, new_sigma = information_step(mu, sigma, b, P, A, Gamma)
            if self.steady_state and np.max(np.abs(new_sigma - sigma)) <= 1e-12 * np.max(
                np.abs(sigma)
            ):
                J = new_sigma @ np.linalg.inv(A @ new_sigma @ A.T + Gamma) @ A
            mu, sigma = new_mu, new_sigma
        self._online = (mu, sigma, J, gain, P, S_inv)
        out, cov = self._output(mu[None], sigma[None], True)
        d = len(self.state_mean_)
        out, cov = np.reshape(out, -1), np.reshape(cov, (d, d))
        return (out, cov) if return_cov else out
