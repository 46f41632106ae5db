"""Discriminative Kalman filter (Burkhart, Brandman, Franco, Hochberg & Harrison, 2020).

The state model is the Kalman filter's, ``z_t = A z_{t-1} + N(0, Gamma)`` with
stationary covariance ``S``, but the measurement model is discriminative:
``p(z_t | x_t) ~ N(f(x_t), Q(x_t))`` with ``f`` any regressor. The update is

    Sigma_t = (Q^-1 + M_t^-1 - S^-1)^-1,   mu_t = Sigma_t (Q^-1 f(x_t) + M_t^-1 A mu_{t-1}),

and when ``Q^-1 - S^-1`` is not positive definite ``Q`` is replaced by
``(Q^-1 + S^-1)^-1`` for that step (the paper's rule). The robust variant drops
``- S^-1``. :func:`dkf_filter` is the maths; :class:`DiscriminativeKalmanFilter` the
scikit-learn shell with an online ``init_state()`` / ``step()`` API.
"""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, RegressorMixin, clone
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted

from .._docs import fill_doc
from .._validation import (
    SPD_RTOL,
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
    information_filter,
    information_step,
    prior_step,
    validate_fit_data,
    validate_predict_data,
)
from ._online import compile_regressor, evaluate_compiled
from .history import _offsets, lag_features
from .kernel import NadarayaWatsonRegressor, nadaraya_watson

__all__ = ["dkf_measurement", "dkf_filter", "DiscriminativeKalmanFilter"]

_SINGULAR_Q_FIX = (
    "the regressor reproduces a state (near) exactly on held-out bins, or Q(x) rests on "
    "a single held-out residual; use q_estimator='constant', a larger 'holdout', or a "
    "smoother regressor."
)
_Q_ESTIMATORS = ["constant", "kernel", "kernel_f"]
#: Factors of ``Q`` tried by ``q_scale="auto"``.
Q_SCALE_GRID = (0.1, 0.25, 0.5, 1.0, 2.0)


def _precision_terms(Q, S_inv, robust):
    """``P_t`` and ``G_t`` (with ``b_t = G_t f_t``) for a stack of ``Q``; see dkf_measurement."""
    check_spd(Q, name="Q(x), one matrix per bin,", fix=_SINGULAR_Q_FIX)
    Q_inv = np.linalg.inv(Q)
    Q_inv = 0.5 * (Q_inv + np.swapaxes(Q_inv, 1, 2))
    if robust:
        return Q_inv, Q_inv, np.zeros(len(Q), dtype=bool)
    P = Q_inv - S_inv
    fallback = np.linalg.eigvalsh(P)[:, 0] <= SPD_RTOL * np.linalg.eigvalsh(Q_inv)[:, -1]
    P[fallback] = Q_inv[fallback]
    return P, Q_inv + fallback[:, None, None] * S_inv, fallback


def dkf_measurement(F, Q, S_inv, robust=False):
    """Measurement precisions and information vectors of the DKF update.

    Parameters
    ----------
    F : ndarray, shape (n_bins, n_states)
        Regressor outputs ``f(x_t)`` (centred like the states).
    Q : ndarray, shape (n_bins, n_states, n_states) or (n_states, n_states)
        Covariances ``Q(x_t)`` (one per bin, or one constant matrix).
    S_inv : ndarray, shape (n_states, n_states)
        Inverse of the stationary state covariance.
    robust : bool
        Drop ``- S^-1`` (robust DKF).

    Returns
    -------
    P : ndarray, shape (n_bins, n_states, n_states)
        ``Q^-1 - S^-1``, or ``Q^-1`` where that is not positive definite or if robust.
    B : ndarray, shape (n_bins, n_states)
        ``Q^-1 f``; ``(Q^-1 + S^-1) f`` at fallback bins, where the paper's rule
        replaces ``Q`` by ``(Q^-1 + S^-1)^-1``.
    n_fallback : int
        Number of bins where the fallback was used.

    Examples
    --------
    >>> import numpy as np
    >>> P, B, n_fallback = dkf_measurement(np.ones((1, 1)), 0.5 * np.eye(1), np.eye(1))
    >>> P.ravel(), B.ravel(), n_fallback
    (array([1.]), array([2.]), 0)
    """
    n, d = F.shape
    P, G, fallback = _precision_terms(np.broadcast_to(Q, (n, d, d)), S_inv, robust)
    return P, np.einsum("nij,nj->ni", G, F), int(fallback.sum())


def dkf_filter(F, Q, A, Gamma, S, robust=False):
    """Filter a sequence of discriminative measurements ``N(f(x_t), Q(x_t))``.

    The first bin starts from the stationary prior ``N(0, S)``, which gives
    ``mu_1 = f(x_1)``, ``Sigma_1 = Q(x_1)`` exactly as the reference code's
    initialisation whenever no fallback is needed. Every covariance is symmetric
    positive definite: the update precision is ``M_t^-1`` plus a positive
    (semi-)definite term.

    Parameters
    ----------
    F : ndarray, shape (n_bins, n_states)
        Regressor outputs ``f(x_t)``, centred like the states.
    Q : ndarray, shape (n_bins, n_states, n_states) or (n_states, n_states)
        Measurement covariances.
    A, Gamma : ndarray, shape (n_states, n_states)
        State transition matrix and process noise covariance.
    S : ndarray, shape (n_states, n_states)
        Stationary state covariance.
    robust : bool
        Robust DKF (drop ``- S^-1``).

    Returns
    -------
    means : ndarray, shape (n_bins, n_states)
    covs : ndarray, shape (n_bins, n_states, n_states)

    Examples
    --------
    >>> import numpy as np
    >>> I = np.eye(1)
    >>> means, covs = dkf_filter(np.array([[1.0], [1.0]]), 0.5 * I, 0.5 * I, 0.75 * I, I)
    >>> means.round(3).ravel()
    array([1. , 1.2])
    """
    S_inv = np.linalg.inv(S)
    P, B, _ = dkf_measurement(F, Q, S_inv, robust)
    return information_filter(B, P, A, Gamma, S_inv)


@fill_doc
class DiscriminativeKalmanFilter(FilterPredictMixin, RegressorMixin, BaseEstimator):
    """Discriminative Kalman filter (DKF) decoder.

    Learns ``p(z | x) ~ N(f(x), Q(x))`` with any scikit-learn regressor ``f`` and
    filters with the linear-Gaussian state model ``z_t = A z_{t-1} + N(0, Gamma)``,
    keeping closed-form updates (Burkhart et al., Neural Computation 32, 2020).

    ``fit``: ``A`` and ``Gamma`` by least squares of ``z_t`` on ``z_{t-1}``; ``S`` the
    sample covariance of the states; ``Q`` from the residuals of ``f`` refitted on a
    ``1 - holdout`` share of the training bins and evaluated on the rest (their mean
    outer product, or a Nadaraya-Watson regression of the outer products on ``x`` or
    on ``f(x)``); finally ``f`` is refitted on every training bin. The states are
    standardised inside (the filter is equivariant to their scale), so states of any
    magnitude give the same decoded trajectory up to that scale.

    Parameters
    ----------
    regressor : estimator | None
        Regressor for ``f(x) = E[z | x]`` (cloned), e.g. a ``Pipeline`` of
        ``StandardScaler``, ``PCA`` and ``Ridge`` / ``MLPRegressor`` /
        ``HistGradientBoostingRegressor`` / ``GaussianProcessRegressor``. ``None`` uses
        :class:`NadarayaWatsonRegressor` with a leave-one-out bandwidth.
    q_estimator : {"constant", "kernel", "kernel_f"}
        ``Q`` as the held-out residual covariance; ``Q(x)`` by kernel regression of the
        held-out residual outer products on ``x`` (``"kernel"``, the paper's DKF-NW) or
        on the regressor's output ``f(x)`` (``"kernel_f"``: noise that depends on the
        decoded state, cheap for long spike histories). Both are positive semi-definite.
    robust : bool
        Robust DKF: drop the ``- S^-1`` term (a Kalman filter that takes ``f(x_t)`` as
        a direct, heteroscedastic measurement of ``z_t``).
    holdout : float
        Share of training bins (0 < holdout < 1) held out to estimate ``Q``.
    holdout_split : {"random", "last"}
        Held-out bins drawn at random (the paper), or the last ``holdout`` share of the
        training sequence (time-ordered: with spike history, neighbouring bins share
        features and a random hold-out underestimates ``Q``).
    bins_before : int
        Past bins of ``X`` that ``f`` sees besides the current one (spike history,
        :func:`lag_features`); :meth:`step` keeps them in a buffer, so the online filter
        stays exact.
    bins_after : int
        Future bins ``f`` sees (not causal: :meth:`step` refuses them; for offline
        comparisons only).
    q_scale : float | "auto"
        Factor applied to ``Q`` (a positive number; 1 is the held-out estimate). Below 1
        the filter trusts ``f`` more, which helps when ``f`` pools spike history (its
        errors are autocorrelated, against the filter's assumption). ``"auto"`` (with
        ``holdout_split="last"``) filters the held-out block with each of
        ``Q_SCALE_GRID`` and keeps the factor of highest R^2 there: a time-ordered
        validation split inside the training bins.
    steady_state : bool
        With a constant ``Q``: keep the filtered covariance and gain once converged
        (:func:`information_filter`), for speed.
    fit_intercept : bool
        Centre the states on their training mean before fitting the state model.
    %(random_state)s
        The draws: the held-out bins and the default regressor's.

    Attributes
    ----------
    A_ : ndarray, shape (n_states, n_states)
        State transition matrix.
    Gamma_ : ndarray, shape (n_states, n_states)
        Process noise covariance.
    S_ : ndarray, shape (n_states, n_states)
        Sample covariance of the training states.
    Q_ : ndarray, shape (n_states, n_states)
        Held-out residual covariance (before ``q_scale``; also computed for the kernel
        estimators).
    q_scale_ : float
        Factor applied to ``Q`` (``q_scale``, or the one chosen by ``"auto"``).
    q_regressor_ : NadarayaWatsonRegressor | None
        Kernel regressor of ``vec(r r')`` (``q_estimator="kernel"`` or ``"kernel_f"``), in
        standardised state units.
    regressor_ : estimator
        ``f``, fitted on every training bin (on the lagged features if ``bins_before``
        or ``bins_after``).
    state_mean_ : ndarray, shape (n_states,)
        Training mean of ``y`` (zeros if ``fit_intercept=False``).
    state_scale_ : ndarray, shape (n_states,)
        Standard deviation of the centred training states (the filter's internal unit).
    n_features_in_ : int
        Number of features seen in ``fit``.

    See Also
    --------
    KalmanFilterRegressor : the linear-Gaussian special case.
    NadarayaWatsonRegressor : the default ``f``.

    Notes
    -----
    Predictions depend on the order of the rows of ``X``: the filter carries its state
    (and its spike history) from one row to the next. ``predict(X)`` equals
    ``init_state()`` followed by ``step(x)`` on each row. :meth:`step` evaluates linear
    models, ``MLPRegressor`` and the Nadaraya-Watson regressor (after affine steps such
    as ``StandardScaler`` and ``PCA``) from their fitted arrays, without scikit-learn's
    per-call validation; any other regressor goes through its ``predict``.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> z = np.zeros((600, 2))
    >>> for t in range(1, 600):
    ...     z[t] = 0.95 * z[t - 1] + 0.3 * rng.standard_normal(2)
    >>> X = np.tanh(z @ rng.standard_normal((2, 6))) + 0.3 * rng.standard_normal((600, 6))
    >>> dkf = DiscriminativeKalmanFilter(random_state=0).fit(X[:500], z[:500])
    >>> bool(dkf.score(X[500:], z[500:]) > 0.6)
    True
    >>> state = dkf.init_state()
    >>> online = np.array([dkf.step(x) for x in X[500:]])
    >>> bool(np.allclose(online, dkf.predict(X[500:])))
    True
    """

    def __init__(
        self,
        regressor=None,
        q_estimator="constant",
        robust=False,
        holdout=0.3,
        holdout_split="random",
        bins_before=0,
        bins_after=0,
        q_scale=1.0,
        steady_state=False,
        fit_intercept=True,
        random_state=None,
    ):
        self.regressor, self.q_estimator, self.robust = regressor, q_estimator, robust
        self.holdout, self.holdout_split, self.q_scale = holdout, holdout_split, q_scale
        self.bins_before, self.bins_after = bins_before, bins_after
        self.steady_state, self.fit_intercept = steady_state, fit_intercept
        self.random_state = random_state

    def _lagged(self, X):
        if self.bins_before == 0 and self.bins_after == 0:
            return X
        return lag_features(X, self.bins_before, self.bins_after)

    def fit(self, X, y):
        """Learn the state model, ``f`` and ``Q``.

        Parameters
        ----------
        X : array-like, shape (n_bins, n_features)
            Neural features, rows in time order.
        y : array-like, shape (n_bins,) or (n_bins, n_states)
            States of the same bins.

        Returns
        -------
        self : DiscriminativeKalmanFilter
        """
        X, Y, self._y_1d = validate_fit_data(self, X, y)
        for name in ("_online", "_fast"):  # a state or compiled f of the previous model
            self.__dict__.pop(name, None)
        check_option("q_estimator", self.q_estimator, _Q_ESTIMATORS)
        check_option("robust", self.robust, [False, True])
        check_option("holdout_split", self.holdout_split, ["random", "last"])
        check_option("steady_state", self.steady_state, [False, True])
        check_positive_int("bins_before", self.bins_before, minimum=0)
        check_positive_int("bins_after", self.bins_after, minimum=0)
        q_scale = self._check_q_scale()
        n, d = Y.shape
        n_hold = self._n_holdout(n, d)
        Xh = self._lagged(X)

        self.state_mean_ = Y.mean(axis=0) if self.fit_intercept else np.zeros(d)
        self.state_scale_ = column_scale(Y - self.state_mean_)
        Z = (Y - self.state_mean_) / self.state_scale_
        A, Gamma, S = checked_state_model(Z)
        if self.holdout_split == "last":
            held, kept = np.arange(n - n_hold, n), np.arange(n - n_hold)
        else:
            order = check_random_state(self.random_state).permutation(n)
            held, kept = order[:n_hold], order[n_hold:]
        base = self.regressor
        if base is None:
            base = NadarayaWatsonRegressor(random_state=self.random_state)
        target = Y[:, 0] if self._y_1d else Y
        f_kept = clone(base).fit(Xh[kept], target[kept])
        F_held = self._standardise(f_kept.predict(Xh[held]), n_hold)
        resid = Z[held] - F_held
        Q = resid.T @ resid / n_hold
        check_spd(Q, name="The held-out residual covariance Q", fix=_SINGULAR_Q_FIX, reference=S)
        self._S_inv = np.linalg.inv(S)
        self._A, self._Gamma = A, Gamma
        self.q_regressor_ = None
        if self.q_estimator != "constant":
            outer = (resid[:, :, None] * resid[:, None, :]).reshape(n_hold, d * d)
            inputs = Xh[held] if self.q_estimator == "kernel" else F_held
            self.q_regressor_ = NadarayaWatsonRegressor(random_state=self.random_state)
            self.q_regressor_.fit(inputs, outer)
        if q_scale == "auto":
            scores = [
                self._held_out_r2(Z[held], F_held, Xh[held], Q, factor) for factor in Q_SCALE_GRID
            ]
            q_scale = Q_SCALE_GRID[int(np.argmax(scores))]
        self.q_scale_ = float(q_scale)
        if self.q_estimator == "constant":
            P, G, _ = _precision_terms(self.q_scale_ * Q[None], self._S_inv, self.robust)
            self._P_const, self._G_const = P[0], G[0]
        self.regressor_ = clone(base).fit(Xh, target)
        D = np.diag(self.state_scale_)
        D_inv = np.diag(1.0 / self.state_scale_)
        self.A_, self.Gamma_ = D @ A @ D_inv, D @ Gamma @ D
        self.S_, self.Q_ = D @ S @ D, D @ Q @ D
        return self

    def _check_q_scale(self):
        q_scale = self.q_scale
        if isinstance(q_scale, str):
            check_option("q_scale", q_scale, ["auto"])
            if self.holdout_split != "last":
                raise ValueError(
                    "q_scale='auto' filters the held-out bins as a sequence: use it with "
                    "holdout_split='last', or give q_scale a number."
                )
            return q_scale
        if isinstance(q_scale, bool) or not isinstance(q_scale, (int, float, np.number)):
            raise TypeError(f"'q_scale' must be a positive number or 'auto', got {q_scale!r}.")
        if not (np.isfinite(q_scale) and q_scale > 0):
            raise ValueError(f"'q_scale' must be a positive finite number, got {q_scale!r}.")
        return q_scale

    def _held_out_r2(self, Z, F, X_lagged, Q, factor):
        """Mean R^2 of the filter on the held-out block (standardised units)."""
        if self.q_regressor_ is None:
            Qs = factor * Q
        else:
            self.q_scale_ = factor
            Qs = self._q_of(X_lagged, F)
        P, B, _ = dkf_measurement(F, Qs, self._S_inv, self.robust)
        means, _ = information_filter(B, P, self._A, self._Gamma, self._S_inv)
        ss_res = np.sum((Z - means) ** 2, axis=0)
        ss_tot = np.sum((Z - Z.mean(axis=0)) ** 2, axis=0)
        return float(np.mean(1.0 - ss_res / np.where(ss_tot > 0, ss_tot, 1.0)))

    def _standardise(self, F, n):
        return (np.reshape(F, (n, -1)) - self.state_mean_) / self.state_scale_

    def _n_holdout(self, n, d):
        holdout = self.holdout
        if isinstance(holdout, bool) or not isinstance(holdout, (float, int, np.floating)):
            raise TypeError(f"'holdout' must be a float in (0, 1), got {holdout!r}.")
        if not 0 < holdout < 1:
            raise ValueError(f"'holdout' must be in (0, 1), got {holdout!r}.")
        n_hold = int(round(holdout * n))
        if n_hold < d + 1 or n - n_hold < 2:
            raise ValueError(
                f"holdout={holdout!r} of {n} bins leaves {n_hold} held-out and {n - n_hold} "
                f"training bins; Q needs at least {d + 1} held-out bins and f at least 2 "
                f"training bins. Use more bins or change 'holdout'."
            )
        return n_hold

    def _q_of(self, X_lagged, F):
        """Per-bin ``Q`` (standardised units, ``q_scale`` applied) from the kernel estimator."""
        n, d = F.shape
        inputs = X_lagged if self.q_estimator == "kernel" else F
        q = self.q_regressor_
        Q = nadaraya_watson(inputs, q.X_fit_, q.y_fit_, q.bandwidth_).reshape(n, d, d)
        return self.q_scale_ * Q

    def predict_unfiltered(self, X):
        """The regressor's output ``f(x_t)`` alone (no filtering), for comparisons.

        Parameters
        ----------
        X : array-like, shape (n_bins, n_features)
            Neural features, rows in time order (the spike history is taken from them).

        Returns
        -------
        f : ndarray, shape (n_bins, n_states) or (n_bins,)
        """
        check_is_fitted(self)
        X = validate_predict_data(self, X)
        return self.regressor_.predict(self._lagged(X))

    def _filter(self, X):
        Xh = self._lagged(X)
        F = self._standardise(self.regressor_.predict(Xh), X.shape[0])
        if self.q_regressor_ is None:
            P, B = self._P_const, F @ self._G_const.T
        else:
            P, B, _ = dkf_measurement(F, self._q_of(Xh, F), self._S_inv, self.robust)
        return information_filter(
            B, P, self._A, self._Gamma, self._S_inv, steady_state=self.steady_state
        )

    def _state_units(self):
        return self.state_scale_

    def init_state(self, mean=None, cov=None):
        """Reset the online filter before a new sequence of :meth:`step` calls.

        The spike-history buffer (``bins_before``) starts empty, filled with zeros as
        :func:`lag_features` fills the lags before the first bin.

        Parameters
        ----------
        mean : array-like, shape (n_states,) | None
            Known state before the first bin. ``None`` starts from the stationary prior,
            so that the steps reproduce :meth:`predict` on the same rows.
        cov : array-like, shape (n_states, n_states) | None
            Uncertainty of ``mean`` (symmetric positive semi-definite); ``None`` means
            zeros if ``mean`` is given.

        Returns
        -------
        self : DiscriminativeKalmanFilter
        """
        check_is_fitted(self)
        if self.bins_after:
            raise ValueError(
                f"step() is causal, but this filter was fitted with bins_after="
                f"{self.bins_after} future bins; refit with bins_after=0 for online use, or "
                f"use predict() offline."
            )
        if not hasattr(self, "_fast"):
            n_lagged = self.n_features_in_ * len(_offsets(self.bins_before, 0, True))
            self._fast = compile_regressor(self.regressor_, n_lagged)
        d = self.S_.shape[0]
        history = np.zeros((self.bins_before, self.n_features_in_))
        if mean is None and cov is None:
            self._online = (None, None, history)
            return self
        mu = self.state_mean_ if mean is None else _as_float_array(mean, "mean")
        sigma = np.zeros((d, d)) if cov is None else _as_float_array(cov, "cov")
        if mu.shape != (d,) or sigma.shape != (d, d):
            raise ValueError(
                f"The filter state has {d} dimension(s): 'mean' must have shape ({d},) and "
                f"'cov' shape ({d}, {d}), got {mu.shape} and {sigma.shape}."
            )
        if not (np.all(np.isfinite(mu)) and np.all(np.isfinite(sigma))):
            raise ValueError("'mean' and 'cov' must be finite.")
        check_magnitude(mu, "mean")
        check_magnitude(sigma, "cov")
        if not np.allclose(sigma, sigma.T) or np.linalg.eigvalsh(sigma)[0] < -1e-12:
            raise ValueError("'cov' must be symmetric positive semi-definite.")
        scale = self.state_scale_
        sigma = sigma / (scale[:, None] * scale[None, :])
        self._online = ((mu - self.state_mean_) / scale, sigma, history)
        return self

    def step(self, x, return_cov=False):
        """Advance the online filter by one bin.

        Parameters
        ----------
        x : array-like, shape (n_features,)
            Neural features of the new bin.
        return_cov : bool
            Also return the filtered covariance.

        Returns
        -------
        mean : ndarray, shape (n_states,)
            Filtered state.
        cov : ndarray, shape (n_states, n_states)
            Filtered covariance. Only if ``return_cov``.
        """
        if not hasattr(self, "_online"):  # init_state() checked that the model is fitted
            raise RuntimeError("No filter state: call init_state() before the first step().")
        x = _as_float_array(x, "x")
        if x.shape != (self.n_features_in_,):
            raise ValueError(
                f"x must be one bin of shape ({self.n_features_in_},), got shape {x.shape}."
            )
        if not np.all(np.isfinite(x)):
            raise ValueError("x contains NaN or infinite values; drop or impute the bin.")
        check_magnitude(x, "x")
        mu, sigma, history = self._online
        x_lagged = np.concatenate([history.ravel(), x]) if self.bins_before else x
        f = (evaluate_compiled(self._fast, x_lagged) - self.state_mean_) / self.state_scale_
        if self.q_regressor_ is None:
            P, b = self._P_const, self._G_const @ f
        else:
            Q = self._q_of(x_lagged[None], f[None])
            P, B, _ = dkf_measurement(f[None], Q, self._S_inv, self.robust)
            P, b = P[0], B[0]
        if mu is None:
            mu, sigma = prior_step(b, P, self._S_inv)
        else:
            mu, sigma = information_step(mu, sigma, b, P, self._A, self._Gamma)
        if self.bins_before:
            history = np.vstack([history[1:], x])
        self._online = (mu, sigma, history)
        out, cov = self._output(mu[None], sigma[None], True)
        out, cov = np.reshape(out, -1), np.reshape(cov, (mu.size, mu.size))
        return (out, cov) if return_cov else out
