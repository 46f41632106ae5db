"""Issue 14: DKF with spike history and any regressor; stronger Kalman filter; issue 16 numerics."""

import numpy as np
import pytest
from sklearn.decomposition import PCA
from sklearn.ensemble import HistGradientBoostingRegressor
from sklearn.gaussian_process import GaussianProcessRegressor
from sklearn.linear_model import LinearRegression, Ridge
from sklearn.multioutput import MultiOutputRegressor
from sklearn.neural_network import MLPRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from neuropipe.decoders import (
    DiscriminativeKalmanFilter,
    KalmanFilterRegressor,
    NadarayaWatsonRegressor,
    SubsampledRegressor,
    derivative_states,
    lag_features,
    r2,
)
from neuropipe.model_selection import INNER_SPLIT, time_ordered_search


def simulate(n=700, seed=0, m=8):
    """2-D AR states; features respond to the state with a lag of 0-2 bins, plus noise."""
    rng = np.random.default_rng(seed)
    A = np.array([[0.95, 0.05], [-0.05, 0.9]])
    z = np.zeros((n, 2))
    for t in range(1, n):
        z[t] = A @ z[t - 1] + 0.3 * rng.standard_normal(2)
    lagged = np.roll(z, 2, axis=0)
    X = np.tanh(np.c_[z, lagged] @ rng.standard_normal((4, m))) + 0.3 * rng.standard_normal((n, m))
    return X, z


def ridge_f():
    return make_pipeline(StandardScaler(), PCA(n_components=6), Ridge(alpha=1.0))


REGRESSORS = {
    "ridge after scaler and PCA": ridge_f,
    "MLP": lambda: make_pipeline(
        StandardScaler(),
        PCA(n_components=10),
        MLPRegressor(hidden_layer_sizes=(8,), solver="lbfgs", max_iter=50, random_state=0),
    ),
    "MLP tanh": lambda: MLPRegressor(
        hidden_layer_sizes=(6, 4), activation="tanh", solver="lbfgs", max_iter=30, random_state=0
    ),
    "gradient boosting": lambda: MultiOutputRegressor(
        HistGradientBoostingRegressor(max_iter=10, random_state=0)
    ),
    "GP on a subsample": lambda: SubsampledRegressor(
        GaussianProcessRegressor(), max_samples=100, random_state=0
    ),
    "NW after PCA": lambda: make_pipeline(
        PCA(n_components=3), NadarayaWatsonRegressor(bandwidth=1.0)
    ),
}


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")  # tiny MLPs
@pytest.mark.parametrize("name", list(REGRESSORS))
@pytest.mark.parametrize(
    "params",
    [
        {"bins_before": 3},
        {"bins_before": 2, "holdout_split": "last", "q_scale": "auto", "robust": True},
        {"bins_before": 1, "q_estimator": "kernel_f"},
    ],
)
def test_online_steps_equal_batch_predict_for_every_f(name, params):
    X, z = simulate()
    dkf = DiscriminativeKalmanFilter(REGRESSORS[name](), random_state=0, **params)
    dkf.fit(X[:600], z[:600])
    batch_means, batch_covs = dkf.predict(X[600:], return_cov=True)
    dkf.init_state()
    steps = [dkf.step(x, return_cov=True) for x in X[600:]]
    np.testing.assert_allclose([m for m, _ in steps], batch_means, rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose([c for _, c in steps], batch_covs, rtol=1e-8, atol=1e-12)
    # a second pass after init_state() starts again from an empty history
    dkf.init_state()
    np.testing.assert_allclose(dkf.step(X[600]), batch_means[0], rtol=1e-8, atol=1e-10)


def test_history_inside_the_filter_equals_lagged_features():
    """bins_before lags the whole sequence before any hold-out split (never a subset)."""
    X, z = simulate()
    inside = DiscriminativeKalmanFilter(Ridge(), bins_before=3, random_state=0).fit(X, z)
    outside = DiscriminativeKalmanFilter(Ridge(), random_state=0).fit(lag_features(X, 3), z)
    np.testing.assert_allclose(inside.Q_, outside.Q_)
    np.testing.assert_allclose(inside.predict(X), outside.predict(lag_features(X, 3)))
    np.testing.assert_allclose(
        inside.predict_unfiltered(X), outside.regressor_.predict(lag_features(X, 3))
    )


def test_last_block_holdout_and_auto_q_scale():
    X, z = simulate()
    dkf = DiscriminativeKalmanFilter(
        Ridge(), holdout=0.3, holdout_split="last", q_scale="auto", robust=True
    ).fit(X, z)
    resid = z[490:] - Ridge().fit(X[:490], z[:490]).predict(X[490:])
    np.testing.assert_allclose(dkf.Q_, resid.T @ resid / 210)
    assert dkf.q_scale_ in (0.1, 0.25, 0.5, 1.0, 2.0)
    fixed = DiscriminativeKalmanFilter(
        Ridge(), holdout_split="last", q_scale=dkf.q_scale_, robust=True
    ).fit(X, z)
    np.testing.assert_allclose(fixed.predict(X), dkf.predict(X))


def test_steady_state_equals_full_recursion():
    X, z = simulate(n=900)
    full = KalmanFilterRegressor().fit(X[:600], z[:600])
    steady = KalmanFilterRegressor(steady_state=True).fit(X[:600], z[:600])
    np.testing.assert_allclose(steady.predict(X[600:]), full.predict(X[600:]), atol=1e-9)
    dkf = DiscriminativeKalmanFilter(Ridge(), random_state=0).fit(X[:600], z[:600])
    dkf_steady = DiscriminativeKalmanFilter(Ridge(), steady_state=True, random_state=0)
    dkf_steady.fit(X[:600], z[:600])
    np.testing.assert_allclose(dkf_steady.predict(X[600:]), dkf.predict(X[600:]), atol=1e-9)


def test_kalman_acceleration_state():
    """A smooth (second-order) trajectory: velocity plus acceleration decodes better."""
    rng = np.random.default_rng(1)
    n = 3000
    acc = np.zeros((n, 2))
    for t in range(1, n):
        acc[t] = 0.9 * acc[t - 1] + 0.1 * rng.standard_normal(2)
    v = np.cumsum(acc, axis=0) * 0.2
    v -= np.linspace(v[0], v[-1], n)  # no drift
    X = v @ rng.standard_normal((2, 12)) + 3.0 * rng.standard_normal((n, 12))
    plain = KalmanFilterRegressor().fit(X[:2500], v[:2500])
    augmented = KalmanFilterRegressor(n_derivatives=1).fit(X[:2500], v[:2500])
    assert augmented.A_.shape == (4, 4) and augmented.predict(X[2500:]).shape == (500, 2)
    assert augmented.score(X[2500:], v[2500:]) > plain.score(X[2500:], v[2500:]) + 0.02
    np.testing.assert_allclose(derivative_states(v, 1)[:, 2:], np.gradient(v, axis=0))


@pytest.mark.parametrize("x_scale", [1e-155, 1e-170, 1e-300**0.5, 1e90])
@pytest.mark.parametrize("y_scale", [1.0, 1e-170, 1e80])
def test_filters_are_scale_robust(x_scale, y_scale):
    """Issue 16: features near 1e-155 gave all-NaN, states near 1e-170 'singular S', and the
    DKF-NW returned the training mean for features near 1e-170."""
    X, z = simulate(n=500)
    for est in (
        KalmanFilterRegressor(),
        DiscriminativeKalmanFilter(random_state=0),
        DiscriminativeKalmanFilter(LinearRegression(), bins_before=1, random_state=0),
    ):
        ref = est.fit(X[:400], z[:400]).predict(X[400:])
        scaled = est.fit(X[:400] * x_scale, z[:400] * y_scale).predict(X[400:] * x_scale)
        assert np.all(np.isfinite(scaled))
        np.testing.assert_allclose(scaled / y_scale, ref, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("est", [KalmanFilterRegressor(), DiscriminativeKalmanFilter(Ridge())])
def test_string_states_are_refused_clearly(est):
    X, _ = simulate(n=50)
    for y in (np.array(["left", "right"] * 25), np.array([["1", "a"]] * 50, dtype=object)):
        with pytest.raises(ValueError, match="y must be a numeric array, got dtype"):
            est.fit(X, y)


def test_option_errors():
    X, z = simulate(n=200)
    with pytest.raises(ValueError, match="holdout_split='last'"):
        DiscriminativeKalmanFilter(Ridge(), q_scale="auto").fit(X, z)
    with pytest.raises(ValueError, match="'q_scale' must be a positive finite number"):
        DiscriminativeKalmanFilter(Ridge(), q_scale=-1.0).fit(X, z)
    with pytest.raises(ValueError, match="Invalid value for the 'q_scale' parameter"):
        DiscriminativeKalmanFilter(Ridge(), q_scale="best").fit(X, z)
    with pytest.raises(ValueError, match="'holdout_split' parameter"):
        DiscriminativeKalmanFilter(Ridge(), holdout_split="first").fit(X, z)
    dkf = DiscriminativeKalmanFilter(Ridge(), bins_after=2).fit(X, z)
    with pytest.raises(ValueError, match="step\\(\\) is causal, but .* bins_after=2"):
        dkf.init_state()
    with pytest.raises(ValueError, match="n_derivatives"):
        KalmanFilterRegressor(n_derivatives=-1).fit(X, z)


def test_time_ordered_search_validates_on_the_last_block():
    fit_rows, valid_rows = next(INNER_SPLIT.split(np.zeros((100, 1))))
    assert fit_rows.tolist() == list(range(80)) and valid_rows.tolist() == list(range(80, 100))
    X, z = simulate()
    search = time_ordered_search(
        DiscriminativeKalmanFilter(Ridge(), random_state=0), {"bins_before": [0, 2]}
    ).fit(X[:600], z[:600])
    manual = [
        r2(
            z[480:600],
            DiscriminativeKalmanFilter(Ridge(), bins_before=b, random_state=0)
            .fit(X[:480], z[:480])
            .predict(X[480:600]),
        )
        for b in (0, 2)
    ]
    np.testing.assert_allclose(search.cv_results_["mean_test_score"], manual)
    assert search.best_params_["bins_before"] == (0, 2)[int(np.argmax(manual))]
