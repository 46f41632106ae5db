"""Per-fold artifacts: what the report needs from a fitted model, small and self-describing."""

from pathlib import Path

import numpy as np
import pytest
from sklearn.discriminant_analysis import LinearDiscriminantAnalysis
from sklearn.feature_selection import f_classif
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.pipeline import make_pipeline, make_union

from neuropipe.benchmark.artifact_files import (
    load_artifacts,
    read_artifacts_meta,
    save_task_artifacts,
)
from neuropipe.evaluation.artifacts import fold_artifacts
from neuropipe.features.spectral import PSD
from neuropipe.selection import R2Selector, r2_scores

PIPELINES = Path(__file__).resolve().parents[2] / "pipelines"


def _epochs(n=40, seed=0):
    rng = np.random.default_rng(seed)
    t = np.arange(160) / 160.0
    X = rng.standard_normal((n, 3, t.size))
    y = np.repeat([0, 1], n // 2)
    X[y == 1, 2] += 2 * np.sin(2 * np.pi * 10 * t + rng.uniform(0, 6, (n // 2, 1)))
    return X, y


def test_selector_scores_signs_and_axes():
    X, y = _epochs()
    train, test = np.arange(0, 40, 2), np.arange(1, 40, 2)
    psd = PSD(sfreq=160.0, fmin=8.0, fmax=12.0)
    pipe = make_pipeline(psd, R2Selector(k=2), LinearDiscriminantAnalysis()).fit(X[train], y[train])
    art = fold_artifacts(
        pipe, X[test], y[test], pipe.predict(X[test]), family="eeg",
        classes=["left", "right"], ch_names=["C3", "Cz", "C4"],
    )  # fmt: skip
    Z_train = pipe[0].transform(X[train])
    assert np.allclose(art["selector0_scores"], r2_scores(Z_train, y[train]))
    assert art["selector0_scores"].shape == (3, 5)
    assert art["selector0_support"].sum() == 2 and art["selector0_support"][2].any()
    Z_test = pipe[0].transform(X[test])
    difference = Z_test[y[test] == 1].mean(axis=0) - Z_test[y[test] == 0].mean(axis=0)
    assert np.array_equal(art["selector0_direction"], np.sign(difference))
    assert art["selector0_channels"].tolist() == ["C3", "Cz", "C4"]  # 'ch0'... renamed
    assert art["selector0_freqs"].tolist() == [8.0, 9.0, 10.0, 11.0, 12.0]
    assert art["selector0_stage"].tolist() == ["psd"]
    assert str(art["selector0_kind"]) == "R2Selector"
    assert art["classes"].tolist() == ["left", "right"] and str(art["family"]) == "eeg"
    assert np.array_equal(art["y_true"], y[test])


def test_selectors_inside_unions_and_searches():
    X, y = _epochs()
    psd = PSD(sfreq=160.0, fmin=8.0, fmax=12.0, ch_names=["C3", "Cz", "C4"])
    union = make_pipeline(
        make_union(make_pipeline(psd, R2Selector(k=1)), make_pipeline(psd, R2Selector(k=3))),
        LogisticRegression(),
    )
    search = make_pipeline(
        psd, GridSearchCV(make_pipeline(R2Selector(), LogisticRegression()), {"r2selector__k": [1, 2]}, cv=3)
    )  # fmt: skip
    for estimator, n_selectors in [(union, 2), (search, 1)]:
        estimator.fit(X[:30], y[:30])
        art = fold_artifacts(estimator, X[30:], y[30:], estimator.predict(X[30:]), family="eeg")
        found = sorted({k.split("_")[0] for k in art if k.startswith("selector")})
        assert found == [f"selector{i}" for i in range(n_selectors)]
        assert art["selector0_channels"].tolist() == ["C3", "Cz", "C4"]
    assert art["selector0_support"].sum() == search[-1].best_params_["r2selector__k"]


def test_decoding_window_is_bounded():
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((500, 4)), rng.standard_normal((500, 2))
    model = Ridge().fit(X[:300], y[:300])
    art = fold_artifacts(
        model, X[300:], y[300:], model.predict(X[300:]), family="decoding",
        bin_size=0.05, state_names=["vx", "vy"], trajectory_bins=80,
    )  # fmt: skip
    assert art["y_true"].shape == art["y_pred"].shape == (80, 2)
    assert np.array_equal(art["y_true"], y[300:380])
    assert int(art["n_test"]) == 200 and float(art["bin_size"]) == 0.05
    assert art["state_names"].tolist() == ["vx", "vy"]


def test_bad_calls_are_refused_and_failures_do_not_stop_a_task():
    X, y = _epochs()
    pipe = make_pipeline(
        PSD(sfreq=160.0, fmin=8.0, fmax=12.0), R2Selector(k=2), LogisticRegression()
    )
    pipe.fit(X, y)
    # the family is the task's paradigm name, any registered one (stored for the report)
    assert str(fold_artifacts(pipe, X, y, y, family="meg")["family"]) == "meg"
    with pytest.raises(ValueError, match="y_test has 40 rows but y_pred has 3"):
        fold_artifacts(pipe, X, y, y[:3], family="eeg")
    # the test data cannot go through the feature steps: a warning, the rest is stored
    with pytest.warns(UserWarning, match="No score map stored for selector 0"):
        art = fold_artifacts(pipe, X[:, :2], y, y, family="eeg")
    assert sorted(art) == ["family", "y_pred", "y_true"]
    art = fold_artifacts(pipe, X, y, y, family="eeg", max_features=10)  # 15 features
    assert "selector0_scores" not in art


def test_save_and_load_round_trip_without_pickles(tmp_path):
    folds = [
        {"y_true": np.array([0, 1]), "y_pred": np.array([1, 1]), "family": np.asarray("eeg")},
        {"y_true": np.array([1, 0]), "y_pred": np.array([1, 0]), "family": np.asarray("eeg")},
    ]
    path = save_task_artifacts(
        tmp_path / "t.npz", folds, meta={"dataset": "d", "pipeline": "NA", "subject": 3}
    )
    loaded = load_artifacts(path)
    assert len(loaded) == 2 and np.array_equal(loaded[1]["y_true"], [1, 0])
    assert read_artifacts_meta(path) == {"dataset": "d", "pipeline": "NA", "subject": "3"}
    with np.load(path, allow_pickle=False) as data:  # readable without pickles
        assert all(data[name].dtype != object for name in data.files)


@pytest.mark.slow
def test_real_psd_fold_scores_are_f_classif_r2_of_the_training_trials():
    from sklearn.preprocessing import LabelEncoder

    from neuropipe.benchmark.pipeline_files import load_pipeline_file
    from neuropipe.datasets import load_dataset
    from neuropipe.preprocessing import with_recording_info

    ep = load_dataset("eegmmidb-leftright", subjects=[1])
    y = LabelEncoder().fit_transform(ep.y)
    train, test = next(StratifiedKFold(5, shuffle=True, random_state=42).split(ep.X, y))
    pipe = with_recording_info(load_pipeline_file(PIPELINES / "psd_lda.py")[0]["pipeline"], ep)
    pipe.fit(ep.X[train], y[train])
    art = fold_artifacts(
        pipe, ep.X[test], y[test], pipe.predict(ep.X[test]), family="eeg", ch_names=ep.ch_names
    )
    features = pipe.named_steps["psd"].transform(ep.X[train])
    F, _ = f_classif(features.reshape(len(train), -1), y[train])
    r2 = (F / (F + len(train) - 2)).reshape(features.shape[1:])
    assert np.allclose(art["selector0_scores"], r2)
    assert art["selector0_channels"].tolist() == list(ep.ch_names)
    assert art["selector0_freqs"][[0, -1]].tolist() == [8.0, 30.0]
    assert art["selector0_support"].sum() == 3  # AutoFeat keeps 3 channel x frequency features
    assert art["selector0_stage"].tolist() == ["psd"]  # the input adapter is not a stage
