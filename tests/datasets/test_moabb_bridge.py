"""MOABB runs offline on the bundled files and agrees with neuropipe's own evaluation."""

import os
import subprocess
import sys

import numpy as np
import pytest

from neuropipe.benchmark.pipeline_files import load_pipelines
from neuropipe.datasets import load_dataset
from neuropipe.datasets.moabb_bridge import (
    BundledSSVEPExo,
    eegbci_checksums,
    install_eegbci_offline,
    physionet_mi,
)
from neuropipe.evaluation.protocols import evaluate_within_session


@pytest.fixture
def mne_home(tmp_path, monkeypatch):
    monkeypatch.setenv("MNE_DATA", str(tmp_path))
    monkeypatch.setenv("MNE_DATASETS_EEGBCI_PATH", str(tmp_path))
    monkeypatch.setenv("MOABB_DOWNLOAD_PROVIDER", "upstream")
    return tmp_path


def test_install_layout_and_checksums(mne_home):
    root = install_eegbci_offline(mne_home)
    files = sorted((root / "MNE-eegbci-data/files/eegmmidb/1.0.0").glob("S*/S*.edf"))
    assert len(files) == 6 + 5 * 3
    assert eegbci_checksums()["S001/S001R04.edf"].startswith("3d161f88")


def test_install_refuses_damaged_file(tmp_path):
    from neuropipe._validation import DataFileError

    folder = tmp_path / "src" / "S001"
    folder.mkdir(parents=True)
    (folder / "S001R04.edf").write_bytes(b"0" * 1000)
    with pytest.raises(DataFileError, match="does not match PhysioNet's SHA-256"):
        install_eegbci_offline(tmp_path / "dst", source=tmp_path / "src", set_env=False)


@pytest.mark.slow
def test_moabb_within_session_matches_ours_offline(mne_home, no_network):
    from moabb.evaluations import WithinSessionEvaluation
    from moabb.paradigms import LeftRightImagery

    subjects = [1, 2]
    dataset = physionet_mi(subjects=subjects, root=mne_home)
    assert dataset.feet_runs == []
    paradigm = LeftRightImagery(fmin=8, fmax=30, tmin=0.5, tmax=2.5)
    X, y, _ = paradigm.get_data(dataset, [1])
    ours = load_dataset("eegmmidb-leftright", subjects=[1], epoching="short")
    np.testing.assert_allclose(ours.X, X, atol=1e-9)
    assert (ours.y == y).all()

    pipelines = {
        c["name"]: c["pipeline"]
        for c in load_pipelines("pipelines", include_slow=True)  # CSP+LDA is opt-in
        if c["name"] in ("CSP+LDA", "TS+LR")
    }
    evaluation = WithinSessionEvaluation(
        paradigm=paradigm, datasets=[dataset], overwrite=True, random_state=42,
        hdf5_path=str(mne_home),
    )
    moabb_scores = evaluation.process(pipelines).set_index(["subject", "pipeline"])["score"]
    ours_scores = evaluate_within_session(
        pipelines,
        load_dataset("eegmmidb-leftright", subjects=subjects, epoching="short"),
        "eegmmidb",
    ).set_index(["subject", "pipeline"])["score"]
    for (subject, pipeline), score in ours_scores.items():
        assert abs(moabb_scores[(str(subject), pipeline)] - score) <= 0.02


@pytest.mark.slow
def test_moabb_ssvep_offline_same_epochs(no_network):
    from moabb.paradigms import FilterBankSSVEP

    X, y, meta = FilterBankSSVEP().get_data(BundledSSVEPExo(subjects=[2]), [2])
    ours = load_dataset("ssvep-exo", subjects=[2], paradigm="FilterBankSSVEP")
    assert X.shape == ours.X.shape == (64, 8, 513, 3)
    np.testing.assert_allclose(ours.X, X, atol=1e-9)
    assert (ours.y == y).all()
    assert sorted(meta["session"].unique()) == ["0", "1"]


def test_probing_local_subjects_never_asks_nemar(tmp_path, monkeypatch, no_network):
    """moabb:CODE without subjects offline: no NEMAR look-up (retried for minutes), no download.

    MOABB's default provider fetches a NEMAR index first, retrying with back-off when the
    network is unreachable; the probe pins the provider to "upstream" while it lasts.
    """
    import moabb.datasets.base as base

    from neuropipe.datasets import get_dataset

    asked = []

    def record(*args, **kwargs):
        asked.append(args)
        raise OSError("offline")

    monkeypatch.setattr(base, "nemar_sourcedata_dl", record)
    monkeypatch.setattr(base, "nemar_dl", record)
    monkeypatch.setenv("MNE_DATA", str(tmp_path))
    monkeypatch.setenv("MNE_DATASETS_EEGBCI_PATH", str(tmp_path))
    monkeypatch.delenv("MOABB_DOWNLOAD_PROVIDER", raising=False)
    dataset = get_dataset("moabb:PhysionetMI")
    assert dataset.local_subjects() == [] and asked == []
    assert "MOABB_DOWNLOAD_PROVIDER" not in os.environ  # restored
    with pytest.raises(ValueError, match="none of its 109 subjects has its files on disk"):
        dataset.load()


@pytest.mark.slow
def test_moabb_without_subjects_offline_answers_at_once(tmp_path):
    """The command as a user runs it, MNE's data folder empty: one line, no retries."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MOABB_", "MNE_"))}
    env.update(HOME=str(tmp_path), MNE_DATA=str(tmp_path / "mne_data"), OMP_NUM_THREADS="1")
    (tmp_path / "mne_data").mkdir()
    command = [sys.executable, "-m", "neuropipe.cli", "benchmark", "--datasets",
               "moabb:PhysionetMI", "--no-progress", "--output", str(tmp_path / "out")]
    done = subprocess.run(  # the timeout only guards against the former 4-6 minutes
        command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120
    )
    out = done.stdout + done.stderr
    assert done.returncode == 2, out
    assert "Retrying" not in out and "NEMAR" not in out, out
    assert out.strip().splitlines() == [
        "neuropipe: error: moabb:PhysionetMI: none of its 109 subjects has its files on disk "
        "(MOABB finds none in MNE's data folder with the network refused), and neuropipe "
        "downloads only subjects named: pass --subjects 1 2 (neuropipe benchmark) or "
        "subjects=[1, 2] (load) to let MOABB download those."
    ], out
