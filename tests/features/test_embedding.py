"""Order/lag selection: AMI, Cao's method, AutoAugmentedCovariances, EmbeddingSearchCV."""

import numpy as np
import pytest
from pyriemann.classification import MDM
from pyriemann.tangentspace import TangentSpace
from scipy.signal import lfilter
from sklearn.metrics import get_scorer, mutual_info_score
from sklearn.model_selection import GridSearchCV, StratifiedKFold, cross_val_score
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.svm import SVC

from neuropipe.features import embedding
from neuropipe.features.augmented import AugmentedCovariances, augmented_covariances
from neuropipe.features.embedding import (
    AutoAugmentedCovariances,
    EmbeddingSearchCV,
    auto_mutual_information,
    cao_e1,
    cao_order,
    first_minimum_lag,
)


def _oscillators(n_epochs, n_channels, n_times, period, seed=0):
    """Narrow-band noise (AR(2) resonance at ``period`` samples), like a filtered EEG rhythm."""
    noise = np.random.default_rng(seed).standard_normal((n_epochs, n_channels, n_times))
    radius, angle = 0.97, 2 * np.pi / period
    return lfilter([1], [1, -2 * radius * np.cos(angle), radius**2], noise, axis=-1)


def _henon(n):
    x, y, out = 0.1, 0.0, []
    for _ in range(n + 100):
        x, y = 1 - 1.4 * x * x + y, 0.3 * x
        out.append(x)
    return np.array(out[100:])


def _lorenz_x(n, dt=0.01, every=5):
    state, out = np.array([1.0, 1.0, 1.0]), []
    for step in range((n + 200) * every):
        x, y, z = state
        state = state + dt * np.array([10 * (y - x), x * (28 - z) - y, x * y - 8 / 3 * z])
        if step % every == 0:
            out.append(state[0])
    return np.array(out[200:])


def _lagged_pairs(n_per_class=20, delay=6, n_times=300, seed=0):
    """Class 1: channel 1 repeats channel 0 ``delay`` samples later; class 0: independent."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((2 * n_per_class, 2, n_times))
    lagged = np.roll(X[n_per_class:, 0], delay, axis=-1) + 0.5 * X[n_per_class:, 1]
    X[n_per_class:, 1] = lagged / np.sqrt(1.25)  # same variance as class 0
    return X, np.repeat([0, 1], n_per_class)


def test_ami_matches_sklearn_mutual_info_on_the_same_bins():
    X = _oscillators(3, 2, 400, period=30)
    n_bins = 8
    ami = auto_mutual_information(X, 12, n_bins=n_bins)
    series = X.reshape(-1, 400)
    low, high = series.min(1, keepdims=True), series.max(1, keepdims=True)
    codes = np.minimum(((series - low) / (high - low) * n_bins).astype(int), n_bins - 1)
    for lag in (0, 1, 5, 12):
        expected = np.mean([mutual_info_score(c[: 400 - lag], c[lag:]) for c in codes])
        assert ami[lag] == pytest.approx(expected, rel=1e-12)


def test_ami_of_white_noise_vanishes_beyond_lag_zero():
    X = np.random.default_rng(1).standard_normal((4, 3, 3000))
    ami = auto_mutual_information(X, 5, n_bins=8)
    assert ami[0] > 1.5  # the entropy of 8 bins of a Gaussian, about 1.7 nats
    assert np.all(ami[1:] < 0.02)


@pytest.mark.parametrize(("period", "quarter"), [(40, 10), (20, 5), (24, 6)])
def test_first_minimum_of_ami_is_a_quarter_period(period, quarter):
    ami = auto_mutual_information(_oscillators(20, 1, 600, period), 2 * quarter)
    assert abs(first_minimum_lag(ami) - quarter) <= 1


def test_first_minimum_lag_of_a_decreasing_curve_is_its_last_lag():
    assert first_minimum_lag(np.array([3.0, 2.0, 1.0, 0.5])) == 3
    assert first_minimum_lag(np.array([3.0, 1.0, 1.0, 0.5])) == 1


def _cao_e1_brute_force(x, lag, max_order, theiler):
    """Cao's E1 written out with explicit loops (reference implementation)."""
    n_points = x.size - (max_order + 1) * lag

    def vec(i, d):
        return np.array([x[i + k * lag] for k in range(d)])

    e = []
    for d in range(1, max_order + 2):
        ratios = []
        for i in range(n_points):
            best, best_j = np.inf, None
            for j in range(n_points):
                dist = np.max(np.abs(vec(i, d) - vec(j, d)))
                if abs(i - j) > theiler and 0 < dist < best:
                    best, best_j = dist, j
            ratios.append(np.max(np.abs(vec(i, d + 1) - vec(best_j, d + 1))) / best)
        e.append(np.mean(ratios))
    return np.array(e[1:]) / np.array(e[:-1])


def test_cao_e1_matches_brute_force_reference():
    x = _oscillators(1, 1, 90, period=15, seed=3)
    got = cao_e1(x, lag=2, max_order=3, theiler=2)
    np.testing.assert_allclose(got, _cao_e1_brute_force(x[0, 0], 2, 3, 2), rtol=1e-12)


@pytest.mark.parametrize(
    ("series", "lag", "dimension"), [(_henon(1000), 1, 2), (_lorenz_x(1500), 3, 3)]
)
def test_cao_recovers_known_embedding_dimensions(series, lag, dimension):
    assert cao_order(cao_e1(series[None, None], lag=lag, max_order=6)) == dimension


def test_cao_order_without_saturation_is_max_order():
    assert cao_order(np.array([0.2, 0.5, 0.7])) == 3


def test_cao_rejects_spans_longer_than_the_epoch():
    with pytest.raises(ValueError, match="too few for a nearest-neighbour search"):
        cao_e1(np.zeros((1, 1, 50)), lag=10, max_order=5)


def test_auto_augmented_covariances_picks_quarter_period_lag():
    X = _oscillators(10, 3, 400, period=24)
    auto = AutoAugmentedCovariances(max_order=6, max_lag=20, random_state=0).fit(X)
    assert abs(auto.lag_ - 6) <= 1
    assert auto.order_ == cao_order(auto.e1_)
    np.testing.assert_allclose(
        auto.transform(X), augmented_covariances(X, auto.order_, auto.lag_), rtol=1e-12
    )


def test_auto_augmented_covariances_respects_max_dim():
    X = _oscillators(6, 3, 400, period=24)
    assert AutoAugmentedCovariances(max_dim=3, random_state=0).fit(X).order_ == 1


@pytest.mark.slow
def test_auto_lag_on_eegmmidb_mu_band_is_a_quarter_of_a_mu_cycle():
    from neuropipe.datasets import load_dataset

    X = load_dataset("eegmmidb-leftright", subjects=[1], picks=["C3", "Cz", "C4"]).X
    lag = AutoAugmentedCovariances(random_state=0).fit(X).lag_
    # 8-30 Hz at 160 Hz: a quarter cycle of the 10-13 Hz mu rhythm is 3-4 samples
    assert 3 <= lag <= 4


def _ts_svc():
    return make_pipeline(TangentSpace(metric="riemann"), SVC(kernel="linear"))


def test_search_scores_equal_exhaustive_grid_search():
    X, y = _lagged_pairs()
    orders, lags, grid = [1, 2, 3], [1, 3, 6], {"svc__C": [0.01, 1.0]}
    search = EmbeddingSearchCV(
        _ts_svc(), grid, orders=orders, lags=lags, random_state=0, factor=3
    ).fit(X, y)
    reference = GridSearchCV(
        Pipeline([("aug", AugmentedCovariances()), ("clf", _ts_svc())]),
        {"aug__order": orders, "aug__lag": lags, "clf__svc__C": grid["svc__C"]},
        cv=StratifiedKFold(3, shuffle=True, random_state=0),
        scoring="roc_auc",
    ).fit(X, y)
    ref = {
        (p["aug__order"], p["aug__lag"], p["clf__svc__C"]): (mean, split0)
        for p, mean, split0 in zip(
            reference.cv_results_["params"],
            reference.cv_results_["mean_test_score"],
            reference.cv_results_["split0_test_score"],
        )
    }
    res = search.cv_results_
    for order, lag, params, score, n_splits in zip(
        res["order"], res["lag"], res["params"], res["mean_test_score"], res["n_splits"]
    ):
        mean, split0 = ref[(order, lag, params["svc__C"])]
        assert score == pytest.approx(mean if n_splits == 3 else split0, abs=1e-12)
    finalists = res["n_splits"] == 3
    assert search.best_score_ == pytest.approx(res["mean_test_score"][finalists].max())
    assert search.best_score_ <= reference.best_score_ + 1e-12


def test_search_finds_the_informative_delay():
    X, y = _lagged_pairs(delay=6)
    search = EmbeddingSearchCV(MDM(), orders=[1, 2, 3], lags=[2, 4, 5, 6], random_state=0)
    search.fit(X, y)
    order, lag = search.best_params_["order"], search.best_params_["lag"]
    assert any(k * lag == 6 for k in range(1, order))
    assert search.best_score_ > 0.9
    order_one = search.cv_results_["order"] == 1
    assert search.cv_results_["mean_test_score"][order_one].max() < 0.8


def test_halving_schedule_counts_candidates():
    X, y = _lagged_pairs(n_per_class=12)
    common = dict(orders=[1, 2, 3], lags=[1, 2, 3], random_state=0)
    search = EmbeddingSearchCV(MDM(), **common).fit(X, y)
    assert search.n_candidates_ == [7, 3]  # order 1 uses no lag: 1 + 3 + 3 pairs
    search = EmbeddingSearchCV(MDM(), factor=2, **common).fit(X, y)
    assert search.n_candidates_ == [7, 4, 2]
    assert sorted(set(search.cv_results_["n_splits"])) == [1, 2, 3]


def test_each_embedding_is_computed_once(monkeypatch):
    X, y = _lagged_pairs(n_per_class=12)
    computed = []

    def counting(X, order, lag, *args):
        computed.append((order, lag))
        return augmented_covariances(X, order, lag, *args)

    monkeypatch.setattr(embedding, "augmented_covariances", counting)
    search = EmbeddingSearchCV(MDM(), orders=[1, 2, 3], lags=[1, 2, 3], random_state=0)
    search.fit(X, y)
    assert len(computed) == len(set(computed)) == 7  # 3 survivors reuse their stacks
    assert search.n_candidates_ == [7, 3]


def test_refitted_model_is_the_best_pipeline():
    X, y = _lagged_pairs(n_per_class=12)
    search = EmbeddingSearchCV(_ts_svc(), {"svc__C": [0.1, 1]}, orders=[1, 2], lags=[3, 6])
    search.fit(X, y)
    best = search.best_params_
    expected = make_pipeline(
        AugmentedCovariances(best["order"], best["lag"]),
        _ts_svc().set_params(svc__C=best["svc__C"]),
    ).fit(X, y)
    np.testing.assert_allclose(search.decision_function(X), expected.decision_function(X))
    np.testing.assert_array_equal(search.predict(X), expected.predict(X))
    assert not hasattr(search, "predict_proba")


def test_default_scoring_is_accuracy_for_multiclass():
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((30, 2, 120)), np.repeat([0, 1, 2], 10)
    X[y == 2] *= 3.0
    search = EmbeddingSearchCV(MDM(), orders=[1, 2], lags=[1], random_state=0).fit(X, y)
    reference = GridSearchCV(
        make_pipeline(AugmentedCovariances(), MDM()),
        {"augmentedcovariances__order": [1, 2]},
        cv=StratifiedKFold(3, shuffle=True, random_state=0),
        scoring="accuracy",
    ).fit(X, y)
    assert search.best_score_ == pytest.approx(reference.best_score_)


def test_candidates_that_do_not_fit_are_left_out():
    X, y = _lagged_pairs(n_per_class=12, n_times=100)
    search = EmbeddingSearchCV(MDM(), orders=[1, 2, 3], lags=[1, 30], max_dim=4).fit(X, y)
    pairs = set(zip(search.cv_results_["order"], search.cv_results_["lag"]))
    assert pairs == {(1, 1), (2, 1), (2, 30)}
    with pytest.raises(ValueError, match=r"No \(order, lag\) pair.*shrinkage estimator"):
        EmbeddingSearchCV(MDM(), orders=[40], lags=[5]).fit(X, y)


def test_search_needs_labels_and_valid_settings():
    X, y = _lagged_pairs(n_per_class=6)
    with pytest.raises(ValueError, match="requires y to be passed"):
        EmbeddingSearchCV(MDM()).fit(X, None)
    with pytest.raises(ValueError, match="'factor' must be an integer >= 2"):
        EmbeddingSearchCV(MDM(), factor=1).fit(X, y)


def test_search_nests_in_cross_validation():
    X, y = _lagged_pairs(n_per_class=15)
    model = make_pipeline(EmbeddingSearchCV(MDM(), orders=[1, 2], lags=[6], random_state=0))
    scores = cross_val_score(model, X, y, cv=StratifiedKFold(3, shuffle=True, random_state=0))
    assert scores.mean() > 0.9


def test_default_score_equals_sklearn_roc_auc_and_accuracy():
    rng = np.random.default_rng(3)
    F, y = rng.standard_normal((40, 5)), np.repeat([3, 7], 20)
    F[y == 7] += 0.5
    model = SVC(kernel="linear").fit(F, y)
    F_test = np.round(rng.standard_normal((17, 5)), 1)  # ties in the decision values
    y_test = np.r_[np.full(9, 3), np.full(8, 7)]
    assert embedding._default_score(model, F_test, y_test) == pytest.approx(
        get_scorer("roc_auc")(model, F_test, y_test), abs=1e-15
    )
    y3 = np.repeat([0, 1, 2], 10)
    model3 = SVC().fit(rng.standard_normal((30, 5)) + y3[:, None], y3)
    F3 = rng.standard_normal((12, 5)) + np.repeat([0, 1, 2], 4)[:, None]
    y3_test = np.repeat([0, 1, 2], 4)
    assert embedding._default_score(model3, F3, y3_test) == get_scorer("accuracy")(
        model3, F3, y3_test
    )


def test_exhaustive_search_picks_what_grid_search_picks_ties_included():
    # well separated classes: many (order, lag, C) reach ROC-AUC 1 on every split
    X, y = _lagged_pairs(delay=2)
    orders, lags, grid = [1, 2, 3], [1, 2, 3], {"svc__C": [0.5, 1.0]}
    search = EmbeddingSearchCV(
        _ts_svc(), grid, orders=orders, lags=lags, factor=None, random_state=0
    ).fit(X, y)
    reference = GridSearchCV(
        Pipeline([("aug", AugmentedCovariances()), ("clf", _ts_svc())]),
        {"aug__lag": lags, "aug__order": orders, "clf__svc__C": grid["svc__C"]},
        cv=StratifiedKFold(3, shuffle=True, random_state=0),
        scoring="roc_auc",
    ).fit(X, y)
    n_ties = np.sum(reference.cv_results_["rank_test_score"] == 1)
    assert n_ties > 1
    best = reference.best_params_
    assert search.best_params_ == {
        "order": best["aug__order"],
        "lag": best["aug__lag"] if best["aug__order"] > 1 else lags[0],
        "svc__C": best["clf__svc__C"],
    }
    assert search.best_score_ == pytest.approx(reference.best_score_, abs=1e-12)
    assert set(search.cv_results_["n_splits"]) == {3}


class _PlainSVC(SVC):
    """An SVC the search does not recognise: scored through its own kernel."""


@pytest.mark.parametrize("gamma", ["scale", "auto", 0.01])
def test_precomputed_kernels_give_the_scores_of_svc(gamma):
    X, y = _lagged_pairs(n_per_class=12)
    grid = {"svc__C": [0.1, 1.0], "svc__kernel": ["linear", "rbf"], "svc__gamma": [gamma]}
    common = dict(orders=[1, 2, 3], lags=[1, 3], factor=None, random_state=0)
    fast = EmbeddingSearchCV(_ts_svc(), grid, **common).fit(X, y)
    plain = make_pipeline(TangentSpace(metric="riemann"), _PlainSVC())
    reference = EmbeddingSearchCV(
        plain, {k.replace("svc", "_plainsvc"): v for k, v in grid.items()}, **common
    ).fit(X, y)
    np.testing.assert_allclose(
        fast.cv_results_["mean_test_score"], reference.cv_results_["mean_test_score"], atol=1e-12
    )
    assert fast.best_params_["order"] == reference.best_params_["order"]
    assert fast.best_params_["lag"] == reference.best_params_["lag"]
    np.testing.assert_array_equal(fast.predict(X), reference.predict(X))


@pytest.mark.parametrize("labels", [["left", "right"], ["a", "b", "c", "d"]])
def test_gram_kernels_in_public_precomputed_svc_equal_svc_on_features(labels):
    rng = np.random.default_rng(4)
    y = np.repeat(labels, 9)
    F = rng.standard_normal((y.size, 6)) + 0.7 * np.searchsorted(labels, y)[:, None]
    F_test = rng.standard_normal((11, 6))
    gram = embedding._Gram(F, F_test)
    for kernel, C in [(("linear", "scale"), 0.5), (("rbf", "scale"), 1.5), (("rbf", 0.3), 1.0)]:
        K_train, K_test = gram.kernels(*kernel)
        # a tight solver tolerance: libsvm stops both fits at the same optimum
        twin = SVC(kernel="precomputed", C=C, tol=1e-12).fit(K_train, y)
        svc = SVC(kernel=kernel[0], gamma=kernel[1], C=C, tol=1e-12).fit(F, y)
        np.testing.assert_array_equal(twin.predict(K_test), svc.predict(F_test))
        np.testing.assert_allclose(
            twin.decision_function(K_test), svc.decision_function(F_test), atol=1e-8
        )
    settings, groups = EmbeddingSearchCV(_ts_svc(), {"svc__C": [0.5, 1]})._settings()
    models = [model for _, members in groups for _, model, _ in members]
    assert len(settings) == 2
    assert all(type(m) is SVC and m.kernel == "precomputed" for m in models)


def test_default_scoring_of_svc_search_equals_sklearn_scorers():
    X, y = _lagged_pairs(n_per_class=12)
    grid = {"svc__C": [0.5, 1.0], "svc__kernel": ["linear", "rbf"]}
    common = dict(orders=[1, 2, 3], lags=[1, 3], factor=None, random_state=0)
    for labels, scoring in [
        (y, "roc_auc"),
        (np.array(["x", "y", "z"])[np.arange(24) % 3], "accuracy"),
    ]:
        direct = EmbeddingSearchCV(_ts_svc(), grid, **common).fit(X, labels)
        checked = EmbeddingSearchCV(_ts_svc(), grid, scoring=scoring, **common).fit(X, labels)
        np.testing.assert_allclose(
            direct.cv_results_["mean_test_score"],
            checked.cv_results_["mean_test_score"],
            atol=1e-12,
        )
        assert direct.best_params_ == checked.best_params_
