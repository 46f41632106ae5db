"""Our pipeline files run inside ``moabb.benchmark``, and MOABB's .yml files run in ours."""

import textwrap

import numpy as np
import pytest

from neuropipe.benchmark import run_benchmark
from neuropipe.benchmark.pipeline_files import load_pipelines
from neuropipe.datasets import load_dataset
from neuropipe.datasets.moabb_bridge import BundledSSVEPExo, physionet_mi
from neuropipe.evaluation.protocols import evaluate_within_session

MOABB_CSP_YML = """
name: MOABB CSP+LDA (yml)
paradigms:
  - LeftRightImagery
pipeline:
  - name: CSP
    from: mne.decoding
    parameters:
      n_components: 8
  - name: LinearDiscriminantAnalysis
    from: sklearn.discriminant_analysis
    parameters:
      solver: svd
"""


@pytest.fixture
def offline_moabb(tmp_path, monkeypatch, no_network):
    """MOABB paradigms restricted to the bundled PhysionetMI subject 1 and SSVEP subject 1."""
    from moabb.paradigms import FilterBankSSVEP, LeftRightImagery

    monkeypatch.setenv("MNE_DATA", str(tmp_path))
    # set, so that MOABB's evaluations do not write it into ~/.mne/mne-python.json
    # (a path that pytest deletes, which then broke the next session's run)
    monkeypatch.setenv("MOABB_RESULTS", str(tmp_path))
    physionet = physionet_mi(subjects=[1], root=tmp_path)
    ssvep = BundledSSVEPExo(subjects=[1])
    monkeypatch.setattr(LeftRightImagery, "datasets", property(lambda self: [physionet]))
    monkeypatch.setattr(FilterBankSSVEP, "datasets", property(lambda self: [ssvep]))
    return physionet, ssvep


def test_every_pipeline_file_loads_in_moabb():
    from moabb.pipelines.utils import parse_pipelines_from_directory

    names = {c["name"] for c in parse_pipelines_from_directory("pipelines/")}
    assert names == {c["name"] for c in load_pipelines("pipelines", include_slow=True)}


def _needs_recording(pipeline):
    """Whether a pipeline takes the rate or channel names from the data (mne.Epochs)."""
    from neuropipe.preprocessing import EpochsToArray, FilterBank, PickChannels

    params = pipeline.get_params(deep=True)
    for key, value in params.items():
        owner = params[key.rpartition("__")[0]] if "__" in key else pipeline
        name = key.rpartition("__")[2]
        if value is None and name == "sfreq" and not isinstance(owner, (EpochsToArray, FilterBank)):
            return True
        if value is None and name == "ch_names" and isinstance(owner, PickChannels):
            return True
    return False


@pytest.mark.slow
def test_pipelines_that_read_the_recording_run_in_moabb_on_epochs(offline_moabb):
    """MOABB's evaluations give mne.Epochs (return_epochs=True): rate and channels come along."""
    from moabb.evaluations import WithinSessionEvaluation
    from moabb.paradigms import LeftRightImagery

    physionet, _ = offline_moabb
    ours = {
        c["name"]: c["pipeline"]
        for c in load_pipelines("pipelines")
        if "LeftRightImagery" in c["paradigms"] and _needs_recording(c["pipeline"])
    }
    assert {"CAR+logBP(mu,beta)+sLDA", "ACM+TS+SVM (sensorimotor, OAS)"} <= set(ours)
    evaluation = WithinSessionEvaluation(
        paradigm=LeftRightImagery(), datasets=[physionet], overwrite=True, return_epochs=True
    )
    results = evaluation.process(ours).set_index("pipeline")
    assert set(results.index) == set(ours)
    assert results["score"].between(0, 1).all()
    # S001 decodes above the p < 0.05 chance threshold of 45 trials (ROC-AUC 0.643)
    assert results.loc["CAR+logBP(mu,beta)+sLDA", "score"] > 0.643


@pytest.mark.slow
def test_every_pipeline_file_runs_in_moabb_benchmark(offline_moabb, tmp_path):
    import shutil

    import moabb

    physionet, ssvep = offline_moabb
    # the opt-in slow reference pipelines (MOABB's own ACM grid: minutes per fold on 64
    # channels) are left out of this run; the test above shows that they load. MOABB's
    # arrays carry no rate or channel names: the files that take them from the data run
    # in MOABB with return_epochs=True (next test)
    ours = [c for c in load_pipelines("pipelines") if not _needs_recording(c["pipeline"])]
    folder = tmp_path / "pipelines"
    folder.mkdir()
    for source in {c["source"] for c in ours}:
        shutil.copy(source, folder)
    results = moabb.benchmark(
        pipelines=str(folder),
        evaluations=["WithinSession"],
        paradigms=["LeftRightImagery", "FilterBankSSVEP"],
        include_datasets=[physionet.code, ssvep.code],
        results=str(tmp_path / "results"),
        output=str(tmp_path / "benchmark"),
        n_jobs=1,
    )
    expected = {
        c["name"] for c in ours if {"LeftRightImagery", "FilterBankSSVEP"} & set(c["paradigms"])
    }
    assert set(results["pipeline"]) == expected
    assert results["score"].between(0, 1).all()
    # MOABB's default LeftRightImagery epochs (8-32 Hz, 0-3 s): TS+LR decodes subject 1
    # above the p < 0.05 chance threshold of 45 trials (ROC-AUC 0.643)
    ts = results[(results["pipeline"] == "TS+LR") & (results["dataset"] == physionet.code)]
    assert ts["score"].iloc[0] > 0.643


@pytest.mark.slow
def test_moabb_yml_pipeline_side_by_side(tmp_path):
    yml = tmp_path / "CSP.yml"
    yml.write_text(textwrap.dedent(MOABB_CSP_YML))
    results = run_benchmark(
        ["pipelines/csp_lda.py", yml],
        datasets=["eegmmidb-leftright"],
        subjects=[1],
        output=tmp_path / "out",
        include_slow=True,  # CSP+LDA is opt-in (docs/eeg_accuracy.md)
        progress=False,
    )
    scores = results.set_index("pipeline")["score"]
    assert set(scores.index) == {"CSP+LDA", "MOABB CSP+LDA (yml)"}
    # the same CSP(8)+LDA, configured in YAML by MOABB or in Python by us
    assert scores["MOABB CSP+LDA (yml)"] == pytest.approx(scores["CSP+LDA"], abs=1e-9)


@pytest.mark.slow
def test_default_epochs_and_scores_identical_to_moabb_defaults(offline_moabb, tmp_path):
    from moabb.evaluations import WithinSessionEvaluation
    from moabb.paradigms import LeftRightImagery

    physionet, _ = offline_moabb
    paradigm = LeftRightImagery()  # MOABB's defaults: 8-32 Hz, PhysionetMI's 0-3 s
    X, y, _ = paradigm.get_data(physionet, [1])
    ours = load_dataset("eegmmidb-leftright", subjects=[1])
    assert ours.X.shape == X.shape == (45, 64, 481)
    np.testing.assert_allclose(ours.X, X, atol=1e-9)
    assert (ours.y == y).all()
    pipelines = {
        c["name"]: c["pipeline"]
        for c in load_pipelines("pipelines", include_slow=True)  # CSP+LDA is opt-in
        if c["name"] in ("CSP+LDA", "TS+LR", "TS+SVM")
    }
    moabb = WithinSessionEvaluation(
        paradigm=paradigm,
        datasets=[physionet],
        overwrite=True,
        random_state=42,
        hdf5_path=str(tmp_path),
    ).process(pipelines)
    ours_scores = evaluate_within_session(pipelines, ours, "eegmmidb").set_index("pipeline")
    for _, row in moabb.iterrows():
        # same epochs, same folds, same estimators: the same score (MOABB stores float32)
        assert ours_scores.loc[row["pipeline"], "score"] == pytest.approx(row["score"], abs=1e-6)
