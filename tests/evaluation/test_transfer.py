"""The transfer protocol (neuropipe.evaluation.transfer): test trials never enter a fit.

A spy pipeline records which trials each fit and each prediction sees (every synthetic
trial carries its index in its first sample); on real data, shuffled labels score at
chance while the true labels decode."""

import numpy as np
import pandas as pd
import pytest
from pyriemann.classification import MDM
from pyriemann.estimation import Covariances
from pyriemann.transfer import decode_domains, encode_domains
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import LabelEncoder

from neuropipe.evaluation.protocols import evaluate_within_session
from neuropipe.evaluation.transfer import evaluate_transfer, recentering_pipeline
from neuropipe.io.eeg import EpochsData

LOG = []


class Spy(ClassifierMixin, BaseEstimator):
    """Records the trial ids (first sample) and domains it is fitted and asked on."""

    def __init__(self, target_domain=""):
        self.target_domain = target_domain

    def fit(self, X, y):
        _, labels, domains = decode_domains(X, y)
        LOG.append(("fit", self.target_domain, X[:, 0, 0].astype(int), domains))
        self.classes_ = np.unique(labels)
        return self

    def predict_proba(self, X):
        LOG.append(("predict", self.target_domain, X[:, 0, 0].astype(int), None))
        return np.full((len(X), 2), 0.5)


def _toy(n_subjects=3, n_trials=20, seed=0):
    rng = np.random.default_rng(seed)
    n = n_subjects * n_trials
    X = rng.standard_normal((n, 4, 64))
    y = np.tile(["left", "right"], n // 2)
    X[y == "right", 1] *= 2.0
    X[:, 0, 0] = np.arange(n)  # trial id
    meta = pd.DataFrame({"subject": np.repeat(np.arange(1, n_subjects + 1), n_trials)})
    meta["session"] = "0"
    return EpochsData(X, y, 64.0, ["C3", "Cz", "C4", "Pz"], meta)


@pytest.mark.parametrize("calibration", [None, 6])
def test_test_trials_never_enter_a_fit(calibration):
    data = _toy()
    LOG.clear()
    res = evaluate_transfer({"spy": Spy()}, data, "toy", calibration=calibration)
    subjects = data.metadata["subject"].to_numpy()
    assert len(LOG) == 3 * 5 * 2
    tested = {s: [] for s in (1, 2, 3)}
    for (kind, target, fit_ids, domains), (kind2, target2, test_ids, _) in zip(
        LOG[::2], LOG[1::2], strict=True
    ):
        assert (kind, kind2) == ("fit", "predict") and target == target2
        subject = int(target)
        own = np.flatnonzero(subjects == subject)
        # every trial of the other subjects is fitted, labelled with its own subject
        others = np.flatnonzero(subjects != subject)
        assert set(others) <= set(fit_ids)
        assert set(domains[np.isin(fit_ids, others)]) == {str(s) for s in (1, 2, 3)} - {target}
        # the target's fitted trials are calibration trials, disjoint from its test trials
        calib = np.setdiff1d(fit_ids, others)
        assert set(calib) <= set(own) and set(test_ids) <= set(own)
        assert not set(calib) & set(test_ids)
        assert len(calib) == (calibration or 16)
        tested[subject].extend(test_ids)
    # the test folds cover each target's trials exactly once (within-session folds)
    for subject, ids in tested.items():
        assert sorted(ids) == list(np.flatnonzero(subjects == subject))
    assert (res["calibration"] == (calibration or 16)).all()
    assert (res["source_trials"] == 40).all()
    assert res["evaluation"].eq("Transfer").all()


def test_target_is_recentred_with_its_calibration_trials_only():
    from pyriemann.geometry.mean import mean_riemann

    data = _toy()
    pipe = recentering_pipeline(MDM()).set_params(
        tlcenter__target_domain="3", tlclassifier__target_domain="3"
    )
    fit = np.r_[0:40, 40:50]  # sources, then half of the target's trials
    _, y_enc = encode_domains(
        data.X[:1], data.y[fit], data.metadata["subject"].astype(str).to_numpy()[fit]
    )
    pipe.fit(data.X[fit], y_enc)
    reference = mean_riemann(Covariances("oas").transform(data.X[40:50]))
    whitening = pipe.named_steps["tlcenter"].centers_["3"]
    # the whitening of the target maps the calibration mean to the identity
    W = whitening.filters_
    assert np.allclose(W.T @ reference @ W, np.eye(4), atol=1e-6)


def test_calibration_only_equals_within_session():
    data = _toy()
    pipe = make_pipeline(Covariances("oas"), MDM())
    transfer = evaluate_transfer({"MDM": pipe}, data, "toy", sources=False)
    within = evaluate_within_session({"MDM": pipe}, data, "toy")
    assert np.allclose(transfer["score"], within["score"])
    assert transfer["evaluation"].eq("CalibrationOnly").all()
    assert (transfer["source_trials"] == 0).all()


def test_errors_name_the_problem():
    data = _toy()
    with pytest.raises(ValueError, match="at least two subjects"):
        evaluate_transfer({"spy": Spy()}, data[np.arange(20)], "toy")
    with pytest.raises(ValueError, match="calibration"):
        evaluate_transfer({"spy": Spy()}, data, "toy", calibration=1)


@pytest.mark.slow
def test_shuffled_labels_score_chance_on_real_data():
    """Re-centred tangent space + shrinkage LDA on 21 sensorimotor channels of S001-S006:
    the true labels of targets S001 and S002 decode; every subject's labels permuted
    (sources and target) give chance."""
    from pyriemann.tangentspace import TangentSpace
    from sklearn.discriminant_analysis import LinearDiscriminantAnalysis

    from neuropipe.datasets import load_dataset

    data = load_dataset("eegmmidb-leftright", subjects=[1, 2, 3, 4, 5, 6])
    picks = [data.ch_names.index(c) for c in "FC3 FC1 FCz FC2 FC4 C5 C3 C1 Cz C2 C4".split()]
    data = EpochsData(
        data.X[:, picks], data.y, data.sfreq, [data.ch_names[i] for i in picks], data.metadata
    )
    pipe = recentering_pipeline(
        make_pipeline(TangentSpace(), LinearDiscriminantAnalysis(solver="lsqr", shrinkage="auto"))
    )
    true = evaluate_transfer({"p": pipe}, data, "x", targets=[1, 2])["score"]
    assert true.mean() > 0.75, true
    rng = np.random.default_rng(0)
    null = []
    for _ in range(2):
        y = data.y.copy()
        for s in np.unique(data.metadata["subject"]):
            idx = np.flatnonzero(data.metadata["subject"].to_numpy() == s)
            y[idx] = rng.permutation(y[idx])
        shuffled = EpochsData(data.X, y, data.sfreq, data.ch_names, data.metadata)
        null.extend(evaluate_transfer({"p": pipe}, shuffled, "x", targets=[1, 2])["score"])
    assert abs(np.mean(null) - 0.5) < 0.12, null


def test_folds_are_the_within_session_folds():
    data = _toy()
    y = LabelEncoder().fit_transform(data.y[:20])
    expected = [
        np.sort(t)
        for _, t in StratifiedKFold(5, shuffle=True, random_state=42).split(np.zeros(20), y)
    ]
    LOG.clear()
    evaluate_transfer({"spy": Spy()}, data, "toy", targets=[1])
    got = [np.sort(ids).tolist() for kind, _, ids, _ in LOG if kind == "predict"]
    assert got == [t.tolist() for t in expected]


def test_stretch_and_rotation_run_and_decode_the_toy():
    data = _toy()
    pipe = recentering_pipeline(MDM(), stretch=True, rotate=True)
    assert [name for name, _ in pipe.steps] == [
        "covariances",
        "tlcenter",
        "tlscale",
        "tlrotate",
        "tlclassifier",
    ]
    # one fit (TLRotate's optimisation is slow): sources 1 and 2, half of target 3
    pipe.set_params(
        tlcenter__target_domain="3",
        tlscale__target_domain="3",
        tlrotate__target_domain="3",
        tlclassifier__target_domain="3",
    )
    fit, test = np.r_[0:50], np.r_[50:60]
    _, y_enc = encode_domains(
        data.X[:1], data.y[fit], data.metadata["subject"].astype(str).to_numpy()[fit]
    )
    predicted = pipe.fit(data.X[fit], y_enc).predict(data.X[test])
    assert np.mean(predicted == data.y[test]) >= 0.8
