"""Discriminative Kalman filter: equations, special cases, online API, errors, real data."""

import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.linear_model import LinearRegression, Ridge
from sklearn.neighbors import KNeighborsRegressor

from neuropipe.datasets.decoding import load_flint2012
from neuropipe.decoders import (
    DiscriminativeKalmanFilter,
    KalmanFilterRegressor,
    NadarayaWatsonRegressor,
    dkf_filter,
    dkf_measurement,
    kalman_filter,
    maae,
    nrmse,
)


def random_spd(rng, d, scale=1.0):
    B = rng.standard_normal((d, d))
    return scale * (B @ B.T + 0.1 * np.eye(d))


def simulate(n=1500, seed=0):
    """2-D AR states observed through a nonlinear map plus noise."""
    rng = np.random.default_rng(seed)
    A = np.array([[0.95, 0.05], [-0.05, 0.9]])
    z = np.zeros((n, 2))
    for t in range(1, n):
        z[t] = A @ z[t - 1] + 0.3 * rng.standard_normal(2)
    W = rng.standard_normal((2, 6))
    X = np.tanh(z @ W) + 0.3 * rng.standard_normal((n, 6))
    return X, z


def test_kalman_filter_is_a_special_case():
    """f(x) = (S^-1 + H'L^-1 H)^-1 H'L^-1 x and Q = (S^-1 + H'L^-1 H)^-1 give the KF."""
    rng = np.random.default_rng(1)
    d, m, n = 2, 7, 200
    A = np.array([[0.9, 0.1], [0.0, 0.7]])
    Gamma, S, Lambda = random_spd(rng, d, 0.1), random_spd(rng, d), random_spd(rng, m)
    H = rng.standard_normal((m, d))
    X = rng.standard_normal((n, m))
    info = H.T @ np.linalg.inv(Lambda)
    Q = np.linalg.inv(np.linalg.inv(S) + info @ H)
    F = X @ (Q @ info).T
    means, covs = dkf_filter(F, Q, A, Gamma, S)
    kf_means, kf_covs = kalman_filter(X, A, Gamma, H, Lambda, S)
    np.testing.assert_allclose(means, kf_means, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(covs, kf_covs, rtol=1e-9, atol=1e-12)


def test_robust_dkf_is_a_kalman_filter_measuring_f():
    rng = np.random.default_rng(2)
    A, Gamma, S = 0.8 * np.eye(2), random_spd(rng, 2, 0.1), random_spd(rng, 2)
    Q = random_spd(rng, 2, 3.0)  # larger than S: the plain DKF would need its fallback
    F = rng.standard_normal((50, 2))
    means, covs = dkf_filter(F, Q, A, Gamma, S, robust=True)
    kf_means, kf_covs = kalman_filter(F, A, Gamma, np.eye(2), Q, S)
    np.testing.assert_allclose(means, kf_means, rtol=1e-9)
    np.testing.assert_allclose(covs, kf_covs, rtol=1e-9)


def test_first_step_reproduces_reference_initialisation():
    """Without fallback, mu_1 = f(x_1) and Sigma_1 = Q(x_1) (DKF_filtering.m)."""
    rng = np.random.default_rng(3)
    S = random_spd(rng, 2, 10.0)
    Q = np.linalg.inv(np.linalg.inv(S) + random_spd(rng, 2))  # Q^-1 - S^-1 is SPD
    F = rng.standard_normal((1, 2))
    means, covs = dkf_filter(F, Q, np.eye(2), np.eye(2), S)
    np.testing.assert_allclose(means[0], F[0])
    np.testing.assert_allclose(covs[0], Q)


def test_update_against_hand_computation_and_fallback():
    """One step of the paper's update, with and without the Q <- (Q^-1 + S^-1)^-1 rule."""
    A, Gamma, S = np.array([[0.9]]), np.array([[0.2]]), np.array([[1.0]])
    for q, fallback in ((0.5, 0), (2.0, 1)):  # Q^-1 - S^-1 = 1 > 0, then -0.5 < 0
        F = np.array([[1.0], [2.0]])
        Qs = np.array([[[0.5]], [[q]]])
        means, covs = dkf_filter(F, Qs, A, Gamma, S)
        mu1, sigma1 = 1.0, 0.5
        m = 0.81 * sigma1 + 0.2
        q_eff = q if not fallback else 1.0 / (1.0 / q + 1.0)
        sigma2 = 1.0 / (1.0 / q_eff + 1.0 / m - 1.0)
        mu2 = sigma2 * (2.0 / q_eff + 0.9 * mu1 / m)
        np.testing.assert_allclose(covs[1, 0, 0], sigma2)
        np.testing.assert_allclose(means[1, 0], mu2)
        assert dkf_measurement(F, Qs, np.linalg.inv(S))[2] == fallback


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    d=st.integers(1, 4),
    q_scale=st.floats(1e-3, 1e3),
    robust=st.booleans(),
)
def test_covariances_stay_symmetric_positive_definite(seed, d, q_scale, robust):
    rng = np.random.default_rng(seed)
    n = 40
    A = rng.uniform(-1.2, 1.2, (d, d))  # stable or not
    Gamma, S = random_spd(rng, d, 0.1), random_spd(rng, d)
    Qs = np.stack([random_spd(rng, d, q_scale * rng.uniform(0.01, 10)) for _ in range(n)])
    F = rng.standard_normal((n, d))
    _, covs = dkf_filter(F, Qs, A, Gamma, S, robust=robust)
    np.testing.assert_array_equal(covs, np.swapaxes(covs, 1, 2))
    assert np.all(np.linalg.eigvalsh(covs)[:, 0] > 0)


def test_fit_estimates_state_model_in_the_right_direction():
    X, z = simulate(n=6000)
    dkf = DiscriminativeKalmanFilter(regressor=Ridge(), random_state=0).fit(X, z)
    np.testing.assert_allclose(dkf.A_, [[0.95, 0.05], [-0.05, 0.9]], atol=0.02)
    np.testing.assert_allclose(dkf.S_, np.cov(z, rowvar=False))
    # constant Q = mean outer product of the held-out residuals of f fitted on the rest
    held = np.random.RandomState(0).permutation(6000)[:1800]
    kept = np.setdiff1d(np.arange(6000), held)
    resid = z[held] - Ridge().fit(X[kept], z[kept]).predict(X[held])
    np.testing.assert_allclose(dkf.Q_, resid.T @ resid / 1800)


@pytest.mark.parametrize(
    "params",
    [
        {"regressor": Ridge()},
        {"regressor": Ridge(), "robust": True},
        {"regressor": NadarayaWatsonRegressor(bandwidth=1.0)},
        {"regressor": NadarayaWatsonRegressor(bandwidth=1.0), "q_estimator": "kernel"},
        {"regressor": KNeighborsRegressor(n_neighbors=20), "q_estimator": "kernel", "robust": True},
    ],
)
def test_online_steps_equal_batch_predict(params):
    X, z = simulate(n=900)
    dkf = DiscriminativeKalmanFilter(random_state=0, **params).fit(X[:800], z[:800])
    batch_means, batch_covs = dkf.predict(X[800:], return_cov=True)
    dkf.init_state()
    steps = [dkf.step(x, return_cov=True) for x in X[800:]]
    np.testing.assert_allclose([m for m, _ in steps], batch_means, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose([c for _, c in steps], batch_covs, rtol=1e-10, atol=1e-14)
    assert dkf.score(X[800:], z[800:]) > 0.5


def test_filtering_beats_the_unfiltered_regressor():
    X, z = simulate(n=2000)
    dkf = DiscriminativeKalmanFilter(regressor=Ridge(), random_state=0).fit(X[:1500], z[:1500])
    unfiltered = dkf.regressor_.predict(X[1500:])
    assert nrmse(z[1500:], dkf.predict(X[1500:])) < 0.9 * nrmse(z[1500:], unfiltered)


def test_init_state_from_a_known_state():
    X, z = simulate(n=600)
    dkf = DiscriminativeKalmanFilter(regressor=Ridge(), random_state=0).fit(X[:500], z[:500])
    dkf.init_state(mean=z[499])
    mu, sigma = dkf.step(X[500], return_cov=True)
    # by hand: predict from the exact state, then update with f(x)
    f = dkf.regressor_.predict(X[500:501])[0] - dkf.state_mean_
    prior = dkf.A_ @ (z[499] - dkf.state_mean_)
    P, B, _ = dkf_measurement(f[None], dkf.Q_, np.linalg.inv(dkf.S_))
    expected_sigma = np.linalg.inv(P[0] + np.linalg.inv(dkf.Gamma_))
    expected_mu = expected_sigma @ (B[0] + np.linalg.solve(dkf.Gamma_, prior))
    np.testing.assert_allclose(sigma, expected_sigma, rtol=1e-10)
    np.testing.assert_allclose(mu, expected_mu + dkf.state_mean_, rtol=1e-10)


def test_online_errors():
    X, z = simulate(n=300)
    dkf = DiscriminativeKalmanFilter(regressor=Ridge(), random_state=0).fit(X, z)
    with pytest.raises(RuntimeError, match="call init_state"):
        dkf.step(X[0])
    with pytest.raises(ValueError, match=r"state has 2 dimension\(s\)"):
        dkf.init_state(mean=np.zeros(3))
    with pytest.raises(ValueError, match=r"state has 2 dimension\(s\)"):
        dkf.init_state(mean=np.zeros(2), cov=np.eye(3))
    dkf.init_state()
    with pytest.raises(ValueError, match=r"shape \(6,\), got shape \(5,\)"):
        dkf.step(X[0, :5])
    with pytest.raises(ValueError, match=r"shape \(6,\), got shape \(2, 6\)"):
        dkf.step(X[:2])
    with pytest.raises(ValueError, match="NaN or infinite"):
        dkf.step(np.r_[np.inf, X[0, 1:]])


def test_fit_errors():
    X, z = simulate(n=300)
    dkf = DiscriminativeKalmanFilter(regressor=Ridge(), random_state=0)
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        dkf.fit(X[:-2], z)
    X_inf = X.copy()
    X_inf[7, 0] = np.inf
    with pytest.raises(ValueError, match="X contains 1 NaN or infinite value"):
        dkf.fit(X_inf, z)
    with pytest.raises(ValueError, match="'q_estimator' parameter"):
        DiscriminativeKalmanFilter(q_estimator="gp").fit(X, z)
    with pytest.raises(ValueError, match=r"'holdout' must be in \(0, 1\)"):
        DiscriminativeKalmanFilter(holdout=1.5).fit(X, z)
    with pytest.raises(ValueError, match="held-out and"):
        DiscriminativeKalmanFilter(holdout=0.005).fit(X, z)
    # f reproduces the first state exactly on held-out bins: Q is singular
    X_exact = np.c_[X, z[:, 0]]
    with pytest.raises(ValueError, match="residual covariance Q is singular"):
        DiscriminativeKalmanFilter(regressor=LinearRegression()).fit(X_exact, z)


def test_too_few_bins_or_vanishing_noise_are_refused():
    """Gamma and Q are judged against the state covariance S, 1 x 1 ones included."""
    X = np.array([[1.2e-13], [-1.3e-13], [6.4e-13]])
    y = np.array([[0.13, -0.13], [0.77, -0.03], [0.23, 0.33]])
    with pytest.raises(ValueError, match=r"needs at least 5 training bins for 2 state\(s\), got"):
        DiscriminativeKalmanFilter(Ridge()).fit(X, y)
    # states turning by a fixed angle plus 1e-9 noise: Gamma ~ 1e-18 against S ~ 0.5
    rng = np.random.default_rng(0)
    turn = 2 * np.pi / 10
    R = np.array([[np.cos(turn), -np.sin(turn)], [np.sin(turn), np.cos(turn)]])
    z = np.zeros((60, 2))
    z[0] = [1.0, 0.0]
    for t in range(1, 60):
        z[t] = R @ z[t - 1] + 1e-9 * rng.standard_normal(2)
    with pytest.raises(ValueError, match="Gamma is singular .* against a data variance of 1"):
        DiscriminativeKalmanFilter(Ridge()).fit(rng.standard_normal((60, 3)), z)
    # a 1-D state that f reproduces exactly: a 1 x 1 Q ~ 1e-30
    X, z = simulate(n=300)
    with pytest.raises(ValueError, match="residual covariance Q is singular .* data variance"):
        DiscriminativeKalmanFilter(LinearRegression()).fit(np.c_[X, z[:, 0]], z[:, 0])


def test_unconvertible_or_extreme_input_is_refused():
    X, z = simulate(n=200)
    dkf = DiscriminativeKalmanFilter(regressor=Ridge(), random_state=0)
    with pytest.raises(TypeError, match="X must be a numeric array, got a str"):
        dkf.fit("abc", z)
    with pytest.raises(ValueError, match="X must be a numeric array, got dtype <U"):
        dkf.fit(np.full(X.shape, "spike"), z)
    with pytest.raises(ValueError, match=r"X holds values up to 1e\+200"):
        dkf.fit(np.full(X.shape, 1e200), z)
    dkf.fit(X, z).init_state()
    with pytest.raises(ValueError, match=r"X holds values up to 1e\+200"):
        dkf.predict(np.full(X.shape, 1e200))
    with pytest.raises(ValueError, match=r"x holds values up to 1e\+200"):
        dkf.step(np.full(6, 1e200))
    with pytest.raises(ValueError, match="x could not be converted to a numeric array"):
        dkf.step([[1.0], [1.0, 2.0]])


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(5, 60),
    n_states=st.integers(1, 3),
    n_features=st.integers(1, 5),
    scale=st.sampled_from([1e-12, 1e-3, 1.0, 1e6]),
    q_estimator=st.sampled_from(["constant", "kernel"]),
    robust=st.booleans(),
)
def test_fitted_filters_never_give_non_spd_covariances(
    seed, n, n_states, n_features, scale, q_estimator, robust
):
    """Issue 8: whatever the training data, the filtered covariances of a fitted Kalman
    filter or DKF are symmetric positive definite, or fitting / predicting raises a clear
    ValueError (too few bins, singular noise covariances)."""
    rng = np.random.default_rng(seed)
    z = np.cumsum(rng.standard_normal((n + 20, n_states)), axis=0)
    X = scale * (z @ rng.standard_normal((n_states, n_features)))
    X += scale * rng.uniform(0.0, 2.0) * rng.standard_normal(X.shape)
    filters = (
        KalmanFilterRegressor(),
        DiscriminativeKalmanFilter(Ridge(), q_estimator=q_estimator, robust=robust, random_state=0),
    )
    for est in filters:
        try:
            est.fit(X[:n], z[:n])
            _, covs = est.predict(X[n:], return_cov=True)
        except ValueError as exc:
            assert re.search("singular|training bins|held-out", str(exc)), exc
            continue
        covs = covs.reshape(20, n_states, n_states)
        np.testing.assert_array_equal(covs, np.swapaxes(covs, 1, 2))
        assert np.all(np.linalg.eigvalsh(covs)[:, 0] > 0), type(est).__name__


def test_kernel_q_singular_at_predict_is_reported():
    X, z = simulate(n=400)
    dkf = DiscriminativeKalmanFilter(regressor=Ridge(), q_estimator="kernel", random_state=0).fit(
        X, z
    )
    # a query far from every held-out bin puts all the kernel weight on one residual,
    # whose outer product has rank 1
    far = np.full((1, 6), 1e3)
    with pytest.raises(ValueError, match=r"Q\(x\), one matrix per bin, is singular .* in 1 of its 1 matrices"):
        dkf.predict(far)


@pytest.mark.slow
def test_flint2012_dkf_beats_kalman_as_published():
    """Paper protocol on the paper's own session: DKF-NW vs the Kalman filter."""
    data = load_flint2012()
    X_train, z_train = data.X[:5000], data.y[:5000]
    X_test, z_test = data.X[5000:6000], data.y[5000:6000]
    kf = KalmanFilterRegressor(fit_intercept=False).fit(X_train, z_train).predict(X_test)
    kf_nrmse, kf_maae = nrmse(z_test, kf), maae(z_test, kf)
    for q_estimator, min_gain in (("constant", 0.18), ("kernel", 0.15)):
        dkf = DiscriminativeKalmanFilter(q_estimator=q_estimator, random_state=0)
        pred = dkf.fit(X_train, z_train).predict(X_test)
        assert nrmse(z_test, pred) <= (1 - min_gain) * kf_nrmse, q_estimator
        assert maae(z_test, pred) <= 0.88 * kf_maae, q_estimator
