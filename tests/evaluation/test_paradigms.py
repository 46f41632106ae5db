"""Paradigm objects and the protocol registry (neuropipe.evaluation.paradigms)."""

import numpy as np
import pandas as pd
import pytest
from sklearn.dummy import DummyClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import BaseCrossValidator
from sklearn.utils import Bunch

from neuropipe.evaluation.fmri import evaluate_fmri_protocol
from neuropipe.evaluation.paradigms import (
    DECODING,
    EEG,
    FMRI,
    Protocol,
    evaluate,
    get_paradigm,
    get_protocol,
    paradigm_names,
    pipeline_paradigm,
    protocol_names,
    register_protocol,
    unregister_protocol,
)
from neuropipe.evaluation.protocols import RESULTS_SCHEMA, evaluate_within_session
from neuropipe.io import EpochsData
from neuropipe.model_selection import SiteLabelStratifiedKFold, WithinSessionSplitter


def _epochs(n_per_class=10, seed=0):
    rng = np.random.default_rng(seed)
    y = np.repeat(["a", "b"], n_per_class)
    X = rng.standard_normal((2 * n_per_class, 2, 20))
    X[y == "b", 0] *= 4.0
    meta = pd.DataFrame({"subject": 1, "session": "0", "run": "0"}, index=range(len(y)))
    return EpochsData(X, y, 100.0, ["C3", "C4"], meta)


def _log_var():
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import FunctionTransformer

    return make_pipeline(
        FunctionTransformer(lambda X: np.log(X.var(axis=-1))), LogisticRegression()
    )


def _fmri_like(n=40, seed=0):
    rng = np.random.default_rng(seed)
    y = np.arange(n) % 2
    X = rng.standard_normal((n, 3)) + y[:, None]
    return Bunch(X=X, y=y, site=np.repeat(["A", "B"], n // 2), name="toy-fmri")


def test_the_registry_lists_every_protocol_by_paradigm():
    assert paradigm_names() == ["eeg", "fmri", "decoding"]
    assert protocol_names("eeg") == [
        "within-session",
        "cross-session",
        "cross-subject",
        "pseudo-online",
    ]
    assert protocol_names("fmri") == ["leave-site-out", "stratified-<k>fold"]
    assert protocol_names("decoding") == ["time-ordered"]
    assert [
        get_protocol(n).paradigm for n in ("cross-subject", "stratified-3fold", "time-ordered")
    ] == [
        "eeg",
        "fmri",
        "decoding",
    ]
    with pytest.raises(ValueError, match="Invalid value for the 'protocol' parameter"):
        get_protocol("leave-one-out")


def test_any_k_of_the_stratified_family_builds_its_splitter():
    protocol = get_protocol("stratified-7fold")
    assert protocol.name == "stratified-7fold" and protocol.scope == "dataset"
    cv = protocol.make_splitter(n_splits=5, random_state=0)  # k from the name, not n_splits
    assert isinstance(cv, SiteLabelStratifiedKFold) and (cv.n_splits, cv.random_state) == (7, 0)


def test_default_seeds_are_the_documented_ones_and_a_run_seed_applies_to_every_paradigm():
    assert (EEG.random_state, FMRI.random_state, DECODING.random_state) == (42, 0, None)
    assert FMRI.seed(None) == 0 and FMRI.seed(7) == 7 and EEG.seed(7) == 7
    data = _fmri_like()
    stratified = get_protocol("stratified-5fold")
    default = stratified.make_splitter(random_state=FMRI.seed(None))
    seeded = stratified.make_splitter(random_state=FMRI.seed(7))
    folds = [
        [test.tolist() for _, test in cv.split(data.X, data.y, groups=data.site)]
        for cv in (default, seeded)
    ]
    assert folds[0] != folds[1]
    # the default keeps fMRI's documented folds (docs/fmri.md: seed 0)
    reference = SiteLabelStratifiedKFold(5, random_state=0)
    assert folds[0] == [t.tolist() for _, t in reference.split(data.X, data.y, groups=data.site)]


def test_evaluate_through_the_registry_gives_the_functions_rows():
    data = _epochs()
    pipelines = {"logvar": _log_var()}
    direct = evaluate_within_session(pipelines, data, "toy", n_splits=3)
    registry = evaluate("within-session", pipelines, data, "toy", n_splits=3)
    pd.testing.assert_frame_equal(
        direct.drop(columns=["time", "predict_time"]),
        registry.drop(columns=["time", "predict_time"]),
    )
    fmri = _fmri_like()
    folds = evaluate("stratified-4fold", {"lr": LogisticRegression()}, fmri, "toy-fmri")
    expected = evaluate_fmri_protocol({"lr": LogisticRegression()}, fmri, "stratified-4fold")
    np.testing.assert_allclose(folds["score"], expected["score"])
    assert set(folds["evaluation"]) == {"stratified-4fold"} and set(folds["family"]) == {"fmri"}


def test_a_task_passes_the_splitter_it_was_given():
    data = _epochs()
    protocol = get_protocol("within-session")
    cv = protocol.make_splitter(n_splits=4, random_state=3)
    assert repr(cv) == repr(WithinSessionSplitter(4, random_state=3))
    rows = protocol.run({"logvar": _log_var()}, data, "toy", subject=1, cv=cv, random_state=3)
    expected = evaluate_within_session(
        {"logvar": _log_var()}, data, "toy", n_splits=4, random_state=3
    )
    np.testing.assert_allclose(rows["score"], expected["score"])
    assert list(rows.columns) == RESULTS_SCHEMA


class _Halves(BaseCrossValidator):
    """Even epochs of a session train and odd ones test, then the other way round."""

    n_splits = 2

    def _iter_test_indices(self, X=None, y=None, groups=None):
        yield np.arange(0, len(X), 2)
        yield np.arange(1, len(X), 2)

    def get_n_splits(self, X=None, y=None, groups=None):
        return 2


def _halves_rows(pipelines, data, dataset, *, cv=None, random_state=None, artifacts=None):
    table = evaluate_within_session(
        pipelines, data, dataset, cv=cv, random_state=random_state, artifacts=artifacts
    )
    return table.assign(evaluation="Halves")


def test_a_registered_protocol_runs_with_its_own_splitter():
    register_protocol(Protocol("halves", "eeg", _halves_rows, splitter=_Halves))
    try:
        assert "halves" in protocol_names("eeg")
        protocol = get_protocol("halves")
        cv = protocol.make_splitter(n_splits=5, random_state=42)
        assert isinstance(cv, _Halves)
        rows = protocol.run(
            {"prior": DummyClassifier(strategy="prior")}, _epochs(), "toy", subject=1, cv=cv
        )
        assert rows[["evaluation", "family", "score"]].values.tolist() == [["Halves", "eeg", 0.5]]
    finally:
        unregister_protocol("halves")
    assert "halves" not in protocol_names()
    with pytest.raises(TypeError, match="takes a Protocol"):
        register_protocol("halves")
    with pytest.raises(ValueError, match="'paradigm' parameter"):
        register_protocol(Protocol("x", "meg", _halves_rows))


def test_paradigms_own_scoring_chance_and_validity():
    assert EEG.scoring([0, 1, 0]) == "roc_auc" and EEG.scoring([0, 1, 2]) == "accuracy"
    assert FMRI.scoring([0, 1]) == "accuracy" and DECODING.scoring(np.zeros((3, 2))) == "r2"
    assert FMRI.chance([0, 0, 0, 1], y_train=[1, 1, 0])[0] == 0.25
    assert EEG.chance(np.repeat([0, 1], 10))[0] == 0.5
    assert DECODING.chance(np.zeros((3, 2)))[0] == 0.0
    assert EEG.is_valid("eegmmidb-leftright") and not EEG.is_valid("abide-pcp-cc200")
    assert FMRI.is_valid("abide-pcp-cc200") and DECODING.is_valid("flint2012")
    assert [pipeline_paradigm(p) for p in (["SSVEP"], ["fmri"], ["decoding"])] == [
        EEG,
        FMRI,
        DECODING,
    ]
    assert get_paradigm("decoding") is DECODING and get_paradigm(EEG) is EEG
    rows = FMRI.rows([{"score": 0.5, "dataset": "x"}])
    assert list(rows.columns) == RESULTS_SCHEMA and rows["family"].tolist() == ["fmri"]
