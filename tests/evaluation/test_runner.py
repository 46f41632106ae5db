"""Task execution: resume after an interruption, failures kept apart, Dask = serial."""

import textwrap

import numpy as np
import pandas as pd
import pytest

from neuropipe.evaluation import runner
from neuropipe.evaluation.benchmark import dask_client, plan_benchmark, run_benchmark
from neuropipe.evaluation.pipelines import load_pipelines

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
    original = runner.execute_task

    def interrupt_second(task, *args):
        calls.append(task.subject)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return original(task, *args)

    monkeypatch.setattr(runner, "execute_task", interrupt_second)
    with pytest.raises(KeyboardInterrupt):
        _run(pipelines_dir, tmp_path / "out")
    assert len(list((tmp_path / "out" / "tasks").glob("*.csv"))) == 1

    calls.clear()
    monkeypatch.setattr(
        runner, "execute_task", lambda task, *a: (calls.append(task.subject), original(task, *a))[1]
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
    with pytest.raises(ValueError, match="'protocol'"):
        plan_benchmark(configs, protocol="k-fold")


@pytest.mark.slow
def test_leakage_report_shows_the_optimism_of_selecting_on_all_trials():
    from neuropipe.evaluation.benchmark import leakage_report

    report = leakage_report(
        "pipelines", datasets=["eegmmidb-leftright"], subjects=[1], n_splits=3
    ).set_index("pipeline")
    # only the pipelines with a selection step, e.g. PSD+R2+LDA, not TS+LR
    assert "PSD+R2+LDA" in report.index and "TS+LR" not in report.index
    # selecting among hundreds of spectral features on the test trials inflates the score
    assert (report["gap"] > 0.1).all()
    np.testing.assert_allclose(report["gap"], report["optimistic"] - report["leak_free"])
