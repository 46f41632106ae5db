import importlib.util
from pathlib import Path

import numpy as np
import pytest
from sklearn.discriminant_analysis import LinearDiscriminantAnalysis
from sklearn.model_selection import StratifiedKFold, cross_val_score
from sklearn.pipeline import FeatureUnion, make_pipeline
from sklearn.preprocessing import StandardScaler

from neuropipe.evaluation.leakage import optimistic_vs_leakfree
from neuropipe.features.connectivity import Connectivity, NodeStrength
from neuropipe.features.spectral import PSD
from neuropipe.selection import R2Selector, r2_scores

PIPELINES = Path(__file__).resolve().parents[2] / "pipelines"


def _noise(n=40, p=2000, seed=0):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n, p)), np.repeat([0, 1], n // 2)


def test_selection_on_all_trials_inflates_noise_to_good_scores():
    X, y = _noise()
    res = optimistic_vs_leakfree(
        make_pipeline(R2Selector(k=5), LinearDiscriminantAnalysis()), X, y, cv=5
    )
    assert res["optimistic"] > 0.85
    assert 0.3 < res["leak_free"] < 0.7
    assert res["gap"] == pytest.approx(res["optimistic"] - res["leak_free"])
    assert res["optimistic_scores"].shape == res["leak_free_scores"].shape == (5,)


def test_scores_match_a_hand_written_protocol():
    X, y = _noise(p=300, seed=1)
    cv = StratifiedKFold(4, shuffle=True, random_state=3)
    pipe = make_pipeline(StandardScaler(), R2Selector(k=4), LinearDiscriminantAnalysis())
    res = optimistic_vs_leakfree(pipe, X, y, cv=cv, scoring="accuracy")
    splits = list(cv.split(X, y))
    np.testing.assert_allclose(
        res["leak_free_scores"], cross_val_score(pipe, X, y, cv=splits, scoring="accuracy")
    )
    # optimistic: scale and rank on all trials once, then refit scaler + LDA per fold
    keep = np.argsort(-r2_scores(StandardScaler().fit_transform(X), y), kind="stable")[:4]
    manual = cross_val_score(
        make_pipeline(StandardScaler(), LinearDiscriminantAnalysis()),
        X[:, keep],
        y,
        cv=splits,
        scoring="accuracy",
    )
    np.testing.assert_allclose(res["optimistic_scores"], manual)


def test_selectors_inside_feature_union_are_frozen_too():
    rng = np.random.default_rng(2)
    X, y = rng.standard_normal((30, 4, 240)), np.repeat(["a", "b"], 15)
    pipe = make_pipeline(
        FeatureUnion(
            [
                ("psd", make_pipeline(PSD(160.0, fmin=8, fmax=30), R2Selector(2, "autofeat"))),
                (
                    "ns",
                    make_pipeline(
                        Connectivity(160.0, fmin=8, fmax=30),
                        NodeStrength(),
                        R2Selector(2, "autofeat"),
                    ),
                ),
            ]
        ),
        LinearDiscriminantAnalysis(solver="lsqr", shrinkage="auto"),
    )
    res = optimistic_vs_leakfree(pipe, X, y, cv=3)
    assert res["optimistic"] > res["leak_free"]


def test_pipeline_without_selector_is_refused():
    X, y = _noise(p=10)
    with pytest.raises(ValueError, match="no feature-selection step"):
        optimistic_vs_leakfree(make_pipeline(StandardScaler(), LinearDiscriminantAnalysis()), X, y)


def _load_pipeline(filename):
    spec = importlib.util.spec_from_file_location(filename, PIPELINES / filename)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.PIPELINE


@pytest.mark.slow
@pytest.mark.parametrize("filename", ["psd_lda.py", "ns_lda.py", "psd_ns_slda.py"])
def test_bundled_pipelines_show_the_gap_on_real_eeg(filename):
    from sklearn.preprocessing import LabelEncoder

    from neuropipe.datasets import load_dataset
    from neuropipe.preprocessing import with_recording_info

    config = _load_pipeline(filename)
    assert config["paradigms"] == ["LeftRightImagery"]
    ep = load_dataset(
        "eegmmidb-leftright", subjects=[1], tmin=0.5, tmax=2.5, l_freq=8.0, h_freq=30.0
    )
    y = LabelEncoder().fit_transform(ep.y)
    pipeline = with_recording_info(config["pipeline"], ep)  # the rate comes from the data
    res = optimistic_vs_leakfree(
        pipeline, ep.X, y, cv=StratifiedKFold(5, shuffle=True, random_state=42)
    )
    assert res["gap"] > 0.15
