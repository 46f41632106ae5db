"""The information-form recursion shared by the Kalman and discriminative Kalman filters.

Both filters have the state model ``z_t = A z_{t-1} + N(0, Gamma)`` and an update of
the form

    Sigma_t^-1 = M_t^-1 + P_t,      Sigma_t^-1 mu_t = M_t^-1 A mu_{t-1} + b_t,

with ``M_t = A Sigma_{t-1} A' + Gamma``. The Kalman filter has ``P_t = H' Lambda^-1 H``
and ``b_t = H' Lambda^-1 x_t``; the DKF has ``P_t = Q(x_t)^-1 - S^-1`` and
``b_t = Q(x_t)^-1 f(x_t)``. The first step uses the stationary prior ``N(0, S)`` as
``M_1``, as the reference code does.
"""

from __future__ import annotations

import numpy as np
from sklearn.utils.validation import check_is_fitted, validate_data

from .._validation import check_array_input, check_spd


def fit_state_model(Z):
    """Least-squares linear-Gaussian state model ``z_t = A z_{t-1} + N(0, Gamma)``.

    ``A`` regresses ``z_t`` on ``z_{t-1}`` (``A = sum z_t z_{t-1}' (sum z_{t-1}
    z_{t-1}')^-1``, the direction the DKF paper's scripts use); ``Gamma`` is the mean
    outer product of the transition residuals.

    Parameters
    ----------
    Z : ndarray, shape (n_bins, n_states)
        State sequence in time order (centre it first if it has a non-zero mean).

    Returns
    -------
    A : ndarray, shape (n_states, n_states)
    Gamma : ndarray, shape (n_states, n_states)

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> z = np.zeros((5000, 1))
    >>> for t in range(1, 5000):
    ...     z[t] = 0.9 * z[t - 1] + 0.1 * rng.standard_normal()
    >>> A, Gamma = fit_state_model(z)
    >>> round(float(A[0, 0]), 2), round(float(Gamma[0, 0]), 3)
    (0.9, 0.01)
    """
    prev, curr = Z[:-1], Z[1:]
    A = np.linalg.lstsq(prev, curr, rcond=None)[0].T
    resid = curr - prev @ A.T
    Gamma = resid.T @ resid / len(resid)
    return A, 0.5 * (Gamma + Gamma.T)


def checked_state_model(Z):
    """:func:`fit_state_model` and the stationary covariance ``S`` of ``Z``, both checked.

    A noise covariance that vanishes next to the data (:func:`neuropipe._validation.check_spd`
    with ``reference``, a 1 x 1 one included) means the model fits exactly: an error.

    Returns
    -------
    A, Gamma, S : ndarray, shape (n_states, n_states)
    """
    A, Gamma = fit_state_model(Z)
    S = np.atleast_2d(np.cov(Z, rowvar=False))
    check_spd(S, name="The state covariance S", fix="remove constant or collinear columns of y.")
    check_spd(
        Gamma,
        name="The process noise covariance Gamma",
        fix="the states are (near) deterministic functions of the previous states; remove "
        "redundant columns of y.",
        reference=S,
    )
    return A, Gamma, S


def information_step(mu, sigma, b, P, A, Gamma):
    """One predict + update step of the information-form recursion.

    Parameters
    ----------
    mu : ndarray, shape (n_states,)
        Previous filtered mean.
    sigma : ndarray, shape (n_states, n_states)
        Previous filtered covariance.
    b : ndarray, shape (n_states,)
        Information vector of the new measurement.
    P : ndarray, shape (n_states, n_states)
        Precision contributed by the new measurement (positive semi-definite).
    A, Gamma : ndarray, shape (n_states, n_states)
        State transition matrix and process noise covariance.

    Returns
    -------
    mu : ndarray, shape (n_states,)
    sigma : ndarray, shape (n_states, n_states)
    """
    M_inv = np.linalg.inv(A @ sigma @ A.T + Gamma)
    sigma = np.linalg.inv(P + M_inv)
    sigma = 0.5 * (sigma + sigma.T)
    return sigma @ (b + M_inv @ (A @ mu)), sigma


def prior_step(b, P, S_inv):
    """First update, from the stationary prior ``N(0, S)`` (no prediction step)."""
    sigma = np.linalg.inv(P + S_inv)
    sigma = 0.5 * (sigma + sigma.T)
    return sigma @ b, sigma


def column_scale(Y):
    """Per-column standard deviation of ``Y`` (1 where a column is constant).

    The filters run on ``Y / column_scale(Y)``: every least-squares and Gaussian formula
    they use is equivariant under a diagonal rescaling, and unit-variance columns keep
    squares and products of tiny (1e-170) or large values within float64's range.
    """
    peak = np.max(np.abs(Y), axis=0)
    peak = np.where(peak > 0, peak, 1.0)
    scale = np.std(Y / peak, axis=0) * peak  # the squares of 1e-170 would underflow
    return np.where(scale > 0, scale, 1.0)


def information_filter(B, P, A, Gamma, S_inv, steady_state=False):
    """Run the recursion over a sequence, starting from the prior ``N(0, S)``.

    Parameters
    ----------
    B : ndarray, shape (n_bins, n_states)
        Information vectors ``b_t``.
    P : ndarray, shape (n_states, n_states) or (n_bins, n_states, n_states)
        Measurement precisions ``P_t`` (one shared matrix or one per bin).
    A, Gamma : ndarray, shape (n_states, n_states)
        State model.
    S_inv : ndarray, shape (n_states, n_states)
        Inverse of the stationary state covariance (the prior precision of ``z_1``).
    steady_state : bool
        With one shared ``P``: once the covariance has converged (relative change below
        ``1e-12``), keep it and its gain, so that each later bin costs two small
        matrix-vector products instead of two inversions (the steady-state Kalman
        filter; equal to the full recursion to the convergence tolerance).

    Returns
    -------
    means : ndarray, shape (n_bins, n_states)
    covs : ndarray, shape (n_bins, n_states, n_states)
    """
    n, d = B.shape
    steady_state = steady_state and P.ndim == 2
    P = np.broadcast_to(P, (n, d, d))
    means, covs = np.empty((n, d)), np.empty((n, d, d))
    mu, sigma = prior_step(B[0], P[0], S_inv)
    means[0], covs[0] = mu, sigma
    t = 1
    while t < n:
        new_mu, new_sigma = information_step(mu, sigma, B[t], P[t], A, Gamma)
        converged = steady_state and np.max(np.abs(new_sigma - sigma)) <= 1e-12 * np.max(
            np.abs(sigma)
        )
        mu, sigma = new_mu, new_sigma
        means[t], covs[t] = mu, sigma
        t += 1
        if converged:
            break
    if t < n:  # steady state: mu_t = Sigma b_t + Sigma M^-1 A mu_{t-1}
        J = sigma @ np.linalg.inv(A @ sigma @ A.T + Gamma) @ A
        K_b = B[t:] @ sigma.T
        for i in range(t, n):
            mu = K_b[i - t] + J @ mu
            means[i] = mu
        covs[t:] = sigma
    return means, covs


def steady_state_covariance(P, A, Gamma, S_inv, max_iter=100_000):
    """Limit of the filtered covariance for one shared measurement precision ``P``.

    Returns
    -------
    sigma : ndarray, shape (n_states, n_states)
    M_inv : ndarray, shape (n_states, n_states)
        Inverse of the predicted covariance ``A sigma A' + Gamma``.
    """
    sigma = prior_step(np.zeros(len(P)), P, S_inv)[1]
    for _ in range(max_iter):
        M_inv = np.linalg.inv(A @ sigma @ A.T + Gamma)
        new = np.linalg.inv(P + M_inv)
        new = 0.5 * (new + new.T)
        done = np.max(np.abs(new - sigma)) <= 1e-12 * np.max(np.abs(sigma))
        sigma = new
        if done:
            break
    return sigma, np.linalg.inv(A @ sigma @ A.T + Gamma)


def validate_fit_data(estimator, X, y, observation_model=False):
    """Validate time-ordered ``X`` and ``y`` for a filter; return ``X``, 2-D ``Y``, 1-D flag.

    The least-squares noise covariances need enough bins to be non-singular: ``Gamma``
    (``n_bins - 1`` transitions, centred, ``n_states`` coefficients per state) needs
    ``2 * n_states + 1`` bins and, with an ``observation_model``, ``Lambda`` (centred,
    ``n_states`` coefficients per feature) ``n_features + n_states + 2``.
    """
    X, y = validate_data(
        estimator,
        check_array_input(X),
        check_array_input(y, "y", ndim=(1, 2)),
        multi_output=True,
        y_numeric=True,
        dtype=np.float64,
        ensure_min_samples=3,
    )
    Y = y.reshape(len(y), -1)
    (n_bins, n_features), n_states = X.shape, Y.shape[1]
    needed = 2 * n_states + 1
    if observation_model:
        needed = max(needed, n_features + n_states + 2)
    if n_bins < needed:
        what, fewer = f"{n_states} state(s)", "states"
        if observation_model:
            what, fewer = f"{what} and {n_features} feature(s)", "features (e.g. PCA) or states"
        raise ValueError(
            f"{type(estimator).__name__} needs at least {needed} training bins for {what}, "
            f"got {n_bins}: its noise covariances would be singular. Use more bins or fewer "
            f"{fewer}."
        )
    return X, Y, y.ndim == 1


def validate_predict_data(estimator, X):
    """Validate ``X`` for ``predict`` against the number of features seen in ``fit``."""
    return validate_data(estimator, check_array_input(X), reset=False, dtype=np.float64)


def format_output(means, covs, y_1d, return_cov):
    """Drop the state axis for 1-D targets and attach covariances on request."""
    if y_1d:
        means, covs = means[:, 0], covs[:, 0, 0]
    return (means, covs) if return_cov else means


class FilterPredictMixin:
    """``predict`` of the two filters, on their ``_filter`` and ``_state_units``.

    ``_filter(X)`` returns the filtered means and covariances in standardised units (the
    states first, then any derivative states); ``_state_units()`` the scale of the
    ``n_states`` states of ``y``.
    """

    def predict(self, X, return_cov=False):
        """Filtered state means for ``X`` taken as one time-ordered sequence.

        Parameters
        ----------
        X : array-like, shape (n_bins, n_features)
            Neural features, rows in time order.
        return_cov : bool
            Also return the filtered covariances.

        Returns
        -------
        means : ndarray, shape (n_bins, n_states) or (n_bins,)
            Filtered means (1-D if ``y`` was 1-D in ``fit``).
        covs : ndarray, shape (n_bins, n_states, n_states) or (n_bins,)
            Filtered covariances (variances if ``y`` was 1-D). Only if ``return_cov``.
        """
        check_is_fitted(self)
        means, covs = self._filter(validate_predict_data(self, X))
        return self._output(means, covs, return_cov)

    def _output(self, means, covs, return_cov):
        """The states of ``y`` in its units, from standardised filtered states."""
        d, scale = len(self.state_mean_), self._state_units()
        means = means[:, :d] * scale + self.state_mean_
        covs = covs[:, :d, :d] * (scale[:, None] * scale[None, :])  # exactly symmetric
        return format_output(means, covs, self._y_1d, return_cov)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags
