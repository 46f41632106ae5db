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


def test_flint2012_published_kalman_figures():
    """Paper protocol: train rows 0-4999, test 5000-5999, no intercept (Burkhart 2020)."""
    data = load_flint2012()
    kf = KalmanFilterRegressor(fit_intercept=False).fit(data.X[:5000], data.y[:5000])
    pred = kf.predict(data.X[5000:6000])
    assert nrmse(data.y[5000:6000], pred) == pytest.approx(0.765, abs=0.005)
    assert maae(data.y[5000:6000], pred) == pytest.approx(0.889, abs=0.005)
