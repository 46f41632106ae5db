"""Task execution: resume after an interruption, failures kept apart, Dask = serial."""

import os
import textwrap

import numpy as np
import pandas as pd
import pytest

from neuropipe.benchmark import (
    BenchmarkTask,
    TaskStore,
    dask_client,
    execution,
    plan_benchmark,
    run_benchmark,
)
from neuropipe.benchmark.pipeline_files import load_pipelines
from neuropipe.datasets import EEGMMIDBHandsFeet

PIPELINE_FILE = """
from mne.decoding import CSP
from sklearn.discriminant_analysis import LinearDiscriminantAnalysis
from sklearn.pipeline import make_pipeline

PIPELINE = {
    "name": "CSP4+LDA",
    "paradigms": ["LeftRightImagery"],
    "pipeline": make_pipeline(CSP(n_components=4), LinearDiscriminantAnalysis()),
}
"""

BROKEN_FILE = """
from sklearn.base import BaseEstimator, ClassifierMixin

class Broken(ClassifierMixin, BaseEstimator):
    def fit(self, X, y):
        raise RuntimeError("this pipeline always fails")

PIPELINE = {"name": "Broken", "paradigms": ["LeftRightImagery"], "pipeline": Broken()}
"""


@pytest.fixture
def pipelines_dir(tmp_path):
    folder = tmp_path / "pipelines"
    folder.mkdir()
    (folder / "csp.py").write_text(textwrap.dedent(PIPELINE_FILE))
    return folder


def _run(pipelines_dir, output, **kwargs):
    return run_benchmark(
        pipelines_dir,
        datasets=["eegmmidb-leftright"],
        subjects=[1, 2, 3],
        output=output,
        progress=False,
        **kwargs,
    )


@pytest.mark.slow
def test_interrupted_run_resumes_without_recomputing(pipelines_dir, tmp_path, monkeypatch):
    reference = _run(pipelines_dir, tmp_path / "reference")
    calls = []
    original = execution.execute_task

    def interrupt_second(task, *args):
        calls.append(task.subject)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return original(task, *args)

    monkeypatch.setattr(execution, "execute_task", interrupt_second)
    with pytest.raises(KeyboardInterrupt):
        _run(pipelines_dir, tmp_path / "out")
    assert len(list((tmp_path / "out" / "tasks").glob("*.csv"))) == 1

    calls.clear()
    monkeypatch.setattr(
        execution,
        "execute_task",
        lambda task, *a: (calls.append(task.subject), original(task, *a))[1],
    )
    resumed = _run(pipelines_dir, tmp_path / "out", resume=True)
    assert calls == [2, 3]  # subject 1 was finished before the interruption
    pd.testing.assert_frame_equal(
        resumed.drop(columns=["time", "predict_time"]),
        reference.drop(columns=["time", "predict_time"]),
    )


@pytest.mark.slow
def test_failed_task_is_reported_and_others_kept(pipelines_dir, tmp_path):
    (pipelines_dir / "broken.py").write_text(textwrap.dedent(BROKEN_FILE))
    results = run_benchmark(
        pipelines_dir,
        datasets=["eegmmidb-leftright"],
        subjects=[1],
        output=tmp_path / "o",
        progress=False,
    )
    failures = results.attrs["failures"]
    assert failures["pipeline"].tolist() == ["Broken"]
    assert "this pipeline always fails" in failures["error"].iloc[0]
    assert results["pipeline"].tolist() == ["CSP4+LDA"]
    assert (tmp_path / "o" / "failures.csv").exists()


@pytest.mark.slow
def test_dask_local_cluster_gives_the_serial_results(pipelines_dir, tmp_path):
    serial = _run(pipelines_dir, tmp_path / "serial")
    with dask_client("local", n_workers=2) as client:
        assert len(client.scheduler_info()["workers"]) == 2
        distributed = _run(pipelines_dir, tmp_path / "dask", scheduler=client)
    columns = ["dataset", "subject", "session", "pipeline", "score", "samples", "chance"]
    pd.testing.assert_frame_equal(serial[columns], distributed[columns])
    assert np.isfinite(serial["score"]).all() and len(serial) == 3


def test_plan_lists_one_task_per_subject_and_pipeline(pipelines_dir):
    configs = load_pipelines(pipelines_dir)
    tasks = plan_benchmark(configs, ["eegmmidb-leftright", "ssvep-exo"], [1, 2])
    assert [(t.dataset, t.subject, t.pipeline) for t in tasks] == [
        ("eegmmidb-leftright", 1, "CSP4+LDA"),
        ("eegmmidb-leftright", 2, "CSP4+LDA"),
    ]
    assert len({t.key for t in tasks}) == 2
    with pytest.raises(ValueError, match="Unknown datasets"):
        plan_benchmark(configs, ["nope"])
    with pytest.raises(ValueError, match=r"Subjects \[99\] are in none"):
        plan_benchmark(configs, ["eegmmidb-leftright"], [99])
    with pytest.raises(ValueError, match="'protocol'"):
        plan_benchmark(configs, protocol="k-fold")


@pytest.mark.slow
def test_leakage_report_shows_the_optimism_of_selecting_on_all_trials():
    from neuropipe.benchmark import leakage_report

    report = leakage_report(
        "pipelines", datasets=["eegmmidb-leftright"], subjects=[1], n_splits=3
    ).set_index("pipeline")
    # only the pipelines with a selection step, e.g. PSD+R2+LDA, not TS+LR
    assert "PSD+R2+LDA" in report.index and "TS+LR" not in report.index
    # selecting among hundreds of spectral features on the test trials inflates the score
    assert (report["gap"] > 0.1).all()
    np.testing.assert_allclose(report["gap"], report["optimistic"] - report["leak_free"])


# --- issue 16: a task store that cannot lie ------------------------------------------------

FAST_FILE = """
from sklearn.discriminant_analysis import LinearDiscriminantAnalysis
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer
import numpy as np


def _logvar(X):
    return np.log(np.var(X, axis=-1))


def _pipe(shrinkage):
    return make_pipeline(
        FunctionTransformer(_logvar), LinearDiscriminantAnalysis(solver="lsqr", shrinkage=shrinkage)
    )


PIPELINE = [
    {"name": name, "paradigms": ["MotorImagery"], "pipeline": _pipe(shrinkage)}
    for name, shrinkage in NAMES
]
"""


def _fast_folder(tmp_path, names=(("CSP+LDA", 0.1), ("CSP LDA", 0.9), ("NA", 0.5), ("None", 0.3))):
    folder = tmp_path / "fast"
    folder.mkdir(exist_ok=True)
    (folder / "fast.py").write_text(f"NAMES = {list(names)!r}\n" + textwrap.dedent(FAST_FILE))
    return folder


def _run_fast(folder, output, **kwargs):
    kwargs.setdefault("n_splits", 2)
    return run_benchmark(
        folder,
        datasets=["eegmmidb-handsfeet"],
        subjects=[1],
        output=output,
        progress=False,
        **kwargs,
    )


def test_task_keys_never_collide_and_are_file_names():
    names = ["CSP+LDA", "CSP LDA", "CSP-LDA", "csp+lda", "NA", "None", "a/b", "../x", "é" * 300]
    tasks = [BenchmarkTask("d", "P", "within-session", 1, n, "f.py") for n in names]
    keys = [t.key for t in tasks]
    assert len(set(keys)) == len(keys)
    assert len({k.lower() for k in keys}) == len(keys)  # case-insensitive file systems too
    for key in keys:
        assert "/" not in key and not key.startswith(".") and len(key) < 160


def test_names_like_na_and_none_survive_into_results_and_summary(tmp_path):
    from neuropipe.benchmark import read_results, summarize

    results = _run_fast(_fast_folder(tmp_path), tmp_path / "out")
    expected = {"CSP+LDA", "CSP LDA", "NA", "None"}
    assert set(results["pipeline"]) == expected and len(results) == 4
    assert set(summarize(results)["pipeline"]) == expected
    assert len(list((tmp_path / "out" / "tasks").glob("*.csv"))) == 4
    path = tmp_path / "results.csv"
    results.to_csv(path, index=False)
    assert set(read_results(path)["pipeline"]) == expected
    # the two names that share a readable slug still hold different scores
    scores = results.set_index("pipeline")["score"]
    assert scores["CSP+LDA"] != scores["CSP LDA"]


def _damage(store_dir, kind):
    csv = sorted(store_dir.glob("*__NA__*.csv"))[0]
    text = csv.read_text()
    if kind == "truncated":
        csv.write_text(text[: len(text) // 2])
    elif kind == "header-only":
        csv.write_text(text.splitlines()[0] + "\n")
    elif kind == "wrong-columns":  # a consistent record, but not a results table
        import hashlib
        import json

        csv.write_text("a,b\n1,2\n")
        meta = csv.with_suffix(".json")
        record = json.loads(meta.read_text())
        record["csv_sha256"] = hashlib.sha256(csv.read_bytes()).hexdigest()
        meta.write_text(json.dumps(record))
    elif kind == "no-record":  # e.g. written by the previous version of the store
        csv.with_suffix(".json").unlink()


@pytest.mark.parametrize("kind", ["truncated", "header-only", "wrong-columns", "no-record"])
def test_resume_recomputes_damaged_task_files_and_says_so(tmp_path, executed_tasks, kind):
    folder = _fast_folder(tmp_path)
    reference = _run_fast(folder, tmp_path / "out")
    _damage(tmp_path / "out" / "tasks", kind)
    executed_tasks.clear()
    resumed = _run_fast(folder, tmp_path / "out", resume=True)
    assert [t.pipeline for t in executed_tasks] == ["NA"]
    report = resumed.attrs["resume"]
    assert (report.reused, len(report.invalid), len(report.stale), report.new) == (3, 1, 0, 0)
    assert "1 recomputed" in report.summary() and "1 invalid" in report.summary()
    pd.testing.assert_frame_equal(
        resumed.drop(columns=["time", "predict_time"]),
        reference.drop(columns=["time", "predict_time"]),
    )


def test_resume_recomputes_tasks_whose_fingerprint_changed(tmp_path):
    folder = _fast_folder(tmp_path)
    two = _run_fast(folder, tmp_path / "out", n_splits=2)
    three = _run_fast(folder, tmp_path / "out", n_splits=3, resume=True)
    report = three.attrs["resume"]
    assert report.reused == 0 and len(report.stale) == 4
    assert all(s.endswith(": splitter") for s in report.stale)  # its n_splits
    fresh = _run_fast(folder, tmp_path / "fresh", n_splits=3)
    np.testing.assert_allclose(three["score"], fresh["score"])
    assert not np.allclose(two["score"], three["score"])  # not the old 2-fold scores
    # an edited pipeline file is recomputed, the untouched reuse
    again = _run_fast(folder, tmp_path / "out", n_splits=3, resume=True).attrs["resume"]
    assert again.reused == 4 and again.recomputed == 0
    (folder / "fast.py").write_text((folder / "fast.py").read_text() + "\n# edited\n")
    edited = _run_fast(folder, tmp_path / "out", n_splits=3, resume=True).attrs["resume"]
    assert edited.reused == 0 and {s.split(": ")[1] for s in edited.stale} == {"pipeline_file"}


FLAKY_FILE = """
from pathlib import Path
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.dummy import DummyClassifier

MARKER = Path(__file__).with_name("FAIL")


class Flaky(ClassifierMixin, BaseEstimator):
    def fit(self, X, y):
        if MARKER.exists():
            raise RuntimeError("flaky failure")
        self.model_ = DummyClassifier(strategy="prior").fit(X.reshape(len(X), -1), y)
        self.classes_ = self.model_.classes_
        return self

    def predict_proba(self, X):
        return self.model_.predict_proba(X.reshape(len(X), -1))

    def predict(self, X):
        return self.model_.predict(X.reshape(len(X), -1))


PIPELINE = {"name": "Flaky", "paradigms": ["MotorImagery"], "pipeline": Flaky()}
"""


def test_failures_csv_reflects_the_final_state(tmp_path):
    folder = tmp_path / "flaky"
    folder.mkdir()
    (folder / "flaky.py").write_text(textwrap.dedent(FLAKY_FILE))
    (folder / "FAIL").touch()
    failed = _run_fast(folder, tmp_path / "out")
    assert failed.empty and failed.attrs["n_tasks"] == 1
    assert "flaky failure" in pd.read_csv(tmp_path / "out" / "failures.csv")["error"][0]
    (folder / "FAIL").unlink()
    fixed = _run_fast(folder, tmp_path / "out", resume=True)
    assert fixed["pipeline"].tolist() == ["Flaky"] and fixed.attrs["failures"].empty
    assert not (tmp_path / "out" / "failures.csv").exists()
    # a task that fails after succeeding loses its stored result: no stale score passes
    (folder / "FAIL").touch()
    assert _run_fast(folder, tmp_path / "out").empty
    assert list((tmp_path / "out" / "tasks").iterdir()) == []


def test_task_without_result_rows_is_a_failure(tmp_path, monkeypatch):
    folder = _fast_folder(tmp_path, [("LDA", 0.5)])
    # eegmmidb-handsfeet declares one session: cross-session is not planned there
    assert _run_fast(folder, tmp_path / "o", protocol="cross-session").attrs["n_tasks"] == 0
    # a dataset that does not declare its sessions is planned; its one session yields no
    # row, which must not pass
    monkeypatch.setattr(EEGMMIDBHandsFeet, "n_sessions", None)
    results = _run_fast(folder, tmp_path / "o2", protocol="cross-session")
    assert results.empty
    assert "no result" in results.attrs["failures"]["error"].iloc[0]


def test_writes_are_atomic_and_leave_no_temporary_files(tmp_path, monkeypatch):
    store = TaskStore(tmp_path)
    task = BenchmarkTask("d", "P", "within-session", 1, "x", "f.py")
    table = pd.DataFrame({"a": [1]})
    store.write(task, table, {"n_splits": 2})
    before = store.path(task).read_bytes()

    def crash(*args):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError):
        store.write(task, pd.DataFrame({"a": [2]}), {"n_splits": 2})
    assert store.path(task).read_bytes() == before
    assert [p.name for p in store.tasks_dir.iterdir() if p.name.startswith(".")] == []
    (store.tasks_dir / ".left.csv.123.tmp").write_text("half")  # a killed run's leftover
    TaskStore(tmp_path)
    assert not (store.tasks_dir / ".left.csv.123.tmp").exists()


# --- issue 18: the report's per-fold arrays are stored with each task ----------------------


@pytest.mark.slow
def test_each_task_stores_its_fold_arrays_and_resume_checks_them(tmp_path, executed_tasks):
    from neuropipe.benchmark.artifact_files import load_artifacts

    folder = _fast_folder(tmp_path, [("LDA", 0.5), ("LDA2", 0.1)])
    results = _run_fast(folder, tmp_path / "out")
    store = TaskStore(tmp_path / "out")
    tasks = plan_benchmark(load_pipelines(folder), ["eegmmidb-handsfeet"], [1])
    for task in tasks:
        folds = load_artifacts(store.artifacts_path(task))
        assert len(folds) == 2  # --n-splits 2, one session
        test = np.concatenate([f["test_index"] for f in folds])
        assert sorted(test) == list(range(len(test)))  # the folds tile the session
        assert all(int(f["row"]) == 0 and f["family"] == "eeg" for f in folds)
        assert set(folds[0]["classes"]) == {"feet", "hands"}
        row = results[results["pipeline"] == task.pipeline].iloc[0]
        accuracy = np.mean(np.concatenate([f["y_true"] == f["y_pred"] for f in folds]))
        assert 0.5 < accuracy <= 1.0 and row["score"] > 0.5
    store.artifacts_path(tasks[0]).unlink()  # lost arrays: that task is recomputed
    executed_tasks.clear()
    resumed = _run_fast(folder, tmp_path / "out", resume=True)
    assert [t.pipeline for t in executed_tasks] == [tasks[0].pipeline]
    assert len(resumed.attrs["resume"].invalid) == 1
    assert store.artifacts_path(tasks[0]).exists()
