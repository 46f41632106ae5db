"""SSVEP features and classifiers: CCA, filter-bank CCA, TRCA, on synthetic and real data.

Also: agreement with MOABB's ``SSVEP_CCA`` on the bundled recordings, the SSVEP pipeline
files, and the shuffled-label test of the best SSVEP pipeline (``check_estimator``:
tests/test_common.py).
"""

import mne
import numpy as np
import pytest
from scipy.linalg import eigh
from sklearn.cross_decomposition import CCA
from sklearn.dummy import DummyClassifier

from neuropipe.benchmark.pipeline_files import load_pipeline_file, load_pipelines
from neuropipe.datasets import load_dataset
from neuropipe.evaluation.protocols import evaluate_within_session
from neuropipe.features.ssvep import (
    SSVEPCCA,
    TRCA,
    CCACorrelations,
    canonical_correlations,
    filter_bank_weights,
    harmonic_bands,
    sinusoidal_references,
    trca_filters,
)
from neuropipe.preprocessing import with_recording_info

SFREQ = 256.0


def _ssvep_epochs(
    freq_of_class, n_per_class=8, n_channels=4, n_times=512, phase_locked=False, snr=1.0, seed=0
):
    """Noise + a sinusoid (fundamental and 2nd harmonic) on two channels per stimulus class."""
    rng = np.random.default_rng(seed)
    t = np.arange(n_times) / SFREQ
    labels = np.repeat(list(freq_of_class), n_per_class)
    X = rng.standard_normal((len(labels), n_channels, n_times))
    for i, label in enumerate(labels):
        f = freq_of_class[label]
        if f is None:
            continue
        phase = 0.3 if phase_locked else rng.uniform(0, 2 * np.pi)
        wave = np.sin(2 * np.pi * f * t + phase) + 0.5 * np.sin(4 * np.pi * f * t + 2 * phase)
        X[i, :2] += snr * wave
    return X, labels


# --- the maths ---------------------------------------------------------------------------


def test_sinusoidal_references_values():
    Y = sinusoidal_references([10.0, 20.0], 100.0, 50, n_harmonics=2)
    t = np.arange(50) / 100.0
    assert Y.shape == (2, 4, 50)
    np.testing.assert_allclose(Y[1, 0], np.sin(2 * np.pi * 20 * t), atol=1e-12)
    np.testing.assert_allclose(Y[0, 3], np.cos(2 * np.pi * 20 * t), atol=1e-12)
    with pytest.raises(ValueError, match="harmonic"):
        sinusoidal_references([30.0], 100.0, 50, n_harmonics=2)  # 60 Hz > Nyquist


def test_canonical_correlations_match_sklearn_cca():
    rng = np.random.default_rng(3)
    X = rng.standard_normal((3, 5, 400))
    X[:, 0] += 0.8 * np.sin(2 * np.pi * 12 * np.arange(400) / SFREQ)
    Y = sinusoidal_references([12.0, 15.0], SFREQ, 400, n_harmonics=2)
    rho = canonical_correlations(X, Y, n_components=2)
    for n in range(3):
        for k in range(2):
            u, v = CCA(n_components=1, max_iter=5000, tol=1e-12).fit_transform(X[n].T, Y[k].T)
            assert rho[n, k, 0] == pytest.approx(np.corrcoef(u[:, 0], v[:, 0])[0, 1], abs=1e-6)
    assert np.all(rho[..., 0] >= rho[..., 1])
    assert rho[:, 0, 0].min() > 0.4 > 0.2 > rho[:, 1, 0].max()


def test_canonical_correlations_flat_and_duplicated_channels():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((2, 3, 300))
    Y = sinusoidal_references([11.0], SFREQ, 300)
    ref = canonical_correlations(X, Y)
    # a flat channel and a copy of a channel add no canonical direction
    extra = np.concatenate([X, np.full((2, 1, 300), 5.0), X[:, :1]], axis=1)
    np.testing.assert_allclose(canonical_correlations(extra, Y), ref, atol=1e-8)
    assert np.all(canonical_correlations(np.zeros((1, 3, 300)), Y) == 0)
    with pytest.raises(ValueError, match="same number of samples"):
        canonical_correlations(X, Y[..., :200])


def test_trca_filters_solve_the_generalised_eigenproblem():
    X, _ = _ssvep_epochs({"a": 10.0}, n_per_class=6, phase_locked=True, snr=0.5)
    W, ev = trca_filters(X)
    Xc = X - X.mean(axis=-1, keepdims=True)
    Q = np.einsum("nct,ndt->cd", Xc, Xc)
    S = Xc.sum(0) @ Xc.sum(0).T - Q
    np.testing.assert_allclose(S @ W[:, 0], ev[0] * (Q @ W[:, 0]), rtol=1e-5, atol=1e-6)
    assert ev[0] == pytest.approx(eigh(S, Q, eigvals_only=True)[-1], rel=1e-6)
    # the filter looks at the two channels that carry the response
    assert set(np.argsort(np.abs(W[:, 0]))[-2:]) == {0, 1}
    with pytest.raises(ValueError, match="at least 2 trials"):
        trca_filters(X[:1])


def test_filter_bank_helpers():
    np.testing.assert_allclose(filter_bank_weights(2), [1.25, 2**-1.25 + 0.25])
    assert harmonic_bands([10, 20], 2, 1.0) == [(9.0, 11.0), (19.0, 21.0), (39.0, 41.0)]
    assert harmonic_bands([13, 17], 3, 1.0, h_freq=45.0)[-1] == (38.0, 40.0)
    with pytest.raises(ValueError, match="half_width"):
        harmonic_bands([10], 1, 0.0)


# --- estimators ---------------------------------------------------------------------------


def test_cca_correlations_features_and_names():
    X, y = _ssvep_epochs({"13": 13.0, "17": 17.0}, n_channels=3)
    bands = [(8.0, 44.0), (16.0, 44.0)]
    cca = CCACorrelations(SFREQ, [13.0, 17.0], bands=bands).fit(X)
    F = cca.transform(X)
    assert F.shape == (len(X), 4)
    assert cca.get_feature_names_out().tolist() == [
        "cca_b8-44_13Hz",
        "cca_b8-44_17Hz",
        "cca_b16-44_13Hz",
        "cca_b16-44_17Hz",
    ]
    fused = CCACorrelations(SFREQ, [13.0, 17.0], bands=bands, weights="chen").fit_transform(X)
    np.testing.assert_allclose(fused, 1.25 * F[:, :2] ** 2 + (2**-1.25 + 0.25) * F[:, 2:] ** 2)
    assert (fused.argmax(axis=1) == (y == "17")).all()
    with pytest.raises(ValueError, match="weights"):
        CCACorrelations(SFREQ, [13.0], bands=bands, weights=[1.0]).fit(X)
    with pytest.raises(ValueError, match="X has 2 channels|expecting 3"):
        cca.transform(X[:, :2])


def test_ssvep_cca_rest_threshold_and_label_frequencies():
    X, y = _ssvep_epochs({"13": 13.0, "17": 17.0, "21": 21.0, "rest": None}, snr=0.8)
    clf = SSVEPCCA(SFREQ).fit(X, y)
    assert np.isnan(clf.class_freqs_[-1]) and clf.class_freqs_[:3].tolist() == [13, 17, 21]
    scores = clf.decision_function(X)
    assert np.all(scores[:, 3] == clf.threshold_)
    assert clf.score(X, y) >= 0.9
    # encoded labels (as MOABB's and our evaluations pass them): the class/frequency map
    # is learned on the training epochs, and the predictions are the same
    encoded = np.searchsorted(clf.classes_, y)
    enc = SSVEPCCA(SFREQ, freqs=[21.0, 13.0, 17.0]).fit(X, encoded)
    np.testing.assert_array_equal(enc.class_freqs_, clf.class_freqs_)
    np.testing.assert_array_equal(enc.predict(X), np.searchsorted(clf.classes_, clf.predict(X)))
    # a training set without the rest class (a subset of the frequencies) also works
    three = y != "rest"
    sub = SSVEPCCA(SFREQ, freqs=[13.0, 17.0, 21.0]).fit(X[three], encoded[three])
    assert sub.threshold_ is None and sub.class_freqs_.tolist() == [13, 17, 21]
    with pytest.raises(ValueError, match="pass freqs"):
        SSVEPCCA(SFREQ).fit(X, encoded)
    with pytest.raises(ValueError, match="at most one class can be without"):
        SSVEPCCA(SFREQ, freqs=[13.0, 17.0]).fit(X, encoded)
    with pytest.raises(ValueError, match="not in freqs"):
        SSVEPCCA(SFREQ, freqs=[13.0, 17.0]).fit(X, y)
    with pytest.raises(ValueError, match="at most one class without"):
        SSVEPCCA(SFREQ, freqs={"13": None, "17": None, "21": 21.0, "rest": None}).fit(X, y)
    explicit = {"13": 13.0, "17": 17.0, "21": 21.0, "rest": None}
    np.testing.assert_array_equal(
        SSVEPCCA(SFREQ, freqs=explicit).fit(X, y).predict(X), clf.predict(X)
    )


def test_trca_needs_phase_locked_responses():
    freqs = {"9": 9.0, "11": 11.0, "13": 13.0}
    X, y = _ssvep_epochs(freqs, n_per_class=10, phase_locked=True, snr=0.3, seed=1)
    Xt, yt = _ssvep_epochs(freqs, n_per_class=10, phase_locked=True, snr=0.3, seed=2)
    assert TRCA(SFREQ).fit(X, y).score(Xt, yt) >= 0.9
    fb = TRCA(SFREQ, bands=[(6.0, 40.0), (14.0, 40.0)]).fit(X, y)
    assert fb.filters_.shape == (2, 4, 3) and fb.templates_.shape == (2, 3, 4, 512)
    assert fb.score(Xt, yt) >= 0.9
    # random phases: class averages cancel and TRCA falls towards chance (1/3)
    Xr, yr = _ssvep_epochs(freqs, n_per_class=10, snr=0.3, seed=1)
    Xrt, yrt = _ssvep_epochs(freqs, n_per_class=10, snr=0.3, seed=2)
    assert TRCA(SFREQ).fit(Xr, yr).score(Xrt, yrt) < 0.6


# --- real data ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def ssvep():
    return load_dataset("ssvep-exo", subjects=[1, 3], paradigm="SSVEP")


@pytest.mark.slow
def test_same_predictions_as_moabb_ssvep_cca(ssvep):
    """Plain CCA with MOABB's settings (3 harmonics, stimulus classes) = MOABB's SSVEP_CCA."""
    from moabb.pipelines.classification import SSVEP_CCA

    keep = ssvep.y != "rest"
    X, y = ssvep.X[keep][::2], ssvep.y[keep][::2]
    codes = {"13": 2, "17": 4, "21": 3}
    events = np.column_stack(
        [np.arange(len(y)) * 600, np.zeros(len(y), int), [codes[c] for c in y]]
    )
    info = mne.create_info(ssvep.ch_names, ssvep.sfreq, "eeg")
    epochs = mne.EpochsArray(X * 1e-6, info, events, tmin=2.0, event_id=codes, verbose="ERROR")
    theirs = np.asarray(SSVEP_CCA(n_harmonics=3).fit(epochs, y).predict(epochs))
    ours = SSVEPCCA(SFREQ, n_harmonics=3).fit(X, y).predict(X)
    assert (ours == theirs).all()
    assert (ours == y).mean() > 0.75  # and they are right: chance is 1/3


def test_ssvep_pipeline_files_load_and_fit(ssvep):
    configs = [c for c in load_pipelines("pipelines", include_slow=True) if "ssvep" in c["source"]]
    names = {c["name"] for c in configs}
    assert {"FB-MDM", "CCA", "FBCCA", "FBCCA+LR", "FB-TRCA", "FBCCA+FBTS"} <= names
    assert [c["name"] for c in configs if c.get("slow")] == ["FB-TRCA"]
    subject1 = (ssvep.metadata["subject"] == 1).to_numpy()
    for config in configs:
        if config["paradigms"] != ["SSVEP"]:
            continue
        pipeline = with_recording_info(config["pipeline"], ssvep)
        pipeline.fit(ssvep.X[subject1], ssvep.y[subject1])
        assert set(pipeline.predict(ssvep.X[~subject1][:8])) <= set(ssvep.y)


@pytest.mark.slow
def test_best_ssvep_pipeline_on_shuffled_labels_scores_at_chance():
    """The best pipeline under the benchmark's protocol, fitted on shuffled labels."""
    data = load_dataset("ssvep-exo", subjects=[1, 2, 3, 4], paradigm="SSVEP")
    rng = np.random.default_rng(0)
    for index in data.metadata.groupby(["subject", "session"]).indices.values():
        data.y[index] = rng.permutation(data.y[index])
    best = load_pipeline_file("pipelines/fbcca_fbts_ssvep.py")[0]
    pipelines = {"best": best["pipeline"], "prior": DummyClassifier()}
    results = evaluate_within_session(pipelines, data, "ssvep-exo").set_index("pipeline")
    shuffled, prior = results.loc["best", "score"], results.loc["prior", "score"]
    assert (results["chance"] == 0.25).all()
    # no better than chance (0.25); 8 sessions x 32 trials: sd of the mean ~0.03
    assert shuffled.mean() < 0.30
    assert (shuffled < results.loc["best", "chance_p95"]).mean() >= 0.75
    # and close to this protocol's own no-information score: 8 trials per class do not
    # split evenly into 5 folds, so always predicting the most frequent training class
    # scores ~0.16; an uninformed classifier leans the same way
    assert abs(shuffled.mean() - prior.mean()) < 0.09
