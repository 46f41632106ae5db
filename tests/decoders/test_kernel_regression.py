"""Nadaraya-Watson regression and its leave-one-out bandwidth, against brute force."""

import numpy as np
import pytest

from neuropipe.decoders import NadarayaWatsonRegressor, loo_bandwidth, nadaraya_watson


def brute_force_nw(x, X_train, Y_train, bandwidth):
    w = np.array([np.exp(-np.sum((x - xi) ** 2) / (2 * bandwidth**2)) for xi in X_train])
    return w @ Y_train / w.sum()


def brute_force_loo_mse(X, Y, bandwidth):
    errors = []
    for i in range(len(X)):
        w = np.exp(-np.sum((X - X[i]) ** 2, axis=1) / (2 * bandwidth**2))
        w[i] = 0.0
        errors.append((w @ Y / w.sum() - Y[i]) ** 2)
    return np.mean(errors)


def make_data(n=120, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.uniform(-2, 2, size=(n, 2))
    Y = np.c_[np.sin(2 * X[:, 0]), X[:, 1] ** 2] + 0.1 * rng.standard_normal((n, 2))
    return X, Y


def test_matches_kernel_weighted_average():
    X, Y = make_data()
    queries = np.random.default_rng(1).uniform(-2, 2, size=(5, 2))
    expected = [brute_force_nw(q, X, Y, 0.4) for q in queries]
    np.testing.assert_allclose(nadaraya_watson(queries, X, Y, 0.4), expected, rtol=1e-12)


def test_far_query_returns_nearest_target_instead_of_nan():
    X, Y = make_data()
    far = np.array([[1e4, 1e4]])
    nearest = np.argmin(np.sum((X - far) ** 2, axis=1))
    np.testing.assert_allclose(nadaraya_watson(far, X, Y, 0.1)[0], Y[nearest])


def test_loo_bandwidth_minimises_the_leave_one_out_error():
    X, Y = make_data()
    chosen = loo_bandwidth(X, Y)
    grid = np.geomspace(0.02, 3.0, 60)
    best_on_grid = min(brute_force_loo_mse(X, Y, h) for h in grid)
    assert brute_force_loo_mse(X, Y, chosen) <= best_on_grid * 1.001


def test_regressor_fit_predict():
    X, Y = make_data(n=300)
    reg = NadarayaWatsonRegressor(random_state=0).fit(X, Y)
    assert reg.bandwidth_ == pytest.approx(loo_bandwidth(X, Y))
    np.testing.assert_allclose(reg.predict(X[:3]), nadaraya_watson(X[:3], X, Y, reg.bandwidth_))
    assert reg.score(X, Y) > 0.8
    one = NadarayaWatsonRegressor(bandwidth=0.3).fit(X, Y[:, 0])
    assert one.predict(X[:4]).shape == (4,)
    assert one.bandwidth_ == 0.3


def test_subsampled_bandwidth_selection():
    X, Y = make_data(n=300)
    reg = NadarayaWatsonRegressor(max_loo_samples=100, random_state=0).fit(X, Y)
    rows = np.random.RandomState(0).choice(300, 100, replace=False)
    assert reg.bandwidth_ == pytest.approx(loo_bandwidth(X[rows], Y[rows]))
    assert len(reg.X_fit_) == 300


def test_bad_parameters():
    X, Y = make_data(n=20)
    with pytest.raises(ValueError, match="'bandwidth' must be a positive number"):
        NadarayaWatsonRegressor(bandwidth=-1.0).fit(X, Y)
    with pytest.raises(ValueError, match="'max_loo_samples' must be None or an integer >= 2"):
        NadarayaWatsonRegressor(max_loo_samples=1).fit(X, Y)


def test_unconvertible_or_extreme_input_is_refused():
    X, Y = make_data(n=20)
    with pytest.raises(TypeError, match="X must be a numeric array, got a str"):
        NadarayaWatsonRegressor().fit("abc", Y)
    with pytest.raises(ValueError, match="y must be a numeric array, got dtype <U"):
        NadarayaWatsonRegressor().fit(X, np.full(len(X), "left"))
    with pytest.raises(ValueError, match=r"X holds values up to 1e\+200 .* rescale the data"):
        NadarayaWatsonRegressor().fit(np.full(X.shape, 1e200), Y)
    reg = NadarayaWatsonRegressor(bandwidth=0.5).fit(X, Y)
    with pytest.raises(ValueError, match=r"X holds values up to 1e\+200"):
        reg.predict(np.full((2, 2), 1e200))
