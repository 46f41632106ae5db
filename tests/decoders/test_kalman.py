"""Kalman filter decoder: least-squares fit, filtering against filterpy, paper figures."""

import numpy as np
import pytest

from neuropipe.datasets.decoding import load_flint2012
from neuropipe.decoders import (
    KalmanFilterRegressor,
    fit_observation_model,
    fit_state_model,
    kalman_filter,
    maae,
    nrmse,
)


def simulate(n=3000, d=2, m=6, seed=0):
    """Linear-Gaussian state-space data with a non-symmetric transition matrix."""
    rng = np.random.default_rng(seed)
    A = np.array([[0.9, 0.2], [-0.1, 0.8]])[:d, :d]
    H = rng.standard_normal((m, d))
    z = np.zeros((n, d))
    for t in range(1, n):
        z[t] = A @ z[t - 1] + 0.3 * rng.standard_normal(d)
    X = z @ H.T + 0.5 * rng.standard_normal((n, m))
    return X, z, A, H


def test_state_model_regresses_forward_in_time():
    X, z, A, _ = simulate(n=20000)
    A_hat, Gamma = fit_state_model(z)
    # z_t on z_{t-1}, not the reverse (the bug of the DKF Python example)
    np.testing.assert_allclose(A_hat, A, atol=0.02)
    np.testing.assert_allclose(Gamma, 0.09 * np.eye(2), atol=0.005)
    expected = np.linalg.lstsq(z[:-1], z[1:], rcond=None)[0].T
    np.testing.assert_allclose(A_hat, expected)


def test_observation_model_is_least_squares():
    X, z, _, H = simulate(n=20000)
    H_hat, Lambda = fit_observation_model(X, z)
    np.testing.assert_allclose(H_hat, H, atol=0.02)
    np.testing.assert_allclose(Lambda, 0.25 * np.eye(6), atol=0.02)


def test_kalman_filter_matches_filterpy():
    KalmanFilter = pytest.importorskip("filterpy.kalman").KalmanFilter
    X, z, A, H = simulate(n=300)
    Gamma, Lambda = 0.09 * np.eye(2), 0.25 * np.eye(6)
    S = np.cov(z, rowvar=False)
    means, covs = kalman_filter(X, A, Gamma, H, Lambda, S)

    kf = KalmanFilter(dim_x=2, dim_z=6)
    kf.F, kf.H, kf.Q, kf.R = A, H, Gamma, Lambda
    kf.x, kf.P = np.zeros(2), S.copy()
    ref_means, ref_covs = [], []
    for t, x in enumerate(X):
        if t > 0:  # the first bin is updated from the prior N(0, S) directly
            kf.predict()
        kf.update(x)
        ref_means.append(kf.x.copy())
        ref_covs.append(kf.P.copy())
    np.testing.assert_allclose(means, ref_means, atol=1e-10)
    np.testing.assert_allclose(covs, ref_covs, atol=1e-10)


def test_regressor_fits_centred_models_and_decodes():
    X, z, A, H = simulate()
    X = X + 5.0  # a feature offset that the intercept must absorb
    kf = KalmanFilterRegressor().fit(X[:2500], z[:2500])
    np.testing.assert_allclose(kf.feature_mean_, X[:2500].mean(axis=0))
    np.testing.assert_allclose(kf.A_, A, atol=0.05)
    means, covs = kf.predict(X[2500:], return_cov=True)
    assert means.shape == (500, 2) and covs.shape == (500, 2, 2)
    assert kf.score(X[2500:], z[2500:]) > 0.8
    no_intercept = KalmanFilterRegressor(fit_intercept=False).fit(X[:2500], z[:2500])
    assert no_intercept.score(X[2500:], z[2500:]) < kf.score(X[2500:], z[2500:])


def test_one_dimensional_state():
    X, z, _, _ = simulate(d=1)
    kf = KalmanFilterRegressor().fit(X[:2500], z[:2500, 0])
    means, variances = kf.predict(X[2500:], return_cov=True)
    assert means.shape == (500,) and variances.shape == (500,)
    assert np.all(variances > 0)


def test_bad_input_errors():
    X, z, _, _ = simulate(n=200)
    kf = KalmanFilterRegressor()
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        kf.fit(X, z[:-1])
    X_nan = X.copy()
    X_nan[3, 1] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        kf.fit(X_nan, z)
    X_const = X.copy()
    X_const[:, 2] = 1.0
    with pytest.raises(ValueError, match="Lambda is singular.*constant or collinear features"):
        kf.fit(X_const, z)
    with pytest.raises(ValueError, match="state covariance S is singular"):
        kf.fit(X, np.c_[z, z[:, 0]])
    kf.fit(X, z)
    with pytest.raises(ValueError, match="X has 5 features"):
        kf.predict(X[:, :5])


def rotation_states(n=60, noise=1e-9, seed=0):
    """States turning by a fixed angle each bin, plus tiny noise: a (near) exact state model."""
    rng = np.random.default_rng(seed)
    turn = 2 * np.pi / 10
    R = np.array([[np.cos(turn), -np.sin(turn)], [np.sin(turn), np.cos(turn)]])
    z = np.zeros((n, 2))
    z[0] = [1.0, 0.0]
    for t in range(1, n):
        z[t] = R @ z[t - 1] + noise * rng.standard_normal(2)
    return z


def test_too_few_bins_or_vanishing_noise_are_refused():
    """Noise covariances must be non-singular relative to the data, 1 x 1 ones included."""
    X = np.array([[1.2e-13], [-1.3e-13], [6.4e-13]])
    y = np.array([[0.13, -0.13], [0.77, -0.03], [0.23, 0.33]])
    match = r"needs at least 5 training bins for 2 state\(s\) and 1 feature\(s\), got 3"
    with pytest.raises(ValueError, match=match):
        KalmanFilterRegressor().fit(X, y)
    # 3 features and 2 states need 7 bins for Lambda, more than the 5 Gamma needs
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError, match="needs at least 7 training bins"):
        KalmanFilterRegressor().fit(rng.standard_normal((6, 3)), rng.standard_normal((6, 2)))
    # a feature that is the state up to 1e-12 noise: Lambda ~ 1e-24 against var(x) ~ 70
    z = np.cumsum(rng.standard_normal((50, 1)), axis=0)
    with pytest.raises(ValueError, match="Lambda is singular .* against a data variance of"):
        KalmanFilterRegressor().fit(3 * z + 1e-12 * rng.standard_normal((50, 1)), z)
    # Gamma ~ 1e-18 against S ~ 0.5, although well conditioned on its own
    z = rotation_states()
    with pytest.raises(ValueError, match="Gamma is singular .* against a data variance of 1"):
        KalmanFilterRegressor().fit(rng.standard_normal((60, 3)), z)


def test_unconvertible_or_extreme_input_is_refused():
    X, z, _, _ = simulate(n=100)
    kf = KalmanFilterRegressor()
    with pytest.raises(ValueError, match="X must be a numeric array, got dtype <U"):
        kf.fit(np.full(X.shape, "spike"), z)
    with pytest.raises(TypeError, match="X must be a numeric array, got a str"):
        kf.fit("abc", z)
    with pytest.raises(ValueError, match="y could not be converted to a numeric array"):
        kf.fit(X[:2], [[1.0, 2.0], [3.0]])
    big = np.full(X.shape, 1e200)
    with pytest.raises(ValueError, match=r"X holds values up to 1e\+200 .* rescale the data"):
        kf.fit(big, z)
    with pytest.raises(ValueError, match=r"y holds values up to 1e\+200"):
        kf.fit(X, np.full(z.shape, 1e200))
    kf.fit(X, z)
    with pytest.raises(ValueError, match=r"X holds values up to 1e\+200"):
        kf.predict(big)


def test_flint2012_published_kalman_figures():
    """Paper protocol: train rows 0-4999, test 5000-5999, no intercept (Burkhart 2020)."""
    data = load_flint2012()
    kf = KalmanFilterRegressor(fit_intercept=False).fit(data.X[:5000], data.y[:5000])
    pred = kf.predict(data.X[5000:6000])
    assert nrmse(data.y[5000:6000], pred) == pytest.approx(0.765, abs=0.005)
    assert maae(data.y[5000:6000], pred) == pytest.approx(0.889, abs=0.005)
