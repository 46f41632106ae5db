"""The user's datasets (MOABB by code, BIDS, TOML) load the same epochs and get the same
benchmark scores as the bundled copy of the same recordings."""

import json

import numpy as np
import pytest

from neuropipe._validation import DataFileError
from neuropipe.benchmark import BenchmarkTask, execute_task
from neuropipe.benchmark.pipeline_files import load_pipeline_file
from neuropipe.datasets import (
    BIDSDataset,
    EEGMMIDBLeftRight,
    TOMLDataset,
    bundled_path,
    get_dataset,
    load_dataset,
)
from neuropipe.datasets.moabb_bridge import install_eegbci_offline
from neuropipe.evaluation.paradigms import evaluate

EEGMMIDB = bundled_path("eegmmidb")
RUNS = (4, 8, 12)
# One epoching for every copy: MOABB's PhysionetMI + LeftRightImagery defaults.
EPOCHING = dict(tmin=0.0, tmax=3.0, l_freq=8.0, h_freq=32.0)
TOML_HEAD = """\
name = "eegmmidb copy"
paradigm = "LeftRightImagery"
interval = [0.0, 3.0]
band = [8.0, 32.0]
[events]
T1 = "left_hand"
T2 = "right_hand"
"""
TS_LR = str(bundled_path().parent / "pipelines" / "ts_lr.py")


def _bundled(subject):
    return EEGMMIDBLeftRight().load(subjects=[subject], **EPOCHING)


def _scores(data, subject):
    pipelines = {"TS+LR": load_pipeline_file(TS_LR)[0]["pipeline"]}
    table = evaluate("within-session", pipelines, data, "x", random_state=42)
    return table.loc[table["subject"] == subject, "score"].to_numpy()


def _task_scores(spec, subject):
    task = BenchmarkTask(spec, "LeftRightImagery", "within-session", subject, "TS+LR", TS_LR)
    _, result, error = execute_task(task)
    assert error is None, error
    return result["score"].to_numpy()


def _write_toml(folder, subjects):
    lines = [TOML_HEAD, "[subjects]"]
    for s in subjects:
        files = [str(EEGMMIDB / f"S{s:03d}" / f"S{s:03d}R{r:02d}.edf") for r in RUNS]
        lines.append(f"{s} = {json.dumps(files)}")
    (folder / "neuropipe.toml").write_text("\n".join(lines) + "\n")
    return folder


@pytest.mark.slow
def test_toml_folder_same_epochs_and_scores_as_bundled(tmp_path):
    folder = _write_toml(tmp_path, [1])
    dataset = get_dataset(str(folder))
    assert isinstance(dataset, TOMLDataset)
    assert dataset.subjects == [1] and list(dataset.paradigms) == ["LeftRightImagery"]
    ours, theirs = dataset.load(subjects=[1]), _bundled(1)
    np.testing.assert_array_equal(ours.X, theirs.X)
    np.testing.assert_array_equal(ours.y, theirs.y)
    expected = _scores(theirs, 1)
    np.testing.assert_array_equal(_task_scores(str(folder), 1), expected)
    assert expected[0] > 0.5


def test_toml_sessions_globs_and_errors(tmp_path):
    (tmp_path / "a.toml").write_text(
        TOML_HEAD + '[subjects]\n7 = { "A" = ["S001/S001R04.edf"], "B" = ["S001/S001R0[8].edf"] }\n'
    )
    (tmp_path / "S001").symlink_to(EEGMMIDB / "S001")
    data = load_dataset(str(tmp_path / "a.toml"), subjects=[7])
    assert sorted(set(data.metadata["session"])) == ["A", "B"] and len(data) == 30
    (tmp_path / "b.toml").write_text(TOML_HEAD + "[subjects]\n1 = [\"nope.edf\"]\n")
    with pytest.raises(DataFileError, match="'nope.edf'.*does not exist"):
        get_dataset(str(tmp_path / "b.toml"))
    (tmp_path / "c.toml").write_text('paradigm = "X"\n[subjects]\n1 = ["S001/S001R04.edf"]\n')
    with pytest.raises(ValueError, match="lacks 'events'"):
        get_dataset(str(tmp_path / "c.toml"))
    with pytest.raises(ValueError, match="Subjects \\[2\\] are not in"):
        load_dataset(str(tmp_path / "a.toml"), subjects=[2])


@pytest.fixture(scope="module")
def bids_root(tmp_path_factory):
    import mne
    from mne_bids import BIDSPath, write_raw_bids

    root = tmp_path_factory.mktemp("bids")
    for subject in (1, 2):
        for run in RUNS:
            raw = mne.io.read_raw_edf(EEGMMIDB / f"S{subject:03d}" / f"S{subject:03d}R{run:02d}.edf")
            path = BIDSPath(subject=f"{subject:03d}", task="imagery", run=run, root=root)
            write_raw_bids(raw, path, verbose=False, overwrite=True)
    (root / "neuropipe.toml").write_text(TOML_HEAD)
    return root


@pytest.mark.slow
def test_bids_copy_same_epochs_and_scores_as_bundled(bids_root):
    dataset = get_dataset(str(bids_root))
    assert isinstance(dataset, BIDSDataset)
    assert dataset.subjects == [1, 2]
    for subject in (1, 2):
        ours, theirs = dataset.load(subjects=[subject]), _bundled(subject)
        np.testing.assert_allclose(ours.X, theirs.X, rtol=0, atol=1e-9)
        np.testing.assert_array_equal(ours.y, theirs.y)
        np.testing.assert_array_equal(_task_scores(str(bids_root), subject), _scores(theirs, subject))
    assert get_dataset(f"bids:{bids_root}").subjects == [1, 2]


def test_bids_needs_an_epoching(tmp_path):
    (tmp_path / "dataset_description.json").write_text('{"Name": "x", "BIDSVersion": "1.8.0"}')
    with pytest.raises(ValueError, match="lacks 'events'"):
        BIDSDataset(tmp_path)


@pytest.mark.slow
def test_moabb_by_code_offline_same_scores_as_bundled(tmp_path, monkeypatch, no_network):
    install_eegbci_offline(tmp_path, set_env=False)
    monkeypatch.setenv("MNE_DATA", str(tmp_path))
    monkeypatch.setenv("MNE_DATASETS_EEGBCI_PATH", str(tmp_path))
    monkeypatch.setenv("MOABB_DOWNLOAD_PROVIDER", "upstream")
    dataset = get_dataset("moabb:PhysionetMI")
    assert list(dataset.paradigms)[0] == "LeftRightImagery" and 109 in dataset.subjects
    ours, theirs = dataset.load(subjects=[1], paradigm="LeftRightImagery"), _bundled(1)
    np.testing.assert_allclose(ours.X, theirs.X, rtol=0, atol=1e-6)
    np.testing.assert_array_equal(ours.y, theirs.y)
    np.testing.assert_array_equal(_task_scores("moabb:PhysionetMI", 1), _scores(theirs, 1))


def _offline_mne_data(monkeypatch, root):
    monkeypatch.setenv("MNE_DATA", str(root))
    monkeypatch.setenv("MNE_DATASETS_EEGBCI_PATH", str(root))
    monkeypatch.setenv("MOABB_DOWNLOAD_PROVIDER", "upstream")


@pytest.mark.slow
def test_moabb_default_subjects_are_those_on_disk(tmp_path, monkeypatch, no_network, capsys):
    """No --subjects: the subjects MOABB reads offline, never a download of the other 108."""
    from neuropipe.benchmark import plan_benchmark
    from neuropipe.cli import main

    install_eegbci_offline(tmp_path, set_env=False)
    _offline_mne_data(monkeypatch, tmp_path)
    dataset = get_dataset("moabb:PhysionetMI")
    # PhysionetMI's LeftRightImagery reads the hand and the feet runs (4-14): of the
    # bundled subjects only S001 has them all; S002-S006 lack the feet runs
    assert dataset.local_subjects() == [1] and dataset.default_subjects == [1]
    assert len(dataset.subjects) == 109  # named subjects may still be asked for
    configs = load_pipeline_file(TS_LR)
    planned = plan_benchmark(configs, ["moabb:PhysionetMI"])
    assert planned and {t.subject for t in planned} == {1}
    assert {t.subject for t in plan_benchmark(configs, ["moabb:PhysionetMI"], [2])} == {2}
    np.testing.assert_array_equal(dataset.load().y, dataset.load(subjects=[1]).y)

    # nothing on disk: one line saying how to name subjects, and no download tried
    empty = tmp_path / "empty"
    empty.mkdir()
    _offline_mne_data(monkeypatch, empty)
    with pytest.raises(ValueError, match="none of its 109 subjects has its files on disk"):
        get_dataset("moabb:PhysionetMI").load()
    args = ["benchmark", "--datasets", "moabb:PhysionetMI", "--pipelines", TS_LR,
            "--no-progress", "--no-report", "--output", str(tmp_path / "out")]
    assert main(args) != 0
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "pass --subjects 1 2 (neuropipe benchmark)" in err[0], err


def test_unknown_specs_are_named():
    with pytest.raises(ValueError, match="No MOABB dataset has the code or class name 'Nope'"):
        get_dataset("moabb:Nope")
    with pytest.raises(ValueError, match="Invalid value for the 'name' parameter"):
        get_dataset("not-a-dataset")


@pytest.mark.slow
def test_benchmark_command_takes_a_spec(tmp_path):
    import pandas as pd

    from neuropipe.cli import main

    folder = _write_toml(tmp_path, [1])
    args = ["benchmark", "--paradigms", "eeg", "--datasets", str(folder), "--pipelines", TS_LR,
            "--no-progress", "--no-leakage", "--no-report", "--output", str(tmp_path / "out")]
    assert main(args) == 0
    results = pd.read_csv(tmp_path / "out" / "results.csv")
    assert results["dataset"].tolist() == [str(folder)]
    np.testing.assert_allclose(results["score"], _scores(_bundled(1), 1))
