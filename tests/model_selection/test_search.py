"""EmbeddingSearchCV: successive halving over order x lag x classifier settings, cached.

Its scores equal scikit-learn's GridSearchCV over the same pipeline (ties included), each
covariance stack is computed once, and it nests in cross-validation.
"""

import numpy as np
import pytest
from pyriemann.classification import MDM
from pyriemann.tangentspace import TangentSpace
from sklearn.metrics import get_scorer
from sklearn.model_selection import GridSearchCV, StratifiedKFold, cross_val_score
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.svm import SVC

from neuropipe.features.augmented import AugmentedCovariances, augmented_covariances
from neuropipe.model_selection import EmbeddingSearchCV
from neuropipe.model_selection import _search as model_selection


def _lagged_pairs(n_per_class=20, delay=6, n_times=300, seed=0):
    """Class 1: channel 1 repeats channel 0 ``delay`` samples later; class 0: independent."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((2 * n_per_class, 2, n_times))
    lagged = np.roll(X[n_per_class:, 0], delay, axis=-1) + 0.5 * X[n_per_class:, 1]
    X[n_per_class:, 1] = lagged / np.sqrt(1.25)  # same variance as class 0
    return X, np.repeat([0, 1], n_per_class)


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

    monkeypatch.setattr(model_selection, "augmented_covariances", counting)
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
    assert model_selection._default_score(model, F_test, y_test) == pytest.approx(
        get_scorer("roc_auc")(model, F_test, y_test), abs=1e-15
    )
    y3 = np.repeat([0, 1, 2], 10)
    model3 = SVC().fit(rng.standard_normal((30, 5)) + y3[:, None], y3)
    F3 = rng.standard_normal((12, 5)) + np.repeat([0, 1, 2], 4)[:, None]
    y3_test = np.repeat([0, 1, 2], 4)
    assert model_selection._default_score(model3, F3, y3_test) == get_scorer("accuracy")(
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
    gram = model_selection._Gram(F, F_test)
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


def test_estimator_names_the_covariance_estimator_and_classifier_the_model():
    """One meaning for ``estimator`` (pyRiemann's): the covariance estimator."""
    X, y = _lagged_pairs(n_per_class=12)
    search = EmbeddingSearchCV(MDM(), orders=[1, 2], lags=[6], estimator="oas", random_state=0)
    best = search.fit(X, y).best_estimator_
    assert best["augmentedcovariances"].estimator == "oas"
    assert isinstance(best["classifier"], MDM)
    order, lag = search.best_params_["order"], search.best_params_["lag"]
    np.testing.assert_allclose(
        best["augmentedcovariances"].transform(X), augmented_covariances(X, order, lag, "oas")
    )
    with pytest.raises(TypeError, match="cov_estimator"):
        EmbeddingSearchCV(MDM(), cov_estimator="oas")
