"""Leak-free tuning: selection settings chosen inside the training folds score at chance on
shuffled labels under the benchmark's protocol (benchmarks/bench_eeg_accuracy.py:
within-session stratified 5-fold with MOABB's folds, ROC-AUC), while the same data and
folds give a high score with the true labels, and an optimistic selection (on all trials)
gives a high score even on shuffled labels: the test can tell the two apart."""

import numpy as np
import pytest
from sklearn.model_selection import StratifiedKFold, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import LabelEncoder

from neuropipe.benchmark.pipeline_files import load_pipeline_file
from neuropipe.datasets import load_dataset
from neuropipe.evaluation.leakage import optimistic_vs_leakfree
from neuropipe.preprocessing import with_recording_info
from neuropipe.selection import R2Selector


def _protocol_score(pipeline, X, y):
    cv = StratifiedKFold(5, shuffle=True, random_state=42)  # MOABB's within-session folds
    return cross_val_score(pipeline, X, y, cv=cv, scoring="roc_auc").mean()


@pytest.fixture(scope="module")
def spectra():
    """The shipped CAR+PSD pipeline's spectra of S001 and S002 (MOABB default epochs).

    The spectral steps are per-epoch and unsupervised, so computing them once for all
    trials equals computing them in each fold; the inner search is the shipped one.
    """
    steps = load_pipeline_file("pipelines/psd_r2_cv.py")[0]["pipeline"]
    out = {}
    for subject in (1, 2):
        data = load_dataset("eegmmidb-leftright", subjects=[subject])
        out[subject] = (
            with_recording_info(steps[:-1], data).fit_transform(data.X),
            LabelEncoder().fit_transform(data.y),
            steps[-1],
        )
    return out


@pytest.mark.slow
def test_inner_cv_selection_scores_chance_on_shuffled_labels(spectra):
    rng = np.random.default_rng(0)
    null = []
    for X, y, search in spectra.values():
        for _ in range(2):
            null.append(_protocol_score(search, X, rng.permutation(y)))
    # 4 null AUCs of 45 trials (sd of one about 0.09): their mean sits at 0.5
    assert abs(np.mean(null) - 0.5) < 0.12, null
    assert max(null) < 0.8, null
    # the same search and folds on the true labels of S002 decode well
    X, y, search = spectra[2]
    assert _protocol_score(search, X, y) > 0.85


@pytest.mark.slow
def test_selection_on_all_trials_is_caught_by_shuffled_labels(spectra):
    X, y, _ = spectra[1]
    shuffled = np.random.default_rng(1).permutation(y)
    pipeline = make_pipeline(
        R2Selector(k=30),
        load_pipeline_file("pipelines/psd_r2_cv.py")[0]["pipeline"][-1].estimator["lda"],
    )
    result = optimistic_vs_leakfree(
        pipeline, np.log10(X), shuffled, cv=StratifiedKFold(5, shuffle=True, random_state=42)
    )
    # ranking 1600 features on all trials finds 30 that "separate" random labels
    assert result["optimistic"] > 0.75
    # the same selection inside the folds has nothing to find (one permutation of 45
    # trials is noisy; the test above averages four): the gap is the leak
    assert result["optimistic"] - result["leak_free"] > 0.25
