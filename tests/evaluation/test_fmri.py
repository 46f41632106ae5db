"""Tests for neuropipe.evaluation.fmri: protocols, chance level, results table, pipelines."""

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.utils import Bunch
from threadpoolctl import threadpool_limits

from neuropipe.benchmark.pipeline_files import as_pipeline_dict, load_pipelines
from neuropipe.datasets.abide import load_abide
from neuropipe.datasets.paths import installed_pipelines_dir
from neuropipe.evaluation.chance import chance_level
from neuropipe.evaluation.fmri import evaluate_fmri_protocol, fmri_splits, summarize_fmri
from neuropipe.evaluation.protocols import RESULTS_SCHEMA
from neuropipe.features.graph import ConnectivityGraph, EdgeVector

FMRI_PIPELINES = installed_pipelines_dir() / "fmri"


def _synthetic(n_per_site=(20, 12, 10), n_rois=6, seed=0):
    """Subjects whose ROI 0-1 coupling depends on the label, at three sites."""
    rng = np.random.default_rng(seed)
    X, y, site = [], [], []
    for s, n in enumerate(n_per_site):
        for i in range(n):
            label = i % 2
            ts = rng.standard_normal((40, n_rois))
            ts[:, 1] += (1.5 if label else -1.5) * ts[:, 0]
            X.append(ts)
            y.append(label)
            site.append(f"site{s}")
    return Bunch(X=X, y=np.array(y), site=np.array(site), name="synthetic")


def test_stratified_folds_partition_and_balance_sites():
    data = _synthetic()
    splits = fmri_splits("stratified-5fold", data.y, data.site)
    assert [name for name, _, _ in splits] == [f"fold{i}" for i in range(5)]
    tests = np.concatenate([te for _, _, te in splits])
    np.testing.assert_array_equal(np.sort(tests), np.arange(len(data.y)))
    for _, train, test in splits:
        assert np.intersect1d(train, test).size == 0
        for s in np.unique(data.site):  # 10 ASD/TC per site 0 -> exactly 2 per fold
            for label in (0, 1):
                n = np.sum((data.site[test] == s) & (data.y[test] == label))
                total = np.sum((data.site == s) & (data.y == label))
                assert abs(n - total / 5) < 1


def test_leave_site_out_holds_out_each_site():
    data = _synthetic()
    splits = fmri_splits("leave-site-out", data.y, data.site)
    assert [name for name, _, _ in splits] == ["site0", "site1", "site2"]
    for name, train, test in splits:
        assert set(data.site[test]) == {name} and name not in set(data.site[train])


def _majority(y_train, y_test):
    return chance_level(y_test, "accuracy", y_train=y_train)[0]


def test_chance_level_is_training_majority_on_test():
    assert _majority([1, 1, 0], [0, 0, 0, 1]) == 0.25
    assert _majority([0, 1], [0, 0, 1]) == pytest.approx(2 / 3)  # tie -> smallest label
    # the p < 0.05 threshold of that guess: binomial quantile over the test fold
    chance, threshold = chance_level([0] * 30 + [1] * 10, "accuracy", y_train=[0, 0, 1])
    assert chance == 0.75 and 0.75 < threshold < 0.9


@pytest.mark.parametrize(
    "protocol, match",
    [
        ("kfold", "Allowed values are 'stratified-<k>fold'"),
        ("stratified-50fold", "fewer than the 50 folds"),
        ("stratified-1fold", "k must be >= 2"),
    ],
)
def test_bad_protocols(protocol, match):
    data = _synthetic()
    with pytest.raises(ValueError, match=match):
        fmri_splits(protocol, data.y, data.site)


def test_leave_site_out_needs_two_sites():
    with pytest.raises(ValueError, match="at least 2 sites"):
        fmri_splits("leave-site-out", np.array([0, 1, 0, 1]), np.array(["A"] * 4))


def test_evaluate_fmri_protocol_matches_manual_cross_validation():
    data = _synthetic()
    pipe = make_pipeline(
        ConnectivityGraph(density=None, binarize=False, absolute=False),
        EdgeVector(),
        LogisticRegression(),
    )
    res = pd.concat(
        [
            evaluate_fmri_protocol({"conn": pipe}, data, p)
            for p in ("stratified-4fold", "leave-site-out")
        ]
    )
    assert list(res.columns) == RESULTS_SCHEMA
    assert len(res) == 4 + 3
    assert res["subject"].isna().all() and set(res["dataset"]) == {"synthetic"}
    for protocol in ("stratified-4fold", "leave-site-out"):
        splits = fmri_splits(protocol, data.y, data.site)
        rows = res[res["evaluation"] == protocol]
        expected = cross_val_score(pipe, data.X, data.y, cv=[(tr, te) for _, tr, te in splits])
        np.testing.assert_allclose(rows["score"], expected)
        chance = [_majority(data.y[tr], data.y[te]) for _, tr, te in splits]
        np.testing.assert_allclose(rows["chance"], chance)
        np.testing.assert_array_equal(rows["samples"], [len(te) for _, _, te in splits])
    assert res["score"].mean() > 0.9  # the coupling sign is easy to read from the edges


def test_evaluate_fmri_protocol_bad_input():
    data = _synthetic()
    data.y = data.y[:-1]
    with pytest.raises(ValueError, match="dataset.X has 42 subjects but dataset.y has 41"):
        evaluate_fmri_protocol({"a": LogisticRegression()}, data, "leave-site-out")


def test_summarize_pooled_and_mean():
    res = pd.DataFrame(
        {
            "pipeline": ["p"] * 3,
            "evaluation": ["leave-site-out"] * 3,
            "score": [1.0, 0.5, 0.0],
            "chance": [0.5, 0.5, 1.0],
            "samples": [2, 4, 2],
            "time": [1.0, 2.0, 3.0],
        }
    )
    row = summarize_fmri(res).iloc[0]
    assert row["score_mean"] == 0.5 and row["pooled"] == (2 + 2 + 0) / 8
    assert row["chance"] == (1 + 2 + 2) / 8 and row["time"] == 6.0 and row["folds"] == 3


def test_pipeline_files_run_on_dataset_X():
    configs = load_pipelines(FMRI_PIPELINES, paradigm="fmri")
    assert isinstance(configs, list) and {"name", "pipeline", "source"} <= set(configs[0])
    assert {c["name"] for c in configs} == {
        "connectome-logreg",
        "tangent-logreg",
        "dey-motifs-mask-pca-lda",
        "onnela-motifs-logreg",
        "combined-logreg",
    }  # the default job; the others are marked slow (at chance, or slow to run)
    pipelines = as_pipeline_dict(load_pipelines(FMRI_PIPELINES, include_slow=True, paradigm="fmri"))
    assert set(pipelines) >= {
        "connectome-logreg",
        "ledoitwolf-connectome-logreg",
        "partial-correlation-logreg",
        "tangent-logreg",
        "tangent-combat-logreg",
        "dey-motifs-pca-lda",
        "dey-motifs-mask-pca-lda",
        "onnela-motifs-logreg",
        "integrated-motifs-mask-logreg",
        "motifs-tangent-stack",
        "tangent-connectome-logreg",
        "tangent-combat-transductive-logreg",
        "phenotype-logreg",
        "combined-logreg",
        "connectome-kinds-stack",
    }
    data = load_abide(sites=["OHSU", "KKI"])
    rows = np.concatenate(  # 5 ASD + 5 TC at each site
        [
            np.flatnonzero((data.site == s) & (data.y == c))[:5]
            for s in ("KKI", "OHSU")
            for c in (0, 1)
        ]
    )
    X, y = data.X.iloc[rows].copy(), data.y[rows]
    X.iloc[3, X.columns.get_loc("func_mean_fd")] = np.nan  # a missing motion value is imputed
    with threadpool_limits(limits=1, user_api="blas"):  # small products: faster on one thread
        for name, pipe in pipelines.items():
            if "pca" in getattr(pipe, "named_steps", {}):  # 20 components: > 20 subjects
                pipe.set_params(pca__n_components=5)
            pred = pipe.fit(X, y).predict(X)
            assert pred.shape == (20,) and set(pred) <= {0, 1}, name


@pytest.mark.slow
def test_connectome_baseline_beats_chance_on_abide():
    """Real-data claim: the connectome baseline is well above chance on all 249 subjects."""
    pipelines = as_pipeline_dict(load_pipelines(FMRI_PIPELINES, paradigm="fmri"))
    res = evaluate_fmri_protocol(
        {"connectome-logreg": pipelines["connectome-logreg"]}, load_abide(), "stratified-5fold"
    )
    summary = summarize_fmri(res).iloc[0]
    assert summary["chance"] == pytest.approx(142 / 249, abs=0.01)
    assert summary["pooled"] > summary["chance"] + 0.07


def test_tangent_pipeline_learns_real_labels_and_is_at_chance_on_shuffled_ones():
    """The leak check of the protocol: labels permuted within each site score at chance."""
    from sklearn.preprocessing import StandardScaler

    from neuropipe.features.connectome import TangentConnectome

    data = _synthetic(n_per_site=(24, 24, 24))
    pipe = make_pipeline(
        TangentConnectome(metric="logeuclid"), StandardScaler(), LogisticRegression()
    )
    real = summarize_fmri(evaluate_fmri_protocol({"t": pipe}, data, "leave-site-out")).iloc[0]
    assert real["pooled"] > 0.9
    rng = np.random.default_rng(0)
    scores = []
    for _ in range(5):
        y = data.y.copy()
        for s in np.unique(data.site):
            idx = np.flatnonzero(data.site == s)
            y[idx] = rng.permutation(y[idx])
        shuffled = Bunch(X=data.X, y=y, site=data.site, name="shuffled")
        res = evaluate_fmri_protocol({"t": pipe}, shuffled, "leave-site-out")
        scores.append(summarize_fmri(res).iloc[0]["pooled"])
    assert abs(np.mean(scores) - 0.5) < 0.12
