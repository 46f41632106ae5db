"""One evaluation path: splitters, one results schema, the runner for EEG, fMRI and decoding."""

import numpy as np
import pandas as pd
import pytest
from sklearn.discriminant_analysis import LinearDiscriminantAnalysis
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import LeaveOneGroupOut, StratifiedKFold, cross_validate

from neuropipe.benchmark import BenchmarkTask, dask_client, run_benchmark, summarize
from neuropipe.benchmark.artifact_files import load_artifacts
from neuropipe.benchmark.fingerprint import task_fingerprint
from neuropipe.evaluation.chance import chance_level
from neuropipe.evaluation.decoding import evaluate_time_ordered
from neuropipe.evaluation.fmri import evaluate_fmri_protocol
from neuropipe.evaluation.paradigms import evaluate
from neuropipe.evaluation.protocols import RESULTS_SCHEMA, evaluate_folds
from neuropipe.model_selection import (
    CrossSessionSplitter,
    CrossSubjectSplitter,
    LeaveSiteOut,
    SiteLabelStratifiedKFold,
    TimeOrderedSplit,
    WithinSessionSplitter,
    make_splitter,
)

# --- splitters --------------------------------------------------------------------------


def _meta():
    return pd.DataFrame(
        {
            "subject": np.repeat([1, 2], 12),
            "session": np.tile(np.repeat(["0", "1"], 6), 2),
            "site": np.repeat(["A", "B", "C"], 8),
        }
    )


def test_splitters_give_the_folds_of_the_protocols():
    meta, y = _meta(), np.tile([0, 1], 12)
    X = np.zeros((24, 3))
    within = list(WithinSessionSplitter(3, random_state=7).split(X, y, groups=meta))
    expected = []
    for index in meta.groupby(["subject", "session"]).indices.values():
        cv = StratifiedKFold(3, shuffle=True, random_state=7)
        expected += [(index[tr], index[te]) for tr, te in cv.split(index, y[index])]
    assert len(within) == 12
    for (train, test), (etrain, etest) in zip(within, expected):
        np.testing.assert_array_equal(train, etrain)
        np.testing.assert_array_equal(test, etest)
    # a test fold never leaves its session; cross-session stays within the subject
    for _, test in within:
        assert meta.iloc[test][["subject", "session"]].drop_duplicates().shape[0] == 1
    cross = list(CrossSessionSplitter().split(X, y, groups=meta))
    assert [sorted(set(meta["session"][te])) for _, te in cross] == [["0"], ["1"]] * 2
    assert all(set(meta["subject"][tr]) == set(meta["subject"][te]) for tr, te in cross)
    subjects = list(CrossSubjectSplitter().split(X, y, groups=meta["subject"]))
    logo = list(LeaveOneGroupOut().split(X, y, meta["subject"]))
    assert [te.tolist() for _, te in subjects] == [te.tolist() for _, te in logo]
    sites = [sorted(set(meta["site"][te])) for _, te in LeaveSiteOut().split(X, y, groups=meta)]
    assert sites == [["A"], ["B"], ["C"]]
    folds = list(SiteLabelStratifiedKFold(2, random_state=0).split(X, y, groups=meta))
    for _, test in folds:  # every fold keeps each site's label mix
        assert pd.crosstab(meta["site"][test], y[test]).values.tolist() == [[2, 2]] * 3
    assert isinstance(
        make_splitter("time-ordered", train_size=0.5, test_size=0.5), TimeOrderedSplit
    )
    with pytest.raises(ValueError, match="Allowed values"):
        make_splitter("leave-one-out")
    with pytest.raises(ValueError, match="'site' column"):
        next(LeaveSiteOut().split(X, y, groups=meta[["subject"]]))


def test_splitters_compose_with_cross_validate_and_evaluate_folds_agrees():
    rng = np.random.default_rng(0)
    meta, y = _meta(), np.tile([0, 1], 12)
    X = rng.standard_normal((24, 3)) + y[:, None]
    cv = CrossSubjectSplitter()
    sk = cross_validate(LogisticRegression(), X, y, groups=meta, cv=cv, scoring="accuracy")
    ours = evaluate_folds(LogisticRegression(), X, y, cv, groups=meta, family="eeg")
    np.testing.assert_array_equal(sk["test_score"], [f["score"] for f in ours])
    for fold in ours:  # the report's arrays of every fitted test fold
        np.testing.assert_array_equal(fold["artifacts"]["y_true"], y[fold["test"]])
        np.testing.assert_array_equal(fold["artifacts"]["y_pred"], fold["y_pred"])
    sk = cross_validate(LinearDiscriminantAnalysis(), X, y, groups=meta, cv=cv, scoring="roc_auc")
    ours = evaluate_folds(LinearDiscriminantAnalysis(), X, y, cv, groups=meta, scoring="roc_auc")
    np.testing.assert_array_equal(sk["test_score"], [f["score"] for f in ours])


def test_one_chance_level_for_the_three_families():
    assert chance_level([0, 1, 1, 1], "accuracy") == (0.75, 1.0)
    assert chance_level([0, 1, 1, 1], "accuracy", y_train=[0, 0, 1])[0] == 0.25
    chance, threshold = chance_level(np.zeros((5, 2)), "r2")
    assert chance == 0.0 and np.isnan(threshold)
    with pytest.raises(ValueError, match="'r2'"):
        chance_level([0, 1], "f1")


# --- one schema -------------------------------------------------------------------------


def _abide_sites():
    from neuropipe.datasets.abide import load_abide

    return load_abide(sites=["OHSU", "KKI"])


def _fmri_pipeline():
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import FunctionTransformer, StandardScaler

    def roi_std(X):
        return np.stack([np.std(ts, axis=0) for ts in X["timeseries"]])

    return make_pipeline(FunctionTransformer(roi_std), StandardScaler(), LogisticRegression())


def test_fmri_and_decoding_rows_have_the_one_schema_and_match_the_wrappers():
    from sklearn.linear_model import Ridge

    data = _abide_sites()
    folds = []
    fmri = evaluate("leave-site-out", {"std": _fmri_pipeline()}, data, "abide", artifacts=folds)
    assert list(fmri.columns) == RESULTS_SCHEMA
    assert fmri["family"].unique().tolist() == ["fmri"] and fmri["subject"].isna().all()
    assert fmri["session"].tolist() == ["KKI", "OHSU"] and (fmri["chance_p95"] > 0).all()
    direct = evaluate_fmri_protocol({"std": _fmri_pipeline()}, data, "leave-site-out")
    np.testing.assert_array_equal(direct["score"], fmri["score"])
    np.testing.assert_array_equal(direct["chance"], fmri["chance"])
    assert [int(f["row"]) for f in folds] == [0, 1]
    assert [len(f["y_pred"]) for f in folds] == fmri["samples"].tolist()
    # decoding: R² rows of the same schema, those of a plain fit on the training bins
    from neuropipe.datasets import load_flint2012

    flint = load_flint2012()
    folds = []
    rows = evaluate("time-ordered", {"ridge": Ridge()}, flint, "flint2012", artifacts=folds)
    assert list(rows.columns) == RESULTS_SCHEMA
    assert rows["state"].tolist() == ["all", "vx", "vy"] and set(rows["scoring"]) == {"r2"}
    from neuropipe.decoders.metrics import nrmse, r2

    train, test = next(TimeOrderedSplit(**flint.protocol).split(flint.X))
    pred = Ridge().fit(flint.X[train], flint.y[train]).predict(flint.X[test])
    assert rows["score"].iloc[0] == r2(flint.y[test], pred)
    assert rows["nrmse"].iloc[0] == nrmse(flint.y[test], pred)
    assert folds[0]["family"] == "decoding" and folds[0]["y_true"].shape[1] == 2
    assert list(evaluate_time_ordered({}, flint).columns) == RESULTS_SCHEMA
    # summary: fMRI folds are units, decoding's per-state rows are left out
    table = summarize(pd.concat([fmri, rows], ignore_index=True))
    assert table.set_index("dataset").loc["abide", "subjects"] == 2
    assert table.set_index("dataset").loc["flint2012", "score"] == rows["score"].iloc[0]


def test_fmri_protocol_rows_keep_the_fold_sizes():
    data = _abide_sites()
    res = evaluate_fmri_protocol({"std": _fmri_pipeline()}, data, "stratified-3fold")
    assert res["samples"].sum() == len(data.y) and res["session"].tolist() == [
        "fold0",
        "fold1",
        "fold2",
    ]
    assert (res["n_train"] + res["samples"] == len(data.y)).all()


# --- the runner serves the three families -------------------------------------------------


@pytest.fixture
def family_folder(tmp_path, add_family_pipelines):
    return add_family_pipelines(tmp_path / "pipelines")


def _run_families(folder, output, **kwargs):
    return run_benchmark(
        folder,
        families=["fmri", "decoding"],
        datasets=["abide-pcp-cc200", "flint2012"],
        fmri_protocols=["leave-site-out"],
        output=output,
        progress=False,
        **kwargs,
    )


_VALUES = ["dataset", "evaluation", "session", "pipeline", "state", "score", "chance", "samples"]


@pytest.mark.slow
def test_fmri_and_decoding_resume_parallel_and_artifacts(
    family_folder, tmp_path, monkeypatch, executed_tasks
):
    serial = _run_families(family_folder, tmp_path / "out")
    assert serial.attrs["planned"] == {"fmri": 1, "decoding": 1}
    assert list(serial.columns) == RESULTS_SCHEMA
    assert set(serial["family"]) == {"fmri", "decoding"} and serial.attrs["failures"].empty
    n_sites = serial["family"].eq("fmri").sum()
    assert n_sites == 3  # one row per held-out site of the bundled subset: KKI, NYU, OHSU
    tasks = tmp_path / "out" / "tasks"
    assert len(list(tasks.glob("*.npz"))) == 2
    fmri_npz = next(p for p in tasks.glob("*.npz") if "abide" in p.name)
    folds = load_artifacts(fmri_npz)
    assert len(folds) == n_sites and all(f["family"] == "fmri" for f in folds)
    # resume: nothing recomputed; a task whose arrays are missing is recomputed
    executed_tasks.clear()
    again = _run_families(family_folder, tmp_path / "out", resume=True)
    assert executed_tasks == [] and again.attrs["resume"].reused == 2
    pd.testing.assert_frame_equal(again[_VALUES], serial[_VALUES])
    fmri_npz.unlink()
    again = _run_families(family_folder, tmp_path / "out", resume=True)
    assert [t.paradigm for t in executed_tasks] == ["fmri"]
    assert len(again.attrs["resume"].invalid) == 1
    assert fmri_npz.exists()
    monkeypatch.undo()
    # two joblib workers: the same rows
    parallel = _run_families(family_folder, tmp_path / "par", n_jobs=2)
    pd.testing.assert_frame_equal(parallel[_VALUES], serial[_VALUES])


@pytest.mark.slow
def test_fmri_and_decoding_on_dask_give_the_serial_results(family_folder, tmp_path):
    serial = _run_families(family_folder, tmp_path / "serial")
    with dask_client("local", n_workers=2) as client:
        distributed = _run_families(family_folder, tmp_path / "dask", scheduler=client)
    pd.testing.assert_frame_equal(distributed[_VALUES], serial[_VALUES])


def test_fingerprints_of_fmri_and_decoding_tasks(family_folder):
    from neuropipe.benchmark import plan_families

    plans = plan_families(
        family_folder, families=["fmri", "decoding"], fmri_protocols=["leave-site-out"]
    )
    fmri, decoding = plans["fmri"][0], plans["decoding"][0]
    assert (fmri.dataset, fmri.paradigm, fmri.subject) == ("abide-pcp-cc200", "fmri", "all")
    assert [t.dataset for t in plans["decoding"]] == ["flint2012", "stevenson2011"]
    one = task_fingerprint(fmri, 5, None)
    # by default fMRI keeps its documented seed (0); --n-splits does not touch its folds
    assert one == task_fingerprint(fmri, 3, None) and one["random_state"] == 0
    assert one["splitter"] == "LeaveSiteOut(column='site')"
    assert not one["data"].startswith("unavailable")
    # one seed per run: --random-state 7 reaches the fMRI folds as it reaches EEG's
    stratified = BenchmarkTask("abide-pcp-cc200", "fmri", "stratified-5fold", "all", "p", "p.py")
    default, seeded = task_fingerprint(stratified), task_fingerprint(stratified, 5, 7)
    assert "random_state=0" in default["splitter"] and "random_state=7" in seeded["splitter"]
    assert task_fingerprint(fmri, 5, 7)["random_state"] == 7
    other = task_fingerprint(decoding, 5, 42)
    assert other["splitter"] is None and not other["data"].startswith("unavailable")
    assert other["data"] != task_fingerprint(plans["decoding"][1], 5, 42)["data"]
