import numpy as np
import pandas as pd
import pytest
from sklearn.dummy import DummyClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer

from neuropipe.evaluation.chance import chance_level
from neuropipe.evaluation.protocols import evaluate_within_session
from neuropipe.io import EpochsData


def _epochs(n_per_class=20, n_sessions=2, separable=True, seed=0):
    rng = np.random.default_rng(seed)
    parts = []
    for session in range(n_sessions):
        y = np.repeat(["a", "b"], n_per_class)
        X = rng.standard_normal((2 * n_per_class, 2, 50))
        if separable:
            X[y == "b", 0] *= 4.0
        meta = pd.DataFrame(
            {"subject": 1, "session": str(session), "run": "0"}, index=range(len(y))
        )
        parts.append(EpochsData(X, y, 100.0, ["C3", "C4"], meta))
    return EpochsData.concatenate(parts)


def _log_var_lda():
    from sklearn.discriminant_analysis import LinearDiscriminantAnalysis

    return make_pipeline(
        FunctionTransformer(lambda X: np.log(X.var(axis=-1))), LinearDiscriminantAnalysis()
    )


def test_scores_per_session_with_chance():
    data = _epochs()
    res = evaluate_within_session(
        {"logvar": _log_var_lda(), "dummy": DummyClassifier(strategy="prior")}, data, "toy"
    )
    assert len(res) == 4 and set(res["session"]) == {"0", "1"}
    good = res[res.pipeline == "logvar"]
    dummy = res[res.pipeline == "dummy"]
    assert (good["score"] > 0.9).all()
    np.testing.assert_allclose(dummy["score"], 0.5)
    assert (res["scoring"] == "roc_auc").all() and (res["chance"] == 0.5).all()
    assert (res["samples"] == 40).all()


def test_too_few_trials_per_class_for_folds():
    with pytest.raises(ValueError, match="fewer than 5 samples"):
        evaluate_within_session({"d": DummyClassifier()}, _epochs(n_per_class=3), "toy")


def test_chance_levels():
    chance, threshold = chance_level(["a"] * 23 + ["b"] * 22, "roc_auc")
    assert chance == 0.5
    # Mann-Whitney null sd: sqrt(46 / (12 * 23 * 22)) = 0.0869
    assert threshold == pytest.approx(0.5 + 1.6449 * 0.08693, abs=1e-3)
    chance, threshold = chance_level(np.repeat([0, 1, 2, 3], 8), "accuracy")
    assert chance == 0.25 and 0.25 < threshold < 0.45
    with pytest.raises(ValueError, match="two classes"):
        chance_level([0, 1, 2], "roc_auc")


def test_cross_session_and_cross_subject():
    from neuropipe.evaluation.paradigms import evaluate

    data = _epochs(n_sessions=2)
    other = _epochs(n_sessions=1, seed=1)
    other.metadata["subject"] = 2
    both = EpochsData.concatenate([data, other])
    cross_session = evaluate("cross-session", {"logvar": _log_var_lda()}, both, "toy")
    # subject 2 has one session: skipped; subject 1 tested on each of its two sessions
    assert cross_session[["subject", "session"]].values.tolist() == [[1, "0"], [1, "1"]]
    assert (cross_session["samples"] == 40).all() and (cross_session["score"] > 0.9).all()
    cross_subject = evaluate("cross-subject", {"logvar": _log_var_lda()}, both, "toy")
    assert sorted(cross_subject["subject"]) == [1, 2]
    assert cross_subject.set_index("subject").loc[2, "samples"] == 80
    with pytest.raises(ValueError, match="Invalid value for the 'protocol'"):
        evaluate("leave-one-out", {}, both, "toy")


def test_permutation_pvalue_separates_signal_from_noise():
    from neuropipe.evaluation.protocols import evaluate_within_session

    signal = evaluate_within_session(
        {"logvar": _log_var_lda()}, _epochs(n_sessions=1), "toy", n_permutations=9
    )
    noise = evaluate_within_session(
        {"logvar": _log_var_lda()},
        _epochs(n_sessions=1, separable=False),
        "toy",
        n_permutations=9,
    )
    assert signal["permutation_pvalue"].iloc[0] == pytest.approx(0.1)
    assert noise["permutation_pvalue"].iloc[0] > 0.1
    assert np.isnan(
        evaluate_within_session({"logvar": _log_var_lda()}, _epochs(n_sessions=1), "toy")[
            "permutation_pvalue"
        ]
    ).all()
